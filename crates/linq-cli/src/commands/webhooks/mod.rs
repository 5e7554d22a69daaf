//! Webhooks for local development: `listen`, `trigger`, `verify`, and the
//! stable secret forwards are signed with.

pub mod forward;
pub mod listen;
pub mod relay;
pub mod trigger;
pub mod verify;

use bytes::Bytes;
use clap::{Arg, ArgAction, Command};
use linq_types::webhooks::EVENT_TYPES;
use linq_webhooks::Secret;

use crate::config::field;
use crate::context::Context;
use crate::error::{CliError, Result};

/// The hand-written `webhooks` subcommands.
pub fn commands() -> Vec<Command> {
    let forward_to = || {
        Arg::new("forward-to")
            .long("forward-to")
            .value_name("URL")
            .help(
                "POST each event here, signed (Standard Webhooks) with the profile's stable secret",
            )
    };
    vec![
        Command::new("listen")
            .about("Receive webhook events locally: print them and forward them, re-signed")
            .after_help(
                "Sources (one):\n  (default)  the Linq relay over WebSocket (LINQ_RELAY_WS_URL, LINQ_RELAY_URL): a\n             temporary subscription points at it and is deleted on exit\n  --sandbox  an embedded sandbox; its URL and key are printed, and every event it\n             emits is forwarded\n  --port N   your own tunnel to 127.0.0.1:N; deliveries are verified with --secret\n             (the subscription's signing secret) before anything is forwarded",
            )
            .arg(
                Arg::new("events")
                    .long("events")
                    .value_delimiter(',')
                    .action(ArgAction::Append)
                    .value_name("TYPE,...")
                    .help("Event types to receive (default: every type in the catalogue)"),
            )
            .arg(forward_to())
            .arg(
                Arg::new("print-secret")
                    .long("print-secret")
                    .action(ArgAction::SetTrue)
                    .help("Print the stable forwarding secret (whsec_...) and exit"),
            )
            .arg(
                Arg::new("port")
                    .long("port")
                    .value_name("PORT")
                    .value_parser(clap::value_parser!(u16))
                    .help("Receive on 127.0.0.1:PORT (bring your own tunnel)"),
            )
            .arg(
                Arg::new("secret")
                    .long("secret")
                    .value_name("WHSEC")
                    .help("With --port: the subscription's signing secret (default LINQ_WEBHOOK_SECRET)"),
            )
            .arg(
                Arg::new("max-events")
                    .long("max-events")
                    .value_name("N")
                    .value_parser(clap::value_parser!(u64))
                    .help("Stop after N events (default: run until Ctrl-C)"),
            ),
        Command::new("trigger")
            .about("Send a schema-valid event of any type to a URL, signed")
            .arg(
                Arg::new("event-type")
                    .required(true)
                    .value_name("EVENT_TYPE")
                    .value_parser(clap::builder::PossibleValuesParser::new(EVENT_TYPES.iter().copied()))
                    .hide_possible_values(true)
                    .help("One of the catalogue's event types (linq webhooks events lists them)"),
            )
            .arg(forward_to().required(true))
            .arg(
                Arg::new("secret")
                    .long("secret")
                    .value_name("WHSEC")
                    .help("Sign with this secret (default: the profile's stable one)"),
            )
            .arg(
                Arg::new("set")
                    .long("set")
                    .action(ArgAction::Append)
                    .value_name("PATH=VALUE")
                    .help("Set a field of the event, such as data.text=hi (VALUE is JSON, else a string)"),
            )
            .arg(
                Arg::new("version")
                    .long("version")
                    .value_name("VERSION")
                    .value_parser(["2025-01-01", "2026-02-03"])
                    .default_value("2026-02-03")
                    .help("The payload version"),
            ),
        Command::new("verify")
            .about("Check a delivery's signature: the body on stdin, headers from a file (curl -D)")
            .arg(
                Arg::new("secret")
                    .long("secret")
                    .required(true)
                    .value_name("WHSEC")
                    .help("The subscription's signing secret"),
            )
            .arg(
                Arg::new("headers")
                    .long("headers")
                    .required(true)
                    .value_name("FILE")
                    .help("`Name: value` lines, as curl -D writes them"),
            )
            .arg(
                Arg::new("allow-legacy")
                    .long("allow-legacy")
                    .action(ArgAction::SetTrue)
                    .help("Also accept Linq's legacy X-Webhook-* signature headers"),
            )
            .arg(
                Arg::new("tolerance")
                    .long("tolerance")
                    .value_name("SECONDS")
                    .default_value("300")
                    .value_parser(clap::value_parser!(u64))
                    .help("How far the timestamp may be from now"),
            ),
    ]
}

/// The profile's stable forwarding secret, made (and stored 0600) on
/// first use.
pub fn stable_secret(ctx: &mut Context) -> Result<String> {
    if let Some(secret) = ctx.config.get(&ctx.profile, field::WEBHOOK_SECRET) {
        return Ok(secret);
    }
    // Two v4 UUIDs: 244 random bits from the operating system.
    let mut key = Vec::with_capacity(32);
    key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    use base64::Engine as _;
    let secret = format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    );
    let profile = ctx.profile.clone();
    ctx.config.set(&profile, field::WEBHOOK_SECRET, &secret);
    ctx.config.save()?;
    Ok(secret)
}

/// Parses a `whsec_` secret, as a usage error when it is not one.
pub fn parse_secret(text: &str) -> Result<Secret> {
    Secret::parse(text).map_err(|e| CliError::usage(format!("--secret: {e}")))
}

/// Checks `--events` against the catalogue; none given means all.
pub fn event_types(given: Option<Vec<String>>) -> Result<Vec<String>> {
    let Some(given) = given.filter(|g| !g.is_empty()) else {
        return Ok(EVENT_TYPES.iter().map(|s| (*s).to_owned()).collect());
    };
    for t in &given {
        if !EVENT_TYPES.contains(&t.as_str()) {
            return Err(CliError::usage(format!(
                "--events: {t:?} is not an event type (see `linq webhooks events`)"
            )));
        }
    }
    Ok(given)
}

/// The largest delivery body accepted.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// One delivery as received.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// Its headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Bytes,
    /// Whether its signature was checked and held.
    pub verified: bool,
}

impl Incoming {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}
