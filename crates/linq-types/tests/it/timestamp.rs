//! `Timestamp`: every RFC 3339 form round-trips to the same instant and the
//! same text, malformed input is an error and never a panic, and the
//! conversions agree with chrono, time and jiff.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{Datelike, NaiveDate, Timelike};
use linq_types::{Timestamp, TimestampError};
use proptest::prelude::*;

/// The parts of one RFC 3339 text, and how to spell it.
#[derive(Debug, Clone)]
struct Form {
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    /// Fractional digits as written (empty for none).
    fraction: String,
    /// `None` for `Z`; else minutes east of UTC and, for zero, the sign.
    offset: Option<(i32, bool)>,
    lower_t: bool,
    lower_z: bool,
}

impl Form {
    fn text(&self) -> String {
        let mut s = format!(
            "{:04}-{:02}-{:02}{}{:02}:{:02}:{:02}",
            self.year,
            self.month,
            self.day,
            if self.lower_t { 't' } else { 'T' },
            self.hour,
            self.minute,
            self.second
        );
        if !self.fraction.is_empty() {
            s.push('.');
            s.push_str(&self.fraction);
        }
        match self.offset {
            None => s.push(if self.lower_z { 'z' } else { 'Z' }),
            Some((m, negative)) => {
                let sign = if m < 0 || (m == 0 && negative) {
                    '-'
                } else {
                    '+'
                };
                s.push_str(&format!("{sign}{:02}:{:02}", m.abs() / 60, m.abs() % 60));
            }
        }
        s
    }

    fn nanos(&self) -> u32 {
        if self.fraction.is_empty() {
            return 0;
        }
        let digits: u32 = self.fraction.parse().unwrap();
        digits * 10u32.pow(9 - self.fraction.len() as u32)
    }

    fn offset_minutes(&self) -> i32 {
        self.offset.map_or(0, |(m, _)| m)
    }

