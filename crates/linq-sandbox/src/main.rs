//! `linq-sandbox`: serves a sandbox Linq account over HTTP on loopback.
//! `linq-sandbox --help` lists the options and the control API.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, UNIX_EPOCH};

use clap::Parser;
use linq_sandbox::{Capabilities, Clock, Sandbox, ServeOptions};

const AFTER_HELP: &str = "\
Output: three lines on stdout, then it serves until killed:
  LINQ_API_V3_BASE_URL=http://127.0.0.1:PORT/api/partner
  LINQ_API_V3_API_KEY=KEY
  LINQ_SANDBOX_CONTROL_KEY=KEY

Modes:
  strict (default)  one account with rules like the real API's: requests need
                    the printed key (a random one unless --api-key), ids must
                    exist, `from` must be one of the account's lines.
  --mock            a mock server for any SDK's tests: any bearer key works,
                    unknown ids in a path are materialised on first use (a
                    later read sees the same thing), any `from` becomes a
                    line, and schema-valid requests the rules would refuse
                    are answered as if they had succeeded. Invalid requests
                    are 400 in both modes.

Control API (bearer control key: the API key in strict mode, a key of its
own in mock mode; OpenAPI document at /__sandbox/openapi.json):
  POST   /__sandbox/reset          back to the starting state
  POST   /__sandbox/seed           {lines, capabilities, chats} (as --fixture)
  POST   /__sandbox/capabilities   {handle, imessage, rcs, sms}
  GET    /__sandbox/state          lines, chats, messages, subscriptions
  GET    /__sandbox/requests       the request log
  GET    /__sandbox/events         every event emitted
  GET    /__sandbox/deliveries     signed deliveries; /attempts their outcomes
  POST   /__sandbox/faults         {kind, count, operation, method, path, ...}
  DELETE /__sandbox/faults
  POST   /__sandbox/advance        {steps}; /settle until nothing is pending
  GET    /__sandbox/clock          now; POST /__sandbox/clock {set | advance_ms}
  POST   /__sandbox/inbound        a message, reaction, typing, poll, vote, contact
                                   card or location share from a person
  POST   /__sandbox/fail-message   a sent message fails later
  POST   /__sandbox/emit           any event type, with a schema-valid payload";

/// A stand-in for the Linq Partner API v3 on loopback, for offline
/// development and for testing any language's client against it.
#[derive(Debug, Parser)]
#[command(name = "linq-sandbox", version, after_help = AFTER_HELP)]
struct Args {
    /// Where to listen; loopback only (127.0.0.1 or ::1). Port 0 picks a
    /// free one.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "IP:PORT")]
    addr: SocketAddr,

    /// Mock mode (see below): accept any key, made-up ids and lines.
    #[arg(long)]
    mock: bool,

    /// The key requests must carry (default: a random key, printed).
    #[arg(long, value_name = "KEY")]
    api_key: Option<String>,

    /// The key the control API needs (default: the API key in strict
    /// mode; in mock mode, where any key is an API key, a random key of
    /// its own, printed).
    #[arg(long, value_name = "KEY")]
    control_key: Option<String>,

    /// Seeds the id generator: the same seed gives the same ids.
    #[arg(long, default_value_t = 1, value_name = "N")]
    seed: u32,

    /// A line (E.164 phone number) of the account; repeat for several.
    /// Replaces the default lines +12025550100 and +12025550101.
    #[arg(long = "line", value_name = "E164")]
    lines: Vec<String>,

    /// Which services reach a handle, as HANDLE=SERVICES with SERVICES a
    /// comma-separated subset of imessage,rcs,sms (or `none`). Repeatable.
    #[arg(long = "capabilities", value_name = "HANDLE=SERVICES", value_parser = parse_capabilities)]
    capabilities: Vec<(String, Capabilities)>,

    /// A JSON fixture applied at start: {"lines": [...], "capabilities":
    /// {handle: {"imessage": bool, "rcs": bool, "sms": bool}}, "chats":
    /// [{"to": [...], "text": "...", "from": "..."}]}.
    #[arg(long, value_name = "FILE")]
    fixture: Option<PathBuf>,

    /// `system` follows the wall clock (webhook receivers can check
    /// timestamps); `manual` starts at --start and moves only on advance
    /// or `POST /__sandbox/clock`.
    #[arg(long, default_value = "system", value_parser = ["system", "manual"])]
    clock: String,

