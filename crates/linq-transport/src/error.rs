use std::error::Error as StdError;
use std::io;

/// Any error, boxed, as a transport's underlying cause.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// Why a request did not produce a response.
///
/// The text names the failure only; the underlying error is its
/// [`source`](std::error::Error::source), so that a report walking the chain
/// prints each cause once.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No connection could be made (DNS, refused, unreachable, connect
    /// timeout). The request was not sent.
    #[error("connection failed")]
    Connect(#[source] BoxError),
    /// The TLS handshake failed (certificate, protocol). The request was not
    /// sent.
    #[error("TLS handshake failed")]
    Tls(#[source] BoxError),
    /// No response within the allotted time.
    #[error("timed out")]
    Timeout,
    /// The connection failed after it was made (reset, closed early). The
    /// server may or may not have acted on the request.
    #[error("I/O error")]
    Io(#[source] BoxError),
    /// The response body could not be read to its end.
    #[error("failed to read the response body")]
    Body(#[source] BoxError),
    /// The response body was larger than [`SendOptions::body_limit`](crate::SendOptions).
    #[error("response body is larger than the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// The request could not be sent as built (bad URI, unsupported scheme).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl TransportError {
    /// True when the failure was a timeout, of the connect or of the response.
    pub fn is_timeout(&self) -> bool {
        match self {
            Self::Timeout => true,
            Self::Connect(e) | Self::Io(e) => has_timed_out(e.as_ref()),
            _ => false,
        }
    }

    /// True for connection failures.
    pub fn is_connect(&self) -> bool {
        matches!(self, Self::Connect(_))
    }

    /// True when the request certainly never reached the server, so sending
    /// it again cannot make the server act twice.
    pub fn is_request_not_sent(&self) -> bool {
        matches!(
            self,
            Self::Connect(_) | Self::Tls(_) | Self::InvalidRequest(_)
        )
    }
}

fn has_timed_out(e: &(dyn StdError + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        cur = match err.downcast_ref::<io::Error>() {
            Some(io) if io.kind() == io::ErrorKind::TimedOut => return true,
            // io::Error's `source()` skips the error it wraps; step into it.
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => err.source(),
        };
    }
    false
}
