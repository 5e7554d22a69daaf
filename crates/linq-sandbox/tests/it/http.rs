//! The sandbox over HTTP on 127.0.0.1: the seed operation through the
//! hyper transport, faults through the control endpoint, webhook deliveries
//! POSTed to a loopback receiver, and the binary.

use crate::common;

use std::convert::Infallible;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use common::IMESSAGE;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use linq_client::{Client, Error};
use linq_sandbox::{Clock, Sandbox, ServeError, Server};
use linq_transport::{HyperTransport, SendOptions, Transport};
use linq_webhooks::{Secret, Webhook};
use serde_json::{Value, json};
use tokio::sync::mpsc;

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

fn client_for(sb: &Sandbox, server: &Server) -> Client {
    Client::builder()
        .api_key(sb.api_key())
        .base_url(server.base_url())
        .max_retries(0)
        .build()
        .unwrap()
}

async fn raw(server: &Server, key: &str, method: &str, path: &str, body: Value) -> (u16, Value) {
    let request = http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", server.base_url()))
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json")
        .body(Bytes::from(body.to_string()))
        .unwrap();
    let response = HyperTransport::new()
        .send(request, SendOptions::default())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_operation_over_http() {
    let sb = Sandbox::new();
    let server = sb.serve(loopback()).await.unwrap();
    assert!(server.base_url().starts_with("http://127.0.0.1:"));
    let client = client_for(&sb, &server);
    let chat = sb.create_chat(&IMESSAGE[..2], "hi").unwrap();

    let reply = client
        .chats()
        .participants()
        .add(chat.as_str(), IMESSAGE[2])
        .await
        .unwrap();
    assert_eq!(reply.status.as_deref(), Some("accepted"));
    assert_eq!(
        reply.message.as_deref(),
        Some("Participant addition queued")
    );
    sb.advance();
    assert_eq!(
        sb.chat_json(&chat).unwrap()["handles"]
            .as_array()
            .unwrap()
            .len(),
        4
    );

    let err = client
        .chats()
        .participants()
        .add("550e8400-e29b-41d4-a716-446655440000", IMESSAGE[2])
        .await
        .unwrap_err();
    match err {
        Error::Api(api) => {
            assert_eq!(api.status.as_u16(), 404);
            assert_eq!(api.code.map(|c| c.as_u32()), Some(2001));
            assert!(api.trace_id.is_some());
        }
        other => panic!("{other:?}"),
    }

    let (status, body) = raw(&server, "sk_wrong", "GET", "/v3/chats", json!({})).await;
    assert_eq!((status, body["error"]["code"].clone()), (401, json!(2004)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_through_the_control_endpoint() {
    let sb = Sandbox::new();
    let server = sb.serve(loopback()).await.unwrap();
    let key = sb.api_key();
    let client = client_for(&sb, &server);
    let chat = sb.create_chat(&IMESSAGE[..2], "hi").unwrap();
    let add = || {
        client
            .chats()
            .participants()
            .add(chat.as_str(), IMESSAGE[2])
    };

    let (status, _) = raw(
        &server,
        &key,
        "POST",
        "/__sandbox/faults",
        json!({"kind": "status", "status": 503, "count": 2}),
    )
    .await;
    assert_eq!(status, 200);
    for _ in 0..2 {
        match add().await.unwrap_err() {
            Error::Api(api) => assert_eq!(api.status.as_u16(), 503),
            other => panic!("{other:?}"),
        }
    }
    add().await.unwrap();

    raw(
        &server,
        &key,
        "POST",
        "/__sandbox/faults",
        json!({"kind": "drop"}),
    )
    .await;
    assert!(matches!(add().await.unwrap_err(), Error::Transport { .. }));
    add().await.unwrap();

    raw(
        &server,
        &key,
        "POST",
        "/__sandbox/faults",
        json!({"kind": "rate_limit", "retry_after": 0}),
    )
    .await;
    let retrying = Client::builder()
        .api_key(key.clone())
        .base_url(server.base_url())
        .max_retries(1)
        .build()
        .unwrap();
    let reply = retrying
        .chats()
        .participants()
        .add(chat.as_str(), IMESSAGE[2])
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(reply.attempts, 2);

    // The control endpoint needs the key too.
    let (status, _) = raw(
        &server,
        "sk_wrong",
        "POST",
        "/__sandbox/faults",
        json!({"kind": "drop"}),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(sb.faults_pending(), 0);

    let (status, body) = raw(
        &server,
        &key,
        "POST",
        "/__sandbox/advance",
        json!({"steps": 1}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body["events"].as_u64().unwrap() >= 1);
}

/// A receiver on loopback that answers 500 to the first request it
/// handles and 204 after, passing on what it got and what it answered.
async fn receiver() -> (
    SocketAddr,
    mpsc::UnboundedReceiver<(http::HeaderMap, Bytes, u16)>,
) {
    let listener = tokio::net::TcpListener::bind(loopback()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let calls = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (tx, calls) = (tx.clone(), calls.clone());
            tokio::spawn(async move {
                let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let (tx, calls) = (tx.clone(), calls.clone());
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body.collect().await.unwrap().to_bytes();
                        let status = if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                            500
                        } else {
                            204
                        };
                        let _ = tx.send((parts.headers, body, status));
                        Ok::<_, Infallible>(
                            http::Response::builder()
                                .status(status)
                                .body(Full::new(Bytes::new()))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_posted_to_loopback_targets_with_retries() {
    let sb = Sandbox::builder().clock(Clock::System).build();
    let server = sb.serve(loopback()).await.unwrap();
    let key = sb.api_key();
    let (addr, mut rx) = receiver().await;
    let (status, sub) = raw(
        &server,
        &key,
        "POST",
        "/v3/webhook-subscriptions",
        json!({"target_url": format!("http://{addr}/hook"), "subscribed_events": ["chat.created", "message.sent"]}),
    )
    .await;
    assert_eq!(status, 201);
    let webhook = Webhook::new(Secret::parse(sub["signing_secret"].as_str().unwrap()).unwrap());
    // A subscription elsewhere is never contacted.
    let (status, _) = raw(
        &server,
        &key,
        "POST",
        "/v3/webhook-subscriptions",
        json!({"target_url": "http://192.0.2.1/hook", "subscribed_events": ["chat.created"]}),
    )
    .await;
    assert_eq!(status, 201);

    sb.create_chat(&IMESSAGE[..1], "hi").unwrap();
    sb.advance();

    let mut received = Vec::new();
    while received.len() < 3 {
        let got = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await;
        received.push(got.expect("a delivery within 10 s").unwrap());
    }
    // Deliveries run concurrently, so which one met the 500 varies: per
    // webhook-id, the one answered 500 came again (500, then 204) and the
    // other came once (204).
    let mut per_id: std::collections::BTreeMap<&str, Vec<u16>> = Default::default();
    for (headers, _, status) in &received {
        per_id
            .entry(headers["webhook-id"].to_str().unwrap())
            .or_default()
            .push(*status);
    }
    let mut statuses: Vec<Vec<u16>> = per_id.into_values().collect();
    statuses.sort();
    assert_eq!(statuses, [vec![204], vec![500, 204]]);
    let mut kinds = Vec::new();
    for (headers, body, _) in &received {
        let verified = webhook.verify(body, headers).unwrap();
        kinds.push(verified.event_type().unwrap().to_owned());
    }
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds, ["chat.created", "message.sent"]);

    // Attempts are recorded once the receiver has answered.
    let mut attempts = sb.attempts();
    for _ in 0..100 {
        if attempts.iter().filter(|a| a.outcome == Ok(204)).count() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        attempts = sb.attempts();
    }
    assert!(attempts.iter().any(|a| a.outcome == Ok(500)));
    assert!(
        attempts
            .iter()
            .any(|a| a.attempt == 2 && a.outcome == Ok(204))
    );
    let skipped: Vec<_> = attempts
        .iter()
        .filter(|a| a.target_url.contains("192.0.2.1"))
        .collect();
    assert_eq!(skipped.len(), 1);
    assert!(
        skipped[0]
            .outcome
            .as_ref()
            .unwrap_err()
            .contains("not a loopback")
    );
}

#[tokio::test]
async fn only_loopback_addresses_are_served() {
    let sb = Sandbox::new();
    for addr in ["0.0.0.0:0", "192.0.2.1:0", "[::]:0"] {
        let err = sb.serve(addr.parse().unwrap()).await.unwrap_err();
        assert!(matches!(err, ServeError::NotLoopback(_)), "{addr}: {err}");
    }
}

#[test]
fn the_binary_prints_its_address_and_key_then_serves() {
    let exe = env!("CARGO_BIN_EXE_linq-sandbox");
    let refused = Command::new(exe)
        .args(["--addr", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));

    let mut child = Command::new(exe)
        .args(["--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = lines.next().unwrap().unwrap();
    let key = lines.next().unwrap().unwrap();
    let base = base
        .strip_prefix("LINQ_API_V3_BASE_URL=")
        .unwrap()
        .to_owned();
    let key = key.strip_prefix("LINQ_API_V3_API_KEY=").unwrap().to_owned();
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/api/partner"),
        "{base}"
    );

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let result = runtime.block_on(async {
        let client = Client::builder()
            .api_key(key)
            .base_url(base)
            .max_retries(0)
            .build()?;
        let err = client
            .chats()
            .participants()
            .add("550e8400-e29b-41d4-a716-446655440000", IMESSAGE[0])
            .await
            .unwrap_err();
        Ok::<_, Box<dyn std::error::Error>>(err)
    });
    let _ = child.kill();
    let _ = child.wait();
    match result.unwrap() {
        Error::Api(api) => assert_eq!(api.status.as_u16(), 404),
        other => panic!("{other:?}"),
    }
}

/// Starts the binary with `args`; returns it with its base URL and key.
fn start(args: &[&str]) -> (std::process::Child, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_linq-sandbox"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut value = |name: &str| {
        let line = lines.next().unwrap().unwrap();
        line.strip_prefix(name).unwrap().to_owned()
    };
    let base = value("LINQ_API_V3_BASE_URL=");
    let key = value("LINQ_API_V3_API_KEY=");
    (child, base, key)
}

#[test]
fn the_binary_explains_itself() {
    let exe = env!("CARGO_BIN_EXE_linq-sandbox");
    let help = Command::new(exe).arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8(help.stdout).unwrap();
    for needle in [
        "--mock",
        "--api-key",
        "--line",
        "--capabilities",
        "--fixture",
        "--clock",
        "/__sandbox/openapi.json",
        "/__sandbox/faults",
    ] {
        assert!(
            text.contains(needle),
            "--help does not mention {needle}:\n{text}"
        );
    }
    let bad = Command::new(exe).arg("--tick-ms=soon").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--tick-ms"));
}

#[test]
fn strict_mode_prints_a_random_key_and_mock_mode_takes_any() {
    let (mut a, base, key_a) = start(&["--tick-ms", "0"]);
    let (mut b, _, key_b) = start(&["--tick-ms", "0"]);
    let _ = b.kill();
    let _ = b.wait();
    assert!(
        key_a.starts_with("sk_sandbox_") && key_a.len() >= 40,
        "{key_a}"
    );
    assert_ne!(key_a, key_b);
    assert_ne!(key_a, "sk_sandbox_00000001");
    let (mut m, mock_base, _) = start(&["--mock", "--tick-ms", "0", "--line", "+12025550199"]);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let get = |base: &str, key: &str, path: &str| {
        let request = http::Request::get(format!("{base}{path}"))
            .header("authorization", format!("Bearer {key}"))
            .body(Bytes::new())
            .unwrap();
        runtime.block_on(async {
            let r = HyperTransport::new()
                .send(request, SendOptions::default())
                .await
                .unwrap();
            (
                r.status().as_u16(),
                serde_json::from_slice::<Value>(r.body()).unwrap_or(Value::Null),
            )
        })
    };
    let strict_wrong = get(&base, "My API Key", "/v3/chats").0;
    let strict_right = get(&base, &key_a, "/v3/chats").0;
    let mock_any = get(&mock_base, "My API Key", "/v3/chats").0;
    let numbers = get(&mock_base, "anything", "/v3/phone_numbers");
    for child in [&mut a, &mut m] {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert_eq!((strict_wrong, strict_right, mock_any), (401, 200, 200));
    assert_eq!(
        numbers.1["phone_numbers"][0]["phone_number"], "+12025550199",
        "{}",
        numbers.1
    );
}

#[test]
fn the_binary_takes_a_fixture_capabilities_and_a_manual_clock() {
    let fixture = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("sandbox-fixture.json");
    std::fs::write(
        &fixture,
        json!({"lines": ["+12025550177"], "chats": [{"from": "+12025550177", "to": ["+12025550143"], "text": "from the fixture"}]}).to_string(),
    )
    .unwrap();
    let fixture = fixture.to_str().unwrap();
    let (mut child, base, key) = start(&[
        "--tick-ms",
        "0",
        "--clock",
        "manual",
        "--start",
        "1893456000",
        "--capabilities",
        "+12025550143=imessage,sms",
        "--fixture",
        fixture,
    ]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let ask = |method: &str, path: &str| {
        let request = http::Request::builder()
            .method(method)
            .uri(format!("{base}{path}"))
            .header("authorization", format!("Bearer {key}"))
            .body(Bytes::new())
            .unwrap();
        runtime.block_on(async {
            let r = HyperTransport::new()
                .send(request, SendOptions::default())
                .await
                .unwrap();
            serde_json::from_slice::<Value>(r.body()).unwrap_or(Value::Null)
        })
    };
    let clock = ask("GET", "/__sandbox/clock");
    let before = ask("GET", "/__sandbox/state");
    ask("POST", "/__sandbox/advance");
    ask("POST", "/__sandbox/reset");
    let after = ask("GET", "/__sandbox/state");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        clock,
        json!({"now": "2030-01-01T00:00:00.000Z", "clock": "manual"})
    );
    assert_eq!(before["chats"][0]["service"], "iMessage", "{before}");
    assert_eq!(
        before["messages"][0]["parts"][0]["value"],
        "from the fixture"
    );
    // Reset goes back to the state the flags and fixture made.
    assert_eq!(after["chats"], before["chats"]);
    assert_eq!(after["messages"], before["messages"]);
    assert_eq!(after["now"], "2030-01-01T00:00:00.000Z");

    let refused = Command::new(env!("CARGO_BIN_EXE_linq-sandbox"))
        .args(["--start", "1"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
}
