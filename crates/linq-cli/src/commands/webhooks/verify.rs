//! `linq webhooks verify --secret whsec_.. --headers FILE < body`: says
//! whether a delivery verifies, and if not exactly why.

use std::io::Read;
use std::time::Duration;

use clap::ArgMatches;
use linq_webhooks::{Webhook, WebhookError};
use serde_json::json;

use super::parse_secret;
use crate::context::Context;
use crate::error::{CliError, Exit, Result};

/// Reads `Name: value` lines; a status line (`HTTP/1.1 200 OK`), blank
/// lines and lines without a colon are skipped.
pub fn parse_headers(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.starts_with("HTTP/"))
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .filter(|(n, _)| !n.is_empty() && !n.contains(' '))
        .collect()
}

/// Why a delivery fails, in words that name the cause.
pub fn cause(error: &WebhookError, headers: &[(String, String)], tolerance: Duration) -> String {
    let has = |name: &str| headers.iter().any(|(n, _)| n == name);
    let legacy = has("x-webhook-signature") || has("x-webhook-timestamp");
    let standard = has("webhook-id") || has("webhook-timestamp") || has("webhook-signature");
    match error {
        WebhookError::MissingHeader(_) if legacy && !standard => {
            "legacy scheme: the delivery is signed with X-Webhook-* headers, not Standard Webhooks (pass --allow-legacy to accept it)".into()
        }
        WebhookError::MissingHeader(name) => format!("missing header: {name}"),
        WebhookError::InvalidHeader(name) => format!("unreadable header: {name}"),
        WebhookError::MalformedTimestamp => "malformed timestamp: not whole seconds since 1970".into(),
        WebhookError::TimestampTooOld | WebhookError::TimestampTooNew => {
            let stamp = headers
                .iter()
                .find(|(n, _)| n == "webhook-timestamp" || n == "x-webhook-timestamp")
                .and_then(|(_, v)| v.parse::<i64>().ok())
                .unwrap_or(0);
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            let off = now - stamp;
            format!(
                "timestamp skew: signed {} s {} (tolerance {} s)",
                off.abs(),
                if off >= 0 { "ago" } else { "in the future" },
                tolerance.as_secs()
            )
        }
        WebhookError::NoMatchingSignature => {
            "no matching signature: wrong secret, or the body was changed (it must be byte for byte as received)".into()
        }
        other => other.to_string(),
    }
}

/// Runs `verify`; exits 6 when the delivery does not verify.
pub fn run(ctx: &mut Context, m: &ArgMatches) -> Result<()> {
    let secret = parse_secret(m.get_one::<String>("secret").expect("required"))?;
    let path = m.get_one::<String>("headers").expect("required");
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("--headers {path}: {e}")))?;
    let headers = parse_headers(&text);
    let tolerance = Duration::from_secs(*m.get_one::<u64>("tolerance").expect("has a default"));
    let mut body = Vec::new();
    std::io::stdin().read_to_end(&mut body)?;
    let webhook = Webhook::new(secret)
        .with_tolerance(tolerance)
        .allow_legacy(m.get_flag("allow-legacy"));
    match webhook.verify(&body, &headers) {
        Ok(v) => {
            let report = json!({
                "valid": true,
                "scheme": format!("{:?}", v.scheme()).to_lowercase(),
                "event_type": v.event_type(),
                "webhook_id": v.webhook_id(),
                "timestamp": v.timestamp(),
            });
            if ctx.output.is_machine() {
                ctx.output.emit(&report)
            } else {
                println!(
                    "valid: {} {}",
                    v.event_type().unwrap_or("(no event_type)"),
                    v.webhook_id().unwrap_or("")
                );
                Ok(())
            }
        }
        Err(e) => Err(CliError::new(
            Exit::Unverified,
            format!("not verified: {}", cause(&e, &headers, tolerance)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_header_dumps_parse() {
        let h = parse_headers(
            "HTTP/1.1 200 OK\r\nWebhook-Id: msg_1\r\nwebhook-signature: v1,abc\r\n\r\n",
        );
        assert_eq!(
            h,
            vec![
                ("webhook-id".into(), "msg_1".into()),
                ("webhook-signature".into(), "v1,abc".into())
            ]
        );
    }
}
