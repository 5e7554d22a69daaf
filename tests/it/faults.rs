//! Reliability under faults: each scenario checks the typed outcome, how many
//! attempts the server saw, that retries reuse the idempotency key, and the
//! backoff schedule (on tokio's paused clock, never by sleeping for real).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::fault::{Fault, FaultServer};
use crate::support::*;
use bytes::Bytes;
use http::Method;
use linq_client::types::operation::PathBuilder;
use linq_client::types::{Effect, IdempotencyKey, Operation};
use linq_client::{Client, Error, InMemoryTransport, RequestOptions, RetryPolicy, TransportError};
use tokio::time::Instant;

/// Shaped like `messages.create`: visible, keyed by the Idempotency-Key header.
struct SendMessage;

#[derive(Debug, serde::Deserialize)]
struct Sent {
    #[allow(dead_code)]
    id: String,
}

impl Operation for SendMessage {
    type Output = Sent;
    const ID: &'static str = "test.send_message";
    const METHOD: Method = Method::POST;
    const EFFECT: Effect = Effect::Visible;
    const IDEMPOTENCY: IdempotencyKey = IdempotencyKey::Header("Idempotency-Key");
    fn write_path(&self, path: &mut PathBuilder) {
        path.push_str("/v3/messages");
    }
    fn write_body(&self, out: &mut Vec<u8>) -> Result<bool, serde_json::Error> {
        out.extend_from_slice(br#"{"text":"hi"}"#);
        Ok(true)
    }
}

/// Shaped like `messages.add_reaction`: visible, and the API takes no key.
struct React;
impl Operation for React {
    type Output = serde_json::Value;
    const ID: &'static str = "test.react";
    const METHOD: Method = Method::POST;
    const EFFECT: Effect = Effect::Visible;
    fn write_path(&self, path: &mut PathBuilder) {
        path.push_str("/v3/messages/m/reactions");
    }
}

fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(1),
        jitter: false,
        ..RetryPolicy::default()
    }
}

fn client_for(server: &FaultServer) -> Client {
    Client::builder()
        .api_key(TEST_KEY)
        .base_url(server.base_url())
        .retry_policy(fast_policy())
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap()
}

async fn add(
    client: &Client,
) -> Result<linq_client::types::models::chats::AcceptedResponse, Error> {
    client.chats().participants().add(CHAT, HANDLE).await
}

const OK: &str = r#"{"status":"accepted"}"#;

