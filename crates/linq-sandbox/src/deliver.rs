//! Deliveries: each event the state queued is signed once per subscription
//! that wants it, handed to [`Sandbox::subscribe`] receivers and the
//! delivery log, and, when serving, POSTed to loopback targets with
//! retries.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::MutexGuard;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use crate::state::State;
use crate::{Sandbox, WeakSandbox, lock};

/// Delivery attempts per webhook, the first included.
const DELIVERY_ATTEMPTS: u32 = 4;

/// One signed webhook delivery: what would be POSTed to a subscription's
/// target URL.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The subscription it is for.
    pub subscription_id: String,
    /// Where the subscription points.
    pub target_url: String,
    /// The event type, as in the body's `event_type`.
    pub event_type: String,
    /// `content-type`, `webhook-id`, `webhook-timestamp`,
    /// `webhook-signature`.
    pub headers: HeaderMap,
    /// The raw JSON body that was signed.
    pub body: Bytes,
}

impl Delivery {
    /// The body parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The event, decoded as a receiver sees it.
    pub fn event(&self) -> Option<linq_types::Event> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// What [`Sandbox::subscribe`] returns: every delivery made from then on.
/// As an iterator it yields what is queued, settling the account when
/// nothing is (queued changes apply, sent messages move to read), and ends
/// once nothing is queued and nothing is pending.
pub struct Deliveries {
    pub(crate) rx: mpsc::UnboundedReceiver<Delivery>,
    pub(crate) sandbox: WeakSandbox,
}

impl std::fmt::Debug for Deliveries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deliveries").finish_non_exhaustive()
    }
}

impl Deliveries {
    /// Waits for the next delivery: one queued or caused by settling (as
    /// the iterator does), else the next one made (an inbound message,
    /// a request from another task). `None` once the sandbox is gone.
    pub async fn recv(&mut self) -> Option<Delivery> {
        if let Some(delivery) = self.next() {
            return Some(delivery);
        }
        self.rx.recv().await
    }
}

impl Iterator for Deliveries {
    type Item = Delivery;

    fn next(&mut self) -> Option<Delivery> {
        if let Ok(delivery) = self.rx.try_recv() {
            return Some(delivery);
        }
        self.sandbox.upgrade()?.settle();
        self.rx.try_recv().ok()
    }
}

/// The outcome of one attempt to POST a webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The delivery's `webhook-id`.
    pub webhook_id: String,
    /// Where it was going.
    pub target_url: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The receiver's status, or why there was none (refused, skipped
    /// because the target is not loopback, ...).
    pub outcome: Result<u16, String>,
}

impl Sandbox {
    /// Signs the state's new events for each subscription, then hands them
    /// out after releasing the lock.
    pub(crate) fn flush(&self, mut state: MutexGuard<'_, State>) {
        let events = std::mem::take(&mut state.outbox);
        let mut out = Vec::new();
        for event in events {
            let current = Bytes::from(event.envelope.to_string());
            // The 2025-01-01 payload: the message events' older `data`,
            // the same `data` for the rest, and that version named.
            let v1 = {
                let mut envelope = event.envelope.clone();
                if let Some(data) = &event.v1_data {
                    envelope["data"] = data.clone();
                }
                envelope["webhook_version"] = Value::from("2025-01-01");
                Some(Bytes::from(envelope.to_string()))
            };
            let subs: Vec<_> = state
                .subs
                .iter()
                .filter(|s| s.wants(&event.event_type, event.line.as_deref()))
                .map(|s| {
                    (
                        s.id.clone(),
                        s.secret.clone(),
                        s.target_url.clone(),
                        s.wants_v1(),
                    )
                })
                .collect();
            for (id, secret, target, wants_v1) in subs {
                let body = match (&v1, wants_v1) {
                    (Some(v1), true) => v1.clone(),
                    _ => current.clone(),
                };
                let webhook_id = state.ids.webhook_id();
                let timestamp = state.time.unix_secs();
                let Ok(secret) = linq_webhooks::Secret::parse(&secret) else {
                    continue;
                };
                let signature =
                    linq_webhooks::Webhook::new(secret).sign(&webhook_id, timestamp, &body);
                let mut headers = HeaderMap::new();
                headers.insert("content-type", HeaderValue::from_static("application/json"));
                headers.insert(
                    "user-agent",
                    HeaderValue::from_static(concat!("linq-sandbox/", env!("CARGO_PKG_VERSION"))),
                );
                for (name, value) in [
                    (linq_webhooks::HEADER_ID, webhook_id),
                    (linq_webhooks::HEADER_TIMESTAMP, timestamp.to_string()),
                    (linq_webhooks::HEADER_SIGNATURE, signature),
                ] {
                    if let Ok(value) = HeaderValue::try_from(value) {
                        headers.insert(name, value);
                    }
                }
                out.push(Delivery {
                    subscription_id: id,
                    target_url: target,
                    event_type: event.event_type.clone(),
                    headers,
                    body,
                });
            }
        }
        drop(state);
        if out.is_empty() {
            return;
        }
        lock(&self.shared.log).extend(out.iter().cloned());
        lock(&self.shared.taps).retain(|tap| out.iter().all(|d| tap.send(d.clone()).is_ok()));
        if let Some(outbound) = lock(&self.shared.outbound).as_ref() {
            for d in out {
                let _ = outbound.send(d);
            }
        }
    }

