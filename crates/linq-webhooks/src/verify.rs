//! Signature checking for both schemes and the verified payload.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use linq_types::JsonPathError;
use linq_types::webhooks::{Envelope, Event};

use crate::{Secret, WebhookError};

type HmacSha256 = Hmac<Sha256>;

/// Standard base64 for signatures, in the one form senders emit: `=`
/// padding required and the unused low bits of the last character zero, so
/// that no two header values decode to the same signature.
const SIGNATURE_BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical),
);

/// Length of a `v1` signature value: 32 MAC bytes in padded base64.
const V1_SIGNATURE_LEN: usize = 44;

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

/// How far the timestamp may be from the receiver's clock, either way,
/// unless [`Webhook::with_tolerance`] says otherwise: five minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

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

/// Which signature scheme a delivery was verified with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scheme {
    /// Standard Webhooks: `webhook-id`, `webhook-timestamp`,
    /// `webhook-signature`.
    Standard,
    /// Linq's older `X-Webhook-Timestamp` / `X-Webhook-Signature` headers,
    /// used only when [`Webhook::allow_legacy`] is on and none of the
    /// standard headers arrived.
    Legacy,
}

/// Verifies webhook deliveries with one secret.
///
/// Deliveries are checked with the Standard Webhooks scheme: the signed
/// content is `{webhook-id}.{webhook-timestamp}.{body}`, signed with
/// HMAC-SHA256, and `webhook-signature` lists one or more `v1,<base64>`
/// signatures of which any one may match (so a sender can sign with an old
/// and a new key while a secret is rotated). The timestamp must be within
/// the tolerance of the current time.
///
/// The signature header is read strictly, so that one MAC is accepted in
/// exactly one spelling: entries are separated by single spaces, each entry
/// is `version,value` with neither part empty, and a `v1` value must be the
/// padded standard base64 of a 32-byte MAC, as senders write it. Entries of
/// other versions are skipped, as the Standard Webhooks libraries do; any
/// other shape (unpadded, extra spaces, an entry without a comma, a `v1`
/// value that is not a MAC) refuses the whole header rather than being
/// stepped over on the way to a valid entry.
///
/// Linq's legacy `X-Webhook-*` scheme is off unless
/// [`allow_legacy`](Self::allow_legacy) turns it on; see there for what that
/// costs.
///
/// Header names are matched case-insensitively. Signatures are compared in
/// constant time.
///
/// `Debug` shows the settings but never the secret.
#[derive(Debug, Clone)]
pub struct Webhook {
    secret: Secret,
    tolerance: Duration,
    legacy: bool,
}

impl From<Secret> for Webhook {
    fn from(secret: Secret) -> Self {
        Self::new(secret)
    }
}

impl Webhook {
    /// A verifier for `secret` with the default tolerance, accepting the
    /// Standard Webhooks scheme only.
    pub fn new(secret: Secret) -> Self {
        Self {
            secret,
            tolerance: DEFAULT_TOLERANCE,
            legacy: false,
        }
    }

    /// A verifier for the secret in the `LINQ_WEBHOOK_SECRET` environment
    /// variable (see [`Secret::from_env`]).
    pub fn from_env() -> Result<Self, WebhookError> {
        Secret::from_env().map(Self::new)
    }

    /// Sets how far a delivery's timestamp may be from the clock, in either
    /// direction.
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Also accepts Linq's legacy scheme (off by default): when *none* of
    /// the three standard headers is present, the delivery is checked
    /// against a hex HMAC-SHA256 in `X-Webhook-Signature` over
    /// `{X-Webhook-Timestamp}.{body}`, keyed as described on [`Secret`]. If
    /// any standard header is present the legacy headers are never looked
    /// at. With it off, a delivery without the standard headers fails with
    /// [`WebhookError::MissingHeader`].
    ///
    /// # The downgrade this allows
    ///
    /// Linq may send both sets of headers on one delivery. Anyone who saw
    /// such a delivery can strip its standard headers and replay the rest
    /// within the tolerance: it verifies under the legacy scheme, whose
    /// signature covers only the timestamp and the body, both kept. The
    /// replay has no [`webhook_id`](Verified::webhook_id), so a receiver
    /// that dedupes on `webhook_id` processes it a second time. With the
    /// legacy scheme allowed, dedupe on [`event_id`](Verified::event_id)
    /// (inside the signed body) or [`dedupe_key`](Verified::dedupe_key),
    /// which the replay cannot change.
    pub fn allow_legacy(mut self, allow: bool) -> Self {
        self.legacy = allow;
        self
    }

