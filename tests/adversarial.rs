//! What an attacker, a careless caller or a broken server can send: each
//! case here once made the client send twice, panic, leak or loop.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue};
use linq_client::{Client, Error, InMemoryTransport};

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn client(transport: &InMemoryTransport) -> Client {
    Client::builder()
        .api_key("sk_test")
        .transport(transport.clone())
        .max_retries(2)
        .build()
        .unwrap()
}

/// A server that, like Linq, dedupes creates by the first `Idempotency-Key`
/// it reads and counts the messages it made.
fn deduping_server() -> (InMemoryTransport, Arc<Mutex<HashSet<String>>>) {
    let made = Arc::new(Mutex::new(HashSet::new()));
    let seen = made.clone();
    let transport = InMemoryTransport::new(move |req: http::Request<Bytes>| {
        let key = req
            .headers()
            .get("idempotency-key")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        seen.lock().unwrap().insert(key);
        http::Response::builder()
            .status(200)
            .body(Bytes::from_static(b"{}"))
            .unwrap()
    })
    .recording();
    (transport, made)
}

#[test]
fn a_caller_key_given_as_a_header_replaces_the_generated_one() {
    let (transport, made) = deduping_server();
    let client = client(&transport);
    for _ in 0..2 {
        let _ = block_on(
            client
                .messages()
                .create(["+12025550142"], "order shipped")
                .header(
                    HeaderName::from_static("idempotency-key"),
                    HeaderValue::from_static("order-42"),
                )
                .send(),
        );
    }
    let made = made.lock().unwrap().clone();
    assert_eq!(made.len(), 1, "messages made, by key: {made:?}");
    for req in transport.requests() {
        let keys: Vec<_> = req.headers.get_all("idempotency-key").iter().collect();
        assert_eq!(keys, ["order-42"]);
    }
}

#[test]
fn an_empty_or_blank_key_is_refused_before_sending() {
    let (transport, _) = deduping_server();
    let client = client(&transport);
    for key in ["", " ", "\t "] {
        let err = block_on(
            client
                .messages()
                .create(["+12025550142"], "hi")
                .idempotency_key(key)
                .send(),
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidInput {
                    field: "idempotency key",
                    ..
                }
            ),
            "{key:?}: {err:?}"
        );
        // A body-keyed send refuses it the same way.
        let chat = "550e8400-e29b-41d4-a716-446655440000";
        let err = block_on(
            client
                .chats()
                .messages()
                .send(chat, "hi")
                .idempotency_key(key)
                .send(),
        )
        .unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { .. }),
            "{key:?}: {err:?}"
        );
    }
    let err = block_on(
        client
            .messages()
            .create(["+12025550142"], "hi")
            .header(
                HeaderName::from_static("idempotency-key"),
                HeaderValue::from_static(""),
            )
            .send(),
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert_eq!(transport.requests().len(), 0);
}
