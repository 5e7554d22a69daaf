//! The unwrap test matrix of Linq's official Python SDK, run against this
//! crate.
//!
//! The SDK's `client.webhooks.unwrap(payload, headers=..., key=...)` passes
//! the per-call `key` (or, when there is none, the client's
//! `webhook_secret`) to `standardwebhooks.Webhook(key).verify`. Its generated
//! test signs a payload with the raw key `b"secret\n"` at the current time
//! and checks that unwrap succeeds for the key given as `whsec_c2VjcmV0Cg==`
//! or as those raw bytes, whether on the client or per call (a per-call key
//! overriding a wrong client key), and that a signature over other data, a
//! wrong id and timestamp `0` are each refused.
//!
//! This crate has no client object; `resolve` below plays the SDK's part of
//! choosing the key, and everything after that is this crate's own code.

use std::time::{SystemTime, UNIX_EPOCH};

use linq_webhooks::{Secret, Webhook, WebhookError};

const PAYLOAD: &str = r#"{"api_version":"v3","webhook_version":"2026-02-03","event_type":"message.read","event_id":"5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d","created_at":"2026-02-05T19:55:00Z","trace_id":"abc","partner_id":"p","data":{"id":"6f5e4d3c-2b1a-4098-8f7e-6d5c4b3a2918","read_at":"2026-02-05T19:55:00Z"}}"#;

#[derive(Clone, Copy, Debug)]
enum Key {
    Text(&'static str),
    Bytes(&'static [u8]),
}

fn secret(key: Key) -> Result<Secret, WebhookError> {
    match key {
        Key::Text(text) => Secret::parse(text),
        Key::Bytes(bytes) => Secret::from_bytes(bytes),
    }
}

/// The per-call key wins; otherwise the client's key; otherwise no key.
fn resolve(client: Option<Key>, per_call: Option<Key>) -> Result<Webhook, WebhookError> {
    match per_call.or(client) {
        Some(key) => secret(key).map(Webhook::new),
        None => Err(WebhookError::MissingSecret),
    }
}

const WHSEC: Key = Key::Text("whsec_c2VjcmV0Cg==");
const RAW: Key = Key::Bytes(b"secret\n");
const WRONG: Key = Key::Text("wrong");

const MATRIX: [(Option<Key>, Option<Key>); 5] = [
    (Some(WHSEC), None),
    (Some(WRONG), Some(RAW)),
    (Some(WRONG), Some(WHSEC)),
    (None, Some(RAW)),
    (None, Some(WHSEC)),
];

fn signed_now() -> (Webhook, u64, String) {
    let hook = Webhook::new(Secret::from_bytes(&b"secret\n"[..]).unwrap());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let signature = hook.sign("1", now, PAYLOAD.as_bytes());
    (hook, now, signature)
}

#[test]
fn the_official_sdk_matrix() {
    let (hook, now, signature) = signed_now();
    let now = now.to_string();
    let headers = vec![
        ("webhook-id".to_owned(), "1".to_owned()),
        ("webhook-timestamp".to_owned(), now.clone()),
        ("webhook-signature".to_owned(), signature),
    ];
    let with = |name: &str, value: String| {
        let mut h = headers.clone();
        h.iter_mut().find(|(n, _)| n == name).unwrap().1 = value;
        h
    };
    let other_data = hook.sign("1", now.parse().unwrap(), b"xxx");

    for (client, per_call) in MATRIX {
        let case = format!("client={client:?} per_call={per_call:?}");
        let webhook = resolve(client, per_call).unwrap_or_else(|e| panic!("{case}: {e}"));

        let delivery = webhook
            .verify(PAYLOAD.as_bytes(), &headers)
            .unwrap_or_else(|e| panic!("{case}: failed to verify a valid webhook: {e}"));
        assert_eq!(delivery.event_type(), Some("message.read"), "{case}");

        let bad = webhook.verify(
            PAYLOAD.as_bytes(),
            with("webhook-signature", other_data.clone()),
        );
        assert!(
            matches!(bad, Err(WebhookError::NoMatchingSignature)),
            "{case}: {bad:?}"
        );

        let bad = webhook.verify(PAYLOAD.as_bytes(), with("webhook-id", "bad".to_owned()));
        assert!(
            matches!(bad, Err(WebhookError::NoMatchingSignature)),
            "{case}: {bad:?}"
        );

        let bad = webhook.verify(
            PAYLOAD.as_bytes(),
            with("webhook-timestamp", "0".to_owned()),
        );
        assert!(
            matches!(bad, Err(WebhookError::TimestampTooOld)),
            "{case}: {bad:?}"
        );
    }
}

#[test]
fn wrong_or_missing_keys_are_refused() {
    let (_, now, signature) = signed_now();
    let now = now.to_string();
    let headers = [
        ("webhook-id", "1"),
        ("webhook-timestamp", now.as_str()),
        ("webhook-signature", signature.as_str()),
    ];
    // The client's wrong key with no per-call key: not even a usable secret.
    assert!(matches!(
        resolve(Some(WRONG), None),
        Err(WebhookError::MalformedSecret)
    ));
    // No key anywhere.
    assert!(matches!(
        resolve(None, None),
        Err(WebhookError::MissingSecret)
    ));
    // A well-formed but different key.
    for key in [
        Key::Text("whsec_aaaaaaaaaa=="),
        Key::Bytes(b"secret"),
        Key::Text("whsec_c2VjcmV0"),
    ] {
        let webhook = resolve(None, Some(key)).unwrap();
        let result = webhook.verify(PAYLOAD.as_bytes(), headers);
        assert!(
            matches!(result, Err(WebhookError::NoMatchingSignature)),
            "{key:?}: {result:?}"
        );
    }
}

#[test]
fn verify_event_reports_where_a_verified_body_does_not_decode() {
    let (hook, now, signature) = signed_now();
    let now = now.to_string();
    let headers = [
        ("webhook-id", "1"),
        ("webhook-timestamp", now.as_str()),
        ("webhook-signature", signature.as_str()),
    ];
    // The SDK's payload is a 2026-02-03 message event without its chat.
    let err = hook.verify_event(PAYLOAD.as_bytes(), headers).unwrap_err();
    let WebhookError::Parse(located) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(located.path(), "data", "{err}");
    assert!(err.to_string().contains("missing field `chat`"), "{err}");
}
