//! Helpers shared by the sandbox's tests.
#![allow(dead_code)]

use bytes::Bytes;
use linq_sandbox::Sandbox;
use linq_transport::{SendOptions, Transport, TransportError};
use serde_json::{Value, json};

/// Handles that reach every service (the default for phone numbers).
pub const IMESSAGE: [&str; 4] = [
    "+12025550142",
    "+12025550144",
    "+12025550146",
    "+12025550148",
];
/// A handle the tests make reach only RCS and SMS, with [`rcs_only`]
/// (unknown phone numbers reach every service).
pub const RCS_ONLY: &str = "+12025550143";

/// Makes [`RCS_ONLY`] reach RCS and SMS only.
pub fn rcs_only(sb: &Sandbox) {
    let caps = linq_sandbox::Capabilities {
        imessage: false,
        rcs: true,
        sms: true,
    };
    sb.set_capabilities(RCS_ONLY, caps);
}

/// A request with the sandbox's key.
pub fn request(
    sb: &Sandbox,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> http::Request<Bytes> {
    let mut builder = http::Request::builder()
        .method(method)
        .uri(format!("https://api.linqapp.com/api/partner{path}"))
        .header("authorization", format!("Bearer {}", sb.api_key()));
    let body = match body {
        Some(b) => {
            builder = builder.header("content-type", "application/json");
            Bytes::from(b.to_string())
        }
        None => Bytes::new(),
    };
    builder.body(body).unwrap()
}

/// Sends through the in-memory transport: status and JSON body (null if empty).
pub async fn call(sb: &Sandbox, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    send(sb, request(sb, method, path, body.as_ref()))
        .await
        .unwrap()
}

/// Sends a prepared request through the in-memory transport.
pub async fn send(sb: &Sandbox, req: http::Request<Bytes>) -> Result<(u16, Value), TransportError> {
    let response = sb.transport().send(req, SendOptions::default()).await?;
    let status = response.status().as_u16();
    let body = if response.body().is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(response.body()).expect("JSON reply")
    };
    Ok((status, body))
}

/// A client on the sandbox's in-memory transport that never retries.
pub fn client(sb: &Sandbox) -> linq_client::Client {
    linq_client::Client::builder()
        .api_key(sb.api_key())
        .transport(sb.transport())
        .max_retries(0)
        .build()
        .unwrap()
}

/// Answers a request in process, now. Only for requests that do not wait:
/// no `Delay` fault may be queued.
pub fn answer_now(sb: &Sandbox, req: http::Request<Bytes>) -> http::Response<Bytes> {
    use futures_util::FutureExt;
    use linq_transport::Handler;
    sb.handle(req)
        .now_or_never()
        .expect("nothing waits without a Delay fault")
        .expect("no fault drops the request")
}

/// A text message body.
pub fn text(value: &str) -> Value {
    json!({"parts": [{"type": "text", "value": value}]})
}

/// Asserts an error envelope with this status and code.
pub fn assert_error(reply: &(u16, Value), status: u16, code: u64) {
    assert_eq!(reply.0, status, "{}", reply.1);
    assert_eq!(reply.1["error"]["status"], status, "{}", reply.1);
    assert_eq!(reply.1["error"]["code"], code, "{}", reply.1);
    assert_eq!(reply.1["success"], false);
    assert!(reply.1["error"]["message"].is_string());
}

/// Creates a webhook subscription for `events` and returns (id, secret).
pub async fn subscribe(sb: &Sandbox, target: &str, events: &[&str]) -> (String, String) {
    let (status, body) = call(
        sb,
        "POST",
        "/v3/webhook-subscriptions",
        Some(json!({"target_url": target, "subscribed_events": events})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    (
        body["id"].as_str().unwrap().to_owned(),
        body["signing_secret"].as_str().unwrap().to_owned(),
    )
}