#[tokio::test]
async fn resets_before_reading_are_retried_until_the_budget_is_spent() {
    let server = FaultServer::start(vec![], Fault::ResetBeforeRead).await;
    let err = add(&client_for(&server)).await.unwrap_err();
    assert!(
        matches!(err, Error::Transport { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(server.connections(), 3);
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_reset_then_success_recovers() {
    let server = FaultServer::start(vec![Fault::ResetAfterRead], Fault::json(202, OK)).await;
    let reply = add(&client_for(&server)).await.unwrap();
    assert_eq!(reply.status.as_deref(), Some("accepted"));
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_processed_send_whose_connection_dropped_is_sent_once_more_with_the_same_key() {
    // The server acts on the first attempt, then drops the connection before
    // answering; the retry carries the same key, so a server that honours
    // keys (as Linq does) records one message.
    let server = FaultServer::start(
        vec![Fault::ResetAfterRead],
        Fault::json(202, r#"{"id":"msg_1"}"#),
    )
    .await;
    let client = client_for(&server);
    let reply = client
        .execute(SendMessage, RequestOptions::default())
        .await
        .unwrap();
    assert_eq!(reply.attempts, 2);
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    let keys: Vec<_> = seen
        .iter()
        .map(|r| r.header("idempotency-key").unwrap().to_owned())
        .collect();
    assert_eq!(keys[0], keys[1], "every retry reuses the key");
    assert_eq!(keys[0].len(), 36, "a generated UUID");
    let unique: std::collections::HashSet<_> = keys.iter().collect();
    assert_eq!(unique.len(), 1, "one message in the server's log");

    // A caller's own key is used as given.
    let server = FaultServer::start(
        vec![Fault::ResetAfterRead],
        Fault::json(202, r#"{"id":"m"}"#),
    )
    .await;
    let mut opts = RequestOptions::default();
    opts.idempotency_key = Some("order-42".into());
    client_for(&server)
        .execute(SendMessage, opts)
        .await
        .unwrap();
    let seen = server.requests();
    assert!(
        seen.iter()
            .all(|r| r.header("idempotency-key") == Some("order-42"))
    );
}

#[tokio::test]
async fn a_visible_operation_without_a_key_is_not_resent_after_it_may_have_acted() {
    let server = FaultServer::start(vec![], Fault::ResetAfterRead).await;
    let err = client_for(&server)
        .execute(React, RequestOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport { attempts: 1, .. }),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 1);

    let server = FaultServer::start(vec![], Fault::json(500, "{}")).await;
    let err = client_for(&server)
        .execute(React, RequestOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(server.requests().len(), 1);

    // A 429 proves nothing happened, so it is retried even without a key.
    let server = FaultServer::start(vec![Fault::json(429, "{}")], Fault::json(200, "{}")).await;
    client_for(&server)
        .execute(React, RequestOptions::default())
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 2);

    // A reset right after connecting may still follow a write: not resent.
    let server = FaultServer::start(vec![Fault::ResetBeforeRead], Fault::json(200, "{}")).await;
    let err = client_for(&server)
        .execute(React, RequestOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport { attempts: 1, .. }),
        "{err:?}"
    );

    // A request that never left (connection refused) is resent.
    let attempts = Arc::new(Mutex::new(0));
    let a = attempts.clone();
    let transport = InMemoryTransport::from_async(move |_req| {
        let n = {
            let mut n = a.lock().unwrap();
            *n += 1;
            *n
        };
        async move {
            if n == 1 {
                let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
                Err(TransportError::Connect(refused.into()))
            } else {
                Ok(json_reply(200, "{}"))
            }
        }
    });
    let client = Client::builder()
        .api_key(TEST_KEY)
        .transport(transport)
        .retry_policy(fast_policy())
        .build()
        .unwrap();
    client
        .execute(React, RequestOptions::default())
        .await
        .unwrap();
    assert_eq!(*attempts.lock().unwrap(), 2);
}

#[tokio::test]
async fn a_stall_past_the_timeout_is_a_retryable_timeout() {
    let server = FaultServer::start(vec![], Fault::Stall(Duration::from_secs(5))).await;
    let client = client_for(&server);
    let err = client
        .chats()
        .participants()
        .add(CHAT, HANDLE)
        .timeout(Duration::from_millis(100))
        .max_retries(1)
        .await
        .unwrap_err();
    assert!(err.is_timeout() && err.is_retryable(), "{err:?}");
    assert!(matches!(
        err,
        Error::Transport {
            attempts: 2,
            source: TransportError::Timeout,
            ..
        }
    ));
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_trickle_slower_than_the_timeout_times_out() {
    let body = br#"{"status":"accepted"}"#.to_vec();
    let server = FaultServer::start(
        vec![],
        Fault::Trickle {
            body,
            every: Duration::from_millis(50),
        },
    )
    .await;
    let err = client_for(&server)
        .chats()
        .participants()
        .add(CHAT, HANDLE)
        .timeout(Duration::from_millis(300))
        .max_retries(0)
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    for status in [500u16, 502, 503, 504, 408] {
        let server = FaultServer::start(vec![], Fault::json(status, "{}")).await;
        let err = add(&client_for(&server)).await.unwrap_err();
        assert_eq!(err.status().unwrap().as_u16(), status);
        assert_eq!(server.requests().len(), 3, "{status}: 1 + 2 retries");
    }
    let server = FaultServer::start(
        vec![Fault::json(503, "{}"), Fault::json(502, "{}")],
        Fault::json(202, OK),
    )
    .await;
    add(&client_for(&server)).await.unwrap();
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn client_errors_and_conflicts_are_never_retried() {
    for status in [400u16, 401, 403, 404, 409, 422] {
        let server = FaultServer::start(vec![], Fault::json(status, "{}")).await;
        let err = add(&client_for(&server)).await.unwrap_err();
        assert_eq!(err.status().unwrap().as_u16(), status);
        assert!(!err.is_retryable());
        assert_eq!(server.requests().len(), 1, "{status}");
    }
}

#[tokio::test]
async fn x_should_retry_overrides_the_status() {
    let server = FaultServer::start(
        vec![],
        Fault::json(503, "{}").with_header("x-should-retry", "false"),
    )
    .await;
    let err = add(&client_for(&server)).await.unwrap_err();
    assert!(!err.is_retryable());
    assert_eq!(server.requests().len(), 1);

    let server = FaultServer::start(
        vec![Fault::json(400, "{}").with_header("x-should-retry", "true")],
        Fault::json(202, OK),
    )
    .await;
    add(&client_for(&server)).await.unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn malformed_success_bodies_are_decode_errors_and_not_retried() {
    for body in [r#"{"status":"acc"#, "", "<html>oops</html>", "not json"] {
        let server = FaultServer::start(vec![], Fault::json(202, body)).await;
        let err = client_for(&server)
            .execute(SendMessage, RequestOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{body:?}: {err:?}");
        assert_eq!(err.status().unwrap().as_u16(), 202);
        assert_eq!(server.requests().len(), 1);
    }
}

#[tokio::test]
async fn an_html_error_page_keeps_its_status_and_body() {
    let page = Fault::Reply {
        status: 502,
        headers: vec![("content-type", "text/html".into())],
        body: b"<html><h1>502 Bad Gateway</h1></html>".to_vec(),
    };
    let server = FaultServer::start(vec![], page).await;
    let err = add(&client_for(&server)).await.unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!((api.status.as_u16(), api.code), (502, None));
    assert!(api.body_excerpt().contains("502 Bad Gateway"));
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_content_length_that_lies_is_a_body_error() {
    let server = FaultServer::start(
        vec![],
        Fault::LyingLength {
            claimed: 100,
            body: br#"{"status":"#.to_vec(),
        },
    )
    .await;
    let err = add(&client_for(&server)).await.unwrap_err();
    let Error::Transport {
        source, attempts, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(
        matches!(source, TransportError::Body(_) | TransportError::Io(_)),
        "{source:?}"
    );
    assert_eq!(*attempts, 3);
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused_without_retry() {
    let big = format!(r#"{{"status":"{}"}}"#, "x".repeat(4096));
    let server = FaultServer::start(vec![], Fault::json(202, &big)).await;
    let client = Client::builder()
        .api_key(TEST_KEY)
        .base_url(server.base_url())
        .retry_policy(fast_policy())
        .body_limit(1024)
        .build()
        .unwrap();
    let err = add(&client).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                source: TransportError::BodyTooLarge { limit: 1024 },
                attempts: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 1);
}

// --- Timing, on the paused clock over the in-memory transport -------------

/// A client whose in-memory server answers from `replies` in order and
/// records when each attempt arrived.
fn timed(
    replies: Vec<http::Response<Bytes>>,
    policy: RetryPolicy,
) -> (Client, Arc<Mutex<Vec<Instant>>>) {
    let times = Arc::new(Mutex::new(Vec::new()));
    let replies = Arc::new(Mutex::new(replies.into_iter()));
    let t = times.clone();
    let transport = InMemoryTransport::new(move |_req: http::Request<Bytes>| {
        t.lock().unwrap().push(Instant::now());
        replies
            .lock()
            .unwrap()
            .next()
            .unwrap_or_else(|| json_reply(202, OK))
    });
    let client = Client::builder()
        .api_key(TEST_KEY)
        .transport(transport)
        .retry_policy(policy)
        .build()
        .unwrap();
    (client, times)
}

fn gaps(times: &[Instant]) -> Vec<Duration> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

fn no_jitter(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        jitter: false,
        ..RetryPolicy::default()
    }
}

#[tokio::test(start_paused = true)]
async fn backoff_doubles_from_half_a_second_and_caps_at_eight() {
    let failures = (0..6).map(|_| json_reply(503, "{}")).collect();
    let (client, times) = timed(failures, no_jitter(6));
    add(&client).await.unwrap();
    let secs: Vec<f64> = gaps(&times.lock().unwrap())
        .iter()
        .map(Duration::as_secs_f64)
        .collect();
    assert_eq!(secs, [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]);
}

#[tokio::test(start_paused = true)]
async fn jitter_only_shortens_the_backoff_by_up_to_a_quarter() {
    let failures = (0..4).map(|_| json_reply(500, "{}")).collect();
    let (client, times) = timed(
        failures,
        RetryPolicy {
            max_retries: 4,
            ..RetryPolicy::default()
        },
    );
    add(&client).await.unwrap();
    let gaps = gaps(&times.lock().unwrap());
    for (n, gap) in gaps.iter().enumerate() {
        let full = Duration::from_millis(500 << n);
        assert!(
            *gap <= full && *gap >= full.mul_f64(0.75),
            "retry {n}: {gap:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn retry_after_in_ms_seconds_and_http_dates_is_honoured() {
    let with = |name: &'static str, value: String| {
        let mut r = json_reply(429, "{}");
        r.headers_mut().insert(name, value.parse().unwrap());
        r
    };
    let date = httpdate_in(Duration::from_secs(3));
    let replies = vec![
        with("retry-after-ms", "250".into()),
        with("retry-after", "2".into()),
        with("retry-after", date),
    ];
    let (client, times) = timed(replies, no_jitter(3));
    add(&client).await.unwrap();
    let gaps = gaps(&times.lock().unwrap());
    assert_eq!(gaps[0], Duration::from_millis(250));
    assert_eq!(gaps[1], Duration::from_secs(2));
    assert!(
        gaps[2] > Duration::from_millis(1900) && gaps[2] <= Duration::from_secs(3),
        "{:?}",
        gaps[2]
    );
}

fn httpdate_in(d: Duration) -> String {
    // Formatted by hand (IMF-fixdate) to keep the test free of extra crates.
    let secs = (std::time::SystemTime::now() + d)
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let days = secs / 86_400;
    let (h, m, s) = (secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let name = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][month as usize - 1];
    format!("{weekday}, {day:02} {name} {year} {h:02}:{m:02}:{s:02} GMT")
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_beyond_the_cap_returns_the_rate_limit_error_at_once() {
    let mut reply = envelope(429, 1007, "Too many requests");
    reply
        .headers_mut()
        .insert("retry-after", "3600".parse().unwrap());
    let (client, times) = timed(vec![reply], no_jitter(2));
    let started = Instant::now();
    let err = add(&client).await.unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(err.code(), Some(linq_client::ErrorCode::RateLimitExceeded));
    assert_eq!(times.lock().unwrap().len(), 1);
    assert_eq!(started.elapsed(), Duration::ZERO, "no sleeping");
}

#[tokio::test(start_paused = true)]
async fn when_retries_are_spent_the_rate_limit_error_carries_retry_after() {
    let limited = || {
        let mut r = json_reply(429, "{}");
        r.headers_mut().insert("retry-after", "1".parse().unwrap());
        r
    };
    let (client, times) = timed(vec![limited(), limited(), limited()], no_jitter(2));
    let err = add(&client).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(times.lock().unwrap().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_deadline_covers_retries_and_backoff() {
    let failures = (0..10).map(|_| json_reply(503, "{}")).collect();
    let (client, times) = timed(failures, no_jitter(10));
    let started = Instant::now();
    let err = client
        .chats()
        .participants()
        .add(CHAT, HANDLE)
        .deadline(Duration::from_secs(3))
        .await
        .unwrap_err();
    assert_eq!(err.status().unwrap().as_u16(), 503);
    // Attempts at 0, 0.5 and 1.5 s; the next would start at 3.5 s.
    assert_eq!(times.lock().unwrap().len(), 3);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn per_call_max_retries_overrides_the_client() {
    let failures = (0..10).map(|_| json_reply(500, "{}")).collect();
    let (client, times) = timed(failures, no_jitter(5));
    client
        .chats()
        .participants()
        .add(CHAT, HANDLE)
        .max_retries(1)
        .await
        .unwrap_err();
    assert_eq!(times.lock().unwrap().len(), 2);
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(cases(64)))]
    #[test]
    fn arbitrary_reply_bytes_never_panic(status in 200u16..600, body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
        let reply = http::Response::builder().status(status).body(Bytes::from(body)).unwrap();
        let (client, _) = timed(vec![reply], RetryPolicy::none());
        let result = rt.block_on(add(&client));
        if let Err(e) = result {
            let _ = e.to_string();
        }
    }
}

/// `PROPTEST_CASES` when set (`cargo xtask props --cases N`), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default)
}