    /// Whether the legacy scheme is accepted (see
    /// [`allow_legacy`](Self::allow_legacy)).
    pub fn legacy_allowed(&self) -> bool {
        self.legacy
    }

    /// The timestamp tolerance in use.
    pub fn tolerance(&self) -> Duration {
        self.tolerance
    }

    /// Checks a delivery against the current system time.
    ///
    /// `body` must be the raw request body, byte for byte as received: JSON
    /// that was parsed and serialized again will not verify. `headers` is
    /// anything that yields `(name, value)` pairs or references to them (see
    /// [`HeaderPair`]): `&http::HeaderMap`, `&[(&str, &str)]`,
    /// `&Vec<(String, String)>`, `&HashMap<String, String>`, an array, ...
    ///
    /// Returns the verified delivery, or the reason it must be rejected.
    pub fn verify<'b, H>(&self, body: &'b [u8], headers: H) -> Result<Verified<'b>, WebhookError>
    where
        H: IntoIterator,
        H::Item: HeaderPair,
    {
        self.verify_at(body, headers, SystemTime::now())
    }

    /// Like [`verify`](Self::verify), with `now` standing in for the current
    /// time (for tests, or replaying a stored delivery at the time it
    /// arrived).
    pub fn verify_at<'b, H>(
        &self,
        body: &'b [u8],
        headers: H,
        now: SystemTime,
    ) -> Result<Verified<'b>, WebhookError>
    where
        H: IntoIterator,
        H::Item: HeaderPair,
    {
        let found = Found::collect(headers);
        let standard_present =
            found.id.is_some() || found.timestamp.is_some() || found.signature.is_some();
        let legacy_present = found.legacy_timestamp.is_some() || found.legacy_signature.is_some();
        let (scheme, webhook_id, timestamp) = if !standard_present && legacy_present && self.legacy
        {
            let timestamp = self.verify_legacy(&found, body, now)?;
            (Scheme::Legacy, None, timestamp)
        } else {
            let (id, timestamp) = self.verify_standard(&found, body, now)?;
            (Scheme::Standard, Some(id), timestamp)
        };
        Ok(Verified {
            body,
            scheme,
            webhook_id,
            timestamp,
            envelope: Envelope::read(body).ok(),
        })
    }

    /// Checks an `http::Request` whose body is already in memory (for
    /// example `Request<Bytes>` or `Request<Vec<u8>>`).
    pub fn verify_request<'b, B>(
        &self,
        request: &'b http::Request<B>,
    ) -> Result<Verified<'b>, WebhookError>
    where
        B: AsRef<[u8]>,
    {
        self.verify(request.body().as_ref(), request.headers())
    }

    /// Verifies a delivery and decodes it into an [`Event`]: the envelope
    /// once (the read [`verify`](Self::verify) makes), and `data` straight
    /// from the body's bytes as the type `event_type` names. Event types this
    /// version does not know come back as [`EventData::Unknown`] with their
    /// data, never as an error; a body that does not decode is
    /// [`WebhookError::Parse`], which says where.
    ///
    /// ```
    /// use linq_webhooks::{Event, EventData, Webhook, WebhookError};
    ///
    /// fn handle(webhook: &Webhook, body: &[u8], headers: &http::HeaderMap) -> Result<(), WebhookError> {
    ///     let event: Event = webhook.verify_event(body, headers)?;
    ///     if let Some(message) = event.message().filter(|m| m.is_inbound()) {
    ///         let text: Vec<&str> = message.texts().collect();
    ///         println!("{:?} in {:?} from {:?}", text, message.chat_id(), message.sender());
    ///     }
    ///     if let EventData::ReactionAdded(reaction) = &event.data {
    ///         println!("reaction {:?}", reaction);
    ///     }
    ///     Ok(())
    /// }
    /// ```
    ///
    /// [`EventData::Unknown`]: linq_types::EventData::Unknown
    pub fn verify_event<H>(&self, body: &[u8], headers: H) -> Result<Event, WebhookError>
    where
        H: IntoIterator,
        H::Item: HeaderPair,
    {
        self.verify_event_at(body, headers, SystemTime::now())
    }

    /// Like [`verify_event`](Self::verify_event), with `now` standing in for
    /// the current time (see [`verify_at`](Self::verify_at)).
    pub fn verify_event_at<H>(
        &self,
        body: &[u8],
        headers: H,
        now: SystemTime,
    ) -> Result<Event, WebhookError>
    where
        H: IntoIterator,
        H::Item: HeaderPair,
    {
        self.verify_at(body, headers, now)?
            .to_event()
            .map_err(WebhookError::Parse)
    }

    /// Signs a delivery the way a Standard Webhooks sender does, returning
    /// the `webhook-signature` header value (`v1,<base64>`).
    ///
    /// `timestamp` is in seconds since the Unix epoch and must be sent as the
    /// `webhook-timestamp` header, with `id` as `webhook-id`.
    pub fn sign(&self, id: &str, timestamp: u64, body: &[u8]) -> String {
        let mac = standard_mac(self.secret.key(), id.as_bytes(), timestamp, body);
        format!(
            "v1,{}",
            SIGNATURE_BASE64.encode(mac.finalize().into_bytes())
        )
    }

    fn verify_standard(
        &self,
        found: &Found,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(String, u64), WebhookError> {
        let id = required(&found.id, HEADER_ID)?;
        let raw_timestamp = required(&found.timestamp, HEADER_TIMESTAMP)?;
        let signatures = required(&found.signature, HEADER_SIGNATURE)?;
        let id = std::str::from_utf8(id).map_err(|_| WebhookError::InvalidHeader(HEADER_ID))?;
        let timestamp = parse_timestamp(raw_timestamp)?;
        check_timestamp(timestamp, now, self.tolerance)?;

        let expected = standard_mac(self.secret.key(), id.as_bytes(), timestamp, body);
        let matched = signature_header_matches(signatures, &expected);
        if matched {
            Ok((id.to_owned(), timestamp))
        } else {
            Err(WebhookError::NoMatchingSignature)
        }
    }

    fn verify_legacy(
        &self,
        found: &Found,
        body: &[u8],
        now: SystemTime,
    ) -> Result<u64, WebhookError> {
        let raw_timestamp = required(&found.legacy_timestamp, LEGACY_HEADER_TIMESTAMP)?;
        let signature = required(&found.legacy_signature, LEGACY_HEADER_SIGNATURE)?;
        let timestamp = parse_timestamp(raw_timestamp)?;
        check_timestamp(timestamp, now, self.tolerance)?;

        let signature = decode_hex(signature).ok_or(WebhookError::NoMatchingSignature)?;
        let mut mac = new_mac(self.secret.legacy_key());
        // The legacy scheme signs the timestamp text as it was sent.
        mac.update(raw_timestamp);
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(&signature)
            .map_err(|_| WebhookError::NoMatchingSignature)?;
        Ok(timestamp)
    }
}

