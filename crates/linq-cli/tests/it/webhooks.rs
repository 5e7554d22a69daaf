//! Webhooks: verify names each cause, trigger makes every event type,
//! listen forwards from the sandbox and from a stand-in Linq relay.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use linq_types::webhooks::EVENT_TYPES;
use linq_webhooks::{Secret, Webhook};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{Env, KEY, KillOnDrop, Receiver};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn verify(secret: &str, headers: &[(String, String)], body: &[u8]) -> Value {
    let verified = Webhook::new(Secret::parse(secret).unwrap())
        .verify(body, headers)
        .unwrap_or_else(|e| panic!("forwarded delivery did not verify: {e}"));
    assert_eq!(verified.scheme(), linq_webhooks::Scheme::Standard);
    serde_json::from_slice(body).unwrap()
}

#[test]
fn verify_exits_0_for_a_good_delivery_and_names_each_failure() {
    let env = Env::new();
    let body = br#"{"event_type":"message.received","event_id":"e1"}"#;
    let webhook = Webhook::new(Secret::parse(SECRET).unwrap());
    let check = |headers: &str, secret: &str| {
        let path = env.home.path().join("headers.txt");
        std::fs::write(&path, headers).unwrap();
        env.run_stdin(
            &[
                "webhooks",
                "verify",
                "--secret",
                secret,
                "--headers",
                path.to_str().unwrap(),
            ],
            body,
        )
    };
    let ts = now();
    let good = format!(
        "HTTP/1.1 200 OK\r\nwebhook-id: msg_1\r\nwebhook-timestamp: {ts}\r\nwebhook-signature: {}\r\n\r\n",
        webhook.sign("msg_1", ts, body)
    );
    let ok = check(&good, SECRET).ok();
    assert!(ok.stdout.contains("message.received"), "{}", ok.stdout);

    let missing = check(
        &format!(
            "webhook-id: msg_1\nwebhook-signature: {}\n",
            webhook.sign("msg_1", ts, body)
        ),
        SECRET,
    );
    assert_eq!(missing.code, 6);
    assert!(
        missing.stderr.contains("missing header: webhook-timestamp"),
        "{}",
        missing.stderr
    );

    let old = ts - 3600;
    let skewed = check(
        &format!(
            "webhook-id: msg_1\nwebhook-timestamp: {old}\nwebhook-signature: {}\n",
            webhook.sign("msg_1", old, body)
        ),
        SECRET,
    );
    assert_eq!(skewed.code, 6);
    // An hour, give or take the second the command took to start.
    assert!(
        skewed.stderr.contains("timestamp skew: signed 360")
            && skewed.stderr.contains(" s ago (tolerance 300 s)"),
        "{}",
        skewed.stderr
    );

    let wrong = check(&good, "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(wrong.code, 6);
    assert!(
        wrong.stderr.contains("no matching signature"),
        "{}",
        wrong.stderr
    );

    let legacy = check(
        &format!("X-Webhook-Timestamp: {ts}\nX-Webhook-Signature: abc\n"),
        SECRET,
    );
    assert_eq!(legacy.code, 6);
    assert!(legacy.stderr.contains("legacy scheme"), "{}", legacy.stderr);
    assert!(!legacy.stderr.contains(SECRET));
}

#[test]
fn trigger_sends_a_signed_schema_valid_event_of_every_type() {
    let env = Env::new();
    let receiver = Receiver::start(&env);
    // Two at a time: the machine has two cores.
    let chunks: Vec<Vec<&str>> = EVENT_TYPES
        .chunks(EVENT_TYPES.len().div_ceil(2))
        .map(|c| c.to_vec())
        .collect();
    std::thread::scope(|scope| {
        for chunk in &chunks {
            let env = &env;
            let url = receiver.url.clone();
            scope.spawn(move || {
                for event_type in chunk {
                    let out = env.run(&[
                        "webhooks",
                        "trigger",
                        event_type,
                        "--forward-to",
                        &url,
                        "--secret",
                        SECRET,
                    ]);
                    assert_eq!(out.code, 0, "{event_type}: {}", out.stderr);
                }
            });
        }
    });
    let got = receiver.wait_for(EVENT_TYPES.len());
    let mut types: Vec<String> = got
        .iter()
        .map(|(headers, body)| {
            verify(SECRET, headers, body)["event_type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    types.sort();
    let mut expected: Vec<String> = EVENT_TYPES.iter().map(|s| (*s).to_owned()).collect();
    expected.sort();
    assert_eq!(types, expected);
    for (_, body) in &got {
        let event: linq_types::Event = serde_json::from_slice(body).unwrap();
        let _ = event;
    }
}

#[test]
fn trigger_sets_fields_picks_the_version_and_with_sandbox_makes_the_real_change() {
    let env = Env::new();
    let receiver = Receiver::start(&env);
    let secret = env
        .run(&["webhooks", "listen", "--print-secret"])
        .ok()
        .stdout
        .trim()
        .to_owned();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(
        env.run(&["webhooks", "listen", "--print-secret"])
            .ok()
            .stdout
            .trim(),
        secret,
        "stable across runs"
    );

    env.run(&[
        "webhooks",
        "trigger",
        "message.received",
        "--forward-to",
        &receiver.url,
        "--set",
        "data.id=custom-id",
        "--version",
        "2025-01-01",
    ])
    .ok();
    let got = receiver.wait_for(1);
    let old = verify(&secret, &got[0].0, &got[0].1);
    assert_eq!(old["webhook_version"], "2025-01-01");
    assert_eq!(old["data"]["id"], "custom-id");

    let out = env
        .run(&[
            "--sandbox",
            "webhooks",
            "trigger",
            "message.received",
            "--forward-to",
            &receiver.url,
            "--json",
        ])
        .ok()
        .json();
    let message_id = out["state"]["message_id"]
        .as_str()
        .expect("an inbound message was made");
    let got = receiver.wait_for(2);
    let event = verify(&secret, &got[1].0, &got[1].1);
    assert_eq!(event["webhook_version"], "2026-02-03");
    assert_eq!(
        event["data"]["id"], message_id,
        "the event is about the message the sandbox received"
    );
    assert_eq!(event["data"]["direction"], "inbound");
}

#[test]
fn listen_with_the_sandbox_forwards_every_event_signed_with_the_stable_secret() {
    let env = Env::new();
    let receiver = Receiver::start(&env);
    let secret = env
        .run(&["webhooks", "listen", "--print-secret"])
        .ok()
        .stdout
        .trim()
        .to_owned();
    let child = env
        .cmd(&[
            "webhooks",
            "listen",
            "--sandbox",
            "--forward-to",
            &receiver.url,
            "--max-events",
            "2",
            "--format",
            "jsonl",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let (mut base, mut key) = (String::new(), String::new());
    for line in BufReader::new(child.0.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(v) = line.strip_prefix("LINQ_API_V3_BASE_URL=") {
            base = v.to_owned();
        } else if let Some(v) = line.strip_prefix("LINQ_API_V3_API_KEY=") {
            key = v.to_owned();
        } else if line.starts_with("Ready") {
            break;
        }
    }
    let client = linq_client::Client::builder()
        .api_key(key)
        .base_url(base)
        .build()
        .unwrap();
    env.rt
        .block_on(
            client
                .call_operation(
                    "chats.create",
                    json!({"from": "+12025550100", "to": ["+12025550142"], "message": {"parts": [{"type": "text", "value": "hi"}]}}),
                )
                .send(),
        )
        .unwrap();
    let got = receiver.wait_for(2);
    for (headers, body) in &got {
        let event = verify(&secret, headers, body);
        assert!(event["event_type"].as_str().unwrap().contains('.'));
    }
    let status = child.0.wait().unwrap();
    assert!(status.success());
    let printed = std::io::read_to_string(child.0.stdout.take().unwrap()).unwrap();
    let lines: Vec<Value> = printed
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["verified"], true);
    assert_eq!(lines[0]["forwarded"]["status"], 200);
}

/// A stand-in for the Linq relay: a WebSocket that answers `init` with a
/// connection id, and an HTTP endpoint whose deliveries it passes on.
struct StandInRelay {
    ws_url: String,
    http_url: String,
    connect_uri: Arc<Mutex<String>>,
    /// Closes the current connection, as a relay restart would.
    kick: Arc<tokio::sync::Notify>,
}

impl StandInRelay {
    fn start(env: &Env) -> Self {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        let ws = env
            .rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let http = env
            .rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let ws_url = format!("ws://{}/ws", ws.local_addr().unwrap());
        let http_url = format!("http://{}", http.local_addr().unwrap());
        let connect_uri = Arc::new(Mutex::new(String::new()));
        let seen = Arc::clone(&connect_uri);
        let kick = Arc::new(tokio::sync::Notify::new());
        let kicked = Arc::clone(&kick);
        env.rt.spawn(async move {
            let mut connections = 0;
            while let Ok((stream, _)) = ws.accept().await {
                connections += 1;
                let seen = Arc::clone(&seen);
                // The callback's signature is tungstenite's, large error and all.
                #[allow(clippy::result_large_err)]
                let callback =
                    move |req: &tokio_tungstenite::tungstenite::handshake::server::Request,
                          resp| {
                        *seen.lock().unwrap() = req.uri().to_string();
                        Ok(resp)
                    };
                let mut socket = tokio_tungstenite::accept_hdr_async(stream, callback)
                    .await
                    .unwrap();
                let Some(Ok(Message::Text(init))) = socket.next().await else {
                    continue;
                };
                assert_eq!(
                    serde_json::from_str::<Value>(&init).unwrap(),
                    json!({"action": "init"})
                );
                socket
                    .send(Message::text(
                        json!({"connectionId": format!("conn-{connections}")}).to_string(),
                    ))
                    .await
                    .unwrap();
                let rx = Arc::clone(&rx);
                let mut rx = rx.lock().await;
                loop {
                    tokio::select! {
                        frame = rx.recv() => match frame {
                            Some(f) => if socket.send(Message::text(f)).await.is_err() { break },
                            None => break,
                        },
                        incoming = socket.next() => if !matches!(incoming, Some(Ok(_))) { break },
                        _ = kicked.notified() => {
                            let _ = socket.close(None).await;
                            break;
                        }
                    }
                }
            }
        });
        env.rt.spawn(async move {
            while let Ok((stream, _)) = http.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let tx = tx.clone();
                        async move {
                            assert!(req.uri().path().starts_with("/relay/conn-"));
                            let headers: serde_json::Map<String, Value> = req
                                .headers()
                                .iter()
                                .map(|(n, v)| (n.to_string(), Value::String(v.to_str().unwrap().to_owned())))
                                .collect();
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            let frame = json!({"headers": headers, "body": String::from_utf8(body.to_vec()).unwrap()});
                            let _ = tx.send(frame.to_string());
                            Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::from_static(b"ok"))))
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        Self {
            ws_url,
            http_url,
            connect_uri,
            kick,
        }
    }
}

#[test]
fn listen_through_the_relay_reconnects_verifies_forwards_and_removes_its_subscription() {
    let env = Env::new();
    let receiver = Receiver::start(&env);
    let relay = StandInRelay::start(&env);
    let secret = env
        .run(&["webhooks", "listen", "--print-secret"])
        .ok()
        .stdout
        .trim()
        .to_owned();
    let child = env
        .cmd(&[
            "webhooks",
            "listen",
            "--forward-to",
            &receiver.url,
            "--max-events",
            "1",
            "--events",
            "message.sent",
            "--json",
        ])
        .env("LINQ_RELAY_WS_URL", &relay.ws_url)
        .env("LINQ_RELAY_URL", &relay.http_url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let mut stderr = BufReader::new(child.0.stderr.take().unwrap()).lines();
    loop {
        let line = stderr
            .next()
            .expect("listen ended before it was ready")
            .unwrap();
        if line.starts_with("Ready") {
            break;
        }
    }
    assert_eq!(
        *relay.connect_uri.lock().unwrap(),
        format!("/ws?token={KEY}")
    );
    let target = || {
        let subs = env
            .rt
            .block_on(
                env.client()
                    .call_operation("webhook_subscriptions.list", Value::Null)
                    .send(),
            )
            .unwrap();
        subs["subscriptions"][0]["target_url"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(target(), format!("{}/relay/conn-1", relay.http_url));
    // The relay drops the connection: listen reconnects and re-targets.
    relay.kick.notify_one();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while target() != format!("{}/relay/conn-2", relay.http_url) {
        assert!(
            std::time::Instant::now() < deadline,
            "the subscription was not re-targeted"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    env.run(&["send", "+12025550142", "through the relay"]).ok();
    let got = receiver.wait_for(1);
    let event = verify(&secret, &got[0].0, &got[0].1);
    assert_eq!(event["event_type"], "message.sent");
    assert!(child.0.wait().unwrap().success());
    let printed: Value = serde_json::from_str(
        std::io::read_to_string(child.0.stdout.take().unwrap())
            .unwrap()
            .trim(),
    )
    .unwrap();
    assert_eq!(
        printed["verified"], true,
        "the relay's delivery carried Linq's signature"
    );
    let subs = env
        .rt
        .block_on(
            env.client()
                .call_operation("webhook_subscriptions.list", Value::Null)
                .send(),
        )
        .unwrap();
    assert_eq!(
        subs["subscriptions"],
        json!([]),
        "the temporary subscription is deleted on exit"
    );
}

/// POSTs a delivery over a plain socket and returns the status code.
fn post(port: u16, headers: &[(String, String)], body: &[u8]) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut request = format!(
        "POST /hook HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn listen_on_a_port_forwards_only_deliveries_signed_by_linq() {
    let env = Env::new();
    let receiver = Receiver::start(&env);
    let stable = env
        .run(&["webhooks", "listen", "--print-secret"])
        .ok()
        .stdout
        .trim()
        .to_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = env
        .cmd(&[
            "webhooks",
            "listen",
            "--port",
            &port.to_string(),
            "--secret",
            SECRET,
            "--forward-to",
            &receiver.url,
            "--max-events",
            "1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let mut stderr = BufReader::new(child.0.stderr.take().unwrap()).lines();
    while !stderr
        .next()
        .expect("listen ended early")
        .unwrap()
        .starts_with("Ready")
    {}

    let body = br#"{"event_type":"message.received","event_id":"evt-port","api_version":"v3","webhook_version":"2026-02-03","created_at":"2026-02-03T00:00:00Z","data":{}}"#;
    assert_eq!(post(port, &[], body), 401, "unsigned");
    let ts = now();
    let forged =
        Webhook::new(Secret::parse("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap());
    let header = |w: &Webhook| {
        vec![
            ("webhook-id".to_owned(), "msg_port".to_owned()),
            ("webhook-timestamp".to_owned(), ts.to_string()),
            ("webhook-signature".to_owned(), w.sign("msg_port", ts, body)),
        ]
    };
    assert_eq!(
        post(port, &header(&forged), body),
        401,
        "signed with another secret"
    );
    let linq = Webhook::new(Secret::parse(SECRET).unwrap());
    assert_eq!(post(port, &header(&linq), body), 200);
    let got = receiver.wait_for(1);
    let event = verify(&stable, &got[0].0, &got[0].1);
    assert_eq!(event["event_id"], "evt-port");
    let id = got[0]
        .0
        .iter()
        .find(|(n, _)| n == "webhook-id")
        .map(|(_, v)| v.as_str());
    assert_eq!(
        id,
        Some("msg_port"),
        "the delivery keeps its id, so handlers dedupe"
    );
    assert!(child.0.wait().unwrap().success());
    assert_eq!(
        receiver.got.lock().unwrap().len(),
        1,
        "nothing unverified was forwarded"
    );
}

#[test]
fn linq_sandbox_serves_an_account_and_forwards_its_events_signed() {
    let env = Env::new();
    let receiver = Receiver::start(&env);
    let stable = env
        .run(&["webhooks", "listen", "--print-secret"])
        .ok()
        .stdout
        .trim()
        .to_owned();
    let child = env
        .cmd(&["sandbox", "--forward-to", &receiver.url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let mut stdout = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut next = |prefix: &str| {
        let line = stdout.next().unwrap().unwrap();
        line.strip_prefix(prefix)
            .unwrap_or_else(|| panic!("{line}"))
            .to_owned()
    };
    let base = next("LINQ_API_V3_BASE_URL=");
    let key = next("LINQ_API_V3_API_KEY=");
    let out: crate::support::Out = env
        .cmd(&["send", "+12025550142", "to the served sandbox", "--json"])
        .env("LINQ_API_URL", &base)
        .env("LINQ_API_V3_API_KEY", &key)
        .output()
        .unwrap()
        .into();
    let chat = out.ok().json()["chat"]["id"].as_str().unwrap().to_owned();
    // Deliveries may arrive in any order; every one must verify.
    let mut n = 1;
    let event = loop {
        let got = receiver.wait_for(n);
        let events: Vec<Value> = got.iter().map(|(h, b)| verify(&stable, h, b)).collect();
        if let Some(created) = events
            .into_iter()
            .find(|e| e["event_type"] == "chat.created")
        {
            break created;
        }
        n += 1;
    };
    assert_eq!(event["data"]["id"].as_str(), Some(chat.as_str()));
    assert_eq!(
        env.run(&["sandbox", "--addr", "0.0.0.0:0"]).code,
        2,
        "loopback only"
    );
}
