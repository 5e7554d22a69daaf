//! What an error says: the operation, the server and the root cause once for
//! a transport failure, the attempt count everywhere, the JSON path of a
//! decode failure. Exact texts, since they are what a user reads.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::fault::{Fault, FaultServer};
use crate::support::*;
use bytes::Bytes;
use http::Method;
use linq_client::types::operation::PathBuilder;
use linq_client::types::{Effect, Operation, Timestamp};
use linq_client::{Client, Error, InMemoryTransport, RequestOptions, RetryPolicy, TransportError};
use linq_transport::{BoxFuture, SendOptions, Transport};

fn fast(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(1),
        jitter: false,
        ..RetryPolicy::default()
    }
}

/// A client whose in-memory server answers from `replies` in order.
fn scripted(replies: Vec<http::Response<Bytes>>, max_retries: u32) -> (Client, Arc<Mutex<u32>>) {
    let sent = Arc::new(Mutex::new(0));
    let counter = sent.clone();
    let replies = Arc::new(Mutex::new(replies.into_iter()));
    let transport = InMemoryTransport::new(move |_req: http::Request<Bytes>| {
        *counter.lock().unwrap() += 1;
        replies.lock().unwrap().next().expect("a scripted reply")
    });
    let client = Client::builder()
        .api_key(TEST_KEY)
        .transport(transport)
        .retry_policy(fast(max_retries))
        .build()
        .unwrap();
    (client, sent)
}

async fn add(client: &Client) -> Error {
    client
        .chats()
        .participants()
        .add(CHAT, HANDLE)
        .await
        .unwrap_err()
}

#[tokio::test]
async fn a_refused_connection_names_the_server_and_the_cause_once() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::builder()
        .api_key(TEST_KEY)
        .base_url(format!("http://127.0.0.1:{port}/api/partner"))
        .retry_policy(fast(2))
        .build()
        .unwrap();
    let err = add(&client).await;
    assert!(err.is_connect(), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "chats.participants.add: connect to 127.0.0.1:{port} failed: connection refused (after 3 attempts)"
        )
    );
    assert_eq!(err.attempts(), 3);
    assert_eq!(err.operation(), Some("chats.participants.add"));
    let Error::Transport { server, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(server, &format!("127.0.0.1:{port}"));
    let source = std::error::Error::source(&err).unwrap();
    assert!(source.is::<TransportError>(), "{source:?}");
    assert_eq!(source.to_string(), "connection failed");
}

/// Never answers.
struct Silent;

