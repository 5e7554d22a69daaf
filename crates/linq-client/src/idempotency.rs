//! One idempotency key per call, whichever way the caller gave it.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use http::HeaderName;
use linq_types::IdempotencyKey;

use crate::{Error, RequestOptions};

/// The header a caller may name a key with: the operation's own, or for an
/// operation whose key travels in the body, the API's usual
/// `Idempotency-Key` (it becomes the body key, and is not sent as a header).
pub(crate) fn header_name(kind: IdempotencyKey) -> Option<HeaderName> {
    let name = match kind {
        IdempotencyKey::None => return None,
        IdempotencyKey::Header(name) => name,
        IdempotencyKey::Body => "idempotency-key",
    };
    Some(
        HeaderName::from_bytes(name.as_bytes()).expect("operations name valid idempotency headers"),
    )
}

/// The key the caller gave, from `.idempotency_key(..)`, its header, or the
/// operation's own body field: `None` when none was given (the client then
/// generates one). Two different keys, a blank one or a key for an
/// operation that takes none are refused, never silently dropped.
pub(crate) fn caller_key(
    kind: IdempotencyKey,
    body_key: Option<&str>,
    options: &RequestOptions,
) -> Result<Option<String>, Error> {
    let Some(name) = header_name(kind) else {
        return match options.idempotency_key {
            Some(_) => Err(refuse(
                "this operation takes no idempotency key, so it would not dedupe anything",
            )),
            None => Ok(None),
        };
    };
    let mut headers = options.headers.get_all(&name).iter();
    let header = match (headers.next(), headers.next()) {
        (Some(_), Some(_)) => return Err(refuse("given twice as a header")),
        (Some(value), None) => Some(
            value
                .to_str()
                .map_err(|_| refuse("not a valid header value"))?,
        ),
        (None, _) => None,
    };
    let mut key: Option<&str> = None;
    for given in [options.idempotency_key.as_deref(), header, body_key]
        .into_iter()
        .flatten()
    {
        if given.bytes().all(|b| b.is_ascii_whitespace()) {
            return Err(refuse("empty or blank (it would not dedupe anything)"));
        }
        match key {
            Some(first) if first != given => {
                return Err(refuse(
                    "two different keys given (.idempotency_key, the Idempotency-Key header \
                     or the body's field); give one",
                ));
            }
            _ => key = Some(given),
        }
    }
    Ok(key.map(str::to_owned))
}

fn refuse(why: &str) -> Error {
    Error::invalid(
        "idempotency key",
        linq_types::InvalidValue::Other(why.to_owned()),
    )
}

/// A fresh key, in the form of a version-4 UUID. Its 122 bits are SipHash
/// of a counter under two keys drawn once per process from the operating
/// system (std's `RandomState`): unique within the process, unpredictable
/// from outside it, which is all a key that dedupes retries needs, and with
/// no random-number crate or system call per call.
pub(crate) fn new_key() -> String {
    static KEYS: OnceLock<(RandomState, RandomState)> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let (high, low) = KEYS.get_or_init(|| (RandomState::new(), RandomState::new()));
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&high.hash_one(n).to_be_bytes());
    bytes[8..].copy_from_slice(&low.hash_one(n).to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(36);
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        text.push(char::from(HEX[usize::from(byte >> 4)]));
        text.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::new_key;

    #[test]
    fn keys_are_distinct_version_4_uuids() {
        let keys: Vec<String> = (0..10_000).map(|_| new_key()).collect();
        let distinct: std::collections::HashSet<&String> = keys.iter().collect();
        assert_eq!(distinct.len(), keys.len());
        for key in &keys {
            let bytes = key.as_bytes();
            assert_eq!(key.len(), 36, "{key}");
            assert_eq!(
                [bytes[8], bytes[13], bytes[18], bytes[23]],
                [b'-'; 4],
                "{key}"
            );
            assert_eq!(bytes[14], b'4', "{key}");
            assert!(matches!(bytes[19], b'8' | b'9' | b'a' | b'b'), "{key}");
            assert!(
                key.bytes()
                    .all(|b| b == b'-' || b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                "{key}"
            );
        }
        // Not a counter in disguise: consecutive keys differ in most digits.
        let same = keys[0]
            .bytes()
            .zip(keys[1].bytes())
            .filter(|(a, b)| a == b)
            .count();
        assert!(same < 16, "{} / {}", keys[0], keys[1]);
    }
}
