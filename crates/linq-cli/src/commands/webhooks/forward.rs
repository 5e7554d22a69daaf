//! Forwarding an event to a local handler, signed like production
//! (Standard Webhooks) with a secret that stays the same across runs.

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use linq_transport::{HyperTransport, SendOptions, Transport};
use linq_webhooks::{Secret, Webhook};
use serde_json::{Value, json};

use crate::error::{CliError, Result};

/// How long a local handler may take to answer.
const FORWARD_TIMEOUT: Duration = Duration::from_secs(10);
/// The most of a handler's reply read (it is only shown as a status).
const REPLY_LIMIT: usize = 64 * 1024;

/// Posts events to one URL, each signed afresh.
pub struct Forwarder {
    url: http::Uri,
    webhook: Webhook,
    transport: HyperTransport,
}

/// What became of one forward.
#[derive(Debug, Clone)]
pub struct Forwarded {
    /// The handler's status, or why there was none.
    pub outcome: std::result::Result<u16, String>,
    /// How long it took.
    pub elapsed: Duration,
}

impl Forwarded {
    /// As JSON for `--json` output.
    pub fn json(&self) -> Value {
        match &self.outcome {
            Ok(status) => json!({"status": status, "ms": self.elapsed.as_millis() as u64}),
            Err(e) => json!({"error": e, "ms": self.elapsed.as_millis() as u64}),
        }
    }

    /// As a few words for a person.
    pub fn text(&self) -> String {
        match &self.outcome {
            Ok(status) => format!("{status} ({} ms)", self.elapsed.as_millis()),
            Err(e) => format!("failed: {e}"),
        }
    }
}

impl Forwarder {
    /// A forwarder to `url` (http or https) signing with `secret`.
    pub fn new(url: &str, secret: &str) -> Result<Self> {
        let uri: http::Uri = url
            .parse()
            .map_err(|_| CliError::usage(format!("--forward-to {url:?} is not a URL")))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err(CliError::usage(format!(
                "--forward-to {url:?}: expected http(s)://host/path"
            )));
        }
        let secret = Secret::parse(secret)
            .map_err(|e| CliError::usage(format!("the forwarding secret: {e}")))?;
        Ok(Self {
            url: uri,
            webhook: Webhook::new(secret),
            transport: HyperTransport::new(),
        })
    }

    /// Signs `body` now under `webhook_id` and posts it.
    pub async fn forward(&self, webhook_id: &str, body: Bytes) -> Forwarded {
        let started = Instant::now();
        let timestamp = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let signature = self.webhook.sign(webhook_id, timestamp, &body);
        let request = http::Request::post(self.url.clone())
            .header("content-type", "application/json")
            .header(
                "user-agent",
                concat!("linq-cli/", env!("CARGO_PKG_VERSION")),
            )
            .header("webhook-id", webhook_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body);
        let outcome = match request {
            Err(e) => Err(e.to_string()),
            Ok(request) => {
                let send = self
                    .transport
                    .send(request, SendOptions::default().body_limit(REPLY_LIMIT));
                match tokio::time::timeout(FORWARD_TIMEOUT, send).await {
                    Err(_) => Err(format!("no answer in {} s", FORWARD_TIMEOUT.as_secs())),
                    Ok(Err(e)) => Err(e.to_string()),
                    Ok(Ok(reply)) => Ok(reply.status().as_u16()),
                }
            }
        };
        Forwarded {
            outcome,
            elapsed: started.elapsed(),
        }
    }
}

/// A webhook id for an event that came without one: `msg_` and its
/// event id, else a fresh random one.
pub fn webhook_id_for(body: &[u8]) -> String {
    let event_id = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("event_id").and_then(Value::as_str).map(str::to_owned));
    match event_id {
        Some(id) => format!("msg_{id}"),
        None => format!("msg_{}", uuid::Uuid::new_v4().simple()),
    }
}