    pub(crate) fn set_outbound(&self, tx: mpsc::UnboundedSender<Delivery>) -> bool {
        let mut slot = lock(&self.shared.outbound);
        if slot.as_ref().is_some_and(|s| !s.is_closed()) {
            return false;
        }
        *slot = Some(tx);
        true
    }

    pub(crate) fn record_attempt(&self, attempt: Attempt) {
        lock(&self.shared.attempts).push(attempt);
    }
}

/// Starts the task that POSTs deliveries, unless one is running.
pub(crate) fn start_delivery(sandbox: &Sandbox) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Delivery>();
    if !sandbox.set_outbound(tx) {
        return;
    }
    // The task holds the sandbox weakly: once every handle to the sandbox
    // is gone, the sender it owns goes too and the task ends.
    let weak = sandbox.downgrade();
    tokio::spawn(async move {
        while let Some(delivery) = rx.recv().await {
            let weak = weak.clone();
            tokio::spawn(async move { deliver(&weak, delivery).await });
        }
    });
}

/// Where a target URL may be reached: only loopback addresses, never a
/// name lookup (`localhost` is taken as 127.0.0.1).
pub(crate) fn loopback_target(url: &str) -> Result<(SocketAddr, Uri), String> {
    let uri: Uri = url.parse().map_err(|_| "not a URL".to_owned())?;
    if uri.scheme_str() != Some("http") {
        return Err("skipped: only http:// loopback targets are delivered to".into());
    }
    let host = uri.host().ok_or("no host")?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ip = if host.eq_ignore_ascii_case("localhost") {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        host.parse::<IpAddr>()
            .map_err(|_| "skipped: the target is not a loopback address".to_owned())?
    };
    if !ip.is_loopback() {
        return Err("skipped: the target is not a loopback address".into());
    }
    Ok((SocketAddr::new(ip, uri.port_u16().unwrap_or(80)), uri))
}

async fn deliver(sandbox: &WeakSandbox, delivery: Delivery) {
    let webhook_id = delivery
        .headers
        .get(linq_webhooks::HEADER_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let record = |attempt, outcome| {
        if let Some(sandbox) = sandbox.upgrade() {
            sandbox.record_attempt(Attempt {
                webhook_id: webhook_id.clone(),
                target_url: delivery.target_url.clone(),
                attempt,
                outcome,
            });
        }
    };
    let (addr, uri) = match loopback_target(&delivery.target_url) {
        Ok(target) => target,
        Err(why) => {
            record(1, Err(why));
            return;
        }
    };
    let mut wait = Duration::from_millis(100);
    for attempt in 1..=DELIVERY_ATTEMPTS {
        let outcome = post(addr, &uri, &delivery).await;
        let retry = match &outcome {
            // As real senders do: anything but a 2xx is tried again.
            Ok(status) => !(200..300).contains(status),
            Err(_) => true,
        };
        record(attempt, outcome);
        if !retry {
            return;
        }
        tokio::time::sleep(wait).await;
        wait *= 4;
    }
}

async fn post(addr: SocketAddr, uri: &Uri, delivery: &Delivery) -> Result<u16, String> {
    let connect = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(addr));
    let stream = connect
        .await
        .map_err(|_| "connect timed out".to_owned())?
        .map_err(|e| format!("connect failed: {e}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake failed: {e}"))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let mut request = Request::post(
        uri.path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
            .to_owned(),
    )
    .header(
        http::header::HOST,
        uri.authority().map(|a| a.as_str()).unwrap_or("localhost"),
    )
    .body(Full::new(delivery.body.clone()))
    .map_err(|e| e.to_string())?;
    request.headers_mut().extend(delivery.headers.clone());
    let exchange = async {
        let response = sender.send_request(request).await?;
        let status = response.status().as_u16();
        let _ = response.into_body().collect().await;
        Ok::<_, hyper::Error>(status)
    };
    match tokio::time::timeout(Duration::from_secs(10), exchange).await {
        Ok(Ok(status)) => Ok(status),
        Ok(Err(e)) => Err(format!("request failed: {e}")),
        Err(_) => Err("timed out".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_targets() {
        assert!(loopback_target("http://127.0.0.1:9/hook").is_ok());
        assert!(loopback_target("http://localhost:9/hook").is_ok());
        assert!(loopback_target("http://[::1]:9/hook").is_ok());
        assert!(loopback_target("http://10.0.0.1/hook").is_err());
        assert!(loopback_target("http://example.com/hook").is_err());
        assert!(loopback_target("https://127.0.0.1/hook").is_err());
        assert!(loopback_target("http://127.0.0.1.example.com/hook").is_err());
    }
}
