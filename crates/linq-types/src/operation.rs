//! Operations as data.
//!
//! Every API call is a value implementing [`Operation`]: it knows its method,
//! path, query, body and response type. The client runs any of them through
//! one generic path (auth, idempotency, retries, decoding, errors), so adding
//! an operation never touches transport or policy code.

use std::fmt::{self, Write as _};

use http::Method;
use serde::de::DeserializeOwned;

/// What repeating a request could do, which decides when it may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Reads, updates to a value, deletes: sending twice ends in the same state.
    Repeatable,
    /// Creates something a recipient sees, or moves money: sending twice could
    /// do it twice. Retried only with an idempotency key, or when the server
    /// provably did not act.
    Visible,
}

/// Where an operation carries its idempotency key, if it takes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdempotencyKey {
    /// The operation takes no key.
    None,
    /// In the named request header (the API uses `Idempotency-Key`).
    Header(&'static str),
    /// Inside the JSON body; the operation stores it through
    /// [`Operation::set_idempotency_key`].
    Body,
}

/// One API call, described as data.
pub trait Operation {
    /// What a 2xx reply decodes to; `()` for replies without a body.
    type Output: DeserializeOwned;
    /// The official SDKs' name for it, such as `chats.participants.add`.
    const ID: &'static str;
    /// HTTP method.
    const METHOD: Method;
    /// The `Accept` header: the reply's media type (`*/*` for a reply
    /// without a body), as the official SDKs send it.
    const ACCEPT: &'static str = "application/json";
    /// Whether repeating it could do something twice.
    const EFFECT: Effect = Effect::Repeatable;
    /// Whether and where it carries an idempotency key.
    const IDEMPOTENCY: IdempotencyKey = IdempotencyKey::None;

    /// Appends the path (from `/v3/...`), with parameters encoded by `path`.
    fn write_path(&self, path: &mut PathBuilder);

    /// Appends query parameters.
    fn write_query(&self, _query: &mut QueryBuilder) {}

    /// Writes the JSON body, returning `false` if the operation has none.
    fn write_body(&self, _out: &mut Vec<u8>) -> Result<bool, serde_json::Error> {
        Ok(false)
    }

    /// The idempotency key carried in the body, if any.
    fn idempotency_key(&self) -> Option<&str> {
        None
    }

    /// Stores an idempotency key in the body (only for [`IdempotencyKey::Body`]).
    fn set_idempotency_key(&mut self, _key: String) {}

    /// [`Self::ID`] of this value. A typed operation never overrides the
    /// five methods below; `AnyOperation` (feature `catalog`) answers
    /// for the operation it holds, so code that runs any operation reads
    /// them rather than the constants.
    fn id(&self) -> &'static str {
        Self::ID
    }

    /// [`Self::METHOD`] of this value.
    fn method(&self) -> Method {
        Self::METHOD
    }

    /// [`Self::ACCEPT`] of this value.
    fn accept(&self) -> &'static str {
        Self::ACCEPT
    }

    /// [`Self::EFFECT`] of this value.
    fn effect(&self) -> Effect {
        Self::EFFECT
    }

    /// [`Self::IDEMPOTENCY`] of this value.
    fn idempotency(&self) -> IdempotencyKey {
        Self::IDEMPOTENCY
    }
}

/// Builds a request path, percent-encoding each parameter as one segment.
#[derive(Debug, Default)]
pub struct PathBuilder {
    buf: String,
    unsafe_segment: bool,
}

impl PathBuilder {
    /// An empty path.
    pub fn new() -> Self {
        Self {
            buf: String::with_capacity(96),
            unsafe_segment: false,
        }
    }

    /// Appends fixed text from the operation's template.
    pub fn push_str(&mut self, fixed: &'static str) -> &mut Self {
        self.buf.push_str(fixed);
        self
    }

    /// Appends `value` as one path segment: every byte outside RFC 3986's
    /// `pchar` set (so `/`, `?`, `#`, `%`, spaces and control bytes among
    /// them) is percent-encoded, and it can never add a segment of its own.
    ///
    /// An empty value, `.` or `..` would still change which resource the
    /// path names; such a value is written as given and marks the path
    /// [unsafe](Self::has_unsafe_segment), which the client refuses to send.
    pub fn push_segment(&mut self, value: &str) -> &mut Self {
        if matches!(value, "" | "." | "..") {
            self.unsafe_segment = true;
        }
        encode_into(&mut self.buf, value, is_pchar);
        self
    }

