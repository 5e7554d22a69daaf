//! An instant in time, read from and written as RFC 3339 text.
//!
//! The API sends timestamps such as `2025-01-01T12:00:00Z` or
//! `2025-01-01T12:00:00.123Z`. [`Timestamp`] parses every RFC 3339 form
//! (see its docs for the details), always holds a valid instant, compares by
//! that instant, and writes itself back as the text it was read from.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

mod convert;
mod rfc3339;

use rfc3339::{auto_digits, civil_from_days, parse};

const NANOS_PER_SEC: u32 = 1_000_000_000;
const SECS_PER_DAY: i64 = 86_400;
/// 0000-01-01T00:00:00Z in Unix seconds.
const MIN_SECS: i64 = -62_167_219_200;
/// 9999-12-31T23:59:59Z in Unix seconds.
const MAX_SECS: i64 = 253_402_300_799;
/// Longest text a timestamp formats to: `9999-12-31T23:59:59.999999999+23:59`.
const MAX_LEN: usize = 35;

/// Low four bits of `style`: how many fractional digits to write (0–9).
const DIGITS_MASK: u8 = 0x0f;
/// Bit of `style`: a zero offset was written `-00:00` (UTC, local offset unknown).
const ZERO_MINUS: u8 = 0x10;
/// Bit of `style`: a zero offset was written `+00:00`.
const ZERO_PLUS: u8 = 0x20;

/// An instant in time between `0000-01-01T00:00:00Z` and
/// `9999-12-31T23:59:59.999999999Z`, with nanosecond precision.
///
/// Every timestamp field of the models is one. It is read from RFC 3339 text
/// ([`FromStr`], serde) and written back as RFC 3339 ([`Display`](fmt::Display),
/// serde).
///
/// # What is accepted
///
/// `YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm)`, where
///
/// - the separator may be `T` or `t`, and UTC may be written `Z`, `z`,
///   `+00:00` or `-00:00`;
/// - the fraction has 1 to 9 digits (more than nanoseconds is refused, as it
///   could not be kept);
/// - every field is checked against the calendar: month 13, 31 April,
///   29 February of a year that is not a leap year, hour 24, minute 60 and an
///   offset beyond `±23:59` are refused;
/// - second `60` is accepted only where a leap second can be: at `23:59:60`
///   UTC on the last day of a month. Unix time (and so [`SystemTime`]) has no
///   room for it, so it is read as the last nanosecond before the next
///   minute, `23:59:59.999999999`, which keeps the order of events around it.
///
/// Anything else, and any instant outside the range above (including one
/// moved out of it by its offset), is a [`TimestampError`].
///
/// # What is written
///
/// The text it was parsed from, with the same offset and the same number of
/// fractional digits, only with `T` and `Z` in upper case: re-encoding a
/// decoded model gives back the server's text (`2025-01-01T12:00:00Z` stays
/// that, `…00.120Z` keeps its three digits). A leap second is written as
/// `23:59:59.999999999` in its offset. A timestamp made any other way
/// ([`now`](Self::now), [`from_unix`](Self::from_unix), a [`SystemTime`], the
/// chrono/time/jiff conversions) is written in UTC with `Z` and with 0, 3,
/// 6 or 9 fractional digits, the fewest that keep it exact.
///
/// # Comparing
///
/// `Eq`, `Ord` and `Hash` look at the instant only: `12:00:00Z`,
/// `12:00:00.000Z` and `14:00:00+02:00` are equal.
///
/// # Conversions
///
/// Into and from [`SystemTime`] (instants before 1970 too). With the crate
/// features of the same names: `chrono::DateTime<Utc>`,
/// `time::OffsetDateTime` and `jiff::Timestamp`, both ways.
///
/// ```
/// use linq_types::Timestamp;
///
/// let t: Timestamp = "2025-01-01T12:00:00.5+01:00".parse().unwrap();
/// assert_eq!(t.to_string(), "2025-01-01T12:00:00.5+01:00");
/// assert_eq!(t.to_utc().to_string(), "2025-01-01T11:00:00.5Z");
/// assert_eq!(t.unix_seconds(), 1_735_729_200);
/// assert_eq!(t, "2025-01-01T11:00:00.500Z".parse().unwrap());
/// ```
#[derive(Clone, Copy)]
pub struct Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z.
    secs: i64,
    /// Nanoseconds into that second, below one billion.
    nanos: u32,
    /// The offset it is written in, minutes east of UTC, within ±23:59.
    offset: i16,
    /// Fractional digits to write, and how a zero offset was written.
    style: u8,
}

