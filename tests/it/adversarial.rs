//! What an attacker, a careless caller or a broken server can send: each
//! case here once made the client send twice, panic, leak or loop.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue};
use linq_client::{Client, Error, InMemoryTransport};

fn block_on<F: std::future::IntoFuture>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f.into_future())
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

/// On an operation whose key travels in the body, a caller's
/// `Idempotency-Key` header becomes that body key: one key per call, never
/// a header beside a generated body key.
#[test]
fn a_caller_key_header_on_a_body_keyed_operation_becomes_the_body_key() {
    let transport = accepted();
    let client = client(&transport);
    let chat = "550e8400-e29b-41d4-a716-446655440000";
    for _ in 0..2 {
        let _ = block_on(
            client
                .chats()
                .messages()
                .send(chat, "on my way")
                .header(
                    HeaderName::from_static("idempotency-key"),
                    HeaderValue::from_static("reply-evt-1"),
                )
                .send(),
        );
    }
    let requests = transport.requests();
    assert_eq!(requests.len(), 2);
    for req in requests {
        assert_eq!(req.headers.get("idempotency-key"), None);
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(body["message"]["idempotency_key"], "reply-evt-1", "{body}");
    }
}

/// `.idempotency_key(a)` and an `Idempotency-Key: b` header on one call:
/// two different keys are refused before sending, the same key is sent
/// once. A key on an operation that takes none is refused too.
#[test]
fn two_different_caller_keys_are_refused_never_dropped() {
    let transport = accepted();
    let client = client(&transport);
    let chat = "550e8400-e29b-41d4-a716-446655440000";
    let header = |v: &'static str| {
        (
            HeaderName::from_static("idempotency-key"),
            HeaderValue::from_static(v),
        )
    };
    let refused = |err: Error| {
        assert!(
            matches!(
                &err,
                Error::InvalidInput {
                    field: "idempotency key",
                    ..
                }
            ),
            "{err:?}"
        );
        err.to_string()
    };
    let (name, value) = header("b");
    let text = refused(
        block_on(
            client
                .messages()
                .create(["+12025550142"], "hi")
                .idempotency_key("a")
                .header(name.clone(), value.clone())
                .send(),
        )
        .unwrap_err(),
    );
    assert!(text.contains("two different keys"), "{text}");
    refused(
        block_on(
            client
                .chats()
                .messages()
                .send(chat, "hi")
                .idempotency_key("a")
                .header(name, value)
                .send(),
        )
        .unwrap_err(),
    );
    let text = refused(
        block_on(
            client
                .messages()
                .add_reaction(chat, "add", linq_types::models::ReactionType::Love)
                .idempotency_key("a")
                .send(),
        )
        .unwrap_err(),
    );
    assert!(text.contains("takes no idempotency key"), "{text}");
    assert_eq!(transport.requests().len(), 0);

    let (name, value) = header("same");
    let _ = block_on(
        client
            .messages()
            .create(["+12025550142"], "hi")
            .idempotency_key("same")
            .header(name, value)
            .send(),
    );
    let requests = transport.requests();
    let keys: Vec<_> = requests[0]
        .headers
        .get_all("idempotency-key")
        .iter()
        .collect();
    assert_eq!(keys, ["same"]);
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

