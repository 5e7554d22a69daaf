use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use linq_transport::TransportError;
use linq_types::{ErrorCode, ErrorResponse, InvalidValue};

/// Most bytes of a raw body kept in an error's text.
const EXCERPT_LIMIT: usize = 512;

/// Everything a call can fail with, by the phase it failed in.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument was refused before anything was sent.
    #[error("invalid {field}: {source}")]
    InvalidInput {
        /// Which argument.
        field: &'static str,
        /// What is wrong with it.
        source: InvalidValue,
    },
    /// No response: connect, TLS, I/O or timeout.
    #[error("{source} (after {attempts} attempt{s})", s = if *.attempts == 1 { "" } else { "s" })]
    Transport {
        /// The last failure.
        source: TransportError,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The server answered with a non-2xx status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The server answered 2xx, but the body is not what the operation returns.
    #[error(transparent)]
    Decode(Box<DecodeError>),
}

impl Error {
    /// True when the call, or one attempt of it, ran out of time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Transport { source, .. } if source.is_timeout())
    }

    /// True for connection failures.
    pub fn is_connect(&self) -> bool {
        matches!(self, Self::Transport { source, .. } if source.is_connect())
    }

    /// True when the input was refused before sending.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, Self::InvalidInput { .. })
    }

    /// True for a 429 reply.
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// True when sending the same call again later may succeed: timeouts,
    /// connection failures, 408, 429 and 5xx (unless the server said not to).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport { source, .. } => !matches!(
                source,
                TransportError::BodyTooLarge { .. } | TransportError::InvalidRequest(_)
            ),
            Self::Api(api) => api.is_retryable(),
            Self::InvalidInput { .. } | Self::Decode(_) => false,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(api) => Some(api.status),
            Self::Decode(d) => Some(d.status),
            _ => None,
        }
    }

    /// Linq's error code, when the reply carried the error envelope.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Api(api) => api.code,
            _ => None,
        }
    }

    /// The server's trace id, when it sent one.
    pub fn trace_id(&self) -> Option<&str> {
        match self {
            Self::Api(api) => api.trace_id.as_deref(),
            _ => None,
        }
    }

    /// How long the server asked us to wait, when it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Api(api) => api.retry_after,
            _ => None,
        }
    }

    /// The API error, if this is one.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(api) => Some(api),
            _ => None,
        }
    }

    pub(crate) fn invalid(field: &'static str, source: impl Into<InvalidValue>) -> Self {
        Self::InvalidInput {
            field,
            source: source.into(),
        }
    }
}

/// A handle parsed by the caller (`"+1…".parse::<Handle>()?`) that failed.
impl From<linq_types::HandleError> for Error {
    fn from(e: linq_types::HandleError) -> Self {
        Self::invalid("handle", e)
    }
}

/// An id parsed by the caller (`ChatId::parse(..)?`) that failed.
impl From<linq_types::IdError> for Error {
    fn from(e: linq_types::IdError) -> Self {
        Self::invalid("id", e)
    }
}

/// A non-2xx reply.
#[derive(Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Linq's error code, if the body was the error envelope.
    pub code: Option<ErrorCode>,
    /// The server's message, if the body was the error envelope.
    pub message: Option<String>,
    /// Documentation link from the envelope, if any.
    pub doc_url: Option<String>,
    /// The server's trace id, if any.
    pub trace_id: Option<String>,
    /// The wait the server asked for (`retry-after-ms` or `Retry-After`).
    pub retry_after: Option<Duration>,
    /// The server's `x-should-retry` verdict, if it gave one.
    pub should_retry: Option<bool>,
    /// Response headers.
    pub headers: HeaderMap,
    /// The raw body (already bounded by the client's body limit).
    pub body: Bytes,
}

impl ApiError {
    pub(crate) fn from_response(status: StatusCode, headers: HeaderMap, body: Bytes) -> Self {
        let envelope = serde_json::from_slice::<ErrorResponse>(&body).ok();
        let retry_after = crate::retry::retry_after(&headers, std::time::SystemTime::now());
        let should_retry = match headers.get("x-should-retry").map(|v| v.as_bytes()) {
            Some(b"true") => Some(true),
            Some(b"false") => Some(false),
            _ => None,
        };
        let (code, message, doc_url, trace_id) = match envelope {
            Some(e) => (
                Some(e.error.code),
                Some(e.error.message),
                e.error.doc_url,
                e.trace_id,
            ),
            None => (None, None, None, None),
        };
        Self {
            status,
            code,
            message,
            doc_url,
            trace_id,
            retry_after,
            should_retry,
            headers,
            body,
        }
    }

    /// True when the same request may succeed later.
    pub fn is_retryable(&self) -> bool {
        match self.should_retry {
            Some(verdict) => verdict,
            None => crate::retry::status_is_retryable(self.status),
        }
    }

    /// The start of the body as text, for replies that were not the envelope.
    pub fn body_excerpt(&self) -> String {
        excerpt(&self.body)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        match (&self.code, &self.message) {
            (Some(code), Some(message)) => write!(f, ": Linq error {code}: {message}")?,
            _ if self.body.is_empty() => f.write_str(" with an empty body")?,
            _ => write!(f, ": {}", self.body_excerpt())?,
        }
        if let Some(trace) = &self.trace_id {
            write!(f, " (trace id {trace})")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("trace_id", &self.trace_id)
            .field("retry_after", &self.retry_after)
            .field("body", &self.body_excerpt())
            .finish_non_exhaustive()
    }
}

impl std::error::Error for ApiError {}

/// A 2xx reply whose body did not decode as the operation's response.
#[derive(Debug, thiserror::Error)]
#[error("HTTP {status}: could not decode the response body ({source}): {excerpt}")]
#[non_exhaustive]
pub struct DecodeError {
    /// HTTP status.
    pub status: StatusCode,
    /// The start of the body, as text.
    pub excerpt: String,
    /// What serde said.
    #[source]
    pub source: serde_json::Error,
}

impl DecodeError {
    pub(crate) fn new(status: StatusCode, body: &[u8], source: serde_json::Error) -> Self {
        Self {
            status,
            excerpt: excerpt(body),
            source,
        }
    }
}

/// The first [`EXCERPT_LIMIT`] bytes of `body` as text, cut on a character
/// boundary, with invalid UTF-8 replaced.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_LIMIT)]);
    let mut text = text.into_owned();
    if body.len() > EXCERPT_LIMIT {
        text.push('…');
    }
    text
}
