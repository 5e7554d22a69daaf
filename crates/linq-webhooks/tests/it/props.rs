//! Property tests: any single-byte change is refused, the timestamp window
//! holds, nothing panics on hostile input, and signing round-trips.
//!
//! `PROPTEST_CASES` sets the number of cases of every property, e.g.
//! `PROPTEST_CASES=1000000 cargo test --release -p linq-webhooks --test it
//! props::flipping_a_signature_byte_is_refused` (a few seconds; see the
//! signature property below).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use linq_webhooks::{Secret, Webhook, WebhookError};
use proptest::prelude::*;

const T: u64 = 1_770_321_138;
const OBJ: &[u8] = b"{}";

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn webhook(key: &[u8]) -> Webhook {
    Webhook::new(Secret::from_bytes(key).unwrap())
}

/// The three standard headers, as raw bytes so a flip may leave UTF-8.
fn headers(id: &[u8], ts: &[u8], sig: &[u8]) -> [(&'static str, Vec<u8>); 3] {
    [
        ("webhook-id", id.to_vec()),
        ("webhook-timestamp", ts.to_vec()),
        ("webhook-signature", sig.to_vec()),
    ]
}

/// `default` cases, unless `PROPTEST_CASES` says otherwise.
fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

fn flip(bytes: &[u8], index: prop::sample::Index, mask: u8) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let i = index.index(out.len());
    out[i] ^= mask;
    out
}

fn key() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 1..80)
}

fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_ .:-]{1,40}"
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("webhook-id".to_owned()),
        Just("Webhook-Timestamp".to_owned()),
        Just("WEBHOOK-SIGNATURE".to_owned()),
        Just("x-webhook-timestamp".to_owned()),
        Just("X-Webhook-Signature".to_owned()),
        "[a-zA-Z-]{0,20}",
    ]
}

fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..120),
        "(v1[a,]?[A-Za-z0-9+/=]{0,50} ?){0,4}".prop_map(String::into_bytes),
        "[0-9]{0,25}".prop_map(String::into_bytes),
    ]
}

