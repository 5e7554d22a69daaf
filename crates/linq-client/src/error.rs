use std::error::Error as StdError;
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
    ///
    /// Its text names the operation, the server and the root cause, e.g.
    /// `chats.create: connect to api.example:443 failed: connection refused
    /// (after 3 attempts)`.
    #[error(
        "{operation}: {} (after {attempts} attempt{s})",
        TransportText::new(.source, .server),
        s = plural(*.attempts)
    )]
    #[non_exhaustive]
    Transport {
        /// The last failure.
        source: TransportError,
        /// How many attempts were made.
        attempts: u32,
        /// The operation id, such as `chats.create`.
        operation: &'static str,
        /// The server tried, as `host:port`.
        server: String,
    },
    /// The server answered with a non-2xx status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The server answered 2xx, but the body is not what the operation returns.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The API returned a storage URL that cannot be used safely: for
    /// `attachments.upload`, an upload URL, method or header (the attachment
    /// was reserved, but no bytes were sent); for `attachments.download`, a
    /// download URL that is missing or unsafe (nothing was fetched).
    #[error(
        "{operation}: the API returned an unusable storage URL ({reason}); {}",
        storage_outcome(operation)
    )]
    #[non_exhaustive]
    UnusableStorageUrl {
        /// `attachments.upload` or `attachments.download`.
        operation: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A paginated list handed back a cursor it had already given, so
    /// following it would loop forever. The items before it were yielded.
    #[error(
        "{operation}: the server repeated a page cursor after {pages} page{s}; the listing stopped there",
        s = plural(*.pages)
    )]
    #[non_exhaustive]
    RepeatedCursor {
        /// The list operation, such as `chats.list_chats`.
        operation: &'static str,
        /// Pages fetched, the last one included.
        pages: u32,
    },
    /// A paginated list reached its page cap
    /// ([`Items::max_pages`](crate::Items::max_pages)) with more pages to go.
    /// The items of the pages fetched were yielded.
    #[error(
        "{operation}: stopped after {pages} page{s}, the most this listing may fetch; \
         raise it with max_pages or narrow the listing",
        s = plural(*.pages)
    )]
    #[non_exhaustive]
    TooManyPages {
        /// The list operation, such as `chats.list_chats`.
        operation: &'static str,
        /// Pages fetched: the cap.
        pages: u32,
    },
}

/// What an unusable storage URL left undone, in words.
fn storage_outcome(operation: &str) -> &'static str {
    if operation == "attachments.upload" {
        "the attachment was reserved but no bytes were sent"
    } else {
        "nothing was downloaded"
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A transport failure in words: what was tried with which server, then the
/// root cause once.
struct TransportText<'a> {
    source: &'a TransportError,
    server: &'a str,
}

impl<'a> TransportText<'a> {
    fn new(source: &'a TransportError, server: &'a str) -> Self {
        Self { source, server }
    }
}

impl fmt::Display for TransportText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let server = self.server;
        match self.source {
            TransportError::Connect(e) => {
                write!(f, "connect to {server} failed: {}", RootCause(e.as_ref()))
            }
            TransportError::Tls(e) => write!(
                f,
                "TLS handshake with {server} failed: {}",
                RootCause(e.as_ref())
            ),
            TransportError::Timeout => write!(f, "request to {server} timed out"),
            TransportError::Io(e) => write!(
                f,
                "connection to {server} failed: {}",
                RootCause(e.as_ref())
            ),
            TransportError::Body(e) => write!(
                f,
                "reading the response body from {server} failed: {}",
                RootCause(e.as_ref())
            ),
            TransportError::BodyTooLarge { limit } => write!(
                f,
                "the response from {server} is larger than the limit of {limit} bytes"
            ),
            TransportError::InvalidRequest(why) => {
                write!(f, "the request to {server} could not be built: {why}")
            }
            other => write!(f, "request to {server} failed: {}", RootCause(other)),
        }
    }
}