/// A delivery whose signature and timestamp have been checked.
///
/// The only way to get one is through [`Webhook`]'s verify methods.
///
/// # Redeliveries and dedupe keys
///
/// Linq delivers at least once: a delivery whose response was slow or not
/// 2xx is sent again with the same content. A receiver that must not act
/// twice remembers what it processed and skips repeats (see
/// [`Dedupe`](crate::Dedupe)). Which key is safe depends on the scheme:
///
/// * [`event_id`](Self::event_id), Linq's id for the event, lives in the
///   signed body of both payload versions, so neither scheme lets a replay
///   change it. It is the key Linq's documentation suggests, and the safe
///   one whenever the legacy scheme is allowed.
/// * [`webhook_id`](Self::webhook_id), the `webhook-id` header, is covered
///   by the Standard Webhooks signature and stays the same for every attempt
///   of one message. It is safe only while the legacy scheme is off: a
///   legacy delivery has none, and with the legacy scheme allowed a replay
///   can drop it by stripping the standard headers (see
///   [`Webhook::allow_legacy`]).
///
/// [`dedupe_key`](Self::dedupe_key) picks the safe one.
#[derive(Debug, Clone)]
pub struct Verified<'b> {
    body: &'b [u8],
    scheme: Scheme,
    webhook_id: Option<String>,
    timestamp: u64,
    /// `None` when the body is not a JSON object.
    envelope: Option<Envelope<'b>>,
}

