//! One idempotency key per call, whichever way the caller gave it.

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
