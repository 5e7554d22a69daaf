//! A body trickled one byte per TCP segment must not pin one read buffer per
//! byte: the tower layer and the axum extractor, each behind hyper's
//! HTTP/1.1 server, stay within 10 MB of idle RSS while 20 connections send
//! 5,000 bytes that way. (Its own test binary, so no other test moves RSS.)
#![cfg(all(feature = "axum", feature = "tower", target_os = "linux"))]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use linq_webhooks::axum::VerifiedEvent;
use linq_webhooks::tower::WebhookLayer;
use linq_webhooks::{Secret, Webhook};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::{Layer, service_fn};

const CONNECTIONS: usize = 20;
const BODY_BYTES: usize = 5_000;
const ALLOWED_GROWTH_KB: u64 = 10 * 1024;

fn webhook() -> Webhook {
    Webhook::new(Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap())
}

/// A field of /proc/self/status, in kB.
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with(field))
        .unwrap_or_else(|| panic!("{field} missing from /proc/self/status"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Peak RSS while 20 connections each trickle a 5,000-byte body one byte per
/// segment, minus RSS before.
async fn flood_growth_kb(addr: SocketAddr) -> u64 {
    let idle = status_kb("VmRSS:");
    let mut peak = idle;
    let senders: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            tokio::spawn(async move {
                let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
                stream.set_nodelay(true).unwrap();
                let head = format!(
                    "POST /linq HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
                     webhook-id: msg_1\r\nwebhook-timestamp: 1\r\nwebhook-signature: v1,AAAA\r\n\
                     content-length: {BODY_BYTES}\r\n\r\n"
                );
                stream.write_all(head.as_bytes()).await.unwrap();
                for _ in 0..BODY_BYTES {
                    stream.write_all(b" ").await.unwrap();
                    tokio::time::sleep(Duration::from_micros(500)).await;
                }
                let mut answer = Vec::new();
                let _ = stream.read_to_end(&mut answer).await;
                String::from_utf8_lossy(&answer).into_owned()
            })
        })
        .collect();
    let mut answers = Vec::new();
    for sender in senders {
        while !sender.is_finished() {
            peak = peak.max(status_kb("VmRSS:"));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        answers.push(sender.await.unwrap());
    }
    for answer in &answers {
        // Unsigned, so refused once read whole: the body was read to its end.
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    }
    peak.max(status_kb("VmRSS:")) - idle
}

async fn serve<S>(service: S) -> SocketAddr
where
    S: tower::Service<
            http::Request<hyper::body::Incoming>,
            Response = http::Response<axum::body::Body>,
            Error = Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .keep_alive(false)
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trickled_bodies_do_not_pin_read_buffers() {
    let layer = WebhookLayer::new(webhook()).layer(service_fn(
        |_: http::Request<Full<Bytes>>| async move {
            Ok::<_, Infallible>(http::Response::new(axum::body::Body::empty()))
        },
    ));
    let layer_addr = serve(layer).await;
    let router = Router::new()
        .route("/linq", post(|_: VerifiedEvent| async { "ok" }))
        .with_state(webhook());
    let router_addr = serve(router).await;
    let layer_growth = flood_growth_kb(layer_addr).await;
    let extractor_growth = flood_growth_kb(router_addr).await;
    eprintln!(
        "RSS growth under the flood: layer {layer_growth} kB, extractor {extractor_growth} kB"
    );
    assert!(
        layer_growth < ALLOWED_GROWTH_KB,
        "tower layer: RSS grew {layer_growth} kB under the flood"
    );
    assert!(
        extractor_growth < ALLOWED_GROWTH_KB,
        "axum extractor: RSS grew {extractor_growth} kB under the flood"
    );
}
