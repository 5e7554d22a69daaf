//! What an unauthenticated or hostile local client can make the sandbox
//! hold, and for how long: each test here failed before its limit existed.

use crate::common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{IMESSAGE, assert_error, call, request, send, text};
use linq_sandbox::{REQUEST_LOG_BYTES, Sandbox, ServeOptions};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// Writes `head` and reads whatever comes back within `wait`.
async fn exchange(addr: SocketAddr, head: &str, wait: Duration) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut reply = vec![0u8; 4096];
    let n = tokio::time::timeout(wait, stream.read(&mut reply))
        .await
        .map(|r| r.unwrap_or(0))
        .unwrap_or(0);
    String::from_utf8_lossy(&reply[..n]).into_owned()
}

#[tokio::test]
async fn a_keyless_request_is_refused_before_its_body_is_read() {
    let sb = Sandbox::new();
    let server = sb.serve(loopback()).await.unwrap();
    // The body is announced but never sent: only the headers decide.
    let head = "POST /api/partner/v3/chats HTTP/1.1\r\nhost: 127.0.0.1\r\n\
                content-type: application/json\r\ncontent-length: 100000\r\n\r\n";
    let started = Instant::now();
    let reply = exchange(server.addr(), head, Duration::from_secs(5)).await;
    assert!(reply.starts_with("HTTP/1.1 401"), "{reply}");
    assert!(started.elapsed() < Duration::from_secs(2));
    // The control API likewise.
    let head = "POST /__sandbox/seed HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 100000\r\n\r\n";
    let reply = exchange(server.addr(), head, Duration::from_secs(5)).await;
    assert!(reply.starts_with("HTTP/1.1 401"), "{reply}");
}

#[tokio::test]
async fn a_body_that_trickles_is_cut_off_at_the_deadline() {
    let sb = Sandbox::new();
    let options = ServeOptions::default().body_read_timeout(Duration::from_millis(300));
    let server = sb.serve_with(loopback(), options).await.unwrap();
    let head = format!(
        "POST /api/partner/v3/chats HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer {}\r\n\
         content-type: application/json\r\ncontent-length: 10\r\n\r\n{{",
        sb.api_key()
    );
    let started = Instant::now();
    let reply = exchange(server.addr(), &head, Duration::from_secs(5)).await;
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn the_request_log_is_bounded_in_bytes() {
    let sb = Sandbox::new();
    // 1,000 x 60 KB paths: 60 MB sent, far over the cap.
    let long = "x".repeat(60_000);
    for _ in 0..1_000 {
        let mut req = request(&sb, "GET", &format!("/v3/chats/{long}"), None);
        req.headers_mut().remove("authorization");
        let (status, _) = send(&sb, req).await.unwrap();
        assert_eq!(status, 401);
    }
    let log = sb.requests();
    let bytes: usize = log.iter().map(|e| e.to_string().len()).sum();
    assert!(bytes <= REQUEST_LOG_BYTES, "{bytes} bytes kept");
    assert!(
        log.len() > 100,
        "the newest entries are kept: {}",
        log.len()
    );
    let path = log.last().unwrap()["path"].as_str().unwrap();
    assert!(path.len() < 2_100, "paths are cut: {}", path.len());
}

#[tokio::test]
async fn mock_mode_keeps_its_control_api_behind_a_key_of_its_own() {
    let sb = Sandbox::builder().mock(true).build();
    let (_, reply) = call(
        &sb,
        "POST",
        "/v3/webhook-subscriptions",
        Some(json!({"target_url": "https://example.com/h", "subscribed_events": ["message.sent"]})),
    )
    .await;
    let secret = reply["signing_secret"].as_str().unwrap().to_owned();
    // Any key is an API key in mock mode, but none opens the control API.
    for key in [sb.api_key(), "anything".to_owned()] {
        let mut req = request(&sb, "GET", "/__sandbox/state", None);
        req.headers_mut()
            .insert("authorization", format!("Bearer {key}").parse().unwrap());
        let reply = send(&sb, req).await.unwrap();
        assert_error(&reply, 401, 2004);
        assert!(!reply.1.to_string().contains(&secret));
    }
    let mut req = request(&sb, "GET", "/__sandbox/state", None);
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {}", sb.control_key()).parse().unwrap(),
    );
    let (status, state) = send(&sb, req).await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(state["subscriptions"][0]["signing_secret"], secret);
    assert_ne!(sb.control_key(), sb.api_key());
}

#[tokio::test]
async fn reading_made_up_ids_does_not_grow_the_mock_state_without_bound() {
    let sb = Sandbox::builder().mock(true).build();
    for i in 0..3_000u32 {
        let id = format!("00000000-0000-4000-8000-{i:012x}");
        let (status, _) = call(&sb, "GET", &format!("/v3/messages/{id}"), None).await;
        assert_eq!(status, 200);
    }
    let state = sb.dump();
    let kept =
        state["chats"].as_array().unwrap().len() + state["messages"].as_array().unwrap().len();
    assert!(kept <= 1_000, "{kept} made-up things kept");
    // The newest is still there, the same on a second read.
    let id = format!("00000000-0000-4000-8000-{:012x}", 2_999);
    let (_, first) = call(&sb, "GET", &format!("/v3/messages/{id}"), None).await;
    let (_, again) = call(&sb, "GET", &format!("/v3/messages/{id}"), None).await;
    assert_eq!(first, again);
}

#[tokio::test]
async fn blank_text_and_empty_recipient_lists_are_refused() {
    let sb = Sandbox::new();
    let line = sb.lines()[0].clone();
    for blank in ["", "   ", "\n\t"] {
        let body = json!({"from": line, "to": [IMESSAGE[0]], "message": text(blank)});
        assert_error(&call(&sb, "POST", "/v3/chats", Some(body)).await, 400, 1005);
        let body = json!({"to": [IMESSAGE[0]], "message": text(blank)});
        assert_error(
            &call(&sb, "POST", "/v3/messages", Some(body)).await,
            400,
            1005,
        );
    }
    let body = json!({"from": line, "to": [], "message": text("hi")});
    let reply = call(&sb, "POST", "/v3/chats", Some(body)).await;
    assert_eq!(reply.0, 400, "{}", reply.1);
    let body = json!({"to": [], "message": text("hi")});
    let reply = call(&sb, "POST", "/v3/messages", Some(body)).await;
    assert_eq!(reply.0, 400, "{}", reply.1);
    assert_eq!(sb.message_count(), 0);
    // And in a chat that exists.
    let chat = sb.create_chat(&IMESSAGE[..1], "hi").unwrap();
    let body = json!({"message": text(" ")});
    let reply = call(
        &sb,
        "POST",
        &format!("/v3/chats/{chat}/messages"),
        Some(body),
    )
    .await;
    assert_error(&reply, 400, 1005);
    assert_eq!(sb.message_count(), 1);
}
