//! The `Transport` trait and what the caller passes with each request.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

use crate::error::TransportError;

/// A boxed, `Send` future, as returned by [`Transport::send`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends one HTTP request and returns the whole response.
///
/// Implementations must be cheap to share (`Arc<dyn Transport>`), must not
/// follow redirects, and must stop reading a response body at
/// [`SendOptions::body_limit`].
pub trait Transport: Send + Sync + 'static {
    /// Sends `request` and reads the full response.
    fn send(
        &self,
        request: http::Request<Bytes>,
        options: SendOptions,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>>;
}

impl<T: Transport + ?Sized> Transport for std::sync::Arc<T> {
    fn send(
        &self,
        request: http::Request<Bytes>,
        options: SendOptions,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        (**self).send(request, options)
    }
}

/// What the caller asks of the transport for one request. Passed by value
/// (not in request extensions) so that the common path allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SendOptions {
    /// The most response-body bytes to read; a larger body fails with
    /// [`TransportError::BodyTooLarge`]. Unlimited by default.
    pub body_limit: usize,
}

impl Default for SendOptions {
    fn default() -> Self {
        Self {
            body_limit: usize::MAX,
        }
    }
}

impl SendOptions {
    /// Caps the response body at `bytes`.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }
}
