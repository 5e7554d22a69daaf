//! Time and identifiers: both deterministic unless asked otherwise, so two
//! runs of the same test see the same ids and timestamps.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where the sandbox's time comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Starts at the given instant and moves only when the sandbox advances
    /// (by its tick) or when told to. The default starts at the wall
    /// clock's current second, so webhook timestamps verify with plain
    /// `Webhook::verify`; use [`Clock::fixed`] for
    /// timestamps that are the same on every run.
    Manual(SystemTime),
    /// The machine's wall clock. Use it when something outside the process
    /// checks webhook timestamps against its own clock.
    System,
}

impl Clock {
    /// A manual clock starting at 2026-02-03T00:00:00Z: every run's
    /// timestamps are the same.
    pub fn fixed() -> Clock {
        Clock::Manual(UNIX_EPOCH + Duration::from_secs(1_770_076_800))
    }
}

impl Default for Clock {
    /// A manual clock starting at the wall clock's current second.
    fn default() -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        Clock::Manual(UNIX_EPOCH + Duration::from_secs(now))
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Time {
    clock: Clock,
    offset: Duration,
}

/// 9999-12-31T23:59:59Z, in seconds after the epoch.
const LATEST_SECS: u64 = 253_402_300_799;

impl Time {
    pub(crate) fn new(clock: Clock) -> Self {
        Self {
            clock,
            offset: Duration::ZERO,
        }
    }

    pub(crate) fn now(&self) -> SystemTime {
        match self.clock {
            // Saturates at the last second RFC 3339 can write.
            Clock::Manual(start) => {
                let latest = UNIX_EPOCH + Duration::from_secs(LATEST_SECS);
                start
                    .checked_add(self.offset)
                    .map_or(latest, |t| t.min(latest))
            }
            Clock::System => SystemTime::now(),
        }
    }

    pub(crate) fn advance(&mut self, by: Duration) {
        self.offset = self.offset.saturating_add(by);
    }

    /// Moves a manual clock to `t`; false for the wall clock.
    pub(crate) fn set(&mut self, t: SystemTime) -> bool {
        match self.clock {
            Clock::Manual(_) => {
                self.clock = Clock::Manual(t);
                self.offset = Duration::ZERO;
                true
            }
            Clock::System => false,
        }
    }

    pub(crate) fn is_manual(&self) -> bool {
        matches!(self.clock, Clock::Manual(_))
    }

    pub(crate) fn rfc3339(&self) -> String {
        rfc3339(self.now())
    }

    pub(crate) fn unix_secs(&self) -> u64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}

/// Formats `t` as RFC 3339 in UTC with milliseconds.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// Parses an RFC 3339 UTC or offset time such as `2026-02-03T00:00:00Z`
/// or `2026-02-03T01:00:00.250+01:00`, from 1970 on.
pub(crate) fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let text: String = frac[..digits]
            .chars()
            .chain("000000000".chars())
            .take(9)
            .collect();
        nanos = text.parse().ok()?;
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let rb = rest.as_bytes();
            if rest.len() != 6 || rb[3] != b':' {
                return None;
            }
            let oh: i64 = rest[1..3].parse().ok()?;
            let om: i64 = rest[4..6].parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    let days = days_from_civil(y, mo as u32, d as u32);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset;
    let secs = u64::try_from(secs).ok()?;
    Some(UNIX_EPOCH + Duration::new(secs, nanos))
}

/// (year, month, day) to days since 1970-01-01, after Howard Hinnant's
/// `days_from_civil`.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 to a (year, month, day), after Howard Hinnant's
/// `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Counter-based identifiers, distinct per seed.
#[derive(Debug, Clone)]
pub(crate) struct Ids {
    seed: u32,
    counter: u64,
}

impl Ids {
    pub(crate) fn new(seed: u32) -> Self {
        Self { seed, counter: 0 }
    }

    fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    /// A UUID-shaped id (version 4 and variant bits set) made from the seed
    /// and a counter.
    pub(crate) fn uuid(&mut self) -> String {
        let n = self.next();
        format!("{:08x}-5a4d-4000-8000-{:012x}", self.seed, n)
    }

    /// A trace id, as the API puts in accepted replies and error envelopes.
    pub(crate) fn trace(&mut self) -> String {
        let n = self.next();
        format!("trace_sandbox_{:08x}_{n:06}", self.seed)
    }

    /// A `webhook-id` for one delivery.
    pub(crate) fn webhook_id(&mut self) -> String {
        let n = self.next();
        format!("msg_sandbox_{:08x}_{n:06}", self.seed)
    }

    /// A `whsec_` signing secret: 24 pseudo-random bytes from the seed and
    /// counter, base64-encoded.
    pub(crate) fn secret(&mut self) -> String {
        let mut state = (u64::from(self.seed) << 32) ^ self.next().wrapping_mul(0x9E37_79B9);
        let mut bytes = Vec::with_capacity(24);
        for _ in 0..3 {
            bytes.extend_from_slice(&splitmix64(&mut state).to_le_bytes());
        }
        format!("whsec_{}", base64(&bytes))
    }
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_millis(1_770_076_800_250)),
            "2026-02-03T00:00:00.250Z"
        );
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00.000Z"
        );
    }

    #[test]
    fn parses_dates() {
        for t in [
            UNIX_EPOCH,
            UNIX_EPOCH + Duration::from_millis(1_770_076_800_250),
            UNIX_EPOCH + Duration::from_secs(951_782_400),
        ] {
            assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t));
        }
        assert_eq!(
            parse_rfc3339("2026-02-03T01:00:00+01:00"),
            Some(UNIX_EPOCH + Duration::from_secs(1_770_076_800))
        );
        for bad in [
            "2026-02-03",
            "2026-13-03T00:00:00Z",
            "2026-02-03T00:00:00",
            "1969-12-31T23:59:59Z",
            "2026-02-03T00:00:00.Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn ids_are_uuids_and_secrets_parse() {
        let mut ids = Ids::new(7);
        let id = ids.uuid();
        assert!(linq_types::ChatId::parse(&id).is_ok(), "{id}"); // a UUID-checked id
        assert_ne!(id, ids.uuid());
        assert_eq!(base64(b"secret\n"), "c2VjcmV0Cg==");
        assert!(linq_webhooks::Secret::parse(&ids.secret()).is_ok());
    }
}
