//! Property tests for handles and ids, and decoding of the error envelope.

use linq_types::{ChatId, ErrorCode, ErrorResponse, Handle, HandleError, HandleKind, IdError};
use proptest::prelude::*;

fn e164() -> impl Strategy<Value = String> {
    // Under +1 (North America) a number has exactly 10 more digits.
    prop_oneof!["[2-9][0-9]{6,14}", "1[2-9][0-9]{9}"].prop_map(|digits| format!("+{digits}"))
}

/// A North American number in the ways people write it, and its E.164.
fn nanp_written() -> impl Strategy<Value = (String, String)> {
    ("[2-9][0-9]{2}", "[2-9][0-9]{2}", "[0-9]{4}", 0..7usize).prop_map(
        |(area, exchange, line, style)| {
            let written = match style {
                0 => format!("+1 ({area}) {exchange}-{line}"),
                1 => format!("({area}) {exchange}-{line}"),
                2 => format!("{area}.{exchange}.{line}"),
                3 => format!("1-{area}-{exchange}-{line}"),
                4 => format!("  {area} {exchange} {line} "),
                5 => format!("011 1 {area} {exchange} {line}"),
                _ => format!("+1{area}{exchange}{line}"),
            };
            (written, format!("+1{area}{exchange}{line}"))
        },
    )
}

fn email() -> impl Strategy<Value = String> {
    (
        "[A-Za-z0-9._%+\\-]{1,64}",
        proptest::collection::vec("[a-z0-9][a-z0-9\\-]{0,20}", 2..4),
    )
        .prop_map(|(local, labels)| format!("{local}@{}", labels.join(".")))
}

proptest! {
    #[test]
    fn national_formats_become_e164((written, e164) in nanp_written()) {
        prop_assert_eq!(Handle::parse_lenient(&written, "US").unwrap().as_str().to_owned(), e164.clone());
        prop_assert_eq!(Handle::parse_lenient(&written, "ca").unwrap().as_str().to_owned(), e164);
    }

    #[test]
    fn parse_lenient_output_is_always_a_strict_handle(input in "\\PC{0,24}", region in "[A-Z]{2}") {
        if let Ok(handle) = Handle::parse_lenient(&input, &region) {
            prop_assert_eq!(Handle::parse(handle.as_str()).unwrap(), handle);
        }
    }

    #[test]
    fn under_plus_one_only_ten_digits_parse(national in "[0-9]{6,14}") {
        let parsed = format!("+1{national}").parse::<Handle>();
        if national.len() == 10 {
            prop_assert!(parsed.is_ok());
        } else {
            prop_assert_eq!(parsed, Err(HandleError::PhoneWrongLength { country_code: 1, expected: 10, found: national.len() }));
        }
    }

    #[test]
    fn every_e164_number_parses_and_round_trips(text in e164()) {
        let handle: Handle = text.parse().unwrap();
        prop_assert_eq!(handle.kind(), HandleKind::Phone);
        prop_assert_eq!(handle.to_string(), text.clone());
        let json = serde_json::to_string(&handle).unwrap();
        prop_assert_eq!(&json, &format!("\"{text}\""));
        prop_assert_eq!(serde_json::from_str::<Handle>(&json).unwrap(), handle);
    }

    #[test]
    fn every_plain_email_parses_and_round_trips(text in email()) {
        let handle = Handle::try_from(text.as_str()).unwrap();
        prop_assert_eq!(handle.kind(), HandleKind::Email);
        prop_assert_eq!(handle.as_str(), text.as_str());
        let json = serde_json::to_string(&handle).unwrap();
        prop_assert_eq!(serde_json::from_str::<Handle>(&json).unwrap(), handle);
    }

    #[test]
    fn a_number_without_plus_never_parses(digits in "[0-9]{1,20}") {
        prop_assert!(digits.parse::<Handle>().is_err());
    }

    #[test]
    fn a_leading_zero_never_parses(rest in "[0-9]{6,14}") {
        prop_assert_eq!(format!("+0{rest}").parse::<Handle>(), Err(HandleError::PhoneLeadingZero));
    }

    #[test]
    fn too_few_or_too_many_digits_never_parse(short in "[1-9][0-9]{0,5}", long in "[1-9][0-9]{15,30}") {
        let too_short = matches!(format!("+{short}").parse::<Handle>(), Err(HandleError::PhoneTooShort { .. }));
        let too_long = matches!(format!("+{long}").parse::<Handle>(), Err(HandleError::PhoneTooLong { .. }));
        prop_assert!(too_short && too_long);
    }

    #[test]
    fn separators_or_letters_in_a_number_never_parse(
        number in e164(),
        at in any::<prop::sample::Index>(),
        junk in prop::sample::select(vec![' ', '-', '(', ')', '.', 'a', 'Z', '\t', '٣']),
    ) {
        let mut text = number.clone();
        let i = 1 + at.index(text.len() - 1);
        text.insert(i, junk);
        let parsed = text.parse::<Handle>();
        prop_assert!(parsed.is_err(), "{text:?} parsed");
    }

    #[test]
    fn whitespace_in_an_email_never_parses(local in "[a-z]{1,10}", space in prop::sample::select(vec![' ', '\t', '\n', '\r', '\u{0}'])) {
        let text = format!("{local}{space}x@example.com");
        let refused = matches!(text.parse::<Handle>(), Err(HandleError::EmailInvalidCharacter { .. }));
        prop_assert!(refused);
    }

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        if let Ok(handle) = text.parse::<Handle>() {
            prop_assert_eq!(handle.as_str(), text.as_str());
        }
        let _ = ChatId::parse(&text);
        let _ = serde_json::from_str::<Handle>(&text);
    }

    #[test]
    fn uuids_parse_and_round_trip(bytes in any::<[u8; 16]>(), upper in any::<bool>()) {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut text = format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]);
        if upper { text = text.to_uppercase(); }
        let id = ChatId::parse(&text).unwrap();
        prop_assert_eq!(id.as_str(), text.as_str());
        let json = serde_json::to_string(&id).unwrap();
        prop_assert_eq!(serde_json::from_str::<ChatId>(&json).unwrap(), id);
    }

    #[test]
    fn error_envelopes_round_trip(status in 100u16..600, code in any::<u32>(), message in ".*", trace in proptest::option::of("[a-z0-9_]{1,20}")) {
        let mut envelope = ErrorResponse::new(linq_types::ErrorDetail::new(status, code, message));
        envelope.trace_id = trace;
        let json = serde_json::to_vec(&envelope).unwrap();
        prop_assert_eq!(serde_json::from_slice::<ErrorResponse>(&json).unwrap(), envelope);
    }

    #[test]
    fn decoding_arbitrary_bytes_as_an_envelope_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = serde_json::from_slice::<ErrorResponse>(&bytes);
    }
}

