//! What the axum extractor and the tower layer share: the event they hand
//! out and the answers they give to deliveries they refuse.

use std::fmt;

use http::{HeaderValue, StatusCode};

use crate::{DedupeError, WebhookError};

/// Bodies larger than this are refused with 413 unless
/// `WebhookLayer::body_limit` says otherwise (the axum extractor: or
/// axum's own limit, when lower): 1 MiB, well above any event Linq sends.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// The typed event the integrations decode a verified body into; the one
/// place that names it.
pub(crate) type DecodedEvent = linq_types::Event;

/// A delivery whose signature checked out, decoded into the typed event.
///
/// With the `axum` feature it is an extractor; the tower layer puts one in
/// the request extensions of every delivery it lets through.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedEvent(pub DecodedEvent);

impl VerifiedEvent {
    /// The event.
    pub fn into_inner(self) -> DecodedEvent {
        self.0
    }
}

impl std::ops::Deref for VerifiedEvent {
    type Target = DecodedEvent;

    fn deref(&self) -> &DecodedEvent {
        &self.0
    }
}

/// Verifies and decodes a delivery as
/// [`Webhook::verify_event`](crate::Webhook::verify_event) does, with the
/// refusal the integrations answer with.
pub(crate) fn verify_event(
    webhook: &crate::Webhook,
    body: &[u8],
    headers: &http::HeaderMap,
) -> Result<VerifiedEvent, Rejection> {
    match webhook.verify_event(body, headers) {
        Ok(event) => Ok(VerifiedEvent(event)),
        Err(WebhookError::Parse(err)) => Err(Rejection::Undecodable {
            path: err.path().to_owned(),
            message: err.source_error().to_string(),
        }),
        Err(err) => Err(Rejection::Unverified(err)),
    }
}

/// Why a delivery was refused, and the response that says so.
///
/// | variant | status |
/// |---|---|
/// | [`Unverified`](Self::Unverified) | 401 |
/// | [`Undecodable`](Self::Undecodable) | 400 |
/// | [`Body`](Self::Body) | 400, or 413 when too large |
/// | [`InProgress`](Self::InProgress) | 409 |
/// | [`Store`](Self::Store) | 503 |
///
/// The response body is a small JSON object, `{"error": "..."}` plus
/// `"path"` for an undecodable body. Nothing in it comes from the secret.
/// Every status but 2xx makes Linq deliver again later.
#[derive(Debug)]
#[non_exhaustive]
pub enum Rejection {
    /// The signature, a header or the timestamp did not check out.
    Unverified(WebhookError),
    /// The signature checked out but the body does not decode as the event
    /// type. `path` is where decoding failed (`data.chat.id`, or `.` for the
    /// whole body).
    Undecodable {
        /// Where in the JSON decoding failed.
        path: String,
        /// What was wrong there.
        message: String,
    },
    /// The body could not be read: it broke off, or it is larger than the
    /// limit (`too_large`).
    Body {
        /// Whether the body was over the limit.
        too_large: bool,
        /// What happened.
        message: String,
    },
    /// Another receiver holds a claim on this event and may be processing it
    /// right now.
    InProgress,
    /// The dedupe store failed, so whether the event was processed is
    /// unknown.
    Store(DedupeError),
}

impl Rejection {
    /// The HTTP status this rejection answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unverified(_) => StatusCode::UNAUTHORIZED,
            Self::Undecodable { .. } => StatusCode::BAD_REQUEST,
            Self::Body {
                too_large: true, ..
            } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Body { .. } => StatusCode::BAD_REQUEST,
            Self::InProgress => StatusCode::CONFLICT,
            Self::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The JSON body of the response.
    pub fn body(&self) -> String {
        let error = self.to_string();
        match self {
            Self::Undecodable { path, .. } => {
                serde_json::json!({ "error": error, "path": path }).to_string()
            }
            _ => serde_json::json!({ "error": error }).to_string(),
        }
    }

    /// The whole response, with any body type that can be made from a
    /// `String`.
    pub fn into_http_response<B: From<String>>(self) -> http::Response<B> {
        let mut response = http::Response::new(B::from(self.body()));
        *response.status_mut() = self.status();
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unverified(err) => write!(f, "webhook not verified: {err}"),
            Self::Undecodable { path, message } => {
                write!(
                    f,
                    "verified webhook body does not decode at {path}: {message}"
                )
            }
            Self::Body { message, .. } => write!(f, "webhook body could not be read: {message}"),
            Self::InProgress => f.write_str("this event is being processed by another receiver"),
            Self::Store(err) => write!(f, "webhook not processed: {err}"),
        }
    }
}

impl std::error::Error for Rejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Unverified(err) => Some(err),
            Self::Store(err) => Some(err),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Secret, Webhook};

    fn undecodable(body: &[u8]) -> (String, String) {
        let webhook = Webhook::new(Secret::from_bytes(&b"k"[..]).unwrap());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let mut headers = http::HeaderMap::new();
        headers.insert("webhook-id", "m".parse().unwrap());
        headers.insert("webhook-timestamp", now.to_string().parse().unwrap());
        let signature = webhook.sign("m", now, body);
        headers.insert("webhook-signature", signature.parse().unwrap());
        match verify_event(&webhook, body, &headers) {
            Err(Rejection::Undecodable { path, message }) => (path, message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_path_points_at_the_bad_value() {
        let body = br#"{"event_id":"e","event_type":"participant.added","created_at":"2026-11-26T12:00:00Z","data":{"handle":7}}"#;
        let (path, message) = undecodable(body);
        assert_eq!(path, "data.handle");
        assert!(
            message.starts_with("invalid type: integer `7`"),
            "{message}"
        );
        let (path, message) = undecodable(br#"{"event_type":"participant.added"}"#);
        assert_eq!(path, ".");
        assert!(message.starts_with("missing field `event_id`"), "{message}");
        let (path, message) = undecodable(
            br#"{"event_id":"e","event_type":"participant.added","created_at":"2026-11-26T12:00:00Z","data":{"handle":"+12052499136"}} x"#,
        );
        assert_eq!(path, ".");
        assert!(message.starts_with("trailing characters"), "{message}");
    }
}