    /// Start of the manual clock, in Unix seconds (default
    /// 2026-02-03T00:00:00Z).
    #[arg(long, value_name = "UNIX_SECONDS")]
    start: Option<u64>,

    /// Advance the simulation every MS milliseconds (0: only through
    /// `POST /__sandbox/advance`).
    #[arg(long, default_value_t = 200, value_name = "MS")]
    tick_ms: u64,

    /// Connections served at once; more are closed on accept.
    #[arg(long, default_value_t = 256, value_name = "N")]
    max_connections: usize,

    /// Close a connection whose request headers take longer than this.
    #[arg(long, default_value_t = 10_000, value_name = "MS")]
    header_timeout_ms: u64,
}

fn parse_capabilities(text: &str) -> Result<(String, Capabilities), String> {
    let (handle, services) = text
        .split_once('=')
        .ok_or("expected HANDLE=SERVICES, such as +12025550143=imessage,sms")?;
    let mut caps = Capabilities::NONE;
    for service in services.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match service.to_ascii_lowercase().as_str() {
            "imessage" => caps.imessage = true,
            "rcs" => caps.rcs = true,
            "sms" => caps.sms = true,
            "none" => {}
            other => {
                return Err(format!(
                    "unknown service {other:?} (imessage, rcs, sms, none)"
                ));
            }
        }
    }
    Ok((handle.to_owned(), caps))
}

/// A key nobody can guess from outside the process: the standard library's
/// per-process random hash keys, stirred with the time and the process id.
fn random_key() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::from("sk_sandbox_");
    for i in 0..2u64 {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(i);
        h.write_u32(std::process::id());
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !args.addr.ip().is_loopback() {
        eprintln!(
            "linq-sandbox: refusing to listen on {}: only loopback addresses are allowed",
            args.addr
        );
        return ExitCode::from(2);
    }
    let fixture = match &args.fixture {
        None => None,
        Some(path) => match std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|b| {
                serde_json::from_slice::<serde_json::Value>(&b).map_err(|e| e.to_string())
            }) {
            Ok(v) => Some(v),
            Err(e) => {
                eprintln!("linq-sandbox: --fixture {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
    };
    if args.start.is_some() && args.clock != "manual" {
        eprintln!("linq-sandbox: --start needs --clock manual");
        return ExitCode::from(2);
    }
    let clock = match (args.clock.as_str(), args.start) {
        ("manual", Some(secs)) => Clock::Manual(UNIX_EPOCH + Duration::from_secs(secs)),
        ("manual", None) => Clock::default(),
        _ => Clock::System,
    };
    let mut builder = Sandbox::builder()
        .seed(args.seed)
        .clock(clock)
        .mock(args.mock)
        .api_key(args.api_key.clone().unwrap_or_else(random_key));
    builder = match (&args.control_key, args.mock) {
        (Some(key), _) => builder.control_key(key.clone()),
        (None, true) => builder.control_key(random_key().replacen("sk_sandbox_", "sk_control_", 1)),
        (None, false) => builder,
    };
    if !args.lines.is_empty() {
        builder = builder.lines(args.lines.clone());
    }
    let sandbox = builder.build();
    for (handle, caps) in &args.capabilities {
        sandbox.set_capabilities(handle, *caps);
    }
    if let Some(fixture) = &fixture {
        if let Err(e) = sandbox.seed(fixture) {
            eprintln!("linq-sandbox: the fixture was refused: {e}");
            return ExitCode::from(2);
        }
    }
    sandbox.set_baseline();
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
    let options = ServeOptions::default()
        .max_connections(args.max_connections)
        .header_read_timeout(Duration::from_millis(args.header_timeout_ms));
    runtime.block_on(async move {
        let server = match sandbox.serve_with(args.addr, options).await {
            Ok(server) => server,
            Err(e) => {
                eprintln!("linq-sandbox: {e}");
                return ExitCode::FAILURE;
            }
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "LINQ_API_V3_BASE_URL={}", server.base_url());
        let _ = writeln!(out, "LINQ_API_V3_API_KEY={}", sandbox.api_key());
        let _ = writeln!(out, "LINQ_SANDBOX_CONTROL_KEY={}", sandbox.control_key());
        let _ = out.flush();
        drop(out);
        let _ticker =
            (args.tick_ms > 0).then(|| sandbox.auto_advance(Duration::from_millis(args.tick_ms)));
        std::future::pending::<()>().await;
        drop(server);
        ExitCode::SUCCESS
    })
}