proptest! {
    #[test]
    fn sign_verify_round_trip(
        key in key(),
        id in id(),
        ts in 0u64..=4_000_000_000,
        body in prop::collection::vec(any::<u8>(), 0..600),
    ) {
        let wh = webhook(&key);
        let sig = wh.sign(&id, ts, &body);
        let ts_text = ts.to_string();
        let delivery = wh
            .verify_at(&body, headers(id.as_bytes(), ts_text.as_bytes(), sig.as_bytes()), at(ts))
            .unwrap();
        prop_assert_eq!(delivery.webhook_id(), Some(id.as_str()));
        prop_assert_eq!(delivery.timestamp(), ts);
        prop_assert_eq!(delivery.body(), &body[..]);
    }

    #[test]
    fn flipping_a_body_byte_is_refused(
        key in key(),
        body in prop::collection::vec(any::<u8>(), 1..400),
        index in any::<prop::sample::Index>(),
        mask in 1u8..=255,
    ) {
        let wh = webhook(&key);
        let sig = wh.sign("msg_1", T, &body);
        let ts = T.to_string();
        let h = headers(b"msg_1", ts.as_bytes(), sig.as_bytes());
        prop_assert!(wh.verify_at(&body, h.clone(), at(T)).is_ok());
        let changed = flip(&body, index, mask);
        let result = wh.verify_at(&changed, h, at(T));
        prop_assert!(matches!(result, Err(WebhookError::NoMatchingSignature)), "{:?}", result);
    }

    #[test]
    fn flipping_an_id_byte_is_refused(
        key in key(),
        id in id(),
        index in any::<prop::sample::Index>(),
        mask in 1u8..=255,
    ) {
        let wh = webhook(&key);
        let sig = wh.sign(&id, T, OBJ);
        let ts = T.to_string();
        let result = wh.verify_at(OBJ, headers(&flip(id.as_bytes(), index, mask), ts.as_bytes(), sig.as_bytes()), at(T));
        prop_assert!(result.is_err(), "{:?}", result);
    }

    #[test]
    fn flipping_a_timestamp_byte_is_refused(
        key in key(),
        ts in 1_000_000_000u64..4_000_000_000,
        index in any::<prop::sample::Index>(),
        mask in 1u8..=255,
    ) {
        let wh = webhook(&key).with_tolerance(Duration::from_secs(u32::MAX.into()));
        let sig = wh.sign("msg_1", ts, OBJ);
        let ts_text = ts.to_string();
        let result = wh.verify_at(OBJ, headers(b"msg_1", &flip(ts_text.as_bytes(), index, mask), sig.as_bytes()), at(ts));
        prop_assert!(result.is_err(), "{:?}", result);
    }

    #[test]
    fn timestamps_outside_the_tolerance_are_refused(
        key in key(),
        ts in 2_000_000_000u64..4_000_000_000,
        beyond in 1u64..1_000_000_000,
        tolerance in 0u64..100_000,
    ) {
        let wh = webhook(&key).with_tolerance(Duration::from_secs(tolerance));
        let sig = wh.sign("msg_1", ts, OBJ);
        let ts_text = ts.to_string();
        let h = headers(b"msg_1", ts_text.as_bytes(), sig.as_bytes());
        let old = wh.verify_at(OBJ, h.clone(), at(ts + tolerance + beyond));
        prop_assert!(matches!(old, Err(WebhookError::TimestampTooOld)), "{:?}", old);
        let new = wh.verify_at(OBJ, h.clone(), at(ts - tolerance - beyond));
        prop_assert!(matches!(new, Err(WebhookError::TimestampTooNew)), "{:?}", new);
        prop_assert!(wh.verify_at(OBJ, h.clone(), at(ts + tolerance)).is_ok());
        prop_assert!(wh.verify_at(OBJ, h, at(ts - tolerance)).is_ok());
    }

    #[test]
    fn default_tolerance_is_five_minutes(
        ts in 1_000_000_000u64..4_000_000_000,
        skew in 0u64..=600,
    ) {
        let wh = webhook(b"k");
        let sig = wh.sign("m", ts, b"");
        let ts_text = ts.to_string();
        let h = headers(b"m", ts_text.as_bytes(), sig.as_bytes());
        prop_assert_eq!(wh.verify_at(b"", h.clone(), at(ts + skew)).is_ok(), skew <= 300);
        prop_assert_eq!(wh.verify_at(b"", h, at(ts - skew)).is_ok(), skew <= 300);
    }

    #[test]
    fn arbitrary_headers_and_bodies_never_panic(
        key in key(),
        headers in prop::collection::vec((header_name(), header_value()), 0..8),
        body in prop::collection::vec(any::<u8>(), 0..300),
        now in any::<u32>(),
    ) {
        let wh = webhook(&key);
        if let Ok(delivery) = wh.verify_at(&body, &headers, at(now.into())) {
            // Reaching here without a real signature would be a forgery.
            let _ = delivery.body();
            prop_assert!(false, "accepted forged headers {:?}", headers);
        }
        let _ = wh.verify(&body, &headers);
    }

    #[test]
    fn arbitrary_signed_bodies_never_panic(
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..300),
            "\\{(\"(event_id|event_type|api_version|webhook_version)\":(\"[^\"]{0,10}\"|[0-9]{1,3}|null|\\[\\]|\\{\\}),?){0,6}\\}"
                .prop_map(String::into_bytes),
        ],
    ) {
        let wh = webhook(b"k");
        let sig = wh.sign("m", T, &body);
        let ts = T.to_string();
        let delivery = wh.verify_at(&body, headers(b"m", ts.as_bytes(), sig.as_bytes()), at(T)).unwrap();
        let _ = (delivery.event_id(), delivery.event_type(), delivery.api_version(), delivery.webhook_version());
        let _ = linq_webhooks::Event::from_json(delivery.body());
    }
}

// Every byte of the 47-byte header times every mask is 11,985 single flips;
// the default covers each a few times over per run. The review's failing
// case (key [0], empty body, last `=` turned into a space) needed ~100k
// cases to turn up under the lax reading; it has its own unit test in
// src/verify.rs, and this property is run at 1,000,000 cases by hand
// (see the top of this file).
proptest! {
    #![proptest_config(cases(20_000))]

    #[test]
    fn flipping_a_signature_byte_is_refused(
        key in key(),
        body in prop::collection::vec(any::<u8>(), 0..100),
        index in any::<prop::sample::Index>(),
        mask in 1u8..=255,
    ) {
        let wh = webhook(&key);
        let sig = wh.sign("msg_1", T, &body);
        let ts = T.to_string();
        let result = wh.verify_at(&body, headers(b"msg_1", ts.as_bytes(), &flip(sig.as_bytes(), index, mask)), at(T));
        prop_assert!(matches!(result, Err(WebhookError::NoMatchingSignature)), "{:?}", result);
        // And untouched it verifies, so the flip is what was refused.
        prop_assert!(wh.verify_at(&body, headers(b"msg_1", ts.as_bytes(), sig.as_bytes()), at(T)).is_ok());
    }

}
