//! `linq-sandbox`: serves a sandbox Linq account over HTTP on loopback.
//!
//! ```text
//! cargo run -p linq-sandbox -- [--addr 127.0.0.1:PORT] [--seed N] [--api-key KEY] [--tick-ms MS]
//! ```
//!
//! Prints `LINQ_API_V3_BASE_URL=…` and `LINQ_API_V3_API_KEY=…`, then serves
//! until killed. The clock is the wall clock (so receivers can check webhook
//! timestamps), and the sandbox advances every `--tick-ms` (default 200;
//! 0 to advance only through `POST /__sandbox/advance`).

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use linq_sandbox::{Clock, Sandbox};

const USAGE: &str =
    "usage: linq-sandbox [--addr 127.0.0.1:PORT] [--seed N] [--api-key KEY] [--tick-ms MS]";

struct Args {
    addr: SocketAddr,
    seed: u32,
    api_key: Option<String>,
    tick_ms: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        seed: 1,
        api_key: None,
        tick_ms: 200,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (flag, None),
        };
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let value = inline
            .or_else(|| it.next())
            .ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--addr" => {
                args.addr = value
                    .parse()
                    .map_err(|_| format!("--addr {value:?} is not IP:PORT"))?;
            }
            "--seed" => args.seed = value.parse().map_err(|_| "--seed needs a number")?,
            "--api-key" => args.api_key = Some(value),
            "--tick-ms" => args.tick_ms = value.parse().map_err(|_| "--tick-ms needs a number")?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("linq-sandbox: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if !args.addr.ip().is_loopback() {
        eprintln!(
            "linq-sandbox: refusing to listen on {}: only loopback addresses are allowed",
            args.addr
        );
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("linq-sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let mut builder = Sandbox::builder().seed(args.seed).clock(Clock::System);
        if let Some(key) = args.api_key {
            builder = builder.api_key(key);
        }
        let sandbox = builder.build();
        let server = match sandbox.serve(args.addr).await {
            Ok(server) => server,
            Err(e) => {
                eprintln!("linq-sandbox: {e}");
                return ExitCode::FAILURE;
            }
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "LINQ_API_V3_BASE_URL={}", server.base_url());
        let _ = writeln!(out, "LINQ_API_V3_API_KEY={}", sandbox.api_key());
        let _ = out.flush();
        drop(out);
        let _ticker =
            (args.tick_ms > 0).then(|| sandbox.auto_advance(Duration::from_millis(args.tick_ms)));
        std::future::pending::<()>().await;
        drop(server);
        ExitCode::SUCCESS
    })
}