    /// The instant in Unix nanoseconds, worked out by chrono.
    fn unix_nanos(&self) -> i128 {
        let local = NaiveDate::from_ymd_opt(self.year, self.month, self.day)
            .unwrap()
            .and_hms_nano_opt(self.hour, self.minute, self.second, self.nanos())
            .unwrap();
        let utc = local - chrono::Duration::minutes(i64::from(self.offset_minutes()));
        let utc = utc.and_utc();
        i128::from(utc.timestamp()) * 1_000_000_000 + i128::from(utc.timestamp_subsec_nanos())
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .unwrap()
        .pred_opt()
        .unwrap()
        .day()
}

fn form() -> impl Strategy<Value = Form> {
    (
        (0i32..=9999, 1u32..=12, 1u32..=31),
        (0u32..24, 0u32..60, 0u32..60),
        (0usize..=9, any::<u32>()),
        prop_oneof![
            3 => Just(None),
            1 => (-(23 * 60 + 59)..=(23 * 60 + 59), any::<bool>()).prop_map(Some),
            1 => any::<bool>().prop_map(|neg| Some((0, neg))),
        ],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |((year, month, day), (hour, minute, second), (len, digits), offset, lt, lz)| Form {
                year,
                month,
                day: day.min(days_in_month(year, month)),
                hour,
                minute,
                second,
                fraction: format!("{:09}", digits % 1_000_000_000)[..len].to_owned(),
                offset,
                lower_t: lt,
                lower_z: lz,
            },
        )
}

/// A timestamp in range, made from its Unix nanoseconds.
fn instant() -> impl Strategy<Value = Timestamp> {
    (Timestamp::MIN.unix_nanos()..=Timestamp::MAX.unix_nanos())
        .prop_map(|n| Timestamp::from_unix_nanos(n).unwrap())
}

fn hash(t: &Timestamp) -> u64 {
    let mut h = DefaultHasher::new();
    t.hash(&mut h);
    h.finish()
}

fn err(text: &str) -> TimestampError {
    Timestamp::parse(text).unwrap_err()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(2000)))]

    #[test]
    fn every_form_round_trips(form in form()) {
        let text = form.text();
        let nanos = form.unix_nanos();
        let in_range = (Timestamp::MIN.unix_nanos()..=Timestamp::MAX.unix_nanos()).contains(&nanos);
        let parsed = Timestamp::parse(&text);
        if !in_range {
            prop_assert_eq!(parsed, Err(TimestampError::OutOfRange), "{}", text);
            return Ok(());
        }
        let t = parsed.unwrap();
        prop_assert_eq!(t.unix_nanos(), nanos, "{}", text);
        prop_assert_eq!(i32::from(t.offset_minutes()), form.offset_minutes());
        prop_assert_eq!(usize::from(t.fraction_digits()), form.fraction.len());
        // The same text comes back, with `T` and `Z` in upper case.
        prop_assert_eq!(t.to_string(), text.replace('t', "T").replace('z', "Z"));
        prop_assert_eq!(text.to_uppercase().parse::<Timestamp>().unwrap(), t);

        let utc = chrono::DateTime::from_timestamp(t.unix_seconds(), t.subsec_nanos()).unwrap();
        let parts = t.to_utc_parts();
        prop_assert_eq!(
            (i32::from(parts.0), u32::from(parts.1), u32::from(parts.2)),
            (utc.year(), utc.month(), utc.day())
        );
        prop_assert_eq!(
            (u32::from(parts.3), u32::from(parts.4), u32::from(parts.5)),
            (utc.hour(), utc.minute(), utc.second())
        );

        let json = serde_json::to_string(&t).unwrap();
        prop_assert_eq!(&json, &format!("\"{}\"", t));
        let back: Timestamp = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, t);
        prop_assert_eq!(back.to_string(), t.to_string());
        let owned: Timestamp = serde_json::from_value(serde_json::Value::String(text.clone())).unwrap();
        prop_assert_eq!(owned, t);
    }

    #[test]
    fn to_utc_keeps_the_instant(form in form()) {
        if let Ok(t) = Timestamp::parse(&form.text()) {
            let utc = t.to_utc();
            prop_assert_eq!(utc, t);
            prop_assert_eq!(utc.offset_minutes(), 0);
            let s = utc.to_string();
            prop_assert!(s.ends_with('Z'), "{}", s);
            prop_assert_eq!(s.parse::<Timestamp>().unwrap(), t);
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,40}") {
        if let Ok(t) = Timestamp::parse(&s) {
            prop_assert_eq!(t.to_string().parse::<Timestamp>().unwrap(), t);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
        let _ = serde_json::from_slice::<Timestamp>(&bytes);
        let mut quoted = vec![b'"'];
        quoted.extend_from_slice(&bytes);
        quoted.push(b'"');
        let _ = serde_json::from_slice::<Timestamp>(&quoted);
    }

    /// One byte of a valid text replaced, inserted or removed: either an
    /// error, or a text that is still valid and so comes back unchanged.
    #[test]
    fn mutated_forms_error_or_stay_exact(
        form in form(),
        at in any::<prop::sample::Index>(),
        byte in prop_oneof![Just(b'9'), Just(b'0'), Just(b':'), Just(b'-'), Just(b'.'), Just(b'+'), Just(b'Z'), Just(b' '), any::<u8>()],
        how in 0u8..3,
    ) {
        let mut bytes = form.text().into_bytes();
        let i = at.index(bytes.len() + 1);
        match how {
            0 if i < bytes.len() => bytes[i] = byte,
            1 => bytes.insert(i, byte),
            _ if i < bytes.len() => { bytes.remove(i); }
            _ => bytes.push(byte),
        }
        let Ok(text) = String::from_utf8(bytes) else { return Ok(()) };
        if let Ok(t) = Timestamp::parse(&text) {
            if text.get(17..19) == Some("60") {
                prop_assert_eq!(t.subsec_nanos(), 999_999_999);
            } else {
                prop_assert_eq!(t.to_string(), text.replace('t', "T").replace('z', "Z"));
            }
        } else {
            let e = serde_json::from_value::<Timestamp>(serde_json::Value::String(text)).unwrap_err();
            prop_assert!(e.to_string().starts_with("invalid RFC 3339 timestamp") || e.to_string().starts_with("timestamp outside"), "{}", e);
        }
    }

    #[test]
    fn order_and_hash_follow_the_instant(a in instant(), b in instant()) {
        prop_assert_eq!(a.cmp(&b), a.unix_nanos().cmp(&b.unix_nanos()));
        prop_assert_eq!(a == b, a.unix_nanos() == b.unix_nanos());
        let a_text = a.to_string().parse::<Timestamp>().unwrap();
        prop_assert_eq!(hash(&a_text), hash(&a));
    }

    #[test]
    fn system_time_round_trips(t in instant()) {
        let system: SystemTime = t.into();
        let expected = if t.unix_seconds() >= 0 {
            UNIX_EPOCH + Duration::new(t.unix_seconds() as u64, t.subsec_nanos())
        } else {
            let before = (-t.unix_nanos()) as u128;
            UNIX_EPOCH - Duration::new((before / 1_000_000_000) as u64, (before % 1_000_000_000) as u32)
        };
        prop_assert_eq!(system, expected);
        prop_assert_eq!(Timestamp::try_from(system).unwrap(), t);
    }

    #[test]
    fn unix_constructors_agree(t in instant()) {
        prop_assert_eq!(Timestamp::from_unix(t.unix_seconds(), t.subsec_nanos()).unwrap(), t);
        let ms = Timestamp::from_unix_millis(t.unix_millis()).unwrap();
        prop_assert_eq!(ms.unix_nanos(), t.unix_nanos().div_euclid(1_000_000) * 1_000_000);
        prop_assert_eq!(Timestamp::from_unix_seconds(t.unix_seconds()).unwrap().unix_nanos(),
            i128::from(t.unix_seconds()) * 1_000_000_000);
        // Written in UTC with the fewest of 0, 3, 6 or 9 digits.
        let digits = match t.subsec_nanos() {
            0 => 0,
            n if n % 1_000_000 == 0 => 3,
            n if n % 1000 == 0 => 6,
            _ => 9,
        };
        prop_assert_eq!(t.fraction_digits(), digits);
        prop_assert!(t.to_string().ends_with('Z'));
    }

    #[test]
    fn chrono_agrees(form in form()) {
        let text = form.text();
        let Ok(t) = Timestamp::parse(&text) else { return Ok(()) };
        let theirs = chrono::DateTime::parse_from_rfc3339(&text).unwrap().to_utc();
        let ours: chrono::DateTime<chrono::Utc> = t.into();
        prop_assert_eq!(ours, theirs);
        prop_assert_eq!(Timestamp::try_from(theirs).unwrap(), t);
        prop_assert_eq!(Timestamp::try_from(theirs).unwrap().offset_minutes(), 0);
    }

    #[test]
    fn time_agrees(form in form()) {
        let text = form.text();
        let Ok(t) = Timestamp::parse(&text) else { return Ok(()) };
        let theirs = time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339).unwrap();
        let ours: time::OffsetDateTime = t.into();
        prop_assert_eq!(ours, theirs);
        prop_assert_eq!(ours.offset().whole_minutes(), t.offset_minutes());
        let back = Timestamp::try_from(theirs).unwrap();
        prop_assert_eq!(back, t);
        prop_assert_eq!(back.offset_minutes(), t.offset_minutes());
    }

    #[test]
    fn jiff_agrees(form in form()) {
        let text = form.text();
        let Ok(t) = Timestamp::parse(&text) else { return Ok(()) };
        let theirs: jiff::Timestamp = text.parse().unwrap();
        let ours: jiff::Timestamp = t.into();
        prop_assert_eq!(ours, theirs);
        prop_assert_eq!(Timestamp::try_from(theirs).unwrap(), t);
    }
}

