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
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

    /// Writes the RFC 3339 text into `buf` and returns it.
    fn encode<'b>(&self, buf: &'b mut [u8; MAX_LEN]) -> &'b str {
        let local = self.secs + i64::from(self.offset) * 60;
        let (y, m, d) = civil_from_days(local.div_euclid(SECS_PER_DAY));
        let tod = local.rem_euclid(SECS_PER_DAY) as u32;
        let mut w = Writer { buf, len: 0 };
        w.num(y as u32, 4);
        w.byte(b'-');
        w.num(m, 2);
        w.byte(b'-');
        w.num(d, 2);
        w.byte(b'T');
        w.num(tod / 3600, 2);
        w.byte(b':');
        w.num(tod / 60 % 60, 2);
        w.byte(b':');
        w.num(tod % 60, 2);
        let digits = u32::from(self.fraction_digits());
        if digits > 0 {
            w.byte(b'.');
            w.num(self.nanos / 10u32.pow(9 - digits), digits as usize);
        }
        if self.offset == 0 && self.style & (ZERO_MINUS | ZERO_PLUS) == 0 {
            w.byte(b'Z');
        } else {
            let negative = self.offset < 0 || self.style & ZERO_MINUS != 0;
            let abs = u32::from(self.offset.unsigned_abs());
            w.byte(if negative { b'-' } else { b'+' });
            w.num(abs / 60, 2);
            w.byte(b':');
            w.num(abs % 60, 2);
        }
        let Writer { buf, len } = w;
        // Every byte written is ASCII, so this never falls back.
        std::str::from_utf8(&buf[..len]).unwrap_or_default()
    }
}

struct Writer<'b> {
    buf: &'b mut [u8; MAX_LEN],
    len: usize,
}

