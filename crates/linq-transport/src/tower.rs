//! tower both ways: any `tower::Service` as a [`Transport`]
//! ([`TowerTransport`]), and any [`Transport`] as a `tower::Service`
//! ([`TransportService`]).
//!
//! # Where each concern belongs
//!
//! A `Client` over a `TowerTransport` stacks like this, top to bottom:
//!
//! ```text
//! linq-client        auth, idempotency keys, retries, per-attempt timeout,
//!                    deadline, error decoding        (one policy, every transport)
//! your tower layers  concurrency and rate limits, metrics, tracing, extra headers
//! the service        HyperTransport (through TransportService), or your own client
//! ```
//!
//! - **Retries stay in the client.** It knows which operations could act
//!   twice (a message send), always sends those with an idempotency key,
//!   and never retries one whose first attempt may have reached the server
//!   without one. A tower retry layer below the client sees only bytes: it
//!   would resend a message the server already accepted and defeat that rule.
//!   Do not put `tower::retry` (or a retrying client) under a `Client`; set
//!   the client's `RetryPolicy` instead.
//! - **Timeouts:** the client's per-attempt timeout and deadline cover a
//!   call; a tower timeout below it is allowed but turns into an ambiguous
//!   failure (see the error mapping below), so prefer the client's.
//! - **Redirects:** transports never follow them, so the API key never goes
//!   to another host. Do not add a redirect-following layer.
//! - **Limits, metrics, tracing, headers** belong in tower layers: they
//!   change nothing about what is sent twice.
//!
//! # Errors
//!
//! A service error that is a [`TransportError`] (as [`TransportService`]
//! returns) passes through unchanged. Any other error becomes
//! [`TransportError::Io`]: the client cannot know whether the request reached
//! the server, so it retries it only where repeating it is harmless.
//!
//! # Body limit
//!
//! [`TowerTransport`] puts the call's [`SendOptions`] in the request's
//! extensions, so a [`TransportService`] at the bottom of the stack stops
//! reading at the limit; it also checks the limit on the response it gets
//! back.

use std::fmt;
use std::future::poll_fn;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use tower_service::Service;

use crate::error::{BoxError, TransportError};
use crate::transport::{BoxFuture, SendOptions, Transport};

/// A [`Transport`] that sends through a tower service, so tower and
/// tower-http layers sit under a client's policy.
///
/// The service is cloned for each request (tower's usual pattern for shared
/// services), then driven to readiness and called. Layers whose clones share
/// state, such as `ConcurrencyLimitLayer`, act on every request of the
/// client as they are.
///
/// ```
/// use linq_transport::{Bytes, InMemoryTransport, TowerTransport, TransportService};
///
/// let inner = InMemoryTransport::new(|_req: http::Request<Bytes>| {
///     http::Response::new(Bytes::from_static(b"{}"))
/// });
/// // Any layers go around `TransportService` here.
/// let transport = TowerTransport::new(TransportService::new(inner));
/// # let _ = transport;
/// ```
///
/// # Services that are not `Clone`
///
/// Some layers make a service that cannot be cloned, because its state is
/// its own: `RateLimitLayer` is one (each clone would have its own budget).
/// Put tower's `buffer` in front: the `Buffer` is `Clone`, and every clone
/// sends to the one service behind it, so the limit holds across the whole
/// client. (`Buffer` starts a task, so build it inside a Tokio runtime.)
///
/// ```
/// use std::time::Duration;
/// use linq_transport::{Bytes, InMemoryTransport, TowerTransport, TransportService};
/// use tower::ServiceBuilder;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let inner = InMemoryTransport::new(|_req: http::Request<Bytes>| {
///     http::Response::new(Bytes::from_static(b"{}"))
/// });
/// let transport = TowerTransport::new(
///     ServiceBuilder::new()
///         .buffer(64) // Clone, shared: the one rate limit below serves every request
///         .rate_limit(10, Duration::from_secs(1))
///         .concurrency_limit(4)
///         .service(TransportService::new(inner)),
/// );
/// # let _ = transport;
/// # }
/// ```
pub struct TowerTransport<S> {
    service: Mutex<S>,
}

impl<S> fmt::Debug for TowerTransport<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TowerTransport").finish_non_exhaustive()
    }
}

impl<S> TowerTransport<S>
where
    S: Service<http::Request<Bytes>, Response = http::Response<Bytes>> + Clone + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    /// A transport sending every request through `service`.
    pub fn new(service: S) -> Self {
        Self {
            service: Mutex::new(service),
        }
    }
}

impl<S> Transport for TowerTransport<S>
where
    S: Service<http::Request<Bytes>, Response = http::Response<Bytes>> + Clone + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    fn send(
        &self,
        mut request: http::Request<Bytes>,
        options: SendOptions,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        let mut service = self
            .service
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        request.extensions_mut().insert(options);
        Box::pin(async move {
            poll_fn(|cx| service.poll_ready(cx))
                .await
                .map_err(into_transport_error)?;
            let response = service.call(request).await.map_err(into_transport_error)?;
            if response.body().len() > options.body_limit {
                return Err(TransportError::BodyTooLarge {
                    limit: options.body_limit,
                });
            }
            Ok(response)
        })
    }
}

fn into_transport_error(error: impl Into<BoxError>) -> TransportError {
    let error = error.into();
    match error.downcast::<TransportError>() {
        Ok(e) => *e,
        Err(other) => TransportError::Io(other),
    }
}

/// A tower [`Service`] view of any [`Transport`], so tower middleware can
/// wrap [`HyperTransport`](crate::HyperTransport) (or an
/// [`InMemoryTransport`](crate::InMemoryTransport)) and the result be handed
/// to [`TowerTransport::new`].
///
/// Always ready; cloning shares the transport. The body limit is read from a
/// [`SendOptions`] in the request's extensions (as [`TowerTransport`] puts
/// there), unlimited when there is none.
pub struct TransportService {
    transport: Arc<dyn Transport>,
}

impl Clone for TransportService {
    fn clone(&self) -> Self {
        Self {
            transport: Arc::clone(&self.transport),
        }
    }
}

impl fmt::Debug for TransportService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportService").finish_non_exhaustive()
    }
}

impl TransportService {
    /// A service sending through `transport`.
    pub fn new(transport: impl Transport) -> Self {
        Self::from_arc(Arc::new(transport))
    }

    /// A service sending through a shared transport.
    pub fn from_arc(transport: Arc<dyn Transport>) -> Self {
        Self { transport }
    }
}

impl Service<http::Request<Bytes>> for TransportService {
    type Response = http::Response<Bytes>;
    type Error = TransportError;
    type Future = BoxFuture<'static, Result<http::Response<Bytes>, TransportError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Bytes>) -> Self::Future {
        let transport = Arc::clone(&self.transport);
        let options = request
            .extensions()
            .get::<SendOptions>()
            .copied()
            .unwrap_or_default();
        Box::pin(async move { transport.send(request, options).await })
    }
}
