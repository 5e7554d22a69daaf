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

/// Where one header's value sits in [`Found`]'s buffer.
pub(crate) type Slot = Option<(usize, usize)>;

/// The headers either scheme may use; the first occurrence of each wins.
/// Their values are copied into one buffer: one allocation per delivery
/// rather than one per header.
#[derive(Default)]
pub(crate) struct Found {
    values: Vec<u8>,
    pub(crate) id: Slot,
    pub(crate) timestamp: Slot,
    pub(crate) signature: Slot,
    pub(crate) legacy_timestamp: Slot,
    pub(crate) legacy_signature: Slot,
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
                let value = header.value();
                if found.values.capacity() == 0 {
                    // Room for the three standard headers as Linq sends
                    // them, so the buffer is not grown along the way.
                    found.values.reserve(128.max(value.len()));
                }
                let start = found.values.len();
                found.values.extend_from_slice(value);
                *slot = Some((start, found.values.len()));
            }
        }
        found
    }

    /// A header's value, with an empty value counted as missing.
    pub(crate) fn required(&self, slot: Slot, name: &'static str) -> Result<&[u8], WebhookError> {
        match slot {
            Some((start, end)) if start < end => Ok(&self.values[start..end]),
            _ => Err(WebhookError::MissingHeader(name)),
        }
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