#[test]
fn the_api_forms_come_back_as_sent() {
    for text in [
        "2025-01-01T12:00:00Z",
        "2025-01-01T12:00:00.123Z",
        "2026-02-03T00:00:00.000Z",
        "2026-02-05T19:31:13.4Z",
        "2026-01-21T21:59:45.191571Z",
        "2026-02-05T19:52:18.101373886Z",
        "2026-02-05T19:52:18+00:00",
        "2026-02-05T19:52:18-00:00",
        "2026-02-05T14:52:18.5-05:00",
    ] {
        let t: Timestamp = text.parse().unwrap();
        assert_eq!(t.to_string(), text);
        assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{text}\""));
    }
    let a: Timestamp = "2026-02-05T19:52:18Z".parse().unwrap();
    let b: Timestamp = "2026-02-05T14:52:18.000-05:00".parse().unwrap();
    assert_eq!(a, b);
    assert_eq!(hash(&a), hash(&b));
    assert_eq!(a.unix_seconds(), 1_770_321_138);
    assert_eq!(b.to_utc().to_string(), "2026-02-05T19:52:18.000Z");
    assert_eq!(
        a.with_fraction_digits(2).to_string(),
        "2026-02-05T19:52:18.00Z"
    );
    assert_eq!(
        "2026-02-05t19:52:18.25z"
            .parse::<Timestamp>()
            .unwrap()
            .to_string(),
        "2026-02-05T19:52:18.25Z"
    );
    assert_eq!(format!("{a:?}"), "Timestamp(2026-02-05T19:52:18Z)");
    assert_eq!(Timestamp::default(), Timestamp::UNIX_EPOCH);
    assert_eq!(Timestamp::UNIX_EPOCH.to_string(), "1970-01-01T00:00:00Z");
}

