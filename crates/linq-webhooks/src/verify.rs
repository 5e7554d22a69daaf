//! [`Webhook`]: checking a delivery's signature and timestamp under
//! either scheme, and handing out the [`Verified`] delivery or its
//! [`Event`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::Mac;
use linq_types::webhooks::{Envelope, Event};

use crate::headers::{
    Found, HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, HeaderPair, LEGACY_HEADER_SIGNATURE,
    LEGACY_HEADER_TIMESTAMP, parse_timestamp,
};
use crate::signing::{decode_hex, signature_header_matches, standard_mac};
use crate::{Secret, Verified, WebhookError};

/// How far the timestamp may be from the receiver's clock, either way,
/// unless [`Webhook::with_tolerance`] says otherwise: five minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

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
    pub(crate) secret: Secret,
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
        let (scheme, webhook_id, timestamp) = self.check(&found, body, now)?;
        Ok(Verified {
            body,
            scheme,
            webhook_id: webhook_id.map(str::to_owned),
            timestamp,
            envelope: Envelope::read(body).ok(),
        })
    }

    /// The signature and timestamp check both verify paths share: the
    /// scheme used, the `webhook-id` (none under the legacy scheme) and the
    /// timestamp.
    fn check<'f>(
        &self,
        found: &'f Found,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(Scheme, Option<&'f str>, u64), WebhookError> {
        let standard_present =
            found.id.is_some() || found.timestamp.is_some() || found.signature.is_some();
        let legacy_present = found.legacy_timestamp.is_some() || found.legacy_signature.is_some();
        if !standard_present && legacy_present && self.legacy {
            let timestamp = self.verify_legacy(found, body, now)?;
            Ok((Scheme::Legacy, None, timestamp))
        } else {
            let (id, timestamp) = self.verify_standard(found, body, now)?;
            Ok((Scheme::Standard, Some(id), timestamp))
        }
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

    /// Verifies a delivery and decodes it into an [`Event`] in one pass over
    /// the body: the envelope, and `data` straight from the bytes as the type
    /// `event_type` names (see [`Event::from_json`]). Event types this
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
        self.check(&Found::collect(headers), body, now)?;
        Event::from_json(body).map_err(WebhookError::Parse)
    }

    fn verify_standard<'f>(
        &self,
        found: &'f Found,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(&'f str, u64), WebhookError> {
        let id = found.required(found.id, HEADER_ID)?;
        let raw_timestamp = found.required(found.timestamp, HEADER_TIMESTAMP)?;
        let signatures = found.required(found.signature, HEADER_SIGNATURE)?;
        let id = std::str::from_utf8(id).map_err(|_| WebhookError::InvalidHeader(HEADER_ID))?;
        let timestamp = parse_timestamp(raw_timestamp)?;
        check_timestamp(timestamp, now, self.tolerance)?;

        let expected = standard_mac(self.secret.mac(), id.as_bytes(), timestamp, body);
        let matched = signature_header_matches(signatures, &expected);
        if matched {
            Ok((id, timestamp))
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
        let raw_timestamp = found.required(found.legacy_timestamp, LEGACY_HEADER_TIMESTAMP)?;
        let signature = found.required(found.legacy_signature, LEGACY_HEADER_SIGNATURE)?;
        let timestamp = parse_timestamp(raw_timestamp)?;
        check_timestamp(timestamp, now, self.tolerance)?;

        let signature = decode_hex(signature).ok_or(WebhookError::NoMatchingSignature)?;
        let mut mac = self.secret.legacy_mac();
        // The legacy scheme signs the timestamp text as it was sent.
        mac.update(raw_timestamp);
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(&signature)
            .map_err(|_| WebhookError::NoMatchingSignature)?;
        Ok(timestamp)
    }
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const T: u64 = 1_700_000_000;

    pub(crate) fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    pub(crate) fn hook() -> Webhook {
        Webhook::new(Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap())
    }

    pub(crate) fn headers<'a>(id: &'a str, ts: &'a str, sig: &'a str) -> [(&'a str, &'a str); 3] {
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
        assert!(Event::from_json(v.body()).is_err());
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
