//! RFC 3339 text: parsing it into a [`Timestamp`] and writing one back, with
//! the calendar arithmetic both need.

use super::{
    DIGITS_MASK, MAX_LEN, MAX_SECS, MIN_SECS, NANOS_PER_SEC, SECS_PER_DAY, Timestamp,
    TimestampError, ZERO_MINUS, ZERO_PLUS,
};

impl Timestamp {
    /// Writes the RFC 3339 text into `buf` and returns it.
    pub(super) fn encode<'b>(&self, buf: &'b mut [u8; MAX_LEN]) -> &'b str {
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
pub(super) const fn auto_digits(nanos: u32) -> u8 {
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
pub(super) const fn civil_from_days(days: i64) -> (i64, u32, u32) {
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

pub(super) fn parse(b: &[u8]) -> Result<Timestamp, TimestampError> {
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