impl<'b> Verified<'b> {
    /// The `webhook-id` header: a dedupe key. `None` for a legacy delivery,
    /// which has no such header.
    pub fn webhook_id(&self) -> Option<&str> {
        self.webhook_id.as_deref()
    }

    /// The body's `event_id` field: Linq's id for the event, a dedupe key.
    /// `None` when the body has no such string field.
    pub fn event_id(&self) -> Option<&str> {
        self.envelope.as_ref()?.event_id()
    }

    /// The key to dedupe this delivery on: the body's `event_id` when it has
    /// one, else the `webhook-id` header of a Standard Webhooks delivery.
    /// `None` only for a legacy delivery without an `event_id`, which
    /// cannot be told apart from its replays.
    pub fn dedupe_key(&self) -> Option<&str> {
        self.event_id().or(match self.scheme {
            Scheme::Standard => self.webhook_id(),
            Scheme::Legacy => None,
        })
    }

    /// The body's `event_type` field, e.g. `message.sent`.
    pub fn event_type(&self) -> Option<&str> {
        self.envelope.as_ref()?.event_type()
    }

    /// The body's `api_version` field (`v3` today).
    pub fn api_version(&self) -> Option<&str> {
        self.envelope.as_ref()?.api_version()
    }

    /// The body's `webhook_version` field: the payload shape, `2025-01-01`
    /// or `2026-02-03` (they differ for message events).
    pub fn webhook_version(&self) -> Option<&str> {
        self.envelope.as_ref()?.webhook_version()
    }

    /// The send time from the timestamp header, in seconds since the Unix
    /// epoch.
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// Which scheme the delivery was verified with.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The raw body that was verified.
    pub fn body(&self) -> &'b [u8] {
        self.body
    }

    /// Decodes the verified body into an [`Event`] from the envelope
    /// already read; a body that is not a JSON object is decoded again only
    /// to say why.
    pub(crate) fn to_event(&self) -> Result<Event, JsonPathError> {
        match &self.envelope {
            Some(envelope) => Event::try_from(envelope.clone()),
            None => Event::from_json(self.body),
        }
    }
}

/// The headers either scheme may use; the first occurrence of each wins.
#[derive(Default)]
struct Found {
    id: Option<Vec<u8>>,
    timestamp: Option<Vec<u8>>,
    signature: Option<Vec<u8>>,
    legacy_timestamp: Option<Vec<u8>>,
    legacy_signature: Option<Vec<u8>>,
}

