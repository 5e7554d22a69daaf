//! Requests that used to crash or wedge the sandbox now get a 400 or a
//! bounded reply, and the HTTP server sheds slow, surplus or foreign
//! clients.

use crate::common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{IMESSAGE, assert_error, call, request, send};
use linq_sandbox::{
    Fault, FaultMatch, MAX_ADVANCE_STEPS, MAX_FAULT_COUNT, MAX_FAULT_RULES, Sandbox, ServeOptions,
};
use linq_transport::Transport;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

#[tokio::test]
async fn a_huge_fault_count_is_400_and_queues_nothing() {
    let sb = Sandbox::new();
    for count in [
        json!(1_000_000_000_000u64),
        json!(MAX_FAULT_COUNT + 1),
        json!(0),
        json!(-1),
        json!(1.5),
    ] {
        let reply = call(
            &sb,
            "POST",
            "/__sandbox/faults",
            Some(json!({"kind": "drop", "count": count})),
        )
        .await;
        assert_error(&reply, 400, 1005);
    }
    assert_eq!(sb.faults_pending(), 0);
    // The largest count is one queued rule, not that many copies.
    let (status, body) = call(
        &sb,
        "POST",
        "/__sandbox/faults",
        Some(json!({"kind": "status", "status": 503, "count": MAX_FAULT_COUNT})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["queued"], MAX_FAULT_COUNT);
    assert_eq!(sb.faults_pending() as u64, MAX_FAULT_COUNT);
}

#[tokio::test]
async fn the_number_of_queued_fault_rules_is_capped() {
    let sb = Sandbox::new();
    for _ in 0..MAX_FAULT_RULES {
        let (status, _) = call(
            &sb,
            "POST",
            "/__sandbox/faults",
            Some(json!({"kind": "drop"})),
        )
        .await;
        assert_eq!(status, 200);
    }
    let reply = call(
        &sb,
        "POST",
        "/__sandbox/faults",
        Some(json!({"kind": "drop"})),
    )
    .await;
    assert_error(&reply, 400, 1005);
    assert_eq!(sb.faults_pending(), MAX_FAULT_RULES);
    let (status, _) = call(&sb, "DELETE", "/__sandbox/faults", None).await;
    assert_eq!(status, 200);
    assert_eq!(sb.faults_pending(), 0);
}

#[tokio::test]
async fn a_huge_advance_is_400_and_the_largest_allowed_returns() {
    let sb = Sandbox::new();
    sb.create_chat(&IMESSAGE[..1], "hi").unwrap();
    for steps in [
        json!(1e15),
        json!(1_000_000_000_000_000u64),
        json!(MAX_ADVANCE_STEPS + 1),
        json!(-1),
        json!("10"),
    ] {
        let reply = call(
            &sb,
            "POST",
            "/__sandbox/advance",
            Some(json!({ "steps": steps })),
        )
        .await;
        assert_error(&reply, 400, 1005);
    }
    assert_eq!(sb.pending(), 1, "nothing advanced");
    let started = Instant::now();
    let (status, body) = call(
        &sb,
        "POST",
        "/__sandbox/advance",
        Some(json!({"steps": MAX_ADVANCE_STEPS})),
    )
    .await;
    assert_eq!(status, 200);
    // queued → sent → delivered → read: three events, however many steps.
    assert_eq!(body["events"], 3);
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn unusable_retry_after_and_delay_values_are_400() {
    let sb = Sandbox::new();
    for bad in [json!(-1), json!(1e300), json!(3601), json!("2")] {
        let reply = call(
            &sb,
            "POST",
            "/__sandbox/faults",
            Some(json!({"kind": "rate_limit", "retry_after": bad})),
        )
        .await;
        assert_error(&reply, 400, 1005);
    }
    let reply = call(
        &sb,
        "POST",
        "/__sandbox/faults",
        Some(json!({"kind": "delay", "ms": 60_001})),
    )
    .await;
    assert_error(&reply, 400, 1005);
    // Unknown fields are refused rather than ignored.
    let reply = call(
        &sb,
        "POST",
        "/__sandbox/faults",
        Some(json!({"kind": "drop", "status": 500})),
    )
    .await;
    assert_error(&reply, 400, 1005);
    assert_eq!(sb.faults_pending(), 0);

    let (status, _) = call(
        &sb,
        "POST",
        "/__sandbox/faults",
        Some(json!({"kind": "rate_limit", "retry_after": 1.5})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, headers) = {
        let response = sb
            .transport()
            .send(request(&sb, "GET", "/v3/chats", None), Default::default())
            .await
            .unwrap();
        (response.status().as_u16(), response.headers().clone())
    };
    assert_eq!(status, 429);
    assert_eq!(headers["retry-after"], "2");
}

#[tokio::test]
async fn an_unauthenticated_request_does_not_spend_a_fault() {
    let sb = Sandbox::new();
    sb.fail_next(1, Fault::Status(503));
    let mut req = request(&sb, "GET", "/v3/chats", None);
    req.headers_mut().remove("authorization");
    assert_error(&send(&sb, req).await.unwrap(), 401, 2004);
    let mut req = request(&sb, "GET", "/v3/chats", None);
    req.headers_mut()
        .insert("authorization", "Bearer sk_wrong".parse().unwrap());
    assert_error(&send(&sb, req).await.unwrap(), 401, 2004);
    assert_eq!(sb.faults_pending(), 1);
    assert_error(&call(&sb, "GET", "/v3/chats", None).await, 503, 4004);
    assert_eq!(sb.faults_pending(), 0);
}

#[tokio::test]
async fn faults_hit_only_the_requests_they_match() {
    let sb = Sandbox::new();
    let chat = sb.create_chat(&IMESSAGE[..2], "hi").unwrap();
    sb.fail_matching(
        FaultMatch::operation("chats.messages.send"),
        1,
        Fault::Status(404),
    );
    // Other operations go through.
    assert_eq!(call(&sb, "GET", "/v3/chats", None).await.0, 200);
    assert_eq!(sb.faults_pending(), 1);
    let path = format!("/v3/chats/{chat}/messages");
    let reply = call(
        &sb,
        "POST",
        &path,
        Some(json!({"message": common::text("x")})),
    )
    .await;
    assert_error(&reply, 404, 2001);
    assert_eq!(
        call(
            &sb,
            "POST",
            &path,
            Some(json!({"message": common::text("x")}))
        )
        .await
        .0,
        202
    );

    // Over the control API, by method and path template.
    let (status, _) = call(
        &sb,
        "POST",
        "/__sandbox/faults",
        Some(json!({"kind": "status", "status": 409, "method": "get", "path": "/v3/chats/{chatId}", "count": 2})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(call(&sb, "GET", "/v3/chats", None).await.0, 200);
    let one = format!("/v3/chats/{chat}");
    assert_error(&call(&sb, "GET", &one, None).await, 409, 1005);
    assert_error(&call(&sb, "GET", &one, None).await, 409, 1005);
    assert_eq!(call(&sb, "GET", &one, None).await.0, 200);
    // An operation id that does not exist is refused.
    let reply = call(
        &sb,
        "POST",
        "/__sandbox/faults",
        Some(json!({"kind": "drop", "operation": "chats.nope"})),
    )
    .await;
    assert_error(&reply, 400, 1005);
}

/// Reads until the peer closes, with a deadline; the bytes read.
async fn read_to_close(stream: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(out),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_trickling_headers_is_cut_off() {
    let sb = Sandbox::new();
    let options = ServeOptions::default().header_read_timeout(Duration::from_millis(300));
    let server = sb.serve_with(loopback(), options).await.unwrap();
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(b"GET /v3/chats HTTP/1.1\r\n")
        .await
        .unwrap();
    // One header byte every 100 ms would take far longer than the timeout.
    let trickle = async {
        for b in b"Host: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            if stream.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), trickle).await;
    let closed = read_to_close(&mut stream, Duration::from_secs(3)).await;
    assert!(closed.is_some(), "the slow client is still connected");
    assert!(started.elapsed() < Duration::from_secs(5));
    // A prompt client is served.
    let mut ok = TcpStream::connect(server.addr()).await.unwrap();
    ok.write_all(b"GET /v3/chats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let reply = read_to_close(&mut ok, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        reply.starts_with(b"HTTP/1.1 401"),
        "{}",
        String::from_utf8_lossy(&reply)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_limit_are_closed() {
    let sb = Sandbox::new();
    let options = ServeOptions::default()
        .max_connections(2)
        .header_read_timeout(Duration::from_secs(30));
    let server = sb.serve_with(loopback(), options).await.unwrap();
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(TcpStream::connect(server.addr()).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = TcpStream::connect(server.addr()).await.unwrap();
    let _ = third
        .write_all(b"GET /v3/chats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await;
    let got = read_to_close(&mut third, Duration::from_secs(3)).await;
    assert_eq!(
        got.as_deref(),
        Some(&b""[..]),
        "the third connection was served"
    );
    // The held ones are still open.
    let mut first = held.remove(0);
    assert!(
        read_to_close(&mut first, Duration::from_millis(200))
            .await
            .is_none()
    );
    // Closing one frees its slot.
    drop(first);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut again = TcpStream::connect(server.addr()).await.unwrap();
    again
        .write_all(b"GET /v3/chats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let reply = read_to_close(&mut again, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        reply.starts_with(b"HTTP/1.1 401"),
        "{}",
        String::from_utf8_lossy(&reply)
    );
}

/// One raw HTTP/1.1 exchange; the status line and the body.
async fn exchange(addr: SocketAddr, head: &str, body: &[u8]) -> (String, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let _ = stream.write_all(body).await;
    let reply = read_to_close(&mut stream, Duration::from_secs(5))
        .await
        .unwrap();
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let status = reply.lines().next().unwrap_or_default().to_owned();
    let body = reply
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_host_header_is_refused() {
    let sb = Sandbox::new();
    let server = sb.serve(loopback()).await.unwrap();
    let key = sb.api_key();
    for host in ["evil.example", "evil.example:80", "127.0.0.1.evil.example"] {
        let head = format!(
            "POST /api/partner/__sandbox/faults HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\nContent-Length: 15\r\nConnection: close\r\n\r\n"
        );
        let (status, body) = exchange(server.addr(), &head, br#"{"kind":"drop"}"#).await;
        assert!(status.starts_with("HTTP/1.1 403"), "{host}: {status}");
        assert!(body.contains(r#""code":2005"#), "{body}");
    }
    assert_eq!(sb.faults_pending(), 0);
    let head = format!(
        "POST /api/partner/__sandbox/faults HTTP/1.1\r\nHost: localhost:{}\r\nAuthorization: Bearer {key}\r\nContent-Length: 15\r\nConnection: close\r\n\r\n",
        server.addr().port()
    );
    let (status, _) = exchange(server.addr(), &head, br#"{"kind":"drop"}"#).await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert_eq!(sb.faults_pending(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_413_with_the_envelope() {
    let sb = Sandbox::new();
    let server = sb
        .serve_with(loopback(), ServeOptions::default().body_limit(1024))
        .await
        .unwrap();
    let key = sb.api_key();
    let big = vec![b'x'; 2048];
    // Declared too large.
    let head = format!(
        "POST /api/partner/v3/chats HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        big.len()
    );
    let (status, body) = exchange(server.addr(), &head, &big).await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
    assert!(body.contains(r#""code":5005"#), "{body}");
    // Too large once read, with no length declared.
    let head = format!(
        "POST /api/partner/v3/chats HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut chunked = format!("{:x}\r\n", big.len()).into_bytes();
    chunked.extend_from_slice(&big);
    chunked.extend_from_slice(b"\r\n0\r\n\r\n");
    let (status, _) = exchange(server.addr(), &head, &chunked).await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
    assert_eq!(sb.message_count(), 0);
}
