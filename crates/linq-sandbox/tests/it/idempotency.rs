//! Idempotency keys: scoped to one operation (and one chat), replaying the
//! first reply exactly, refusing reuse with a different request.

use crate::common;

use bytes::Bytes;
use common::{IMESSAGE, assert_error, call, request, text};
use linq_sandbox::Sandbox;
use linq_transport::{SendOptions, Transport};
use serde_json::{Value, json};

fn keyed(value: &str, key: &str) -> Value {
    json!({"parts": [{"type": "text", "value": value}], "idempotency_key": key})
}

/// Status, headers and exact body bytes.
async fn raw(
    sb: &Sandbox,
    method: &str,
    path: &str,
    body: &Value,
) -> (u16, http::HeaderMap, Bytes) {
    let response = sb
        .transport()
        .send(
            request(sb, method, path, Some(body)),
            SendOptions::default(),
        )
        .await
        .unwrap();
    (
        response.status().as_u16(),
        response.headers().clone(),
        response.body().clone(),
    )
}

#[tokio::test]
async fn a_key_used_to_send_does_not_replay_on_chat_creation() {
    let sb = Sandbox::new();
    let chat = sb.create_chat(&IMESSAGE[..1], "hi").unwrap();
    let send = call(
        &sb,
        "POST",
        &format!("/v3/chats/{chat}/messages"),
        Some(json!({"message": keyed("first", "shared-key")})),
    )
    .await;
    assert_eq!(send.0, 202, "{}", send.1);
    let create = call(
        &sb,
        "POST",
        "/v3/chats",
        Some(json!({"from": sb.lines()[0], "to": [IMESSAGE[1]], "message": keyed("new chat", "shared-key")})),
    )
    .await;
    assert_eq!(create.0, 201, "{}", create.1);
    assert_ne!(create.1["chat"]["id"], chat.as_str());
    assert_eq!(create.1["chat"]["message"]["parts"][0]["value"], "new chat");
    assert_eq!(sb.message_count(), 3);
}

#[tokio::test]
async fn a_key_is_scoped_to_its_chat() {
    let sb = Sandbox::new();
    let a = sb.create_chat(&IMESSAGE[..1], "hi").unwrap();
    let b = sb.create_chat(&IMESSAGE[1..2], "hi").unwrap();
    let body = json!({"message": keyed("same", "k")});
    let to_a = call(
        &sb,
        "POST",
        &format!("/v3/chats/{a}/messages"),
        Some(body.clone()),
    )
    .await;
    let to_b = call(&sb, "POST", &format!("/v3/chats/{b}/messages"), Some(body)).await;
    assert_eq!((to_a.0, to_b.0), (202, 202));
    assert_eq!(to_a.1["chat_id"], a.as_str());
    assert_eq!(to_b.1["chat_id"], b.as_str());
    assert_ne!(to_a.1["message"]["id"], to_b.1["message"]["id"]);
    assert_eq!(sb.message_count(), 4);
}

#[tokio::test]
async fn the_same_request_replays_the_first_reply_exactly() {
    let sb = Sandbox::new();
    let chat = sb.create_chat(&IMESSAGE[..1], "hi").unwrap();
    let path = format!("/v3/chats/{chat}/messages");
    let body = json!({"message": keyed("once", "k1")});
    let first = raw(&sb, "POST", &path, &body).await;
    // Time passes and the message moves on; the replay still says what the
    // first reply said.
    sb.settle();
    // The same JSON with its keys in another order is the same request.
    let reordered: Value = serde_json::from_str(
        r#"{"message":{"idempotency_key":"k1","parts":[{"value":"once","type":"text"}]}}"#,
    )
    .unwrap();
    let again = raw(&sb, "POST", &path, &reordered).await;
    assert_eq!(first.0, 202);
    assert_eq!(again.0, first.0);
    assert_eq!(again.2, first.2);
    assert_eq!(sb.message_count(), 2);

    let create = json!({"from": sb.lines()[0], "to": [IMESSAGE[2]], "message": keyed("x", "k2")});
    let first = raw(&sb, "POST", "/v3/chats", &create).await;
    let again = raw(&sb, "POST", "/v3/chats", &create).await;
    assert_eq!((first.0, again.0), (201, 201));
    assert_eq!(first.2, again.2);

    let to = json!({"to": [IMESSAGE[3]], "message": text("y")});
    let mut first = request(&sb, "POST", "/v3/messages", Some(&to));
    first
        .headers_mut()
        .insert("idempotency-key", "k3".parse().unwrap());
    let mut second = request(&sb, "POST", "/v3/messages", Some(&to));
    second
        .headers_mut()
        .insert("idempotency-key", "k3".parse().unwrap());
    let t = sb.transport();
    let a = t.send(first, SendOptions::default()).await.unwrap();
    let b = t.send(second, SendOptions::default()).await.unwrap();
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (202, 202));
    assert_eq!(a.body(), b.body());
    assert_eq!(sb.message_count(), 4);
}

#[tokio::test]
async fn the_same_key_with_a_different_request_is_422() {
    let sb = Sandbox::new();
    let chat = sb.create_chat(&IMESSAGE[..1], "hi").unwrap();
    let path = format!("/v3/chats/{chat}/messages");
    let first = call(
        &sb,
        "POST",
        &path,
        Some(json!({"message": keyed("one", "k")})),
    )
    .await;
    assert_eq!(first.0, 202);
    let other = call(
        &sb,
        "POST",
        &path,
        Some(json!({"message": keyed("two", "k")})),
    )
    .await;
    assert_error(&other, 422, 1005);
    assert_eq!(sb.message_count(), 2);

    let to = json!({"to": [IMESSAGE[1]], "message": text("a")});
    let mut req = request(&sb, "POST", "/v3/messages", Some(&to));
    req.headers_mut()
        .insert("idempotency-key", "h".parse().unwrap());
    assert_eq!(common::send(&sb, req).await.unwrap().0, 202);
    let to = json!({"to": [IMESSAGE[2]], "message": text("a")});
    let mut req = request(&sb, "POST", "/v3/messages", Some(&to));
    req.headers_mut()
        .insert("idempotency-key", "h".parse().unwrap());
    assert_error(&common::send(&sb, req).await.unwrap(), 422, 1005);
    assert_eq!(sb.message_count(), 3);
}

#[tokio::test]
async fn deterministic_conflicts_say_not_to_retry() {
    let sb = Sandbox::new();
    let chat = sb.create_chat(&IMESSAGE, "hi").unwrap();
    let path = format!("/v3/chats/{chat}/leave");
    let (status, _, _) = raw(&sb, "POST", &path, &json!({})).await;
    assert_eq!(status, 200);
    let (status, headers, body) = raw(&sb, "POST", &path, &json!({})).await;
    assert_eq!(status, 409, "{body:?}");
    assert_eq!(headers["x-should-retry"], "false");
}