/// Why a string is not an RFC 3339 timestamp this crate can hold.
///
/// The rejected text itself is not repeated; the message says what is
/// wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampError {
    /// The text does not have the RFC 3339 shape.
    #[error("invalid RFC 3339 timestamp: expected {expected} at byte {at}")]
    Syntax {
        /// Byte offset where the shape broke (the length, if input ended early).
        at: usize,
        /// What should have been there.
        expected: &'static str,
    },
    /// A field is outside the range it can have anywhere.
    #[error("invalid RFC 3339 timestamp: {field} {value:02} is out of range ({range})")]
    Field {
        /// Which field: `month`, `hour`, `minute`, `second`, `offset hour`
        /// or `offset minute`.
        field: &'static str,
        /// The value given.
        value: u32,
        /// The values it may take.
        range: &'static str,
    },
    /// The day does not exist in that month of that year.
    #[error("invalid RFC 3339 timestamp: {year:04}-{month:02} has no day {day:02}")]
    Day {
        /// The year given.
        year: u16,
        /// The month given.
        month: u8,
        /// The day given.
        day: u8,
    },
    /// More than nine fractional digits (finer than a nanosecond).
    #[error("invalid RFC 3339 timestamp: more than 9 fractional digits")]
    FractionTooLong,
    /// Second 60 where no leap second can be (only at 23:59:60 UTC on the
    /// last day of a month).
    #[error(
        "invalid RFC 3339 timestamp: second 60 is only valid at 23:59:60 UTC on the last day of a month"
    )]
    LeapSecond,
    /// The instant is before 0000-01-01T00:00:00Z or after
    /// 9999-12-31T23:59:59.999999999Z.
    #[error(
        "timestamp outside the supported range 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z"
    )]
    OutOfRange,
}

impl Timestamp {
    /// The earliest instant a timestamp can hold, `0000-01-01T00:00:00Z`.
    pub const MIN: Timestamp = Timestamp::utc(MIN_SECS, 0);
    /// The latest instant a timestamp can hold, `9999-12-31T23:59:59.999999999Z`.
    pub const MAX: Timestamp = Timestamp::utc(MAX_SECS, NANOS_PER_SEC - 1);
    /// The Unix epoch, `1970-01-01T00:00:00Z`.
    pub const UNIX_EPOCH: Timestamp = Timestamp::utc(0, 0);

    /// A UTC timestamp for an instant already known to be in range.
    const fn utc(secs: i64, nanos: u32) -> Timestamp {
        Timestamp {
            secs,
            nanos,
            offset: 0,
            style: auto_digits(nanos),
        }
    }

    /// The current time from the system clock (clamped to the supported
    /// range should the clock be set beyond it).
    #[must_use]
    pub fn now() -> Timestamp {
        let now = SystemTime::now();
        Timestamp::try_from(now).unwrap_or(if now < UNIX_EPOCH {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        })
    }

    /// The instant `secs` seconds and `nanos` nanoseconds after the Unix
    /// epoch (`secs` may be negative; `nanos` must be below one billion).
    ///
    /// # Errors
    ///
    /// [`TimestampError::OutOfRange`] when `nanos` is a billion or more or
    /// the instant is outside the supported range.
    pub const fn from_unix(secs: i64, nanos: u32) -> Result<Timestamp, TimestampError> {
        if nanos >= NANOS_PER_SEC || secs < MIN_SECS || secs > MAX_SECS {
            Err(TimestampError::OutOfRange)
        } else {
            Ok(Timestamp::utc(secs, nanos))
        }
    }

    /// The instant `secs` whole seconds after (or before) the Unix epoch.
    ///
    /// # Errors
    ///
    /// [`TimestampError::OutOfRange`] outside the supported range.
    pub const fn from_unix_seconds(secs: i64) -> Result<Timestamp, TimestampError> {
        Timestamp::from_unix(secs, 0)
    }

    /// The instant `millis` milliseconds after (or before) the Unix epoch.
    ///
    /// # Errors
    ///
    /// [`TimestampError::OutOfRange`] outside the supported range.
    pub const fn from_unix_millis(millis: i64) -> Result<Timestamp, TimestampError> {
        Timestamp::from_unix(
            millis.div_euclid(1000),
            millis.rem_euclid(1000) as u32 * 1_000_000,
        )
    }