impl Writer<'_> {
    fn byte(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }

    fn num(&mut self, mut value: u32, width: usize) {
        for i in (0..width).rev() {
            self.buf[self.len + i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
        self.len += width;
    }
}

/// The fewest of 0, 3, 6 or 9 digits that write `nanos` exactly.
const fn auto_digits(nanos: u32) -> u8 {
    if nanos == 0 {
        0
    } else if nanos.is_multiple_of(1_000_000) {
        3
    } else if nanos.is_multiple_of(1000) {
        6
    } else {
        9
    }
}

const fn is_leap_year(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

const fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap_year(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
const fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `days` after 1970-01-01 (the inverse of [`days_from_civil`]).
const fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

/// Reads `width` ASCII digits at `at`.
fn digits(b: &[u8], at: usize, width: usize) -> Result<u32, TimestampError> {
    let mut value = 0;
    for i in at..at + width {
        match b.get(i) {
            Some(c @ b'0'..=b'9') => value = value * 10 + u32::from(c - b'0'),
            _ => {
                return Err(TimestampError::Syntax {
                    at: i.min(b.len()),
                    expected: "a digit",
                });
            }
        }
    }
    Ok(value)
}

fn expect(
    b: &[u8],
    at: usize,
    allowed: &[u8],
    expected: &'static str,
) -> Result<u8, TimestampError> {
    match b.get(at) {
        Some(c) if allowed.contains(c) => Ok(*c),
        _ => Err(TimestampError::Syntax {
            at: at.min(b.len()),
            expected,
        }),
    }
}

fn field(
    field: &'static str,
    value: u32,
    max: u32,
    min: u32,
    range: &'static str,
) -> Result<u32, TimestampError> {
    if value < min || value > max {
        Err(TimestampError::Field {
            field,
            value,
            range,
        })
    } else {
        Ok(value)
    }
}

fn parse(b: &[u8]) -> Result<Timestamp, TimestampError> {
    let year = digits(b, 0, 4)?;
    expect(b, 4, b"-", "'-'")?;
    let month = digits(b, 5, 2)?;
    expect(b, 7, b"-", "'-'")?;
    let day = digits(b, 8, 2)?;
    expect(b, 10, b"Tt", "'T'")?;
    let hour = digits(b, 11, 2)?;
    expect(b, 13, b":", "':'")?;
    let minute = digits(b, 14, 2)?;
    expect(b, 16, b":", "':'")?;
    let second = digits(b, 17, 2)?;
    let mut at = 19;
    let mut nanos = 0;
    let mut style = 0;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while let Some(c @ b'0'..=b'9') = b.get(at) {
            if at - start == 9 {
                return Err(TimestampError::FractionTooLong);
            }
            nanos = nanos * 10 + u32::from(c - b'0');
            at += 1;
        }
        let count = at - start;
        if count == 0 {
            return Err(TimestampError::Syntax {
                at,
                expected: "a digit",
            });
        }
        nanos *= 10u32.pow(9 - count as u32);
        style = count as u8;
    }
    let offset = match expect(b, at, b"Zz+-", "'Z' or an offset like '+01:00'")? {
        b'Z' | b'z' => {
            at += 1;
            0
        }
        sign => {
            let oh = digits(b, at + 1, 2)?;
            expect(b, at + 3, b":", "':'")?;
            let om = digits(b, at + 4, 2)?;
            at += 6;
            let oh = field("offset hour", oh, 23, 0, "00-23")?;
            let om = field("offset minute", om, 59, 0, "00-59")?;
            let minutes = (oh * 60 + om) as i16;
            match (sign, minutes) {
                (b'-', 0) => {
                    style |= ZERO_MINUS;
                    0
                }
                (_, 0) => {
                    style |= ZERO_PLUS;
                    0
                }
                (b'-', m) => -m,
                (_, m) => m,
            }
        }
    };
    if at != b.len() {
        return Err(TimestampError::Syntax {
            at,
            expected: "the end of the timestamp",
        });
    }

    let month = field("month", month, 12, 1, "01-12")?;
    let hour = field("hour", hour, 23, 0, "00-23")?;
    let minute = field("minute", minute, 59, 0, "00-59")?;
    let second = field("second", second, 60, 0, "00-60")?;
    let y = i64::from(year);
    if day == 0 || day > days_in_month(y, month) {
        return Err(TimestampError::Day {
            year: year as u16,
            month: month as u8,
            day: day as u8,
        });
    }
    let local = days_from_civil(y, month, day) * SECS_PER_DAY
        + i64::from(hour * 3600 + minute * 60 + second.min(59));
    let secs = local - i64::from(offset) * 60;
    if second == 60 {
        let (uy, um, ud) = civil_from_days(secs.div_euclid(SECS_PER_DAY));
        if secs.rem_euclid(SECS_PER_DAY) != SECS_PER_DAY - 1 || ud != days_in_month(uy, um) {
            return Err(TimestampError::LeapSecond);
        }
        nanos = NANOS_PER_SEC - 1;
        style = (style & !DIGITS_MASK) | 9;
    }
    if !(MIN_SECS..=MAX_SECS).contains(&secs) {
        return Err(TimestampError::OutOfRange);
    }
    Ok(Timestamp {
        secs,
        nanos,
        offset,
        style,
    })
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

impl From<Timestamp> for SystemTime {
    /// The same instant. On a platform whose `SystemTime` cannot reach back
    /// that far (Windows stops at 1601), the earliest time it can hold.
    fn from(t: Timestamp) -> SystemTime {
        if t.secs >= 0 {
            return UNIX_EPOCH + Duration::new(t.secs.unsigned_abs(), t.nanos);
        }
        let abs = t.unix_nanos().unsigned_abs();
        let before = Duration::new(
            (abs / u128::from(NANOS_PER_SEC)) as u64,
            (abs % u128::from(NANOS_PER_SEC)) as u32,
        );
        UNIX_EPOCH
            .checked_sub(before)
            .unwrap_or_else(|| earliest_before(before))
    }
}

/// The earliest `SystemTime` no further than `limit` before the epoch, by
/// bisection (only reached on platforms with a late minimum).
fn earliest_before(limit: Duration) -> SystemTime {
    let (mut ok, mut bad) = (Duration::ZERO, limit);
    while bad - ok > Duration::from_nanos(1) {
        let mid = ok + (bad - ok) / 2;
        if UNIX_EPOCH.checked_sub(mid).is_some() {
            ok = mid;
        } else {
            bad = mid;
        }
    }
    UNIX_EPOCH - ok
}

impl TryFrom<SystemTime> for Timestamp {
    type Error = TimestampError;

    /// The same instant, in UTC.
    ///
    /// # Errors
    ///
    /// [`TimestampError::OutOfRange`] outside the supported range.
    fn try_from(t: SystemTime) -> Result<Self, Self::Error> {
        match t.duration_since(UNIX_EPOCH) {
            Ok(after) => Timestamp::from_unix(
                i64::try_from(after.as_secs()).map_err(|_| TimestampError::OutOfRange)?,
                after.subsec_nanos(),
            ),
            Err(e) => {
                let before = i128::try_from(e.duration().as_nanos())
                    .map_err(|_| TimestampError::OutOfRange)?;
                Timestamp::from_unix_nanos(-before)
            }
        }
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

#[cfg(feature = "chrono")]
mod chrono_impls {
    use super::{Timestamp, TimestampError};
    use chrono::{DateTime, Utc};

    impl From<Timestamp> for DateTime<Utc> {
        /// The same instant (chrono's range is wider, so this cannot fail).
        fn from(t: Timestamp) -> DateTime<Utc> {
            DateTime::from_timestamp(t.secs, t.nanos).unwrap_or_default()
        }
    }

    impl TryFrom<DateTime<Utc>> for Timestamp {
        type Error = TimestampError;

        /// The same instant, in UTC. chrono's leap-second representation
        /// (a nanosecond count past one billion) becomes the last nanosecond
        /// of that second, as when parsing `:60`.
        ///
        /// # Errors
        ///
        /// [`TimestampError::OutOfRange`] outside the supported range.
        fn try_from(t: DateTime<Utc>) -> Result<Self, Self::Error> {
            Timestamp::from_unix(t.timestamp(), t.timestamp_subsec_nanos().min(999_999_999))
        }
    }
}

#[cfg(feature = "time")]
mod time_impls {
    use super::{Timestamp, TimestampError};
    use time::{OffsetDateTime, UtcOffset};

    impl From<Timestamp> for OffsetDateTime {
        /// The same instant, at the offset the timestamp is written in.
        fn from(t: Timestamp) -> OffsetDateTime {
            let utc = OffsetDateTime::from_unix_timestamp_nanos(t.unix_nanos())
                .unwrap_or(OffsetDateTime::UNIX_EPOCH);
            match UtcOffset::from_whole_seconds(i32::from(t.offset) * 60) {
                Ok(offset) => utc.to_offset(offset),
                Err(_) => utc,
            }
        }
    }

    impl TryFrom<OffsetDateTime> for Timestamp {
        type Error = TimestampError;

        /// The same instant, written at the same offset when that offset is
        /// whole minutes (RFC 3339 has no seconds in offsets), else in UTC.
        ///
        /// # Errors
        ///
        /// [`TimestampError::OutOfRange`] outside the supported range.
        fn try_from(t: OffsetDateTime) -> Result<Self, Self::Error> {
            let utc = Timestamp::from_unix_nanos(t.unix_timestamp_nanos())?;
            let offset = t.offset().whole_seconds();
            if offset % 60 != 0 || offset.abs() > (23 * 60 + 59) * 60 {
                return Ok(utc);
            }
            let written = Timestamp {
                offset: (offset / 60) as i16,
                ..utc
            };
            // The local date must still have a four-digit year.
            let local = written.secs + i64::from(written.offset) * 60;
            if (super::MIN_SECS..=super::MAX_SECS).contains(&local) {
                Ok(written)
            } else {
                Ok(utc)
            }
        }
    }
}

#[cfg(feature = "jiff")]
mod jiff_impls {
    use super::{Timestamp, TimestampError};

    impl From<Timestamp> for jiff::Timestamp {
        /// The same instant (jiff's range is wider, so this cannot fail).
        fn from(t: Timestamp) -> jiff::Timestamp {
            jiff::Timestamp::new(t.secs, t.nanos as i32).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        }
    }

    impl TryFrom<jiff::Timestamp> for Timestamp {
        type Error = TimestampError;

        /// The same instant, in UTC.
        ///
        /// # Errors
        ///
        /// [`TimestampError::OutOfRange`] outside the supported range.
        fn try_from(t: jiff::Timestamp) -> Result<Self, Self::Error> {
            Timestamp::from_unix_nanos(t.as_nanosecond())
        }
    }
}
