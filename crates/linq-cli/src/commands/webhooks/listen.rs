//! `linq webhooks listen`: events from the Linq relay, an embedded sandbox
//! or a local port, printed and forwarded re-signed.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use clap::ArgMatches;
use http_body_util::{BodyExt, Full, Limited};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use linq_webhooks::Webhook;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::forward::{Forwarder, webhook_id_for};
use super::{BODY_LIMIT, Incoming, event_types, parse_secret, stable_secret};
use crate::context::Context;
use crate::error::{CliError, Result};

/// How long a sender may take to send one delivery.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `listen`.
pub async fn run(ctx: &mut Context, m: &ArgMatches) -> Result<()> {
    if m.get_flag("print-secret") {
        let secret = stable_secret(ctx)?;
        println!("{secret}");
        return Ok(());
    }
    let events = event_types(m.get_many::<String>("events").map(|v| v.cloned().collect()))?;
    let forwarder = match m.get_one::<String>("forward-to") {
        Some(url) => Some(Forwarder::new(url, &stable_secret(ctx)?)?),
        None => None,
    };
    let max = m.get_one::<u64>("max-events").copied();
    let (tx, mut rx) = mpsc::channel::<Incoming>(64);
    let mut cleanup: Option<(linq_client::Client, String)> = None;
    // The relay task ends on its own once the channel closes.
    let _relay: Option<tokio::task::JoinHandle<()>> = if ctx.globals.sandbox {
        let client = ctx.client().await?;
        let embedded = ctx.embedded().expect("client() started it");
        let (addr, secret_slot) = receiver(0, None, tx.clone()).await?;
        let target = format!("http://{addr}/linq-cli-listen");
        let created = client
            .webhook_subscriptions()
            .create(target, events.clone())
            .await?;
        let _ = secret_slot.send(Some(parse_secret(&created.signing_secret)?));
        eprintln!("LINQ_API_V3_BASE_URL={}", embedded.server.base_url());
        eprintln!("LINQ_API_V3_API_KEY={}", embedded.sandbox.api_key());
        None
    } else if let Some(port) = m.get_one::<u16>("port") {
        let secret = match m.get_one::<String>("secret") {
            Some(s) => parse_secret(s)?,
            None => linq_webhooks::Secret::from_env().map_err(|_| {
                CliError::usage("--port needs --secret (the subscription's signing secret) or LINQ_WEBHOOK_SECRET")
            })?,
        };
        let (addr, _slot) = receiver(*port, Some(secret), tx.clone()).await?;
        eprintln!("Receiving on http://{addr}/ (point your tunnel here)");
        None
    } else {
        let client = ctx.client().await?;
        let key = ctx.api_key().map(|k| k.value).unwrap_or_default();
        let relay = super::relay::Relay::from_env(key)?;
        let (handle, subscription) = relay
            .start(client.clone(), events.clone(), tx.clone())
            .await?;
        cleanup = Some((client, subscription));
        Some(handle)
    };
    drop(tx);
    eprintln!(
        "Ready: {} event type(s){}",
        events.len(),
        match m.get_one::<String>("forward-to") {
            Some(url) => format!(", forwarding to {url}"),
            None => String::new(),
        }
    );
    let mut seen = 0u64;
    loop {
        let incoming = tokio::select! {
            next = rx.recv() => match next { Some(i) => i, None => break },
            _ = tokio::signal::ctrl_c() => break,
        };
        seen += 1;
        handle(ctx, &incoming, forwarder.as_ref()).await?;
        if max.is_some_and(|max| seen >= max) {
            break;
        }
    }
    if let Some((client, id)) = cleanup {
        if let Err(e) = client.webhook_subscriptions().delete(id.as_str()).await {
            eprintln!(
                "warning: could not delete the temporary subscription {id}: {}",
                CliError::from(e)
            );
        }
    }
    Ok(())
}

async fn handle(ctx: &Context, incoming: &Incoming, forwarder: Option<&Forwarder>) -> Result<()> {
    let event: Value = serde_json::from_slice(&incoming.body).unwrap_or(Value::Null);
    let event_type = event["event_type"].as_str().unwrap_or("?").to_owned();
    let webhook_id = incoming
        .header("webhook-id")
        .map(str::to_owned)
        .unwrap_or_else(|| webhook_id_for(&incoming.body));
    let forwarded = match forwarder {
        Some(f) => Some(f.forward(&webhook_id, incoming.body.clone()).await),
        None => None,
    };
    if ctx.output.is_machine() {
        let line = json!({
            "event_type": event_type,
            "webhook_id": webhook_id,
            "verified": incoming.verified,
            "forwarded": forwarded.as_ref().map(|f| f.json()),
            "event": event,
        });
        print!("{}", ctx.output.render_stream(&line)?);
    } else {
        let created = event["created_at"].as_str().unwrap_or("");
        let id = event["event_id"].as_str().unwrap_or("");
        let arrow = forwarded
            .map(|f| format!("  -> {}", f.text()))
            .unwrap_or_default();
        println!("{created}  {event_type:<32} {id}{arrow}");
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
    Ok(())
}

/// Serves deliveries on `127.0.0.1:port`, verifying each with the secret
/// (given now, or later through the returned slot). Unverified ones are
/// answered 401 and reported on stderr.
pub async fn receiver(
    port: u16,
    secret: Option<linq_webhooks::Secret>,
    tx: mpsc::Sender<Incoming>,
) -> Result<(
    SocketAddr,
    tokio::sync::watch::Sender<Option<linq_webhooks::Secret>>,
)> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| CliError::failure(format!("listening on 127.0.0.1:{port}: {e}")))?;
    let addr = listener.local_addr()?;
    let (slot, watch) = tokio::sync::watch::channel(secret);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let tx = tx.clone();
            let watch = watch.clone();
            let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let tx = tx.clone();
                let secret = watch.borrow().clone();
                async move { Ok::<_, Infallible>(receive(request, secret, tx).await) }
            });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .header_read_timeout(READ_TIMEOUT)
                    .timer(hyper_util::rt::TokioTimer::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok((addr, slot))
}

async fn receive(
    request: hyper::Request<hyper::body::Incoming>,
    secret: Option<linq_webhooks::Secret>,
    tx: mpsc::Sender<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let reply = |status: u16, text: &str| {
        hyper::Response::builder()
            .status(status)
            .body(Full::new(Bytes::from(text.to_owned())))
            .expect("a valid response")
    };
    if request.method() != hyper::Method::POST {
        return reply(405, "POST only\n");
    }
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let body = Limited::new(request.into_body(), BODY_LIMIT).collect();
    let body = match tokio::time::timeout(READ_TIMEOUT, body).await {
        Ok(Ok(b)) => b.to_bytes(),
        Ok(Err(_)) => return reply(413, "body too large or unreadable\n"),
        Err(_) => return reply(408, "body too slow\n"),
    };
    let Some(secret) = secret else {
        return reply(503, "not ready\n");
    };
    if let Err(e) = Webhook::new(secret).verify(&body, &headers) {
        eprintln!("refused a delivery: {e}");
        return reply(401, "signature not verified\n");
    }
    let _ = tx
        .send(Incoming {
            headers,
            body,
            verified: true,
        })
        .await;
    reply(200, "ok\n")
}