    /// True when a segment was empty, `.` or `..` (an id the server gave
    /// can be any string; user input is checked before it gets here).
    pub fn has_unsafe_segment(&self) -> bool {
        self.unsafe_segment
    }

    /// The path built so far.
    pub fn as_str(&self) -> &str {
        &self.buf
    }

    /// The finished path.
    pub fn finish(self) -> String {
        self.buf
    }
}

/// Builds a query string (`a=1&b=2`), percent-encoding names and values.
#[derive(Debug, Default)]
pub struct QueryBuilder {
    buf: String,
}

impl QueryBuilder {
    /// An empty query.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `name=value`.
    pub fn push(&mut self, name: &str, value: impl fmt::Display) -> &mut Self {
        if !self.buf.is_empty() {
            self.buf.push('&');
        }
        encode_form(&mut self.buf, name);
        self.buf.push('=');
        let mut text = String::new();
        let _ = write!(text, "{value}");
        encode_form(&mut self.buf, &text);
        self
    }

    /// Appends `name=value` when the value is set.
    pub fn push_opt<T: fmt::Display>(&mut self, name: &str, value: Option<T>) -> &mut Self {
        if let Some(value) = value {
            self.push(name, value);
        }
        self
    }

    /// Appends a list as one comma-separated value, as the official SDKs do
    /// (an empty list is sent as `name=`).
    pub fn push_list<T: fmt::Display>(&mut self, name: &str, values: &[T]) -> &mut Self {
        let joined = values
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        self.push(name, joined)
    }

    /// True when nothing was added.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The query built so far, without a leading `?`.
    pub fn as_str(&self) -> &str {
        &self.buf
    }

    /// The finished query, without a leading `?`.
    pub fn finish(self) -> String {
        self.buf
    }
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

// RFC 3986 pchar: unreserved, sub-delims, ':' and '@'. The same set the
// official SDKs leave unencoded in a path segment.
fn is_pchar(b: u8) -> bool {
    is_unreserved(b)
        || matches!(
            b,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
        )
}

// application/x-www-form-urlencoded, byte for byte what Python's
// `urlencode` (and so the official SDK) produces: space as `+`.
fn encode_form(out: &mut String, value: &str) {
    for part in value.split(' ').enumerate() {
        if part.0 > 0 {
            out.push('+');
        }
        encode_into(out, part.1, is_unreserved);
    }
}

// Generic rather than a `fn` pointer, so the byte test is inlined into the
// scan (an indirect call per byte was most of a path's encoding cost).
fn encode_into(out: &mut String, value: &str, keep: impl Fn(u8) -> bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = value.as_bytes();
    let mut start = 0;
    // Kept bytes are ASCII, so each run of them is a whole `str` slice and is
    // copied at once; only the other bytes go one at a time.
    while start < bytes.len() {
        let run = bytes[start..].iter().take_while(|&&b| keep(b)).count();
        if run > 0 {
            // `start` is at an ASCII byte here, so on a char boundary.
            out.push_str(&value[start..start + run]);
            start += run;
        }
        if let Some(&b) = bytes.get(start) {
            let escaped = [b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]];
            out.push_str(std::str::from_utf8(&escaped).expect("ASCII"));
            start += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_encoding_keeps_one_segment() {
        let mut p = PathBuilder::new();
        p.push_str("/v3/x/").push_segment("../a/b?c#d%2F\r\n +@");
        assert_eq!(p.as_str(), "/v3/x/..%2Fa%2Fb%3Fc%23d%252F%0D%0A%20+@");
    }

    #[test]
    fn multibyte_text_is_escaped_byte_by_byte() {
        let mut p = PathBuilder::new();
        p.push_segment("্a€/");
        assert_eq!(p.as_str(), "%E0%A7%8Da%E2%82%AC%2F");
    }

    #[test]
    fn query_encoding_escapes_separators() {
        let mut q = QueryBuilder::new();
        q.push("a", "x&y=z+1 2").push_list("ids", &["1", "2"]);
        assert_eq!(q.as_str(), "a=x%26y%3Dz%2B1+2&ids=1%2C2");
    }
}
