//! `linq sandbox`: a sandbox Linq account served on loopback, optionally
//! forwarding its events to a local handler.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches, Command};
use linq_client::Client;
use linq_sandbox::{Clock, Sandbox};
use linq_types::webhooks::EVENT_TYPES;
use tokio::sync::mpsc;

use crate::commands::webhooks::Incoming;
use crate::commands::webhooks::forward::{Forwarder, webhook_id_for};
use crate::commands::webhooks::listen::receiver;
use crate::commands::webhooks::{parse_secret, stable_secret};
use crate::context::Context;
use crate::error::{CliError, Result};

/// The `sandbox` command.
pub fn command() -> Command {
    Command::new("sandbox")
        .about("Serve a sandbox Linq account on loopback (prints its URL and key)")
        .after_help("Point the SDK or `linq --base-url URL` at it with the printed key. The linq-sandbox binary has the full set of options and the control API under /__sandbox/.")
        .arg(
            Arg::new("addr")
                .long("addr")
                .value_name("IP:PORT")
                .default_value("127.0.0.1:0")
                .value_parser(clap::value_parser!(SocketAddr))
                .help("Where to listen; loopback only (port 0 picks a free one)"),
        )
        .arg(
            Arg::new("mock")
                .long("mock")
                .action(ArgAction::SetTrue)
                .help("Mock mode: any key, made-up ids and lines are accepted"),
        )
        .arg(
            Arg::new("forward-to")
                .long("forward-to")
                .value_name("URL")
                .help("Send every event to this URL, signed with the profile's stable secret"),
        )
}

/// Runs `sandbox` until Ctrl-C.
pub async fn run(ctx: &mut Context, m: &ArgMatches) -> Result<()> {
    let addr = *m.get_one::<SocketAddr>("addr").expect("has a default");
    if !addr.ip().is_loopback() {
        return Err(CliError::usage(format!(
            "--addr {addr}: only loopback addresses are allowed"
        )));
    }
    let forwarder = match m.get_one::<String>("forward-to") {
        Some(url) => Some(Forwarder::new(url, &stable_secret(ctx)?)?),
        None => None,
    };
    let sandbox = Sandbox::builder()
        .clock(Clock::System)
        .mock(m.get_flag("mock"))
        .build();
    let server = sandbox
        .serve(addr)
        .await
        .map_err(|e| CliError::failure(format!("serving the sandbox on {addr}: {e}")))?;
    let _ticker = sandbox.auto_advance(Duration::from_millis(200));
    let (tx, mut rx) = mpsc::channel::<Incoming>(64);
    if forwarder.is_some() {
        let (local, slot) = receiver(0, None, tx).await?;
        let client = Client::builder()
            .api_key(sandbox.api_key())
            .base_url(server.base_url())
            .build()?;
        let created = client
            .webhook_subscriptions()
            .create(
                format!("http://{local}/linq-cli-sandbox"),
                EVENT_TYPES.iter().copied(),
            )
            .await?;
        let _ = slot.send(Some(parse_secret(&created.signing_secret)?));
    } else {
        drop(tx);
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "LINQ_API_V3_BASE_URL={}", server.base_url());
    let _ = writeln!(out, "LINQ_API_V3_API_KEY={}", sandbox.api_key());
    let _ = out.flush();
    drop(out);
    loop {
        tokio::select! {
            next = rx.recv(), if forwarder.is_some() => {
                let Some(incoming) = next else { break };
                if let Some(f) = &forwarder {
                    let id = webhook_id_for(&incoming.body);
                    let event: serde_json::Value = serde_json::from_slice(&incoming.body).unwrap_or_default();
                    let done = f.forward(&id, incoming.body.clone()).await;
                    eprintln!("{}  -> {}", event["event_type"].as_str().unwrap_or("?"), done.text());
                }
            }
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    drop(server);
    Ok(())
}
