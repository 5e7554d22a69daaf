//! Incoming events for the agent: a bounded log fed by a verified webhook
//! receiver, read by `recent_events` and `wait_for_reply`.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use linq_types::Event;
use linq_webhooks::{Secret, Webhook};
use serde_json::{Value, json};
use tokio::sync::Notify;

/// Events kept; older ones are dropped first.
pub const MAX_EVENTS: usize = 500;
/// Largest webhook body read.
const MAX_BODY: usize = 256 * 1024;
/// Time allowed to read one webhook body.
const BODY_DEADLINE: Duration = Duration::from_secs(10);
/// Most signing secrets kept (one per subscription this run creates).
const MAX_SECRETS: usize = 32;

/// One event, reduced to what an agent reads.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Position in this run's log, from 1.
    pub seq: u64,
    /// The event's id (the same on every redelivery).
    pub event_id: String,
    /// The chat it is about, if any.
    pub chat_id: Option<String>,
    /// True for a message someone else sent to one of your lines.
    pub inbound: bool,
    /// The compact form tools return.
    pub summary: Value,
}

/// The log of verified events of one server run.
#[derive(Default)]
pub struct EventLog {
    entries: Mutex<(u64, VecDeque<Entry>)>,
    secrets: Mutex<Vec<Webhook>>,
    arrived: Notify,
}

impl std::fmt::Debug for EventLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLog").finish_non_exhaustive()
    }
}

impl EventLog {
    /// Adds a signing secret deliveries may be verified with. False when
    /// it does not parse or too many are kept.
    pub fn add_secret(&self, secret: &str) -> bool {
        let Ok(secret) = Secret::parse(secret) else {
            return false;
        };
        let mut secrets = self.secrets.lock().unwrap_or_else(|e| e.into_inner());
        if secrets.len() >= MAX_SECRETS {
            return false;
        }
        secrets.push(Webhook::new(secret));
        true
    }

    /// Verifies a delivery with any known secret and logs it. Returns
    /// false when no secret verifies it.
    pub fn deliver(&self, body: &[u8], headers: &http::HeaderMap) -> bool {
        let event = {
            let secrets = self.secrets.lock().unwrap_or_else(|e| e.into_inner());
            secrets
                .iter()
                .find_map(|w| w.verify_event(body, headers.iter()).ok())
        };
        match event {
            Some(event) => {
                self.push(&event);
                true
            }
            None => false,
        }
    }

    /// Logs a verified event (once per event id).
    pub fn push(&self, event: &Event) {
        let mut guard = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (next, entries) = &mut *guard;
        if entries.iter().any(|e| e.event_id == event.id) {
            return;
        }
        *next += 1;
        let message = event.message();
        let chat_id = message.and_then(|m| m.chat_id()).map(|c| c.to_string());
        let mut summary = json!({
            "seq": *next,
            "type": event.event_type.as_str(),
            "created_at": event.created_at.to_string(),
        });
        if let Some(m) = message {
            let text: Vec<&str> = m.texts().collect();
            summary["chat_id"] = json!(chat_id);
            summary["message_id"] = json!(m.message_id().map(|id| id.to_string()));
            summary["from"] = json!(m.sender());
            summary["inbound"] = json!(m.is_inbound());
            if !text.is_empty() {
                summary["text"] = json!(text.join("\n"));
            }
            let files: Vec<&str> = m.attachments().map(|a| a.url).collect();
            if !files.is_empty() {
                summary["attachments"] = json!(files);
            }
        }
        let entry = Entry {
            seq: *next,
            event_id: event.id.clone(),
            chat_id,
            inbound: message.is_some_and(|m| m.is_inbound())
                && event.event_type.as_str() == "message.received",
            summary: crate::reply::fit(summary),
        };
        if entries.len() == MAX_EVENTS {
            entries.pop_front();
        }
        entries.push_back(entry);
        drop(guard);
        self.arrived.notify_waiters();
    }

    /// The last `limit` entries after `after`, oldest first.
    pub fn recent(&self, after: u64, limit: usize, chat_id: Option<&str>) -> Vec<Entry> {
        let guard = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let mut found: Vec<Entry> = guard
            .1
            .iter()
            .rev()
            .filter(|e| e.seq > after)
            .filter(|e| chat_id.is_none() || e.chat_id.as_deref() == chat_id)
            .take(limit)
            .cloned()
            .collect();
        found.reverse();
        found
    }

    /// The sequence number of the newest entry (0 when empty).
    pub fn last_seq(&self) -> u64 {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).0
    }

    /// Waits for the next event, at most `wait`.
    pub async fn changed(&self, wait: Duration) {
        let _ = tokio::time::timeout(wait, self.arrived.notified()).await;
    }
}

/// Serves the webhook receiver on `addr` (POST any path) until the task is
/// dropped. Returns the address it listens on.
pub async fn serve_receiver(
    log: std::sync::Arc<EventLog>,
    addr: SocketAddr,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = axum::Router::new()
        .fallback(axum::routing::post(receive))
        .with_state(log);
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::warn!(error = %e, "webhook receiver stopped");
        }
    });
    Ok((bound, task))
}

async fn receive(
    State(log): State<std::sync::Arc<EventLog>>,
    request: Request<Body>,
) -> StatusCode {
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(BODY_DEADLINE, axum::body::to_bytes(body, MAX_BODY)).await;
    let Ok(Ok(body)) = read else {
        return StatusCode::PAYLOAD_TOO_LARGE;
    };
    if log.deliver(&body, &parts.headers) {
        StatusCode::NO_CONTENT
    } else {
        tracing::info!("webhook delivery refused: no signing secret verifies it");
        StatusCode::UNAUTHORIZED
    }
}
