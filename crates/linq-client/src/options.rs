//! What a call may override, and what a 2xx reply comes back as.

use std::time::Duration;

use http::{HeaderMap, StatusCode};

/// Settings for one call that override the client's.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RequestOptions {
    /// Time allowed for each attempt.
    pub timeout: Option<Duration>,
    /// Time allowed for the whole call, retries and backoff included.
    pub deadline: Option<Duration>,
    /// Retries after the first attempt.
    pub max_retries: Option<u32>,
    /// The idempotency key to send, for operations that take one.
    pub idempotency_key: Option<String>,
    /// Extra headers, added after the client's own.
    pub headers: HeaderMap,
    /// Extra query parameters, appended after the operation's.
    pub query: Vec<(String, String)>,
}

/// A 2xx reply: the decoded value with the status and headers it came with.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiResponse<T> {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The decoded body.
    pub value: T,
    /// How many attempts the call took.
    pub attempts: u32,
    /// The raw body the value was decoded from.
    pub body: bytes::Bytes,
}

impl<T> ApiResponse<T> {
    /// The decoded body.
    pub fn into_value(self) -> T {
        self.value
    }

    /// The server's trace id: the body's top-level `trace_id`, when it has one.
    pub fn trace_id(&self) -> Option<String> {
        #[derive(serde::Deserialize)]
        struct Trace {
            trace_id: Option<String>,
        }
        serde_json::from_slice::<Trace>(&self.body).ok()?.trace_id
    }
}
