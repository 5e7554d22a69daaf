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
    causes(e).any(|err| {
        err.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::TimedOut)
    })
}

/// Whether an error of type `E` is in `err`'s chain of causes.
#[cfg(feature = "hyper")]
pub(crate) fn chain_has<E: StdError + 'static>(err: &(dyn StdError + 'static)) -> bool {
    causes(err).any(|e| e.is::<E>())
}

/// `err` and its causes. `io::Error`'s `source()` skips the error it wraps,
/// so the walk steps into it.
fn causes<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |&e| cause(e))
}

fn cause<'a>(e: &'a (dyn StdError + 'static)) -> Option<&'a (dyn StdError + 'static)> {
    match e.downcast_ref::<io::Error>() {
        Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
        None => e.source(),
    }
}
