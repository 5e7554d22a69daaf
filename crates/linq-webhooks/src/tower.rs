//! A tower layer that verifies, decodes and dedupes deliveries in front of
//! any tower service (feature `tower`): an axum router or route, a hyper
//! server through `hyper_util::service::TowerToHyperService`, tonic-style
//! stacks, ...
//!
//! [`WebhookService`] reads the body (up to a limit, into one buffer as it
//! arrives, so a trickled body costs its length), verifies it, decodes
//! it and, with a [`Dedupe`] store, claims the event. Only then does the
//! inner service see the request: the same headers, the raw body as
//! `Full<Bytes>`, and the [`VerifiedEvent`] in its extensions. The inner
//! service's status decides the claim: 2xx completes it, anything else (or
//! an error) releases it so that Linq's redelivery runs the service again.
//!
//! When the store cannot record the outcome (the claim was lost to another
//! receiver, or the store failed), the response carries a [`ClaimTrouble`]
//! in its extensions.
//!
//! Refused deliveries are answered without calling the inner service, with
//! the statuses listed on [`Rejection`]; an event already processed is
//! answered `200` with `{"status":"already processed"}`.
//!
//! ```
//! use std::convert::Infallible;
//! use bytes::Bytes;
//! use http_body_util::Full;
//! use linq_webhooks::tower::{VerifiedEvent, WebhookLayer};
//! use linq_webhooks::{MemoryDedupe, Secret, Webhook};
//! use tower::{ServiceBuilder, service_fn};
//!
//! # fn main() -> Result<(), linq_webhooks::WebhookError> {
//! let webhook = Webhook::new(Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?);
//! let service = ServiceBuilder::new()
//!     .layer(WebhookLayer::new(webhook).dedupe(MemoryDedupe::default()))
//!     .service(service_fn(|request: http::Request<Full<Bytes>>| async move {
//!         let event = request.extensions().get::<VerifiedEvent>().unwrap();
//!         println!("{} {}", event.event_type, event.id);
//!         Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::new())))
//!     }));
//! # let _ = service;
//! # Ok(()) }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use tower_layer::Layer;
use tower_service::Service;

use crate::Webhook;
use crate::body::read_bounded;
use crate::dedupe::{Claim, Dedupe, NoDedupe};
use crate::integration::verify_event;
pub use crate::integration::{Rejection, VerifiedEvent};

pub use crate::integration::DEFAULT_BODY_LIMIT;

/// Wraps a service in a [`WebhookService`].
#[derive(Debug)]
pub struct WebhookLayer<D = NoDedupe> {
    webhook: Webhook,
    dedupe: Arc<D>,
    body_limit: usize,
}

impl<D> Clone for WebhookLayer<D> {
    fn clone(&self) -> Self {
        Self {
            webhook: self.webhook.clone(),
            dedupe: Arc::clone(&self.dedupe),
            body_limit: self.body_limit,
        }
    }
}

#[derive(Debug)]
struct Shared<D> {
    webhook: Webhook,
    dedupe: Arc<D>,
    body_limit: usize,
}

impl WebhookLayer {
    /// Verifies with `webhook` and lets every verified delivery through
    /// (no dedupe; see [`dedupe`](Self::dedupe)).
    pub fn new(webhook: Webhook) -> Self {
        Self {
            webhook,
            dedupe: Arc::new(NoDedupe),
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }
}

impl<D> WebhookLayer<D> {
    /// Runs the inner service once per event: claims each delivery's
    /// [`dedupe_key`](crate::Verified::dedupe_key) in `dedupe` first. A
    /// delivery without a key (a legacy one without `event_id`) is passed
    /// through unclaimed rather than dropped.
    pub fn dedupe<D2: Dedupe>(self, dedupe: D2) -> WebhookLayer<D2> {
        WebhookLayer {
            webhook: self.webhook,
            dedupe: Arc::new(dedupe),
            body_limit: self.body_limit,
        }
    }