impl Found {
    fn collect<H>(headers: H) -> Self
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

/// Whether a well-formed `webhook-signature` header holds a `v1` entry equal
/// to `expected`. A header that is not well formed (see [`Webhook`]) never
/// matches, whatever else it holds.
fn signature_header_matches(header: &[u8], expected: &HmacSha256) -> bool {
    let mut matched = false;
    for entry in header.split(|&b| b == b' ') {
        let Some(comma) = entry.iter().position(|&b| b == b',') else {
            return false;
        };
        let (version, value) = (&entry[..comma], &entry[comma + 1..]);
        if version.is_empty() || value.is_empty() {
            return false;
        }
        if version != b"v1" {
            continue;
        }
        let Some(signature) = decode_v1(value) else {
            return false;
        };
        // `verify_slice` compares in constant time.
        matched |= expected.clone().verify_slice(&signature).is_ok();
    }
    matched
}

/// A `v1` value: exactly the padded base64 of 32 bytes, in canonical form.
fn decode_v1(value: &[u8]) -> Option<[u8; 32]> {
    if value.len() != V1_SIGNATURE_LEN {
        return None;
    }
    let mut out = [0u8; 33];
    match SIGNATURE_BASE64.decode_slice(value, &mut out) {
        Ok(32) => {
            let mut signature = [0u8; 32];
            signature.copy_from_slice(&out[..32]);
            Some(signature)
        }
        _ => None,
    }
}

/// A header's value, with an empty value counted as missing.
fn required<'a>(value: &'a Option<Vec<u8>>, name: &'static str) -> Result<&'a [u8], WebhookError> {
    match value {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(WebhookError::MissingHeader(name)),
    }
}

/// Whole seconds, ASCII digits only (no sign, no fraction, no spaces).
fn parse_timestamp(raw: &[u8]) -> Result<u64, WebhookError> {
    if raw.is_empty() || !raw.iter().all(u8::is_ascii_digit) {
        return Err(WebhookError::MalformedTimestamp);
    }
    std::str::from_utf8(raw)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(WebhookError::MalformedTimestamp)
}

fn check_timestamp(
    timestamp: u64,
    now: SystemTime,
    tolerance: Duration,
) -> Result<(), WebhookError> {
    let Some(sent) = UNIX_EPOCH.checked_add(Duration::from_secs(timestamp)) else {
        return Err(WebhookError::TimestampTooNew);
    };
    match now.duration_since(sent) {
        Ok(age) if age > tolerance => Err(WebhookError::TimestampTooOld),
        Err(ahead) if ahead.duration() > tolerance => Err(WebhookError::TimestampTooNew),
        _ => Ok(()),
    }
}

fn new_mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length, so this cannot fail.
    HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// The MAC of `{id}.{timestamp}.{body}`. The timestamp is written in its
/// canonical decimal form, as the reference libraries do.
fn standard_mac(key: &[u8], id: &[u8], timestamp: u64, body: &[u8]) -> HmacSha256 {
    let mut mac = new_mac(key);
    mac.update(id);
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

fn decode_hex(hex: &[u8]) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    hex.chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: u64 = 1_700_000_000;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn hook() -> Webhook {
        Webhook::new(Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap())
    }

    fn headers<'a>(id: &'a str, ts: &'a str, sig: &'a str) -> [(&'a str, &'a str); 3] {
        [
            (HEADER_ID, id),
            (HEADER_TIMESTAMP, ts),
            (HEADER_SIGNATURE, sig),
        ]
    }

    #[test]
    fn sign_then_verify() {
        let wh = hook();
        let body = br#"{"event_id":"e1","event_type":"message.sent","api_version":"v3","webhook_version":"2026-02-03"}"#;
        let sig = wh.sign("msg_1", T, body);
        assert!(sig.starts_with("v1,"));
        let v = wh
            .verify_at(body, headers("msg_1", "1700000000", &sig), at(T))
            .unwrap();
        assert_eq!(v.scheme(), Scheme::Standard);
        assert_eq!(v.webhook_id(), Some("msg_1"));
        assert_eq!(v.event_id(), Some("e1"));
        assert_eq!(v.event_type(), Some("message.sent"));
        assert_eq!(v.api_version(), Some("v3"));
        assert_eq!(v.webhook_version(), Some("2026-02-03"));
        assert_eq!(v.timestamp(), T);
        assert_eq!(v.body(), body);
    }