#[test]
fn fields_out_of_range_are_refused() {
    let field = |field, value, range| TimestampError::Field {
        field,
        value,
        range,
    };
    assert_eq!(err("2025-13-01T00:00:00Z"), field("month", 13, "01-12"));
    assert_eq!(err("2025-00-01T00:00:00Z"), field("month", 0, "01-12"));
    assert_eq!(err("2025-01-01T24:00:00Z"), field("hour", 24, "00-23"));
    assert_eq!(err("2025-01-01T23:60:00Z"), field("minute", 60, "00-59"));
    assert_eq!(err("2025-01-01T23:59:61Z"), field("second", 61, "00-60"));
    assert_eq!(
        err("2025-01-01T00:00:00+24:00"),
        field("offset hour", 24, "00-23")
    );
    assert_eq!(
        err("2025-01-01T00:00:00-01:60"),
        field("offset minute", 60, "00-59")
    );
    let day = |year, month, day| TimestampError::Day { year, month, day };
    assert_eq!(err("2025-04-31T00:00:00Z"), day(2025, 4, 31));
    assert_eq!(err("2025-02-29T00:00:00Z"), day(2025, 2, 29));
    assert_eq!(err("1900-02-29T00:00:00Z"), day(1900, 2, 29));
    assert_eq!(err("2025-01-00T00:00:00Z"), day(2025, 1, 0));
    assert_eq!(err("2025-01-32T00:00:00Z"), day(2025, 1, 32));
    assert!(Timestamp::parse("2024-02-29T00:00:00Z").is_ok());
    assert!(Timestamp::parse("2000-02-29T00:00:00Z").is_ok());
    assert!(Timestamp::parse("2025-04-30T23:59:59.999999999Z").is_ok());

    assert_eq!(
        err("2025-13-01T00:00:00Z").to_string(),
        "invalid RFC 3339 timestamp: month 13 is out of range (01-12)"
    );
    assert_eq!(
        err("2025-02-29T00:00:00Z").to_string(),
        "invalid RFC 3339 timestamp: 2025-02 has no day 29"
    );
}

#[test]
fn shapes_that_are_not_rfc_3339_are_refused() {
    let syntax = |at, expected| TimestampError::Syntax { at, expected };
    assert_eq!(err(""), syntax(0, "a digit"));
    assert_eq!(err("2025"), syntax(4, "'-'"));
    assert_eq!(err("2025-01-01"), syntax(10, "'T'"));
    assert_eq!(err("2025-01-01 12:00:00Z"), syntax(10, "'T'"));
    assert_eq!(err("2025-1-01T12:00:00Z"), syntax(6, "a digit"));
    assert_eq!(err("2025-01-01T12:00Z"), syntax(16, "':'"));
    assert_eq!(
        err("2025-01-01T12:00:00"),
        syntax(19, "'Z' or an offset like '+01:00'")
    );
    assert_eq!(err("2025-01-01T12:00:00+0100"), syntax(22, "':'"));
    assert_eq!(err("2025-01-01T12:00:00.Z"), syntax(20, "a digit"));
    assert_eq!(
        err("2025-01-01T12:00:00ZZ"),
        syntax(20, "the end of the timestamp")
    );
    assert_eq!(err("+2025-01-01T12:00:00Z"), syntax(0, "a digit"));
    assert_eq!(err("２025-01-01T12:00:00Z"), syntax(0, "a digit"));
    assert_eq!(
        err("2025-01-01T12:00:00.1234567890Z"),
        TimestampError::FractionTooLong
    );
    assert_eq!(
        err("2025-01-01T12:00").to_string(),
        "invalid RFC 3339 timestamp: expected ':' at byte 16"
    );
}

#[test]
fn leap_seconds_become_the_last_nanosecond_of_the_minute() {
    let last: Timestamp = "2016-12-31T23:59:59.999999999Z".parse().unwrap();
    for text in [
        "2016-12-31T23:59:60Z",
        "2016-12-31T23:59:60.5Z",
        "2016-12-31t23:59:60z",
        "2017-01-01T00:59:60+01:00",
        "2016-12-31T18:59:60-05:00",
    ] {
        let t: Timestamp = text.parse().unwrap();
        assert_eq!(t, last, "{text}");
        assert_eq!(t.to_string().parse::<Timestamp>().unwrap(), t, "{text}");
    }
    assert_eq!(
        "2016-12-31T18:59:60-05:00"
            .parse::<Timestamp>()
            .unwrap()
            .to_string(),
        "2016-12-31T18:59:59.999999999-05:00"
    );
    assert!(Timestamp::parse("2015-06-30T23:59:60Z").is_ok());
    for text in [
        "2016-12-30T23:59:60Z",
        "2016-12-31T23:58:60Z",
        "2016-12-31T23:59:60+01:00",
        "2015-06-29T23:59:60Z",
    ] {
        assert_eq!(err(text), TimestampError::LeapSecond, "{text}");
    }
}