    /// Sets the largest body accepted, in bytes.
    pub fn body_limit(mut self, limit: usize) -> Self {
        self.body_limit = limit;
        self
    }
}

impl<S, D> Layer<S> for WebhookLayer<D> {
    type Service = WebhookService<S, D>;

    fn layer(&self, inner: S) -> Self::Service {
        WebhookService {
            inner,
            shared: Arc::new(Shared {
                webhook: self.webhook.clone(),
                dedupe: Arc::clone(&self.dedupe),
                body_limit: self.body_limit,
            }),
        }
    }
}

/// Verifies (and dedupes) each delivery before the inner service sees it;
/// made by [`WebhookLayer`].
#[derive(Debug)]
pub struct WebhookService<S, D = NoDedupe> {
    inner: S,
    shared: Arc<Shared<D>>,
}

impl<S: Clone, D> Clone for WebhookService<S, D> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            shared: Arc::clone(&self.shared),
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl<S, D, B, ResBody> Service<Request<B>> for WebhookService<S, D>
where
    S: Service<Request<Full<Bytes>>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send,
    D: Dedupe + 'static,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    ResBody: From<String> + Send,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ResBody>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The clone is not ready; the one `poll_ready` readied goes along.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let shared = Arc::clone(&self.shared);
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let body = match read_bounded(body, shared.body_limit).await {
                Ok(body) => body,
                Err(rejection) => return Ok(rejection.into_http_response()),
            };
            let event = match verify_event(&shared.webhook, &body, &parts.headers) {
                Ok(event) => event,
                Err(rejection) => return Ok(rejection.into_http_response()),
            };
            // A decoded event always has its `event_id`, the dedupe key that
            // no replay can change (see `Verified::dedupe_key`).
            let key = Some(event.id.clone());
            let claim = match &key {
                Some(key) => match shared.dedupe.claim(key).await {
                    Ok(Claim::Acquired(token)) => Some(token),
                    Ok(Claim::Done) => return Ok(already_processed()),
                    Ok(Claim::InProgress) => {
                        return Ok(Rejection::InProgress.into_http_response());
                    }
                    Err(err) => return Ok(Rejection::Store(err).into_http_response()),
                },
                None => None,
            };
            parts.extensions.insert(event);
            let result = inner
                .call(Request::from_parts(parts, Full::new(body)))
                .await;
            let Some(token) = claim else {
                return result;
            };
            let succeeded = matches!(&result, Ok(response) if response.status().is_success());
            let trouble = if succeeded {
                match shared.dedupe.complete(token).await {
                    Ok(true) => None,
                    Ok(false) => Some(ClaimTrouble::Lost),
                    Err(err) => Some(ClaimTrouble::NotCompleted(err.to_string())),
                }
            } else {
                match shared.dedupe.release(token).await {
                    // Not ours any more: the next attempt finds what the
                    // new holder left, as it would have anyway.
                    Ok(_) => None,
                    Err(err) => Some(ClaimTrouble::NotReleased(err.to_string())),
                }
            };
            result.map(|mut response| {
                if let Some(trouble) = trouble {
                    response.extensions_mut().insert(trouble);
                }
                response
            })
        })
    }
}

/// Put in the extensions of a response by [`WebhookService`] when the
/// dedupe store could not record how the inner service's run ended, so that
/// an outer layer (a log, metrics) can report it. The response itself is
/// the inner service's, unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimTrouble {
    /// The claim expired while the service ran and another receiver took
    /// it over: the event may be processed twice. A claim TTL longer than
    /// the service's slowest run prevents it.
    Lost,
    /// The service succeeded but marking the event done failed (the store's
    /// error). Linq will not redeliver after the 2xx, so the event runs
    /// again only if it is delivered again before the claim expires.
    NotCompleted(String),
    /// The service failed and releasing its claim failed too (the store's
    /// error): a redelivery is answered 409 until the claim expires.
    NotReleased(String),
}

fn already_processed<B: From<String>>() -> Response<B> {
    let mut response = Response::new(B::from(r#"{"status":"already processed"}"#.to_owned()));
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}
