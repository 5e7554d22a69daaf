//! `RedisDedupe` against a real `redis-server` that the test starts on a
//! loopback port: the claim protocol, and three receivers sharing one Redis
//! that get every delivery at the same time and again.
#![cfg(feature = "redis")]

mod server;

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use linq_webhooks::redis::aio::MultiplexedConnection;
use linq_webhooks::{
    Claim, ClaimToken, Dedupe, Once, OnceError, RedisDedupe, Secret, Webhook, process_once,
};
use server::RedisServer;
use tokio::net::{TcpListener, TcpStream};

async fn connect(server: &RedisServer) -> MultiplexedConnection {
    linq_webhooks::redis::Client::open(server.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

fn acquired(claim: Claim) -> ClaimToken {
    match claim {
        Claim::Acquired(token) => token,
        other => panic!("expected Acquired, got {other:?}"),
    }
}

#[tokio::test]
async fn claim_complete_release_and_expiry() {
    let Some(server) = RedisServer::start("claim_complete_release_and_expiry") else {
        return;
    };
    let a = RedisDedupe::new(connect(&server).await).claim_ttl(Duration::from_millis(300));
    let b = RedisDedupe::new(connect(&server).await).claim_ttl(Duration::from_millis(300));

    // One claim at a time, across connections.
    let first = acquired(a.claim("evt_1").await.unwrap());
    assert_eq!(first.key(), "evt_1");
    assert!(first.token().starts_with("c:") && first.token().len() == 34);
    assert!(matches!(b.claim("evt_1").await, Ok(Claim::InProgress)));

    // Only the holder's token releases it.
    let forged = ClaimToken::new("evt_1", "c:00000000000000000000000000000000");
    assert!(!b.release(forged.clone()).await.unwrap());
    assert!(!b.complete(forged).await.unwrap());
    assert!(matches!(b.claim("evt_1").await, Ok(Claim::InProgress)));
    assert!(a.release(first.clone()).await.unwrap());
    assert!(!a.release(first).await.unwrap());

    // Released: the next attempt gets it, completes it, and it stays done.
    let second = acquired(b.claim("evt_1").await.unwrap());
    assert!(b.complete(second).await.unwrap());
    assert!(matches!(a.claim("evt_1").await, Ok(Claim::Done)));
    assert!(matches!(b.claim("evt_1").await, Ok(Claim::Done)));

    // An expired claim is taken over; its first holder can no longer touch it.
    let stale = acquired(a.claim("evt_2").await.unwrap());
    tokio::time::sleep(Duration::from_millis(450)).await;
    let fresh = acquired(b.claim("evt_2").await.unwrap());
    assert_ne!(stale.token(), fresh.token());
    assert!(!a.complete(stale.clone()).await.unwrap());
    assert!(!a.release(stale).await.unwrap());
    assert!(matches!(a.claim("evt_2").await, Ok(Claim::InProgress)));
    assert!(b.complete(fresh).await.unwrap());

    // An expired claim nobody took can still be completed.
    let late = acquired(a.claim("evt_3").await.unwrap());
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert!(a.complete(late).await.unwrap());
    assert!(matches!(b.claim("evt_3").await, Ok(Claim::Done)));

    // The done marker expires after the done TTL.
    let short = RedisDedupe::new(connect(&server).await).done_ttl(Duration::from_millis(300));
    let token = acquired(short.claim("evt_4").await.unwrap());
    assert!(short.complete(token).await.unwrap());
    assert!(matches!(short.claim("evt_4").await, Ok(Claim::Done)));
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert!(matches!(short.claim("evt_4").await, Ok(Claim::Acquired(_))));

    // Prefixes keep stores apart; the keys are where the docs say.
    let other = RedisDedupe::new(connect(&server).await).prefix("other-bot:");
    assert!(matches!(other.claim("evt_1").await, Ok(Claim::Acquired(_))));
    let mut raw = connect(&server).await;
    let value: Option<String> = linq_webhooks::redis::cmd("GET")
        .arg("linq-webhooks:dedupe:evt_1")
        .query_async(&mut raw)
        .await
        .unwrap();
    assert_eq!(value.as_deref(), Some("done"));
    let pttl: i64 = linq_webhooks::redis::cmd("PTTL")
        .arg("linq-webhooks:dedupe:evt_1")
        .query_async(&mut raw)
        .await
        .unwrap();
    let done_ttl = linq_webhooks::dedupe::DEFAULT_DONE_TTL.as_millis() as i64;
    assert!(pttl > done_ttl - 60_000 && pttl <= done_ttl, "{pttl}");
}

#[tokio::test]
async fn a_dead_server_is_a_backend_error() {
    let Some(server) = RedisServer::start("a_dead_server_is_a_backend_error") else {
        return;
    };
    let store = RedisDedupe::new(connect(&server).await);
    drop(server);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let err = store.claim("evt_1").await.unwrap_err();
    assert!(
        matches!(err, linq_webhooks::DedupeError::Backend(_)),
        "{err:?}"
    );
}

/// After Redis restarts, the store built the documented way works again
/// within seconds: a delivery meanwhile may get a backend error (a 503, so
/// Linq redelivers it), never every delivery from then on.
#[tokio::test]
async fn the_store_recovers_after_redis_restarts() {
    let Some(mut server) = RedisServer::start("the_store_recovers_after_redis_restarts") else {
        return;
    };
    let store = RedisDedupe::connect(&server.url()).await.unwrap();
    acquired(store.claim("evt_before").await.unwrap());
    server.restart();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut failures = 0;
    let token = loop {
        match store.claim("evt_after").await {
            Ok(claim) => break acquired(claim),
            Err(err) => {
                failures += 1;
                assert!(
                    std::time::Instant::now() < deadline,
                    "still failing 10 s after the restart ({failures} failures): {err}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    assert!(failures <= 3, "{failures} failures before recovering");
    assert!(store.complete(token).await.unwrap());
    // The restarted server kept nothing: the old claim is gone.
    acquired(store.claim("evt_before").await.unwrap());
}

// --- Three receivers behind one Redis. ---

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const EVENTS: usize = 30;

/// What every receiver's handler did, shared so the test can count.
#[derive(Default)]
struct Ledger {
    /// Handler runs per event id, by receiver.
    runs: HashMap<String, Vec<usize>>,
    /// Successful runs per event id.
    successes: HashMap<String, usize>,
}

fn fails_first(event: usize) -> bool {
    event.is_multiple_of(5)
}

async fn handle(
    receiver: usize,
    webhook: Arc<Webhook>,
    dedupe: Arc<RedisDedupe<MultiplexedConnection>>,
    ledger: Arc<Mutex<Ledger>>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    let reply = |status: StatusCode| {
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = status;
        Ok(response)
    };
    let Ok(delivery) = webhook.verify(&body, &parts.headers) else {
        return reply(StatusCode::UNAUTHORIZED);
    };
    let key = delivery.dedupe_key().unwrap().to_owned();
    let event: usize = key.strip_prefix("evt_").unwrap().parse().unwrap();
    let outcome = process_once(&*dedupe, &key, || async {
        let first_run = {
            let mut ledger = ledger.lock().unwrap();
            let runs = ledger.runs.entry(key.clone()).or_default();
            runs.push(receiver);
            runs.len() == 1
        };
        // Long enough that the other receivers' copies arrive meanwhile.
        tokio::time::sleep(Duration::from_millis(40)).await;
        if first_run && fails_first(event) {
            return Err("handler failed");
        }
        *ledger
            .lock()
            .unwrap()
            .successes
            .entry(key.clone())
            .or_default() += 1;
        Ok(())
    })
    .await;
    match outcome {
        Ok(Once::Processed(()) | Once::AlreadyDone) => reply(StatusCode::OK),
        Ok(Once::InProgress) => reply(StatusCode::CONFLICT),
        Ok(Once::ProcessedAfterClaimLost(())) => panic!("claim lost for {key}"),
        Err(OnceError::Handler(_)) => reply(StatusCode::INTERNAL_SERVER_ERROR),
        Err(OnceError::Dedupe(err)) => panic!("redis failed: {err}"),
    }
}

async fn start_receiver(
    receiver: usize,
    server: &RedisServer,
    ledger: Arc<Mutex<Ledger>>,
) -> SocketAddr {
    let webhook = Arc::new(Webhook::new(Secret::parse(SECRET).unwrap()));
    // Each receiver has its own connection, as separate replicas would.
    let dedupe = Arc::new(RedisDedupe::new(connect(server).await));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let (webhook, dedupe, ledger) = (webhook.clone(), dedupe.clone(), ledger.clone());
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    handle(
                        receiver,
                        webhook.clone(),
                        dedupe.clone(),
                        ledger.clone(),
                        request,
                    )
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// Signs and POSTs one delivery of `event`, as Linq would (a redelivery has
/// the same `webhook-id` and body, and a new timestamp).
async fn deliver(addr: SocketAddr, event: usize) -> StatusCode {
    let body = format!(
        r#"{{"api_version":"v3","webhook_version":"2026-02-03","event_type":"message.received","event_id":"evt_{event}","data":{{}}}}"#
    );
    let signer = Webhook::new(Secret::parse(SECRET).unwrap());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let id = format!("msg_{event}");
    let request = Request::post("/linq")
        .header("host", addr.to_string())
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", now.to_string())
        .header("webhook-signature", signer.sign(&id, now, body.as_bytes()))
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    sender.send_request(request).await.unwrap().status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_receivers_run_each_handler_exactly_once() {
    let Some(server) = RedisServer::start("three_receivers_run_each_handler_exactly_once") else {
        return;
    };
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut receivers = Vec::new();
    for receiver in 0..3 {
        receivers.push(start_receiver(receiver, &server, ledger.clone()).await);
    }

    // Every round delivers every event to all three receivers at once; a
    // round is repeated, as Linq redelivers, until every answer is 200.
    let mut statuses_by_round = Vec::new();
    for _round in 0..10 {
        let mut sends = tokio::task::JoinSet::new();
        for event in 0..EVENTS {
            for &addr in &receivers {
                sends.spawn(deliver(addr, event));
            }
        }
        let mut statuses = HashMap::<u16, usize>::new();
        while let Some(status) = sends.join_next().await {
            *statuses.entry(status.unwrap().as_u16()).or_default() += 1;
        }
        let all_ok = statuses.get(&200) == Some(&(EVENTS * 3));
        statuses_by_round.push(statuses);
        if all_ok {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let last = statuses_by_round.last().unwrap();
    assert_eq!(last.get(&200), Some(&(EVENTS * 3)), "{statuses_by_round:?}");
    // The copies really overlapped: in the first round, receivers found
    // events in progress elsewhere, and the failing handlers answered 500.
    let first = &statuses_by_round[0];
    assert!(first.get(&409).copied().unwrap_or(0) > 0, "{first:?}");
    assert_eq!(
        first.get(&500).copied().unwrap_or(0),
        (0..EVENTS).filter(|&e| fails_first(e)).count(),
        "{first:?}"
    );
    assert!(statuses_by_round.len() >= 2, "{statuses_by_round:?}");

    let ledger = ledger.lock().unwrap();
    let mut receivers_used = std::collections::HashSet::new();
    for event in 0..EVENTS {
        let key = format!("evt_{event}");
        let runs = &ledger.runs[&key];
        receivers_used.extend(runs.iter().copied());
        assert_eq!(ledger.successes.get(&key), Some(&1), "{key}: {runs:?}");
        let expected_runs = if fails_first(event) { 2 } else { 1 };
        assert_eq!(runs.len(), expected_runs, "{key}: {runs:?}");
    }
    assert_eq!(ledger.runs.len(), EVENTS);
    // The work was spread: more than one receiver ran handlers.
    assert!(receivers_used.len() > 1, "{receivers_used:?}");
}
