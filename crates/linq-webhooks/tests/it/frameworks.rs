//! The axum extractor and the tower layer: what reaches the handler, and
//! what is answered without it.
#![cfg(all(feature = "axum", feature = "tower"))]

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::{Request, StatusCode};
use axum::routing::post;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use linq_webhooks::axum::VerifiedEvent;
use linq_webhooks::tower::{Rejection, WebhookLayer};
use linq_webhooks::{Claim, Dedupe, MemoryDedupe, Secret, Webhook, WebhookError};
use tower::{Service, ServiceExt, service_fn};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const PARTICIPANT: &str = r#"{"api_version":"v3","webhook_version":"2026-02-03","event_type":"participant.added","event_id":"evt_1","created_at":"2026-11-26T12:00:00Z","partner_id":"p_1","trace_id":"t_1","data":{"handle":"+12052499136"}}"#;

fn webhook() -> Webhook {
    Webhook::new(Secret::parse(SECRET).unwrap())
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A signed POST of `body`, as Linq sends it.
fn delivery(id: &str, body: &str) -> Request<Body> {
    let ts = now();
    Request::post("/linq")
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", webhook().sign(id, ts, body.as_bytes()))
        .body(Body::from(body.to_owned()))
        .unwrap()
}

async fn read(response: axum::response::Response) -> (StatusCode, serde_json::Value) {
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, json)
}

#[derive(Clone)]
struct AppState {
    webhook: Webhook,
    handled: Arc<AtomicUsize>,
}

impl FromRef<AppState> for Webhook {
    fn from_ref(state: &AppState) -> Webhook {
        state.webhook.clone()
    }
}

async fn on_event(
    axum::extract::State(state): axum::extract::State<AppState>,
    VerifiedEvent(event): VerifiedEvent,
) -> String {
    state.handled.fetch_add(1, Ordering::SeqCst);
    format!("{} {}", event.event_type, event.id)
}

fn app() -> (Router, Arc<AtomicUsize>) {
    let handled = Arc::new(AtomicUsize::new(0));
    let state = AppState {
        webhook: webhook(),
        handled: handled.clone(),
    };
    let router = Router::new()
        .route("/linq", post(on_event))
        .layer(DefaultBodyLimit::max(4096))
        .with_state(state);
    (router, handled)
}

