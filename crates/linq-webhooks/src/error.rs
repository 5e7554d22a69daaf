//! The one error type of this crate.

/// Why a webhook delivery was refused, or why a secret could not be used.
///
/// Every variant means "do not act on this request": the crate never hands
/// out a payload whose signature it has not checked. No variant carries the
/// secret or any part of it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// No secret was given: the environment variable is unset, or the secret
    /// (or the key it decodes to) is empty.
    #[error("no webhook signing secret is configured")]
    MissingSecret,
    /// The secret is not `whsec_` followed by base64 (padding optional).
    #[error("the webhook signing secret is malformed: expected `whsec_` followed by base64")]
    MalformedSecret,
    /// A header the signature scheme needs is absent or empty.
    #[error("missing `{0}` header")]
    MissingHeader(&'static str),
    /// A header is present but its value cannot be used (not UTF-8).
    #[error("the `{0}` header is not valid UTF-8")]
    InvalidHeader(&'static str),
    /// The timestamp header is not a whole number of seconds since the Unix
    /// epoch.
    #[error("the webhook timestamp is not a number of seconds since the Unix epoch")]
    MalformedTimestamp,
    /// The timestamp is further in the past than the tolerance allows, so
    /// the request may be a replay.
    #[error("the webhook timestamp is too old")]
    TimestampTooOld,
    /// The timestamp is further in the future than the tolerance allows.
    #[error("the webhook timestamp is too far in the future")]
    TimestampTooNew,
    /// None of the signatures in the header was made with this secret over
    /// this id, timestamp and body, or the header is not a well-formed
    /// signature list (see [`Webhook`](crate::Webhook) for the one spelling
    /// accepted).
    #[error("no matching webhook signature")]
    NoMatchingSignature,
    /// The signature checked out but the body does not decode as an event;
    /// the error says where ([`JsonPathError::path`]).
    ///
    /// [`JsonPathError::path`]: linq_types::JsonPathError::path
    #[error("the verified webhook body could not be decoded: {0}")]
    Parse(#[source] linq_types::JsonPathError),
}

impl WebhookError {
    /// True when the secret itself is missing or unusable: a configuration
    /// problem on the receiving side, not a bad request.
    pub fn is_secret(&self) -> bool {
        matches!(self, Self::MissingSecret | Self::MalformedSecret)
    }

    /// True when a required header is missing or unreadable.
    pub fn is_header(&self) -> bool {
        matches!(self, Self::MissingHeader(_) | Self::InvalidHeader(_))
    }

    /// True when the timestamp is malformed or outside the tolerance.
    pub fn is_timestamp(&self) -> bool {
        matches!(
            self,
            Self::MalformedTimestamp | Self::TimestampTooOld | Self::TimestampTooNew
        )
    }

    /// True when no signature matched.
    pub fn is_signature(&self) -> bool {
        matches!(self, Self::NoMatchingSignature)
    }

    /// True when the signature was valid but the body did not decode.
    pub fn is_parse(&self) -> bool {
        matches!(self, Self::Parse(_))
    }
}
