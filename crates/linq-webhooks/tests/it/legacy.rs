//! Linq's legacy `X-Webhook-Timestamp` / `X-Webhook-Signature` scheme.
//!
//! The expected signatures are computed here with `hmac` directly, the way
//! Linq's reference documentation describes: hex HMAC-SHA256 over
//! `{timestamp}.{raw body}`, keyed with the secret text as given.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use linq_webhooks::{Scheme, Secret, Webhook, WebhookError};
use sha2::Sha256;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const T: u64 = 1_770_321_138;
const BODY: &[u8] = br#"{"api_version":"v3","webhook_version":"2025-01-01","event_type":"message.delivered","event_id":"2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f","data":{}}"#;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn legacy_hex(key: &[u8], timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A verifier that accepts the legacy scheme, which is off by default.
fn webhook() -> Webhook {
    Webhook::new(Secret::parse(SECRET).unwrap()).allow_legacy(true)
}

fn legacy_headers(signature: &str) -> Vec<(&'static str, String)> {
    vec![
        ("X-Webhook-Event", "message.delivered".to_owned()),
        ("X-Webhook-Subscription-ID", "sub_1".to_owned()),
        ("X-Webhook-Timestamp", T.to_string()),
        ("X-Webhook-Signature", signature.to_owned()),
    ]
}

fn valid_signature() -> String {
    legacy_hex(SECRET.as_bytes(), &T.to_string(), BODY)
}

#[test]
fn valid_legacy_delivery_is_accepted() {
    let delivery = webhook()
        .verify_at(BODY, &legacy_headers(&valid_signature()), at(T))
        .unwrap();
    assert_eq!(delivery.scheme(), Scheme::Legacy);
    assert_eq!(delivery.webhook_id(), None);
    assert_eq!(delivery.timestamp(), T);
    assert_eq!(
        delivery.event_id(),
        Some("2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f")
    );
    assert_eq!(delivery.webhook_version(), Some("2025-01-01"));

    // Hex case does not matter; header names are case-insensitive.
    let upper = valid_signature().to_uppercase();
    let headers = [
        ("x-webhook-timestamp", T.to_string()),
        ("X-WEBHOOK-SIGNATURE", upper),
    ];
    assert!(webhook().verify_at(BODY, &headers, at(T)).is_ok());
}

#[test]
fn raw_byte_secrets_key_the_legacy_scheme_with_those_bytes() {
    let key = b"raw legacy key";
    let webhook = Webhook::new(Secret::from_bytes(&key[..]).unwrap()).allow_legacy(true);
    let signature = legacy_hex(key, &T.to_string(), BODY);
    assert!(
        webhook
            .verify_at(BODY, &legacy_headers(&signature), at(T))
            .is_ok()
    );
}

#[test]
fn tampered_legacy_deliveries_are_refused() {
    let signature = valid_signature();
    let mut body = BODY.to_vec();
    body[10] ^= 1;
    assert!(matches!(
        webhook().verify_at(&body, &legacy_headers(&signature), at(T)),
        Err(WebhookError::NoMatchingSignature)
    ));

    let mut headers = legacy_headers(&signature);
    headers[2].1 = (T + 1).to_string();
    assert!(matches!(
        webhook().verify_at(BODY, &headers, at(T)),
        Err(WebhookError::NoMatchingSignature)
    ));

    let mut flipped = signature.into_bytes();
    flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
    let flipped = String::from_utf8(flipped).unwrap();
    assert!(matches!(
        webhook().verify_at(BODY, &legacy_headers(&flipped), at(T)),
        Err(WebhookError::NoMatchingSignature)
    ));

    for garbage in ["zz", "abc", &valid_signature()[..62]] {
        assert!(matches!(
            webhook().verify_at(BODY, &legacy_headers(garbage), at(T)),
            Err(WebhookError::NoMatchingSignature)
        ));
    }
}

#[test]
fn legacy_scheme_uses_the_secret_text_not_the_decoded_key() {
    use base64::Engine as _;
    // The key the standard scheme uses: the base64 after `whsec_`, decoded.
    let standard_key = base64::engine::general_purpose::STANDARD
        .decode(SECRET.strip_prefix("whsec_").unwrap())
        .unwrap();
    let signature = legacy_hex(&standard_key, &T.to_string(), BODY);
    assert!(matches!(
        webhook().verify_at(BODY, &legacy_headers(&signature), at(T)),
        Err(WebhookError::NoMatchingSignature)
    ));
}

#[test]
fn legacy_timestamps_are_checked() {
    let headers = legacy_headers(&valid_signature());
    assert!(matches!(
        webhook().verify_at(BODY, &headers, at(T + 301)),
        Err(WebhookError::TimestampTooOld)
    ));
    assert!(matches!(
        webhook().verify_at(BODY, &headers, at(T - 301)),
        Err(WebhookError::TimestampTooNew)
    ));
    let mut headers = headers;
    headers[2].1 = "soon".to_owned();
    assert!(matches!(
        webhook().verify_at(BODY, &headers, at(T)),
        Err(WebhookError::MalformedTimestamp)
    ));
}