#[test]
fn rejected_handles_say_which_rule() {
    let cases = [
        ("", HandleError::Empty),
        ("12052499136", HandleError::PhoneMissingPlus),
        (
            "+1 2052499136",
            HandleError::PhoneInvalidCharacter {
                found: ' ',
                index: 2,
            },
        ),
        ("+012345678", HandleError::PhoneLeadingZero),
        ("+123456", HandleError::PhoneTooShort { digits: 6 }),
        (
            "+1234567890123456",
            HandleError::PhoneTooLong { digits: 16 },
        ),
        ("hello", HandleError::Unrecognised),
        ("a@b@c.com", HandleError::EmailManyAt),
        ("@example.com", HandleError::EmailEmptyLocalPart),
        ("a@localhost", HandleError::EmailBadDomain),
        ("a@example..com", HandleError::EmailBadDomain),
        (
            "a b@example.com",
            HandleError::EmailInvalidCharacter { index: 1 },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(text.parse::<Handle>(), Err(expected.clone()), "{text:?}");
        assert!(!expected.to_string().is_empty());
    }
    let long = format!("{}@example.com", "a".repeat(250));
    assert_eq!(
        long.parse::<Handle>(),
        Err(HandleError::EmailTooLong { len: 262 })
    );
    assert!("+12052499136".parse::<Handle>().is_ok());
    assert!("+443456789012345".parse::<Handle>().is_ok());
    assert!("+4434567".parse::<Handle>().is_ok());
    // The issue's example: 9 digits under +1 is not a number.
    assert_eq!(
        "+1202555014".parse::<Handle>(),
        Err(HandleError::PhoneWrongLength {
            country_code: 1,
            expected: 10,
            found: 9
        })
    );
    // What the server sends decodes whatever its length.
    let sent: Handle = serde_json::from_str("\"+1202555014\"").unwrap();
    assert_eq!(sent.as_str(), "+1202555014");
    assert_eq!(
        Handle::parse_lenient("+1 (202) 555-0142", "US")
            .unwrap()
            .as_str(),
        "+12025550142"
    );
    assert_eq!(
        Handle::parse_lenient("555-0142", "US"),
        Err(HandleError::PhoneWrongLength {
            country_code: 1,
            expected: 10,
            found: 7
        })
    );
    assert!(matches!(
        Handle::parse_lenient("202 555 0142", "XX"),
        Err(HandleError::UnknownRegion(_))
    ));
}

#[test]
fn ids_refuse_what_could_change_a_path() {
    assert!(matches!(ChatId::parse(""), Err(IdError::Empty { .. })));
    assert!(matches!(
        ChatId::parse("../x"),
        Err(IdError::NotUuid { .. })
    ));
    assert!(matches!(
        linq_types::SubscriptionId::parse(".."),
        Err(IdError::DotSegment { .. })
    ));
    assert!(matches!(
        linq_types::SubscriptionId::parse("%2E%2e"),
        Err(IdError::DotSegment { .. })
    ));
    assert!(matches!(
        linq_types::SubscriptionId::parse("a\r\nb"),
        Err(IdError::ControlCharacter { index: 1, .. })
    ));
    assert!(
        linq_types::SubscriptionId::parse("sub_123/../x").is_ok(),
        "encoded as one segment, so harmless"
    );
}

#[test]
fn the_seed_error_examples_decode() {
    let examples = [
        (
            r#"{"error":{"status":400,"code":1002,"message":"Phone number must be in E.164 format"},"success":false}"#,
            ErrorCode::InvalidPhoneFormat,
        ),
        (
            r#"{"error":{"status":401,"code":2004,"message":"Unauthorized - missing or invalid authentication token"},"success":false}"#,
            ErrorCode::Unauthorized,
        ),
        (
            r#"{"error":{"status":404,"code":2001,"message":"Resource not found"},"success":false}"#,
            ErrorCode::ChatNotFound,
        ),
        (
            r#"{"error":{"status":500,"code":3006,"message":"Internal server error"},"success":false}"#,
            ErrorCode::InternalServerError,
        ),
        (
            r#"{"error":{"status":418,"code":9999,"message":"new","doc_url":"https://x"},"success":false,"trace_id":"t","extra":1}"#,
            ErrorCode::Other(9999),
        ),
    ];
    for (json, code) in examples {
        let envelope: ErrorResponse = serde_json::from_str(json).unwrap();
        assert_eq!(envelope.error.code, Some(code));
        assert!(!envelope.success);
    }
    // The description leaves status and code unbounded: a value no u16/u32
    // holds degrades to None and the rest of the envelope survives.
    for (status, code) in [
        ("70000", "4294967296"),
        ("-1", "-5"),
        ("18446744073709551616", "1.5"),
        ("404.0", "\"2001\""),
        ("null", "123456789012345678901234567890"),
    ] {
        let json = format!(
            r#"{{"error":{{"status":{status},"code":{code},"message":"m","hint":[1]}},"success":false,"trace_id":"t","extra":1}}"#
        );
        let envelope: ErrorResponse = serde_json::from_str(&json).unwrap();
        assert_eq!(envelope.error.status, None, "{json}");
        assert_eq!(envelope.error.code, None, "{json}");
        assert_eq!(envelope.error.message, "m");
        assert_eq!(envelope.trace_id.as_deref(), Some("t"));
        assert_eq!(envelope.extra.get("extra"), Some(&serde_json::json!(1)));
        assert_eq!(
            envelope.error.extra.get("hint"),
            Some(&serde_json::json!([1]))
        );
        let back = serde_json::to_value(&envelope).unwrap();
        assert_eq!(back["extra"], 1);
        assert_eq!(back["error"]["hint"], serde_json::json!([1]));
    }
    assert!(serde_json::from_str::<ErrorResponse>("<html>502</html>").is_err());
    assert!(serde_json::from_str::<ErrorResponse>("").is_err());
}