#[tokio::test]
async fn extractor_hands_the_handler_the_event() {
    let (app, handled) = app();
    let (status, body) = read(app.oneshot(delivery("msg_1", PARTICIPANT)).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "participant.added evt_1");
    assert_eq!(handled.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn extractor_answers_401_for_unverified_deliveries() {
    let cases: Vec<(&str, Request<Body>, &str)> = vec![
        (
            "tampered body",
            {
                let mut request = delivery("msg_1", PARTICIPANT);
                *request.body_mut() = Body::from(PARTICIPANT.replace("evt_1", "evt_2"));
                request
            },
            "webhook not verified: no matching webhook signature",
        ),
        (
            "no headers",
            Request::post("/linq")
                .body(Body::from(PARTICIPANT))
                .unwrap(),
            "webhook not verified: missing `webhook-id` header",
        ),
        (
            "stale",
            {
                let mut request = delivery("msg_1", PARTICIPANT);
                let old = now() - 3600;
                let headers = request.headers_mut();
                headers.insert("webhook-timestamp", old.to_string().parse().unwrap());
                headers.insert(
                    "webhook-signature",
                    webhook()
                        .sign("msg_1", old, PARTICIPANT.as_bytes())
                        .parse()
                        .unwrap(),
                );
                request
            },
            "webhook not verified: the webhook timestamp is too old",
        ),
    ];
    for (name, request, message) in cases {
        let (app, handled) = app();
        let (status, body) = read(app.oneshot(request).await.unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
        assert_eq!(body, serde_json::json!({ "error": message }), "{name}");
        assert_eq!(handled.load(Ordering::SeqCst), 0, "{name}");
    }
}

#[tokio::test]
async fn extractor_answers_400_with_the_path_for_undecodable_bodies() {
    for (body, path) in [
        // No event_type: the envelope itself fails.
        (r#"{"event_id":"evt_1","data":{}}"#, "."),
        ("not json", "."),
        // The data decodes by event type, and the path reaches into it.
        (
            r#"{"event_id":"evt_1","event_type":"participant.added","created_at":"2026-11-26T12:00:00Z","data":{"handle":5}}"#,
            "data.handle",
        ),
    ] {
        let (app, handled) = app();
        let (status, json) = read(app.oneshot(delivery("msg_1", body)).await.unwrap()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(json["path"], path, "{body}: {json}");
        let error = json["error"].as_str().unwrap();
        assert!(
            error.starts_with(&format!(
                "verified webhook body does not decode at {path}: "
            )),
            "{error}"
        );
        assert_eq!(handled.load(Ordering::SeqCst), 0);
    }
}

#[tokio::test]
async fn extractor_answers_413_over_the_body_limit() {
    let (app, handled) = app();
    let big = format!(r#"{{"event_type":"x","pad":"{}"}}"#, "a".repeat(5000));
    let (status, _) = read(app.oneshot(delivery("msg_1", &big)).await.unwrap()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(handled.load(Ordering::SeqCst), 0);
}

#[test]
fn rejection_statuses() {
    use linq_webhooks::DedupeError;
    for (rejection, status) in [
        (
            Rejection::Unverified(WebhookError::NoMatchingSignature),
            401,
        ),
        (
            Rejection::Undecodable {
                path: "data.x".into(),
                message: "m".into(),
            },
            400,
        ),
        (
            Rejection::Body {
                too_large: true,
                message: "m".into(),
            },
            413,
        ),
        (
            Rejection::Body {
                too_large: false,
                message: "m".into(),
            },
            400,
        ),
        (Rejection::InProgress, 409),
        (Rejection::Store(DedupeError::Full), 503),
    ] {
        assert_eq!(rejection.status().as_u16(), status, "{rejection}");
        let response = rejection.into_http_response::<String>();
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(response.headers()["content-type"], "application/json");
        let json: serde_json::Value = serde_json::from_str(response.body()).unwrap();
        assert!(json["error"].is_string());
    }
}

// --- The tower layer. ---

/// An inner service that counts its calls and answers with `status`.
fn counting(
    calls: Arc<AtomicUsize>,
    status: Arc<AtomicUsize>,
) -> impl Service<
    http::Request<Full<Bytes>>,
    Response = http::Response<Body>,
    Error = Infallible,
    Future = impl std::future::Future<Output = Result<http::Response<Body>, Infallible>> + Send,
> + Clone {
    service_fn(move |request: http::Request<Full<Bytes>>| {
        let calls = calls.clone();
        let status = status.clone();
        async move {
            calls.fetch_add(1, Ordering::SeqCst);
            let event = request.extensions().get::<VerifiedEvent>().unwrap().clone();
            // The raw body is still there for the inner service.
            let body = request.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(body, PARTICIPANT.as_bytes());
            let mut response = http::Response::new(Body::from(event.event_type.to_string()));
            *response.status_mut() =
                StatusCode::from_u16(status.load(Ordering::SeqCst) as u16).unwrap();
            Ok(response)
        }
    })
}

#[tokio::test]
async fn layer_runs_the_inner_service_once_per_event() {
    let calls = Arc::new(AtomicUsize::new(0));
    let status = Arc::new(AtomicUsize::new(500));
    let store = Arc::new(MemoryDedupe::default());
    let mut service = WebhookLayer::new(webhook())
        .dedupe(store.clone())
        .layer_over(counting(calls.clone(), status.clone()));

    // The inner service fails: its claim is released, so the redelivery
    // runs it again.
    let (code, body) = read(call(&mut service, delivery("msg_1", PARTICIPANT)).await).await;
    assert_eq!(
        (code, calls.load(Ordering::SeqCst)),
        (StatusCode::INTERNAL_SERVER_ERROR, 1)
    );
    assert_eq!(body, "participant.added");
    // Released, not done: the event can be claimed again.
    let Ok(Claim::Acquired(token)) = store.claim("evt_1").await else {
        panic!("evt_1 should be claimable after a failed run");
    };
    assert!(store.release(token).await.unwrap());

    status.store(200, Ordering::SeqCst);
    let (code, _) = read(call(&mut service, delivery("msg_1", PARTICIPANT)).await).await;
    assert_eq!((code, calls.load(Ordering::SeqCst)), (StatusCode::OK, 2));

    // Done: a redelivery is answered 200 without the inner service.
    let (code, body) = read(call(&mut service, delivery("msg_1", PARTICIPANT)).await).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(body, serde_json::json!({"status": "already processed"}));
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    // Another receiver holding the claim: 409, inner not called.
    let other = PARTICIPANT.replace("evt_1", "evt_9");
    let Claim::Acquired(held) = store.claim("evt_9").await.unwrap() else {
        panic!("claim");
    };
    let calls_before = calls.load(Ordering::SeqCst);
    let (code, body) = read(call(&mut service, delivery("msg_9", &other)).await).await;
    assert_eq!(code, StatusCode::CONFLICT);
    assert_eq!(
        body["error"],
        "this event is being processed by another receiver"
    );
    assert_eq!(calls.load(Ordering::SeqCst), calls_before);
    assert!(store.release(held).await.unwrap());

    // Unverified: 401 and the inner service never runs.
    let mut forged = delivery("msg_1", PARTICIPANT);
    *forged.body_mut() = Body::from(PARTICIPANT.replace("+1205", "+1999"));
    let (code, _) = read(call(&mut service, forged).await).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    assert_eq!(calls.load(Ordering::SeqCst), calls_before);
}

#[tokio::test]
async fn layer_refuses_oversized_and_undecodable_bodies() {
    let calls = Arc::new(AtomicUsize::new(0));
    let status = Arc::new(AtomicUsize::new(200));
    let mut service = WebhookLayer::new(webhook())
        .body_limit(100)
        .layer_over(counting(calls.clone(), status));
    let (code, _) = read(call(&mut service, delivery("msg_1", PARTICIPANT)).await).await;
    assert_eq!(code, StatusCode::PAYLOAD_TOO_LARGE);
    let (code, json) = read(call(&mut service, delivery("msg_2", "[]")).await).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(json["path"], ".");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

/// The layer in front of an axum route, with the extractor picking up the
/// event the layer verified.
#[tokio::test]
async fn layer_in_front_of_an_axum_router() {
    let handled = Arc::new(AtomicUsize::new(0));
    let state = AppState {
        webhook: webhook(),
        handled: handled.clone(),
    };
    let app = Router::new()
        .route("/linq", post(on_event))
        .with_state(state)
        .layer(WebhookLayer::new(webhook()).dedupe(MemoryDedupe::default()));
    for _ in 0..3 {
        let response = app
            .clone()
            .oneshot(delivery("msg_1", PARTICIPANT))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(handled.load(Ordering::SeqCst), 1);
    let (code, _) = read(
        app.oneshot(
            Request::post("/linq")
                .body(Body::from(PARTICIPANT))
                .unwrap(),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    assert_eq!(handled.load(Ordering::SeqCst), 1);
}

/// The layer served by hyper over loopback, through hyper-util's adapter.
#[tokio::test]
async fn layer_served_by_hyper() {
    use hyper_util::rt::TokioIo;
    use hyper_util::service::TowerToHyperService;

    let calls = Arc::new(AtomicUsize::new(0));
    let status = Arc::new(AtomicUsize::new(200));
    let service = WebhookLayer::new(webhook())
        .dedupe(MemoryDedupe::default())
        .layer_over(counting(calls.clone(), status));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    let mut statuses = Vec::new();
    for _ in 0..2 {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(conn);
        let (parts, body) = delivery("msg_1", PARTICIPANT).into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        let mut request = http::Request::from_parts(parts, Full::new(body));
        request
            .headers_mut()
            .insert("host", addr.to_string().parse().unwrap());
        statuses.push(sender.send_request(request).await.unwrap().status());
    }
    assert_eq!(statuses, [StatusCode::OK, StatusCode::OK]);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

async fn call<S>(service: &mut S, request: Request<Body>) -> axum::response::Response
where
    S: Service<Request<Body>, Response = axum::response::Response, Error = Infallible>,
{
    service.ready().await.unwrap().call(request).await.unwrap()
}

/// `Layer::layer` under a name that does not clash with axum's methods.
trait LayerOver<S> {
    type Service;
    fn layer_over(&self, inner: S) -> Self::Service;
}

impl<S, L: tower::Layer<S>> LayerOver<S> for L {
    type Service = L::Service;
    fn layer_over(&self, inner: S) -> L::Service {
        self.layer(inner)
    }
}

/// A claim that expired while the inner service ran, taken over by another
/// receiver, is reported on the response, not dropped silently.
#[tokio::test]
async fn layer_reports_a_claim_lost_while_the_service_ran() {
    use linq_webhooks::tower::ClaimTrouble;
    let store = Arc::new(MemoryDedupe::default().claim_ttl(std::time::Duration::from_millis(30)));
    let thief = store.clone();
    let mut service = WebhookLayer::new(webhook())
        .dedupe(store.clone())
        .layer_over(service_fn(move |_: http::Request<Full<Bytes>>| {
            let thief = thief.clone();
            async move {
                tokio::time::sleep(std::time::Duration::from_millis(60)).await;
                // Another receiver takes the expired claim meanwhile.
                let taken = thief.claim("evt_1").await.unwrap();
                assert!(matches!(taken, Claim::Acquired(_)), "{taken:?}");
                Ok::<_, Infallible>(http::Response::new(Body::empty()))
            }
        }));
    let response = call(&mut service, delivery("msg_1", PARTICIPANT)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.extensions().get::<ClaimTrouble>(),
        Some(&ClaimTrouble::Lost)
    );
    // A run whose claim held carries nothing.
    let calls = Arc::new(AtomicUsize::new(0));
    let mut plain = WebhookLayer::new(webhook())
        .dedupe(MemoryDedupe::default())
        .layer_over(counting(calls, Arc::new(AtomicUsize::new(200))));
    let response = call(&mut plain, delivery("msg_1", PARTICIPANT)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.extensions().get::<ClaimTrouble>(), None);
}
