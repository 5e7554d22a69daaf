//! The headers of a delivery: their names, how they are passed in
//! ([`HeaderPair`]), and reading the ones a scheme needs.

use crate::WebhookError;

/// Header carrying the delivery id (Standard Webhooks).
pub const HEADER_ID: &str = "webhook-id";
/// Header carrying the send time in Unix seconds (Standard Webhooks).
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
/// Header carrying the space-separated `v1,<base64>` signatures (Standard
/// Webhooks).
pub const HEADER_SIGNATURE: &str = "webhook-signature";
/// Legacy header carrying the send time in Unix seconds.
pub const LEGACY_HEADER_TIMESTAMP: &str = "x-webhook-timestamp";
/// Legacy header carrying one hex HMAC-SHA256 signature.
pub const LEGACY_HEADER_SIGNATURE: &str = "x-webhook-signature";

/// One `(name, value)` header, as the verify methods take them.
///
/// Implemented for tuples `(K, V)` and `&(K, V)` where `K: AsRef<str>` and
/// `V: AsRef<[u8]>`, which covers iterating a `&http::HeaderMap`, a
/// `&HashMap<String, String>`, a slice or `Vec` of pairs, and arrays.
pub trait HeaderPair {
    /// The header name; compared case-insensitively.
    fn name(&self) -> &str;
    /// The raw header value.
    fn value(&self) -> &[u8];
}

impl<K: AsRef<str>, V: AsRef<[u8]>> HeaderPair for (K, V) {
    fn name(&self) -> &str {
        self.0.as_ref()
    }
    fn value(&self) -> &[u8] {
        self.1.as_ref()
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>> HeaderPair for &(K, V) {
    fn name(&self) -> &str {
        self.0.as_ref()
    }
    fn value(&self) -> &[u8] {
        self.1.as_ref()
    }
}

/// The headers either scheme may use; the first occurrence of each wins.
#[derive(Default)]
pub(crate) struct Found {
    pub(crate) id: Option<Vec<u8>>,
    pub(crate) timestamp: Option<Vec<u8>>,
    pub(crate) signature: Option<Vec<u8>>,
    pub(crate) legacy_timestamp: Option<Vec<u8>>,
    pub(crate) legacy_signature: Option<Vec<u8>>,
}

impl Found {
    pub(crate) fn collect<H>(headers: H) -> Self
    where
        H: IntoIterator,
        H::Item: HeaderPair,
    {
        let mut found = Self::default();
        for header in headers {
            let name = header.name();
            let slot = if name.eq_ignore_ascii_case(HEADER_ID) {
                &mut found.id
            } else if name.eq_ignore_ascii_case(HEADER_TIMESTAMP) {
                &mut found.timestamp
            } else if name.eq_ignore_ascii_case(HEADER_SIGNATURE) {
                &mut found.signature
            } else if name.eq_ignore_ascii_case(LEGACY_HEADER_TIMESTAMP) {
                &mut found.legacy_timestamp
            } else if name.eq_ignore_ascii_case(LEGACY_HEADER_SIGNATURE) {
                &mut found.legacy_signature
            } else {
                continue;
            };
            if slot.is_none() {
                *slot = Some(header.value().to_vec());
            }
        }
        found
    }
}

/// A header's value, with an empty value counted as missing.
pub(crate) fn required<'a>(
    value: &'a Option<Vec<u8>>,
    name: &'static str,
) -> Result<&'a [u8], WebhookError> {
    match value {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(WebhookError::MissingHeader(name)),
    }
}

/// Whole seconds, ASCII digits only (no sign, no fraction, no spaces).
pub(crate) fn parse_timestamp(raw: &[u8]) -> Result<u64, WebhookError> {
    if raw.is_empty() || !raw.iter().all(u8::is_ascii_digit) {
        return Err(WebhookError::MalformedTimestamp);
    }
    std::str::from_utf8(raw)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(WebhookError::MalformedTimestamp)
}