    /// The instant `nanos` nanoseconds after (or before) the Unix epoch.
    ///
    /// # Errors
    ///
    /// [`TimestampError::OutOfRange`] outside the supported range.
    pub const fn from_unix_nanos(nanos: i128) -> Result<Timestamp, TimestampError> {
        let secs = nanos.div_euclid(NANOS_PER_SEC as i128);
        if secs < MIN_SECS as i128 || secs > MAX_SECS as i128 {
            return Err(TimestampError::OutOfRange);
        }
        Timestamp::from_unix(secs as i64, nanos.rem_euclid(NANOS_PER_SEC as i128) as u32)
    }

    /// Whole seconds since the Unix epoch, rounded down (negative before 1970).
    #[must_use]
    pub const fn unix_seconds(&self) -> i64 {
        self.secs
    }

    /// Nanoseconds past [`unix_seconds`](Self::unix_seconds), below one billion.
    #[must_use]
    pub const fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    /// Milliseconds since the Unix epoch, rounded down.
    #[must_use]
    pub const fn unix_millis(&self) -> i64 {
        self.secs * 1000 + (self.nanos / 1_000_000) as i64
    }

    /// Nanoseconds since the Unix epoch.
    #[must_use]
    pub const fn unix_nanos(&self) -> i128 {
        self.secs as i128 * NANOS_PER_SEC as i128 + self.nanos as i128
    }

    /// The offset this timestamp is written in, in minutes east of UTC
    /// (0 for `Z`, `+00:00` and `-00:00`).
    #[must_use]
    pub const fn offset_minutes(&self) -> i16 {
        self.offset
    }

    /// How many fractional digits it is written with (0–9).
    #[must_use]
    pub const fn fraction_digits(&self) -> u8 {
        self.style & DIGITS_MASK
    }

    /// The same instant, written in UTC with `Z` (the fractional digits are
    /// kept).
    #[must_use]
    pub const fn to_utc(self) -> Timestamp {
        Timestamp {
            offset: 0,
            style: self.style & DIGITS_MASK,
            ..self
        }
    }

    /// The same instant, written with `digits` fractional digits (at most 9;
    /// a larger value counts as 9). Fewer digits than the value needs only
    /// shorten the text; the instant is unchanged.
    #[must_use]
    pub const fn with_fraction_digits(self, digits: u8) -> Timestamp {
        let digits = if digits > 9 { 9 } else { digits };
        Timestamp {
            style: (self.style & !DIGITS_MASK) | digits,
            ..self
        }
    }

    /// The UTC calendar date and time of day: `(year, month, day, hour,
    /// minute, second)`, months and days counted from 1.
    #[must_use]
    pub const fn to_utc_parts(&self) -> (u16, u8, u8, u8, u8, u8) {
        let (y, m, d) = civil_from_days(self.secs.div_euclid(SECS_PER_DAY));
        let tod = self.secs.rem_euclid(SECS_PER_DAY);
        (
            y as u16,
            m as u8,
            d as u8,
            (tod / 3600) as u8,
            (tod / 60 % 60) as u8,
            (tod % 60) as u8,
        )
    }

    /// Parses RFC 3339 text (the same as [`FromStr`]).
    ///
    /// # Errors
    ///
    /// A [`TimestampError`] saying what is wrong; see [`Timestamp`] for what
    /// is accepted.
    pub fn parse(text: &str) -> Result<Timestamp, TimestampError> {
        parse(text.as_bytes())
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s)
    }
}

impl TryFrom<&str> for Timestamp {
    type Error = TimestampError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Timestamp::parse(s)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.encode(&mut [0; MAX_LEN]))
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl Default for Timestamp {
    /// The Unix epoch, `1970-01-01T00:00:00Z`.
    fn default() -> Self {
        Timestamp::UNIX_EPOCH
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        (self.secs, self.nanos) == (other.secs, other.nanos)
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.secs, self.nanos).cmp(&(other.secs, other.nanos))
    }
}

impl Hash for Timestamp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.secs, self.nanos).hash(state);
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.encode(&mut [0; MAX_LEN]))
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(Visitor)
    }
}

struct Visitor;

impl serde::de::Visitor<'_> for Visitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 timestamp such as \"2025-01-01T12:00:00Z\"")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Timestamp, E> {
        Timestamp::parse(v).map_err(E::custom)
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Timestamp, E> {
        parse(v).map_err(E::custom)
    }
}