fn accepted() -> InMemoryTransport {
    InMemoryTransport::new(|_req: http::Request<Bytes>| {
        http::Response::builder()
            .status(202)
            .body(Bytes::from_static(br#"{"status":"accepted"}"#))
            .unwrap()
    })
    .recording()
}

const CHAT: &str = "550e8400-e29b-41d4-a716-446655440000";

#[test]
fn the_longest_deadlines_and_timeouts_saturate_instead_of_panicking() {
    let transport = accepted();
    let client = Client::builder()
        .api_key("sk_test")
        .transport(transport.clone())
        .deadline(Duration::MAX)
        .timeout(Duration::MAX)
        .build()
        .unwrap();
    let reply = block_on(client.chats().participants().add(CHAT, "+12025550142")).unwrap();
    assert_eq!(reply.status.as_deref(), Some("accepted"));
    let reply = block_on(
        client
            .chats()
            .participants()
            .add(CHAT, "+12025550142")
            .deadline(Duration::MAX)
            .timeout(Duration::MAX),
    )
    .unwrap();
    assert_eq!(reply.status.as_deref(), Some("accepted"));
    assert_eq!(transport.requests().len(), 2);
}

#[test]
fn the_longest_backoff_and_server_waits_end_the_call_instead_of_panicking() {
    let transport = InMemoryTransport::new(|_req: http::Request<Bytes>| {
        http::Response::builder()
            .status(503)
            .header("retry-after", "18446744073709551615")
            .body(Bytes::new())
            .unwrap()
    })
    .recording();
    let policy = linq_client::RetryPolicy {
        max_retries: 3,
        initial_backoff: Duration::MAX,
        max_backoff: Duration::MAX,
        max_retry_after: Duration::MAX,
        jitter: true,
    };
    for _ in 0..100 {
        assert!(policy.backoff(5) <= Duration::MAX);
    }
    let client = Client::builder()
        .api_key("sk_test")
        .transport(transport.clone())
        .retry_policy(policy)
        .deadline(Duration::from_secs(5))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = block_on(client.chats().participants().add(CHAT, "+12025550142")).unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(transport.requests().len(), 1);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn the_sandbox_takes_the_longest_and_shortest_durations() {
    let sandbox = linq_sandbox::Sandbox::builder().tick(Duration::MAX).build();
    sandbox.advance();
    sandbox.advance();
    let latest = std::time::UNIX_EPOCH + Duration::from_secs(253_402_300_799);
    assert_eq!(sandbox.now(), latest);
    sandbox
        .create_chat(&["+12025550142"], "still works")
        .unwrap();
    block_on(async {
        let task = sandbox.auto_advance(Duration::ZERO);
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(!task.is_finished(), "the ticking task died");
        task.abort();
    });
}

/// A list server whose cursors come from `next`: given the cursor it was
/// asked for (`None` for the first page), the cursor it answers with.
type NextCursor = fn(Option<&str>) -> &'static str;

fn paging_server(next: NextCursor) -> InMemoryTransport {
    InMemoryTransport::new(move |req: http::Request<Bytes>| {
        let asked = req
            .uri()
            .query()
            .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("cursor=")));
        let body = format!(
            r#"{{"chats":[{{"created_at":"2026-02-03T04:05:06Z","handles":[],"health_status":{{"doc_url":"x","status":"HEALTHY","updated_at":"2026-02-03T04:05:06Z"}},"id":"550e8400-e29b-41d4-a716-446655440000","is_archived":false,"is_group":false,"updated_at":"2026-02-03T04:05:06Z"}}],"next_cursor":"{}"}}"#,
            next(asked)
        );
        http::Response::new(Bytes::from(body))
    })
    .recording()
}

/// Cursors that never repeat: the listing stops at the page cap with a
/// typed error, after yielding every page's items up to it.
#[test]
fn a_listing_stops_at_the_page_cap() {
    let transport = paging_server(|asked| {
        let n: u64 = asked
            .and_then(|c| c.strip_prefix('c'))
            .map_or(0, |n| n.parse().unwrap());
        Box::leak(format!("c{}", n + 1).into_boxed_str())
    });
    let client = client(&transport);
    let (seen, err) = block_on(async {
        use futures_util::StreamExt;
        let mut items = client.chats().list().into_stream().max_pages(5);
        let mut seen = 0;
        loop {
            match items.next().await {
                Some(Ok(_)) => seen += 1,
                Some(Err(e)) => {
                    assert!(
                        items.next().await.is_none(),
                        "the stream ends after the error"
                    );
                    return (seen, e);
                }
                None => panic!("ended without an error after {seen} items"),
            }
        }
    });
    assert!(
        matches!(
            err,
            Error::TooManyPages {
                operation: "chats.list_chats",
                pages: 5,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(seen, 5);
    assert_eq!(transport.requests().len(), 5);
    assert!(!err.is_retryable());
    assert_eq!((err.pages(), err.attempts()), (Some(5), 0));
    assert_eq!(
        err.to_string(),
        "chats.list_chats: stopped after 5 pages, the most this listing may fetch; \
         raise it with max_pages or narrow the listing"
    );
}

#[test]
fn a_repeated_cursor_ends_the_listing_with_an_error() {
    let cases: [(NextCursor, u32); 2] = [
        // The same cursor forever.
        (|_| "same", 2),
        // A -> B -> A.
        (
            |asked| match asked {
                None | Some("b") => "a",
                _ => "b",
            },
            3,
        ),
    ];
    for (next, pages) in cases {
        let transport = paging_server(next);
        let client = client(&transport);
        let mut seen = 0;
        let err = block_on(async {
            use futures_util::StreamExt;
            let mut items = client.chats().list().into_stream();
            loop {
                match items.next().await {
                    Some(Ok(_)) => seen += 1,
                    Some(Err(e)) => {
                        assert!(
                            items.next().await.is_none(),
                            "the stream ends after the error"
                        );
                        return e;
                    }
                    None => panic!("ended without an error after {seen} items"),
                }
            }
        });
        assert!(
            matches!(err, Error::RepeatedCursor { operation: "chats.list_chats", pages: p, .. } if p == pages),
            "{err:?}"
        );
        assert_eq!(seen, pages, "every page's items come out before the error");
        assert_eq!(transport.requests().len(), pages as usize);
        assert!(!err.is_retryable());
        assert_eq!(
            block_on(client.chats().list().collect_all())
                .unwrap_err()
                .to_string(),
            format!(
                "chats.list_chats: the server repeated a page cursor after {pages} pages; the listing stopped there"
            )
        );
    }
}

#[test]
fn an_envelope_integer_out_of_range_keeps_the_message_and_trace_id() {
    let transport = InMemoryTransport::new(|_req: http::Request<Bytes>| {
        http::Response::builder()
            .status(400)
            .body(Bytes::from_static(
                br#"{"error":{"status":99999999999,"code":-1,"message":"bad handle","hint":"x"},"success":false,"trace_id":"t_1"}"#,
            ))
            .unwrap()
    });
    let client = client(&transport);
    let err = block_on(client.chats().participants().add(CHAT, "+12025550142")).unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(api.status, http::StatusCode::BAD_REQUEST);
    assert_eq!(api.code, None);
    assert_eq!(api.message.as_deref(), Some("bad handle"));
    assert_eq!(err.trace_id(), Some("t_1"));
}

/// Blank text and empty recipient lists are refused before sending, as
/// `InvalidInput` naming the argument.
#[test]
fn blank_text_and_no_recipients_are_refused_before_sending() {
    use linq_types::models::Part;
    let transport = accepted();
    let client = client(&transport);
    let chat = "550e8400-e29b-41d4-a716-446655440000";
    let field_of = |err: Error| match err {
        Error::InvalidInput { field, .. } => field,
        other => panic!("{other:?}"),
    };
    for text in ["", "   ", "\n\t"] {
        let err = block_on(client.messages().create(["+12025550142"], text).send()).unwrap_err();
        assert_eq!(field_of(err), "message", "{text:?}");
        let err = block_on(client.chats().messages().send(chat, text).send()).unwrap_err();
        assert_eq!(field_of(err), "message", "{text:?}");
        let err = block_on(
            client
                .chats()
                .create("+12025550100", ["+12025550142"], text)
                .send(),
        )
        .unwrap_err();
        assert_eq!(field_of(err), "message", "{text:?}");
        let parts = [Part::text("fine"), Part::text(text)];
        let err = block_on(client.chats().messages().send(chat, parts).send()).unwrap_err();
        assert_eq!(field_of(err), "message", "{text:?}");
    }
    let err = block_on(
        client
            .chats()
            .messages()
            .send(chat, Vec::<Part>::new())
            .send(),
    )
    .unwrap_err();
    assert_eq!(field_of(err), "message");
    let none: [&str; 0] = [];
    let err = block_on(client.messages().create(none, "hi").send()).unwrap_err();
    assert_eq!(field_of(err), "to");
    let err = block_on(client.chats().create("+12025550100", none, "hi").send()).unwrap_err();
    assert_eq!(field_of(err), "to");
    assert_eq!(transport.requests().len(), 0, "nothing was sent");
}

/// #19 item 12: a body larger than the server takes is answered 413 before
/// it is all sent. The served sandbox keeps reading (and discarding) the
/// rest for a while, so the client reads that answer instead of failing on
/// a reset connection ("broken pipe", three attempts, the body re-sent each
/// time). Repeated, since it was a race: 2 runs in 6 failed before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_answered_413_once_not_broken_pipe() {
    let sandbox = linq_sandbox::Sandbox::new();
    let server = sandbox.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let client = linq_client::Client::builder()
        .api_key(sandbox.api_key())
        .base_url(server.base_url())
        .build()
        .unwrap();
    let chat = sandbox.create_chat(&["+12025550147"], "hello").unwrap();
    let text = "x".repeat(17 << 20);
    for round in 0..6 {
        let err = client
            .chats()
            .messages()
            .send(&chat, text.as_str())
            .await
            .unwrap_err();
        assert_eq!(
            err.status(),
            Some(http::StatusCode::PAYLOAD_TOO_LARGE),
            "round {round}: {err}"
        );
        assert_eq!(err.attempts(), 1, "round {round}: {err}");
    }
}
