use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, Method, Uri};

use crate::error::TransportError;
use crate::transport::{BoxFuture, SendOptions, Transport};

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
    handler: Answer,
    log: Option<Arc<Mutex<Vec<RecordedRequest>>>>,
}

/// A plain closure is called directly; only async handlers cost a boxed
/// future per request.
#[derive(Clone)]
enum Answer {
    Sync(Arc<dyn Fn(http::Request<Bytes>) -> http::Response<Bytes> + Send + Sync>),
    Async(Arc<dyn Handler>),
}

impl fmt::Debug for InMemoryTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemoryTransport")
            .field("recording", &self.log.is_some())
            .finish_non_exhaustive()
    }
}

impl InMemoryTransport {
    /// A transport answering through a closure.
    pub fn new<F>(handler: F) -> Self
    where
        F: Fn(http::Request<Bytes>) -> http::Response<Bytes> + Send + Sync + 'static,
    {
        Self {
            handler: Answer::Sync(Arc::new(handler)),
            log: None,
        }
    }

    /// A transport answering through a [`Handler`] (async, or able to fail
    /// like a network).
    pub fn from_handler(handler: impl Handler) -> Self {
        Self::from_arc(Arc::new(handler))
    }

    /// A transport answering through a shared handler.
    pub fn from_arc(handler: Arc<dyn Handler>) -> Self {
        Self {
            handler: Answer::Async(handler),
            log: None,
        }
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
        Self::from_handler(Async(handler))
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
        options: SendOptions,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        Box::pin(async move {
            let limit = options.body_limit;
            if let Some(log) = &self.log {
                let recorded = RecordedRequest {
                    method: request.method().clone(),
                    uri: request.uri().clone(),
                    headers: request.headers().clone(),
                    body: request.body().clone(),
                };
                log.lock().unwrap_or_else(|e| e.into_inner()).push(recorded);
            }
            let response = match &self.handler {
                Answer::Sync(answer) => answer(request),
                Answer::Async(handler) => handler.handle(request).await?,
            };
            if response.body().len() > limit {
                return Err(TransportError::BodyTooLarge { limit });
            }
            Ok(response)
        })
    }
}