    #[test]
    fn envelope_fields_are_read_independently() {
        let wh = hook();
        let body = br#"{"event_id":7,"event_type":"message.read"}"#;
        let sig = wh.sign("m", T, body);
        let v = wh
            .verify_at(body, headers("m", "1700000000", &sig), at(T))
            .unwrap();
        assert_eq!(v.event_id(), None);
        assert_eq!(v.event_type(), Some("message.read"));
        assert_eq!(v.api_version(), None);

        let body = b"not json";
        let sig = wh.sign("m", T, body);
        let v = wh
            .verify_at(body, headers("m", "1700000000", &sig), at(T))
            .unwrap();
        assert_eq!(v.event_type(), None);
        assert!(v.to_event().is_err());
    }

    #[test]
    fn tolerance_is_inclusive_and_configurable() {
        let wh = hook();
        let sig = wh.sign("m", T, b"{}");
        let h = headers("m", "1700000000", &sig);
        assert!(wh.verify_at(b"{}", h, at(T + 300)).is_ok());
        assert!(wh.verify_at(b"{}", h, at(T - 300)).is_ok());
        assert!(matches!(
            wh.verify_at(b"{}", h, at(T + 301)),
            Err(WebhookError::TimestampTooOld)
        ));
        assert!(matches!(
            wh.verify_at(b"{}", h, at(T - 301)),
            Err(WebhookError::TimestampTooNew)
        ));
        // Sub-second precision of the clock counts, as in the reference.
        assert!(matches!(
            wh.verify_at(b"{}", h, at(T + 300) + Duration::from_millis(1)),
            Err(WebhookError::TimestampTooOld)
        ));
        let strict = hook().with_tolerance(Duration::from_secs(10));
        assert_eq!(strict.tolerance(), Duration::from_secs(10));
        assert!(strict.verify_at(b"{}", h, at(T + 10)).is_ok());
        assert!(matches!(
            strict.verify_at(b"{}", h, at(T + 11)),
            Err(WebhookError::TimestampTooOld)
        ));
        assert!(matches!(
            strict.verify_at(b"{}", h, at(T - 11)),
            Err(WebhookError::TimestampTooNew)
        ));
    }

    #[test]
    fn malformed_timestamps_are_refused() {
        let wh = hook();
        let sig = wh.sign("m", T, b"{}");
        for ts in [
            "1700000000.0",
            "-1700000000",
            "+1700000000",
            " 1700000000",
            "17e8",
            "abc",
            "99999999999999999999999",
        ] {
            assert!(
                matches!(
                    wh.verify_at(b"{}", headers("m", ts, &sig), at(T)),
                    Err(WebhookError::MalformedTimestamp)
                ),
                "{ts:?}"
            );
        }
        // Well formed but beyond what SystemTime can hold: in the future.
        let huge = u64::MAX.to_string();
        assert!(matches!(
            wh.verify_at(b"{}", headers("m", &huge, &sig), at(T)),
            Err(WebhookError::TimestampTooNew)
        ));
    }

