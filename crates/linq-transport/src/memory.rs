use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, Method, Uri};

use crate::{BodyLimit, BoxFuture, Transport, TransportError};

/// Answers requests in process. Implemented for any
/// `Fn(http::Request<Bytes>) -> http::Response<Bytes>`; implement it directly
/// for handlers that are async or that fail like a network would.
pub trait Handler: Send + Sync + 'static {
    /// Produces the response to `request`.
    fn handle(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>>;
}

impl<F> Handler for F
where
    F: Fn(http::Request<Bytes>) -> http::Response<Bytes> + Send + Sync + 'static,
{
    fn handle(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        let response = self(request);
        Box::pin(std::future::ready(Ok(response)))
    }
}

/// A request as an [`InMemoryTransport`] saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: Method,
    /// Full URI, scheme and host included.
    pub uri: Uri,
    /// All headers, as sent.
    pub headers: HeaderMap,
    /// The body bytes.
    pub body: Bytes,
}

/// A transport with no sockets: each request goes to a [`Handler`] in this
/// process. Useful for tests, examples and an offline sandbox.
///
/// ```
/// use linq_transport::{Bytes, InMemoryTransport};
///
/// let transport = InMemoryTransport::new(|_req: http::Request<Bytes>| {
///     http::Response::builder()
///         .status(202)
///         .body(Bytes::from_static(br#"{"status":"accepted"}"#))
///         .unwrap()
/// })
/// .recording();
/// assert!(transport.requests().is_empty());
/// ```
#[derive(Clone)]
pub struct InMemoryTransport {
    handler: Arc<dyn Handler>,
    log: Option<Arc<Mutex<Vec<RecordedRequest>>>>,
}

impl fmt::Debug for InMemoryTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemoryTransport")
            .field("recording", &self.log.is_some())
            .finish_non_exhaustive()
    }
}

impl InMemoryTransport {
    /// A transport answering through `handler`.
    pub fn new(handler: impl Handler) -> Self {
        Self::from_arc(Arc::new(handler))
    }

    /// A transport answering through a shared handler.
    pub fn from_arc(handler: Arc<dyn Handler>) -> Self {
        Self { handler, log: None }
    }

    /// A transport answering through an async closure.
    pub fn from_async<F, Fut>(handler: F) -> Self
    where
        F: Fn(http::Request<Bytes>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<http::Response<Bytes>, TransportError>> + Send + 'static,
    {
        struct Async<F>(F);
        impl<F, Fut> Handler for Async<F>
        where
            F: Fn(http::Request<Bytes>) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = Result<http::Response<Bytes>, TransportError>> + Send + 'static,
        {
            fn handle(
                &self,
                request: http::Request<Bytes>,
            ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
                Box::pin((self.0)(request))
            }
        }
        Self::new(Async(handler))
    }

    /// Keeps a copy of every request; read them with [`requests`](Self::requests).
    pub fn recording(mut self) -> Self {
        self.log = Some(Arc::default());
        self
    }

    /// The requests seen so far, oldest first (empty unless recording).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.log
            .as_ref()
            .map(|log| log.lock().unwrap_or_else(|e| e.into_inner()).clone())
            .unwrap_or_default()
    }
}

impl Transport for InMemoryTransport {
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        Box::pin(async move {
            let limit = BodyLimit::of(&request);
            if let Some(log) = &self.log {
                let recorded = RecordedRequest {
                    method: request.method().clone(),
                    uri: request.uri().clone(),
                    headers: request.headers().clone(),
                    body: request.body().clone(),
                };
                log.lock().unwrap_or_else(|e| e.into_inner()).push(recorded);
            }
            let response = self.handler.handle(request).await?;
            match limit {
                Some(limit) if response.body().len() > limit => {
                    Err(TransportError::BodyTooLarge { limit })
                }
                _ => Ok(response),
            }
        })
    }
}
