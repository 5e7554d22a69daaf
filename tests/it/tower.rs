//! tower both ways under a `Client`: real tower and tower-http layers stacked
//! on `TowerTransport`, and `HyperTransport` wrapped in layers through
//! `TransportService`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::support::*;
use bytes::Bytes;
use http::{HeaderName, HeaderValue};
use linq_client::{Client, Error, InMemoryTransport, TransportError};
use linq_transport::{HyperTransport, TowerTransport, TransportService};
use tower::ServiceBuilder;
use tower::limit::ConcurrencyLimitLayer;
use tower_http::set_header::SetRequestHeaderLayer;

const TENANT: HeaderName = HeaderName::from_static("x-tenant");

/// An in-memory API that answers every call after 20 ms, counting how many
/// requests were in flight at once and keeping each request's `x-tenant`.
#[derive(Clone, Default)]
struct Slow {
    now: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    tenants: Arc<std::sync::Mutex<Vec<Option<String>>>>,
}

impl Slow {
    fn transport(&self) -> InMemoryTransport {
        let this = self.clone();
        InMemoryTransport::from_async(move |req: http::Request<Bytes>| {
            let this = this.clone();
            async move {
                let tenant = req
                    .headers()
                    .get(&TENANT)
                    .map(|v| v.to_str().unwrap().to_owned());
                this.tenants.lock().unwrap().push(tenant);
                let now = this.now.fetch_add(1, Ordering::SeqCst) + 1;
                this.peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                this.now.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, TransportError>(json_reply(202, r#"{"status":"accepted"}"#))
            }
        })
    }
}

fn client(transport: impl linq_transport::Transport) -> Client {
    Client::builder()
        .api_key(TEST_KEY)
        .transport(transport)
        .max_retries(0)
        .build()
        .unwrap()
}

async fn four_at_once(client: &Client) {
    let add = || client.chats().participants().add(CHAT, HANDLE);
    let (a, b, c, d) = tokio::join!(add(), add(), add(), add());
    for reply in [a, b, c, d] {
        reply.unwrap();
    }
}

#[tokio::test]
async fn a_concurrency_limit_and_a_tower_http_layer_both_act_under_a_client() {
    let api = Slow::default();
    let service = ServiceBuilder::new()
        .layer(SetRequestHeaderLayer::overriding(
            TENANT,
            HeaderValue::from_static("acme"),
        ))
        .layer(ConcurrencyLimitLayer::new(1))
        .service(TransportService::new(api.transport()));
    let client = client(TowerTransport::new(service));

    four_at_once(&client).await;

    assert_eq!(
        api.peak.load(Ordering::SeqCst),
        1,
        "the limit let requests overlap"
    );
    assert_eq!(
        *api.tenants.lock().unwrap(),
        vec![Some("acme".to_owned()); 4],
        "tower-http did not set the header on every request"
    );
}

#[tokio::test]
async fn without_the_layers_the_same_calls_overlap_and_carry_no_header() {
    let api = Slow::default();
    let client = client(TowerTransport::new(TransportService::new(api.transport())));

    four_at_once(&client).await;

    assert_eq!(api.peak.load(Ordering::SeqCst), 4);
    assert_eq!(*api.tenants.lock().unwrap(), vec![None; 4]);
}

#[tokio::test]
async fn hyper_transport_wrapped_in_tower_layers_sends_over_loopback() {
    let server = TestServer::start(Arc::new(|_| json_reply(202, r#"{"status":"accepted"}"#))).await;
    let service = ServiceBuilder::new()
        .layer(SetRequestHeaderLayer::if_not_present(
            TENANT,
            HeaderValue::from_static("acme"),
        ))
        .layer(ConcurrencyLimitLayer::new(2))
        .service(TransportService::new(HyperTransport::new()));
    let client = Client::builder()
        .api_key(TEST_KEY)
        .base_url(server.base_url())
        .transport(TowerTransport::new(service))
        .build()
        .unwrap();

    let reply = client
        .chats()
        .participants()
        .add(CHAT, HANDLE)
        .await
        .unwrap();

    assert_eq!(reply.status.as_deref(), Some("accepted"));
    let seen = server.log.all();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("x-tenant"), Some("acme"));
    assert_eq!(
        seen[0].header("authorization"),
        Some(format!("Bearer {TEST_KEY}").as_str())
    );
    assert_eq!(
        seen[0].path_and_query,
        format!("/api/partner/v3/chats/{CHAT}/participants")
    );
}

#[tokio::test]
async fn the_body_limit_reaches_hyper_through_the_layers() {
    let big = "x".repeat(4096);
    let body = format!(r#"{{"status":"{big}"}}"#);
    let server = TestServer::start(Arc::new(move |_| json_reply(202, &body))).await;
    let service = ServiceBuilder::new()
        .layer(ConcurrencyLimitLayer::new(1))
        .service(TransportService::new(HyperTransport::new()));
    let client = Client::builder()
        .api_key(TEST_KEY)
        .base_url(server.base_url())
        .transport(TowerTransport::new(service))
        .body_limit(1024)
        .max_retries(0)
        .build()
        .unwrap();

    let err = client
        .chats()
        .participants()
        .add(CHAT, HANDLE)
        .await
        .unwrap_err();

    match err {
        Error::Transport { source, .. } => {
            assert!(
                matches!(source, TransportError::BodyTooLarge { limit: 1024 }),
                "{source:?}"
            )
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[derive(Debug)]
struct Refused;
impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused by middleware")
    }
}
impl std::error::Error for Refused {}

#[tokio::test]
async fn a_middleware_error_is_an_io_failure_and_a_transport_error_passes_through() {
    let failing = tower::service_fn(|_req: http::Request<Bytes>| async {
        Err::<http::Response<Bytes>, _>(Refused)
    });
    let err = client(TowerTransport::new(failing))
        .chats()
        .participants()
        .add(CHAT, HANDLE)
        .await
        .unwrap_err();
    let Error::Transport {
        source, attempts, ..
    } = err
    else {
        panic!("expected a transport error");
    };
    assert_eq!(attempts, 1);
    match &source {
        TransportError::Io(inner) => assert_eq!(inner.to_string(), "refused by middleware"),
        other => panic!("expected Io, got {other:?}"),
    }

    let refused = tower::service_fn(|_req: http::Request<Bytes>| async {
        Err::<http::Response<Bytes>, _>(TransportError::Connect("no route".into()))
    });
    let err = client(TowerTransport::new(refused))
        .chats()
        .participants()
        .add(CHAT, HANDLE)
        .await
        .unwrap_err();
    let Error::Transport { source, .. } = err else {
        panic!("expected a transport error");
    };
    assert!(source.is_connect(), "{source:?}");
}

/// A rate limit is not `Clone`; behind `.buffer(..)` (which is) the stack
/// is a transport, and the limit holds across every request of the client.
#[tokio::test(start_paused = true)]
async fn a_rate_limit_behind_a_buffer_limits_every_request() {
    let api = Slow::default();
    let service = ServiceBuilder::new()
        .buffer(64)
        .rate_limit(2, Duration::from_secs(1))
        .service(TransportService::new(api.transport()));
    let client = client(TowerTransport::new(service));
    let started = tokio::time::Instant::now();

    four_at_once(&client).await;

    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(1) && elapsed < Duration::from_secs(2),
        "4 requests at 2 a second took {elapsed:?}"
    );
}