#[test]
fn the_range_is_year_0000_to_9999() {
    assert_eq!(
        Timestamp::parse("0000-01-01T00:00:00Z").unwrap(),
        Timestamp::MIN
    );
    assert_eq!(
        Timestamp::parse("9999-12-31T23:59:59.999999999Z").unwrap(),
        Timestamp::MAX
    );
    assert_eq!(Timestamp::MIN.unix_seconds(), -62_167_219_200);
    assert_eq!(Timestamp::MAX.unix_seconds(), 253_402_300_799);
    assert_eq!(Timestamp::MIN.to_string(), "0000-01-01T00:00:00Z");
    assert_eq!(Timestamp::MAX.to_string(), "9999-12-31T23:59:59.999999999Z");
    assert_eq!(err("0000-01-01T00:00:00+00:01"), TimestampError::OutOfRange);
    assert_eq!(err("9999-12-31T23:59:59-00:01"), TimestampError::OutOfRange);
    assert_eq!(
        Timestamp::from_unix(Timestamp::MAX.unix_seconds() + 1, 0),
        Err(TimestampError::OutOfRange)
    );
    assert_eq!(
        Timestamp::from_unix(Timestamp::MIN.unix_seconds() - 1, 999_999_999),
        Err(TimestampError::OutOfRange)
    );
    assert_eq!(
        Timestamp::from_unix(0, 1_000_000_000),
        Err(TimestampError::OutOfRange)
    );
    assert_eq!(
        Timestamp::from_unix_millis(-1).unwrap().to_string(),
        "1969-12-31T23:59:59.999Z"
    );
    assert_eq!(
        Timestamp::from_unix_nanos(-1).unwrap().to_string(),
        "1969-12-31T23:59:59.999999999Z"
    );
    assert_eq!(
        Timestamp::try_from(UNIX_EPOCH + Duration::from_secs(300_000_000_000)),
        Err(TimestampError::OutOfRange)
    );
    assert_eq!(
        Timestamp::try_from(UNIX_EPOCH - Duration::from_secs(62_167_219_201)),
        Err(TimestampError::OutOfRange)
    );
    assert_eq!(
        Timestamp::try_from(UNIX_EPOCH - Duration::from_nanos(1_500_000_000))
            .unwrap()
            .to_string(),
        "1969-12-31T23:59:58.500Z"
    );
}

#[test]
fn now_is_the_system_clock() {
    let before = SystemTime::now();
    let now = Timestamp::now();
    let after = SystemTime::now();
    assert!(Timestamp::try_from(before).unwrap() <= now);
    assert!(now <= Timestamp::try_from(after).unwrap());
}

#[test]
fn serde_errors_say_what_is_wrong_and_where() {
    let e = serde_json::from_str::<Timestamp>("\"2025-13-01T00:00:00Z\"").unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid RFC 3339 timestamp: month 13 is out of range (01-12) at line 1 column 22"
    );
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Message {
        created_at: Timestamp,
    }
    let e = serde_json::from_str::<Message>("{\"created_at\": \"yesterday\"}").unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid RFC 3339 timestamp: expected a digit at byte 0 at line 1 column 26"
    );
    let e = serde_json::from_str::<Timestamp>("1735732800").unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid type: integer `1735732800`, expected an RFC 3339 timestamp such as \"2025-01-01T12:00:00Z\" at line 1 column 10"
    );
    // An escaped string is decoded into an owned buffer first.
    let t: Timestamp = serde_json::from_str("\"2025-01-01T12:00:00\\u005a\"").unwrap();
    assert_eq!(t.to_string(), "2025-01-01T12:00:00Z");
}

#[test]
fn pre_1970_and_far_instants_convert_to_system_time() {
    let t: Timestamp = "0001-01-01T00:00:00.25Z".parse().unwrap();
    let system: SystemTime = t.into();
    assert_eq!(
        UNIX_EPOCH.duration_since(system).unwrap(),
        Duration::new(62_135_596_799, 750_000_000)
    );
    let system: SystemTime = Timestamp::MAX.into();
    assert_eq!(
        system.duration_since(UNIX_EPOCH).unwrap(),
        Duration::new(253_402_300_799, 999_999_999)
    );
}

/// `PROPTEST_CASES` when set (`cargo xtask props --cases N`), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default)
}
