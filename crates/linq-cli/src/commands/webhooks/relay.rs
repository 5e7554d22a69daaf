//! The Linq relay protocol, as the official CLI speaks it: a WebSocket to
//! `LINQ_RELAY_WS_URL?token=KEY`, `{"action":"init"}` answered by
//! `{"connectionId": ..}`, and a temporary subscription whose target is
//! `LINQ_RELAY_URL/relay/<connectionId>`, re-targeted after every
//! reconnect (backoff 1 s to 30 s) and deleted on exit.
//!
//! A delivery arrives as a text frame: `{"headers": {..}, "body": ".."}`
//! (the raw body the relay received, verified here with the
//! subscription's secret), or a bare event object (printed and forwarded,
//! marked unverified).

use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use linq_client::Client;
use linq_webhooks::{Secret, Webhook};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::{BODY_LIMIT, Incoming};
use crate::error::{CliError, Result};

/// The relay's WebSocket endpoint.
pub const WS_URL_ENV: &str = "LINQ_RELAY_WS_URL";
/// The relay's HTTP base, which subscriptions point at.
pub const URL_ENV: &str = "LINQ_RELAY_URL";
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How long the relay may take to answer `init`.
const INIT_TIMEOUT: Duration = Duration::from_secs(15);

/// Where the relay is, and the key that opens it.
pub struct Relay {
    ws_url: String,
    http_url: String,
    key: String,
}

impl Relay {
    /// From `LINQ_RELAY_WS_URL` and `LINQ_RELAY_URL`.
    pub fn from_env(key: String) -> Result<Self> {
        let get = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let (Some(ws_url), Some(http_url)) = (get(WS_URL_ENV), get(URL_ENV)) else {
            return Err(CliError::usage(format!(
                "the relay needs {WS_URL_ENV} and {URL_ENV}; or use --sandbox, or --port with your own tunnel"
            )));
        };
        if !(ws_url.starts_with("ws://") || ws_url.starts_with("wss://")) {
            return Err(CliError::usage(format!(
                "{WS_URL_ENV} must be a ws:// or wss:// URL"
            )));
        }
        Ok(Self {
            ws_url,
            http_url: http_url.trim_end_matches('/').to_owned(),
            key,
        })
    }

    /// Connects, creates the subscription, and keeps the connection up in
    /// a task sending every delivery to `tx`. Returns the task and the
    /// subscription's id (to delete on exit).
    pub async fn start(
        self,
        client: Client,
        events: Vec<String>,
        tx: mpsc::Sender<Incoming>,
    ) -> Result<(tokio::task::JoinHandle<()>, String)> {
        let (socket, connection) = self.connect().await?;
        let target = format!("{}/relay/{connection}", self.http_url);
        let created = client
            .webhook_subscriptions()
            .create(target, events)
            .await?;
        let secret = Secret::parse(&created.signing_secret)
            .map_err(|e| CliError::failure(format!("the subscription's secret: {e}")))?;
        let id = created.id.to_string();
        let sub = id.clone();
        let task = tokio::spawn(async move {
            let mut socket = Some(socket);
            let mut backoff = Duration::from_secs(1);
            loop {
                if let Some(s) = socket.take() {
                    pump(s, &secret, &tx).await;
                    if tx.is_closed() {
                        return;
                    }
                    eprintln!(
                        "relay: disconnected; reconnecting in {} s",
                        backoff.as_secs()
                    );
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                match self.connect().await {
                    Ok((s, connection)) => {
                        let target = format!("{}/relay/{connection}", self.http_url);
                        match client
                            .webhook_subscriptions()
                            .update(sub.as_str())
                            .target_url(target)
                            .await
                        {
                            Ok(_) => {
                                backoff = Duration::from_secs(1);
                                socket = Some(s);
                            }
                            Err(e) => eprintln!(
                                "relay: re-targeting the subscription: {}",
                                CliError::from(e)
                            ),
                        }
                    }
                    Err(e) => eprintln!("relay: {e}"),
                }
            }
        });
        Ok((task, id))
    }

    async fn connect(&self) -> Result<(Socket, String)> {
        let sep = if self.ws_url.contains('?') { '&' } else { '?' };
        let url = format!("{}{sep}token={}", self.ws_url, encode(&self.key));
        let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .map_err(|e| {
                CliError::new(
                    crate::error::Exit::Unavailable,
                    format!("connecting to the relay {}: {e}", self.ws_url),
                )
            })?;
        socket
            .send(Message::text(json!({"action": "init"}).to_string()))
            .await
            .map_err(|e| CliError::failure(format!("relay init: {e}")))?;
        let connection = tokio::time::timeout(INIT_TIMEOUT, async {
            while let Some(frame) = socket.next().await {
                let Ok(Message::Text(text)) = frame else {
                    continue;
                };
                if let Ok(v) = serde_json::from_str::<Value>(&text) {
                    if let Some(id) = v["connectionId"].as_str() {
                        return Some(id.to_owned());
                    }
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .ok_or_else(|| CliError::failure("the relay did not answer init with a connectionId"))?;
        Ok((socket, connection))
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn pump(mut socket: Socket, secret: &Secret, tx: &mpsc::Sender<Incoming>) {
    while let Some(frame) = socket.next().await {
        let text = match frame {
            Ok(Message::Text(t)) => t,
            Ok(Message::Close(_)) | Err(_) => return,
            Ok(_) => continue,
        };
        if text.len() > BODY_LIMIT * 2 {
            eprintln!("relay: dropped a frame over {} bytes", BODY_LIMIT * 2);
            continue;
        }
        let Some(incoming) = decode(text.as_str(), secret) else {
            continue;
        };
        if tx.send(incoming).await.is_err() {
            let _ = socket.close(None).await;
            return;
        }
    }
}

/// A relay frame as a delivery; `None` for control frames.
pub fn decode(text: &str, secret: &Secret) -> Option<Incoming> {
    let value: Value = serde_json::from_str(text).ok()?;
    if value.get("connectionId").is_some() || value.get("action").is_some() {
        return None;
    }
    match (value.get("headers"), value.get("body")) {
        (Some(Value::Object(h)), Some(body)) => {
            let headers: Vec<(String, String)> = h
                .iter()
                .filter_map(|(k, v)| Some((k.to_ascii_lowercase(), v.as_str()?.to_owned())))
                .collect();
            let body = match body {
                Value::String(s) => Bytes::from(s.clone()),
                other => Bytes::from(other.to_string()),
            };
            let verified = match Webhook::new(secret.clone()).verify(&body, &headers) {
                Ok(_) => true,
                Err(e) => {
                    eprintln!("relay: a delivery did not verify ({e}); dropped");
                    return None;
                }
            };
            Some(Incoming {
                headers,
                body,
                verified,
            })
        }
        _ => Some(Incoming {
            headers: Vec::new(),
            body: Bytes::from(text.to_owned()),
            verified: false,
        }),
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