    #[test]
    fn missing_and_empty_headers() {
        let wh = hook();
        let sig = wh.sign("m", T, b"{}");
        let full = headers("m", "1700000000", &sig);
        for (skip, name) in [(0, HEADER_ID), (1, HEADER_TIMESTAMP), (2, HEADER_SIGNATURE)] {
            let without: Vec<_> = full
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, h)| *h)
                .collect();
            match wh.verify_at(b"{}", without, at(T)) {
                Err(WebhookError::MissingHeader(n)) => assert_eq!(n, name),
                other => panic!("{other:?}"),
            }
            let mut empty = full;
            empty[skip].1 = "";
            match wh.verify_at(b"{}", empty, at(T)) {
                Err(WebhookError::MissingHeader(n)) => assert_eq!(n, name),
                other => panic!("{other:?}"),
            }
        }
        let none: [(&str, &str); 0] = [];
        assert!(matches!(
            wh.verify_at(b"{}", none, at(T)),
            Err(WebhookError::MissingHeader(HEADER_ID))
        ));
    }

    #[test]
    fn non_utf8_id_is_an_invalid_header() {
        let wh = hook();
        let sig = wh.sign("m", T, b"{}");
        let h: [(&str, &[u8]); 3] = [
            (HEADER_ID, b"\xff\xfe"),
            (HEADER_TIMESTAMP, b"1700000000"),
            (HEADER_SIGNATURE, sig.as_bytes()),
        ];
        assert!(matches!(
            wh.verify_at(b"{}", h, at(T)),
            Err(WebhookError::InvalidHeader(HEADER_ID))
        ));
    }

    #[test]
    fn header_names_are_case_insensitive_and_first_wins() {
        let wh = hook();
        let sig = wh.sign("m", T, b"{}");
        let h = vec![
            ("Webhook-ID", "m"),
            ("WEBHOOK-TIMESTAMP", "1700000000"),
            ("Webhook-Signature", sig.as_str()),
            ("webhook-id", "other"),
        ];
        assert_eq!(
            wh.verify_at(b"{}", h, at(T)).unwrap().webhook_id(),
            Some("m")
        );
    }

    #[test]
    fn header_sources() {
        let wh = hook();
        let body = b"{}".to_vec();
        let sig = wh.sign("m", T, &body);
        let pairs = [
            ("Webhook-Id", "m"),
            ("Webhook-Timestamp", "1700000000"),
            ("Webhook-Signature", sig.as_str()),
        ];

        let mut map = http::HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                http::HeaderValue::from_str(value).unwrap(),
            );
        }
        assert!(wh.verify_at(&body, &map, at(T)).is_ok());

        let hash: std::collections::HashMap<String, String> = pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert!(wh.verify_at(&body, &hash, at(T)).is_ok());
        assert!(wh.verify_at(&body, &pairs[..], at(T)).is_ok());
        assert!(wh.verify_at(&body, pairs.iter().copied(), at(T)).is_ok());

        let mut request = http::Request::new(body.clone());
        *request.headers_mut() = map;
        // Real time: the fixed timestamp is long past.
        assert!(matches!(
            wh.verify_request(&request),
            Err(WebhookError::TimestampTooOld)
        ));
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let headers = request.headers_mut();
        headers.insert(HEADER_TIMESTAMP, now.to_string().parse().unwrap());
        headers.insert(HEADER_SIGNATURE, wh.sign("m", now, &body).parse().unwrap());
        let delivery = wh.verify_request(&request).unwrap();
        assert_eq!(delivery.webhook_id(), Some("m"));
    }

    #[test]
    fn signature_list_handling() {
        let wh = hook();
        let good = wh.sign("m", T, b"{}");
        let b64 = good.strip_prefix("v1,").unwrap();
        let other = Webhook::new(Secret::from_bytes(&b"other"[..]).unwrap()).sign("m", T, b"{}");
        for (header, ok) in [
            (good.clone(), true),
            // Rotation: any one of several signatures may match.
            (format!("{other} {good}"), true),
            (format!("{good} {other}"), true),
            // Entries of other versions are skipped.
            (format!("v1a,{b64} {good}"), true),
            (format!("v2,AAAA {good} v2,x"), true),
            (other.clone(), false),
            (format!("v2,{b64}"), false),
            (format!("v1a,{b64}"), false),
        ] {
            let result = wh.verify_at(b"{}", headers("m", "1700000000", &header), at(T));
            if ok {
                assert!(result.is_ok(), "{header:?}: {result:?}");
            } else {
                assert!(
                    matches!(result, Err(WebhookError::NoMatchingSignature)),
                    "{header:?}: {result:?}"
                );
            }
        }
    }

    #[test]
    fn a_valid_mac_in_any_other_spelling_is_refused() {
        let wh = hook();
        let good = wh.sign("m", T, b"{}");
        let b64 = good.strip_prefix("v1,").unwrap();
        assert!(b64.ends_with('=') && b64.len() == V1_SIGNATURE_LEN);
        let other = Webhook::new(Secret::from_bytes(&b"other"[..]).unwrap()).sign("m", T, b"{}");
        for header in [
            format!("v1,{}", b64.trim_end_matches('=')),
            format!("v1,{}", &b64[..V1_SIGNATURE_LEN - 1]) + " ",
            format!("v1,{b64}="),
            format!("v1,{b64}=="),
            format!(" {good}"),
            format!("{good} "),
            format!("  {good}  "),
            format!("{other}  {good}"),
            format!("garbage {good}"),
            format!("garbage v1,!!! {good}"),
            format!("v1,!!! {good}"),
            format!("v1,AAAA {good}"),
            format!(",{b64} {good}"),
            format!("v2, {good}"),
            format!("{good},"),
            format!("v1, {b64}"),
            format!("v1 ,{b64}"),
            format!("v1,{b64}\t"),
            format!("\t{good}"),
            format!("v1,{} {good}", &b64[..20]),
            format!("{good} v1,{}", &b64[..20]),
            b64.to_owned(),
            "v1,".to_owned(),
            ",".to_owned(),
            " ".to_owned(),
            non_canonical(&good),
            format!("{} {good}", non_canonical(&good)),
        ] {
            assert_ne!(header, good);
            assert!(
                matches!(
                    wh.verify_at(b"{}", headers("m", "1700000000", &header), at(T)),
                    Err(WebhookError::NoMatchingSignature)
                ),
                "{header:?}"
            );
        }
    }

    #[test]
    fn the_reported_malleable_case_is_refused() {
        // Key [0], empty body, the last `=` turned into a space: found by
        // the signature flip property at 100k cases before the header was
        // read strictly.
        let wh = Webhook::new(Secret::from_bytes(vec![0]).unwrap());
        let good = wh.sign("msg_1", T, b"");
        let spaced = format!("{} ", good.strip_suffix('=').unwrap());
        let ts = T.to_string();
        assert!(
            wh.verify_at(b"", headers("msg_1", &ts, &good), at(T))
                .is_ok()
        );
        assert!(matches!(
            wh.verify_at(b"", headers("msg_1", &ts, &spaced), at(T)),
            Err(WebhookError::NoMatchingSignature)
        ));
    }

    /// `sig` with the unused low bits of its last base64 character set.
    fn non_canonical(sig: &str) -> String {
        let body = sig.trim_end_matches('=');
        let (head, last) = body.split_at(body.len() - 1);
        const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let value = ALPHABET.find(last).unwrap();
        assert_eq!(
            value & 0b11,
            0,
            "a 32-byte signature leaves two unused bits"
        );
        format!("{head}{}=", &ALPHABET[value | 1..(value | 1) + 1])
    }

    #[test]
    fn hex_decoding() {
        assert_eq!(decode_hex(b"00ffA0").unwrap(), vec![0, 255, 160]);
        assert_eq!(decode_hex(b"").unwrap(), Vec::<u8>::new());
        assert!(decode_hex(b"0").is_none());
        assert!(decode_hex(b"0g").is_none());
    }

    #[test]
    fn errors_never_mention_the_secret() {
        let text = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let wh = Webhook::new(Secret::parse(text).unwrap());
        let shown = format!("{wh:?} {wh:#?}");
        assert!(shown.contains("***"), "{shown}");
        assert!(!shown.contains("MfKQ9r8G"), "{shown}");
        let err = wh
            .verify_at(b"{}", headers("m", "1700000000", "v1,AAAA"), at(T))
            .unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("MfKQ9r8G"), "{shown}");
        for bad in [
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwX",
        ] {
            let err = Secret::parse(bad).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(
                !shown.contains("MfKQ9r8G") && !shown.contains('!'),
                "{shown}"
            );
        }
    }
}