impl Transport for Silent {
    fn send(
        &self,
        _request: http::Request<Bytes>,
        _options: SendOptions,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test(start_paused = true)]
async fn the_default_timeout_is_a_minute_per_attempt_and_names_the_default_server() {
    let client = Client::builder()
        .api_key(TEST_KEY)
        .transport(Silent)
        .max_retries(1)
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let err = add(&client).await;
    let waited = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "chats.participants.add: request to api.linqapp.com:443 timed out (after 2 attempts)"
    );
    assert_eq!(err.attempts(), 2);
    // Two minutes of attempts and one backoff of at most half a second.
    assert!(
        waited >= Duration::from_secs(120) && waited <= Duration::from_millis(120_500),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn no_timeout_waits_as_long_as_it_takes() {
    let client = Client::builder()
        .api_key(TEST_KEY)
        .transport(Silent)
        .no_timeout()
        .build()
        .unwrap();
    let call = client.chats().participants().add(CHAT, HANDLE);
    let outcome = tokio::time::timeout(Duration::from_secs(3600), call).await;
    assert!(outcome.is_err(), "still waiting after an hour: {outcome:?}");

    // A per-call timeout still applies.
    let err = client
        .chats()
        .participants()
        .add(CHAT, HANDLE)
        .timeout(Duration::from_secs(5))
        .max_retries(0)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "chats.participants.add: request to api.linqapp.com:443 timed out (after 1 attempt)"
    );
}

#[tokio::test]
async fn an_api_error_names_the_operation_and_counts_the_attempts() {
    let not_found = json_reply(
        404,
        r#"{"error":{"status":404,"code":2001,"message":"Resource not found"},"success":false,"trace_id":"trace_abc"}"#,
    );
    let (client, sent) = scripted(
        vec![json_reply(503, "{}"), json_reply(503, "{}"), not_found],
        2,
    );
    let err = add(&client).await;
    assert_eq!(*sent.lock().unwrap(), 3);
    assert_eq!(err.attempts(), 3);
    assert_eq!(err.operation(), Some("chats.participants.add"));
    let api = err.as_api().unwrap();
    assert_eq!((api.operation, api.attempts), ("chats.participants.add", 3));
    assert_eq!(
        err.to_string(),
        "chats.participants.add: HTTP 404 Not Found: Linq error 2001 (ChatNotFound): Resource not found (trace id trace_abc, after 3 attempts)"
    );

    let (client, sent) = scripted(vec![raw_reply(503, "text/plain", "")], 0);
    let err = add(&client).await;
    assert_eq!((*sent.lock().unwrap(), err.attempts()), (1, 1));
    assert_eq!(
        err.to_string(),
        "chats.participants.add: HTTP 503 Service Unavailable with an empty body (after 1 attempt)"
    );
}

#[tokio::test]
async fn refused_input_sent_nothing_and_names_no_operation() {
    let (client, sent) = scripted(vec![], 2);
    let err = client
        .chats()
        .participants()
        .add("not-a-uuid", HANDLE)
        .await
        .unwrap_err();
    assert!(err.is_invalid_input());
    assert_eq!((err.attempts(), err.operation()), (0, None));
    assert_eq!(*sent.lock().unwrap(), 0);
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Listing {
    data: Data,
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Data {
    parts: Vec<Part>,
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Part {
    filename: String,
    created_at: Option<Timestamp>,
}

/// A read returning [`Listing`].
struct GetListing;

impl Operation for GetListing {
    type Output = Listing;
    const ID: &'static str = "test.listing";
    const METHOD: Method = Method::GET;
    const EFFECT: Effect = Effect::Repeatable;
    fn write_path(&self, path: &mut PathBuilder) {
        path.push_str("/v3/listing");
    }
}

async fn listing(body: &str) -> Error {
    let (client, _) = scripted(vec![json_reply(200, body)], 0);
    client
        .execute(GetListing, RequestOptions::default())
        .await
        .unwrap_err()
}

#[tokio::test]
async fn a_decode_error_names_the_json_path() {
    let body = r#"{"data":{"parts":[{"filename":"a.jpg"},{"filename":5}]}}"#;
    let err = listing(body).await;
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path(), "data.parts[1].filename");
    assert_eq!((err.attempts(), err.operation()), (1, Some("test.listing")));
    assert_eq!(
        err.to_string(),
        format!(
            "test.listing: HTTP 200 OK: the response body does not decode at data.parts[1].filename: invalid type: integer `5`, expected a string at line 1 column 52 (after 1 attempt); body: {body}"
        )
    );
}

#[tokio::test]
async fn a_timestamp_that_is_not_rfc_3339_fails_with_its_path() {
    let body = r#"{"data":{"parts":[{"filename":"a","created_at":"2025-02-29T00:00:00Z"}]}}"#;
    let err = listing(body).await;
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path(), "data.parts[0].created_at");
    assert_eq!(
        decode.source.to_string(),
        "invalid RFC 3339 timestamp: 2025-02 has no day 29 at line 1 column 69"
    );
    let ok = r#"{"data":{"parts":[{"filename":"a","created_at":"2024-02-29T00:00:00.5Z"}]}}"#;
    let (client, _) = scripted(vec![json_reply(200, ok)], 0);
    let listing = client
        .execute(GetListing, RequestOptions::default())
        .await
        .unwrap();
    assert_eq!(
        listing.value.data.parts[0].created_at.unwrap().to_string(),
        "2024-02-29T00:00:00.5Z"
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_at_all_fails_at_the_top() {
    let err = listing("<html>ok</html>").await;
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path(), ".");
    assert_eq!(
        err.to_string(),
        "test.listing: HTTP 200 OK: the response body does not decode: expected value at line 1 column 1 (after 1 attempt); body: <html>ok</html>"
    );

    // The value decodes, but something follows it.
    let err = listing(r#"{"data":{"parts":[]}} trailing"#).await;
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path(), ".");
    assert_eq!(
        decode.source.to_string(),
        "trailing characters at line 1 column 23"
    );
}

#[tokio::test]
async fn the_attempt_of_a_retried_decode_failure_is_counted() {
    let (client, sent) = scripted(
        vec![json_reply(500, "{}"), json_reply(200, r#"{"data":7}"#)],
        2,
    );
    let err = client
        .execute(GetListing, RequestOptions::default())
        .await
        .unwrap_err();
    assert_eq!(*sent.lock().unwrap(), 2);
    assert_eq!(err.attempts(), 2);
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path(), "data");
}

#[tokio::test]
async fn a_reset_names_the_server_and_each_cause_appears_once_in_the_chain() {
    let server = FaultServer::start(vec![], Fault::ResetBeforeRead).await;
    let client = Client::builder()
        .api_key(TEST_KEY)
        .base_url(server.base_url())
        .retry_policy(fast(1))
        .build()
        .unwrap();
    let err = add(&client).await;
    assert_eq!(
        err.to_string(),
        format!(
            "chats.participants.add: connection to {} failed: connection reset by peer (after 2 attempts)",
            server.addr
        )
    );
    assert_eq!(err.attempts(), 2);
    let mut chain = Vec::new();
    let mut cur = std::error::Error::source(&err);
    while let Some(e) = cur {
        chain.push(e.to_string());
        cur = e.source();
    }
    assert_eq!(chain.first().map(String::as_str), Some("I/O error"));
    for pair in chain.windows(2) {
        assert!(!pair[0].contains(&pair[1]), "a cause repeats: {chain:?}");
    }
}
