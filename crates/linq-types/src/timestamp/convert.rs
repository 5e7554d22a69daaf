//! Conversions between [`Timestamp`] and `SystemTime`, and (behind their
//! features) chrono's, time's and jiff's types.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{NANOS_PER_SEC, Timestamp, TimestampError};

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
            if (crate::timestamp::MIN_SECS..=crate::timestamp::MAX_SECS).contains(&local) {
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