/// The innermost error of a chain, without the `(os error N)` suffix and
/// starting in lower case (`Connection refused (os error 111)` becomes
/// `connection refused`).
struct RootCause<'a>(&'a (dyn StdError + 'static));

impl fmt::Display for RootCause<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut root = self.0;
        loop {
            // io::Error's `source()` skips the error it wraps; step into it.
            let next = match root.downcast_ref::<std::io::Error>() {
                Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
                None => root.source(),
            };
            match next {
                Some(next) => root = next,
                None => break,
            }
        }
        let text = root.to_string();
        let text = match text.rfind(" (os error ") {
            Some(at) if text.ends_with(')') => &text[..at],
            _ => &text,
        };
        let mut chars = text.chars();
        match (chars.next(), chars.clone().next()) {
            (Some(first), Some(second)) if first.is_uppercase() && second.is_lowercase() => {
                write!(f, "{}{}", first.to_lowercase(), chars.as_str())
            }
            _ => f.write_str(text),
        }
    }
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
            Self::InvalidInput { .. } | Self::Decode(_) | Self::UnusableStorageUrl { .. } => false,
            Self::RepeatedCursor { .. } | Self::TooManyPages { .. } => false,
        }
    }

    /// How many attempts the request that failed made, retries included: 0
    /// when the error did not come from a request's reply or failure (input
    /// refused before sending, an unusable storage URL, a listing stopped by
    /// a repeated cursor or its page cap, for which see
    /// [`pages`](Self::pages)).
    pub fn attempts(&self) -> u32 {
        match self {
            Self::Transport { attempts, .. } => *attempts,
            Self::Api(api) => api.attempts,
            Self::Decode(d) => d.attempts,
            Self::InvalidInput { .. }
            | Self::UnusableStorageUrl { .. }
            | Self::RepeatedCursor { .. }
            | Self::TooManyPages { .. } => 0,
        }
    }

    /// For a listing that stopped early ([`RepeatedCursor`](Self::RepeatedCursor),
    /// [`TooManyPages`](Self::TooManyPages)): how many pages it fetched, the
    /// last one included. `None` for every other error.
    pub fn pages(&self) -> Option<u32> {
        match self {
            Self::RepeatedCursor { pages, .. } | Self::TooManyPages { pages, .. } => Some(*pages),
            _ => None,
        }
    }

    /// The id of the operation that failed, such as `chats.create`
    /// (`attachments.upload` for the upload of
    /// [`Attachments::upload`](crate::resources::Attachments::upload)); `None`
    /// for input refused before an operation was built.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Self::Transport { operation, .. } => Some(operation),
            Self::Api(api) => Some(api.operation),
            Self::Decode(d) => Some(d.operation),
            Self::UnusableStorageUrl { operation, .. }
            | Self::RepeatedCursor { operation, .. }
            | Self::TooManyPages { operation, .. } => Some(operation),
            Self::InvalidInput { .. } => None,
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
    /// The id of the operation, such as `chats.create`.
    pub operation: &'static str,
    /// Which attempt this reply answered (1 for the first; retries count).
    pub attempts: u32,
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
    pub(crate) fn from_response(
        operation: &'static str,
        attempts: u32,
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    ) -> Self {
        let envelope = serde_json::from_slice::<ErrorResponse>(&body).ok();
        let retry_after = crate::retry::retry_after(&headers, std::time::SystemTime::now());
        let should_retry = match headers.get("x-should-retry").map(|v| v.as_bytes()) {
            Some(b"true") => Some(true),
            Some(b"false") => Some(false),
            _ => None,
        };
        let (code, message, doc_url, trace_id) = match envelope {
            Some(e) => (
                e.error.code,
                Some(e.error.message),
                e.error.doc_url,
                e.trace_id,
            ),
            None => (None, None, None, None),
        };
        Self {
            operation,
            attempts,
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
        write!(f, "{}: HTTP {}", self.operation, self.status)?;
        match (&self.code, &self.message) {
            (Some(code), Some(message)) => write!(f, ": Linq error {code}: {message}")?,
            _ if self.body.is_empty() => f.write_str(" with an empty body")?,
            _ => write!(f, ": {}", self.body_excerpt())?,
        }
        f.write_str(" (")?;
        if let Some(trace) = &self.trace_id {
            write!(f, "trace id {trace}, ")?;
        }
        write!(
            f,
            "after {} attempt{})",
            self.attempts,
            plural(self.attempts)
        )
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("operation", &self.operation)
            .field("attempts", &self.attempts)
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
///
/// Its text names the operation and the JSON path that failed, e.g.
/// `messages.get: HTTP 200 OK: the response body does not decode at
/// data.parts[1].filename: invalid type: …`.
#[derive(Debug, thiserror::Error)]
#[error(
    "{operation}: HTTP {status}: the response body does not decode{}: {source} (after {attempts} attempt{s}); body: {excerpt}",
    PathText(.path),
    s = plural(*.attempts)
)]
#[non_exhaustive]
pub struct DecodeError {
    /// The id of the operation, such as `chats.create`.
    pub operation: &'static str,
    /// Which attempt this reply answered (1 for the first; retries count).
    pub attempts: u32,
    /// HTTP status.
    pub status: StatusCode,
    /// The start of the body, as text.
    pub excerpt: String,
    /// What serde said.
    #[source]
    pub source: serde_json::Error,
    path: String,
}

impl DecodeError {
    /// The reply `body` of `operation` that did not decode, and where
    /// (`linq_types::decode_json` finds the path, only after a failure).
    pub(crate) fn new(
        operation: &'static str,
        attempts: u32,
        status: StatusCode,
        body: &[u8],
        failed: linq_types::JsonPathError,
    ) -> Self {
        let (path, source) = failed.into_parts();
        Self {
            operation,
            attempts,
            status,
            excerpt: excerpt(body),
            source,
            path,
        }
    }

    /// Where in the body decoding failed, as a path of fields and indexes
    /// such as `data.parts[1].filename`; `.` for the top level (the body is
    /// not JSON, or not the right kind of value at all).
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// ` at <path>`, or nothing for the top level.
struct PathText<'a>(&'a str);

impl fmt::Display for PathText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == "." {
            Ok(())
        } else {
            write!(f, " at {}", self.0)
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