#[test]
fn missing_legacy_headers() {
    let only_timestamp = [("X-Webhook-Timestamp", T.to_string())];
    assert!(matches!(
        webhook().verify_at(BODY, &only_timestamp, at(T)),
        Err(WebhookError::MissingHeader("x-webhook-signature"))
    ));
    let only_signature = [("X-Webhook-Signature", valid_signature())];
    assert!(matches!(
        webhook().verify_at(BODY, &only_signature, at(T)),
        Err(WebhookError::MissingHeader("x-webhook-timestamp"))
    ));
}

#[test]
fn standard_headers_take_precedence() {
    let wh = webhook();
    let standard_sig = wh.sign("msg_1", T, BODY);

    // Valid standard + invalid legacy: verified with the standard scheme.
    let mut headers = legacy_headers("00");
    headers.push(("webhook-id", "msg_1".to_owned()));
    headers.push(("webhook-timestamp", T.to_string()));
    headers.push(("webhook-signature", standard_sig.clone()));
    let delivery = wh.verify_at(BODY, &headers, at(T)).unwrap();
    assert_eq!(delivery.scheme(), Scheme::Standard);
    assert_eq!(delivery.webhook_id(), Some("msg_1"));

    // Valid legacy + invalid standard: refused, the legacy headers unused.
    let mut headers = legacy_headers(&valid_signature());
    headers.push(("webhook-id", "msg_1".to_owned()));
    headers.push(("webhook-timestamp", T.to_string()));
    headers.push(("webhook-signature", wh.sign("msg_2", T, BODY)));
    assert!(matches!(
        wh.verify_at(BODY, &headers, at(T)),
        Err(WebhookError::NoMatchingSignature)
    ));

    // A lone standard header is enough to rule out the fallback.
    for name in ["webhook-id", "Webhook-Timestamp", "webhook-signature"] {
        let mut headers = legacy_headers(&valid_signature());
        headers.push((name, String::new()));
        assert!(
            matches!(
                wh.verify_at(BODY, &headers, at(T)),
                Err(WebhookError::MissingHeader(_))
            ),
            "{name}"
        );
    }
}

#[test]
fn legacy_scheme_is_off_by_default() {
    let wh = Webhook::new(Secret::parse(SECRET).unwrap());
    assert!(!wh.legacy_allowed());
    assert!(webhook().legacy_allowed());
    assert!(matches!(
        wh.verify_at(BODY, &legacy_headers(&valid_signature()), at(T)),
        Err(WebhookError::MissingHeader("webhook-id"))
    ));
    let off_again = webhook().allow_legacy(false);
    assert!(matches!(
        off_again.verify_at(BODY, &legacy_headers(&valid_signature()), at(T)),
        Err(WebhookError::MissingHeader("webhook-id"))
    ));
}

/// The downgrade from the review: a delivery carrying both sets of headers,
/// replayed with its standard headers stripped.
#[test]
fn stripping_the_standard_headers_is_refused_by_default() {
    let strict = Webhook::new(Secret::parse(SECRET).unwrap());
    let mut both = legacy_headers(&valid_signature());
    both.push(("webhook-id", "msg_both".to_owned()));
    both.push(("webhook-timestamp", T.to_string()));
    both.push(("webhook-signature", strict.sign("msg_both", T, BODY)));
    let original = strict.verify_at(BODY, &both, at(T)).unwrap();
    assert_eq!(original.scheme(), Scheme::Standard);
    assert_eq!(original.webhook_id(), Some("msg_both"));

    let stripped: Vec<_> = both
        .iter()
        .filter(|(name, _)| !name.starts_with("webhook-"))
        .cloned()
        .collect();
    assert_eq!(stripped.len(), 4);
    assert!(matches!(
        strict.verify_at(BODY, &stripped, at(T + 60)),
        Err(WebhookError::MissingHeader("webhook-id"))
    ));

    // Allowed, the replay verifies without a webhook id, and only the
    // event id still ties it to the original.
    let replay = webhook().verify_at(BODY, &stripped, at(T + 60)).unwrap();
    assert_eq!(replay.scheme(), Scheme::Legacy);
    assert_eq!(replay.webhook_id(), None);
    assert_eq!(replay.event_id(), original.event_id());
    assert_eq!(replay.dedupe_key(), original.dedupe_key());
    assert_eq!(
        original.dedupe_key(),
        Some("2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f")
    );
}

#[test]
fn a_legacy_delivery_without_an_event_id_has_no_dedupe_key() {
    let body = br#"{"event_type":"message.sent","data":{}}"#;
    let signature = legacy_hex(SECRET.as_bytes(), &T.to_string(), body);
    let delivery = webhook()
        .verify_at(body, &legacy_headers(&signature), at(T))
        .unwrap();
    assert_eq!(delivery.dedupe_key(), None);

    let standard = Webhook::new(Secret::parse(SECRET).unwrap());
    let headers = [
        ("webhook-id", "msg_9".to_owned()),
        ("webhook-timestamp", T.to_string()),
        ("webhook-signature", standard.sign("msg_9", T, body)),
    ];
    let delivery = standard.verify_at(body, &headers, at(T)).unwrap();
    assert_eq!(delivery.dedupe_key(), Some("msg_9"));
}
