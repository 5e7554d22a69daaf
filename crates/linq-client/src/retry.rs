//! When to send a request again, and how long to wait first.

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};
use linq_transport::TransportError;
use linq_types::Effect;

/// How a client retries failed attempts.
///
/// Retried: connection failures, timeouts, 408, 429, 5xx, and any reply
/// marked `x-should-retry: true`. Never retried: `x-should-retry: false`,
/// 409 and other 4xx. An operation that could do something visible twice
/// (send a message, create a payment) is retried only when it carries an
/// idempotency key, or when the failure proves the server did not act.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 2).
    pub max_retries: u32,
    /// First backoff delay; doubled after each attempt (default 0.5 s).
    pub initial_backoff: Duration,
    /// Longest backoff delay (default 8 s).
    pub max_backoff: Duration,
    /// Longest wait a server may ask for through `Retry-After`; a longer
    /// request ends the call with the rate-limit error instead (default 60 s).
    pub max_retry_after: Duration,
    /// Shortens each backoff by a random 0–25 % so that clients spread out.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The wait before retry number `retry` (0 for the first retry):
    /// `min(initial · 2^retry, max)`, less the jitter.
    pub fn backoff(&self, retry: u32) -> Duration {
        let base = self
            .initial_backoff
            .saturating_mul(1u32 << retry.min(20))
            .min(self.max_backoff);
        if self.jitter {
            // `mul_f64` panics when the product rounds past `Duration::MAX`.
            Duration::try_from_secs_f64(base.as_secs_f64() * (1.0 - 0.25 * random_unit()))
                .map_or(base, |d| d.min(base))
        } else {
            base
        }
    }
}

/// What a failed attempt allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Do not send again.
    Stop,
    /// Send again, after the server's requested wait if it gave one.
    Retry(Option<Duration>),
}

pub(crate) fn classify_transport(err: &TransportError, effect: Effect, has_key: bool) -> Verdict {
    let safe_to_repeat = effect == Effect::Repeatable || has_key;
    match err {
        TransportError::BodyTooLarge { .. } | TransportError::InvalidRequest(_) => Verdict::Stop,
        e if e.is_request_not_sent() => Verdict::Retry(None),
        _ if safe_to_repeat => Verdict::Retry(None),
        _ => Verdict::Stop,
    }
}

pub(crate) fn classify_status(
    status: StatusCode,
    should_retry: Option<bool>,
    retry_after: Option<Duration>,
    effect: Effect,
    has_key: bool,
) -> Verdict {
    let retryable = should_retry.unwrap_or_else(|| status_is_retryable(status));
    if !retryable {
        return Verdict::Stop;
    }
    // A 429 proves the server did not act; anything else may have been
    // processed before it failed.
    let acted_maybe = status != StatusCode::TOO_MANY_REQUESTS;
    if effect == Effect::Visible && !has_key && acted_maybe {
        return Verdict::Stop;
    }
    Verdict::Retry(retry_after)
}

pub(crate) fn status_is_retryable(status: StatusCode) -> bool {
    status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
}

/// The wait a reply asks for: `retry-after-ms`, else `Retry-After` as
/// seconds or as an HTTP date (relative to `now`).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok()) {
        return Duration::try_from_secs_f64(ms / 1000.0).ok();
    }
    let value = text("retry-after")?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).ok();
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A number in `[0, 1)`, from the standard library's per-process random keys.
fn random_unit() -> f64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy {
            jitter: false,
            ..RetryPolicy::default()
        };
        let secs: Vec<f64> = (0..6).map(|n| p.backoff(n).as_secs_f64()).collect();
        assert_eq!(secs, [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]);
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(8));
    }

    #[test]
    fn jitter_stays_within_a_quarter() {
        let p = RetryPolicy::default();
        for n in 0..50 {
            let d = p.backoff(n % 5);
            let base = RetryPolicy {
                jitter: false,
                ..p.clone()
            }
            .backoff(n % 5);
            assert!(d <= base && d >= base.mul_f64(0.75), "{d:?} vs {base:?}");
        }
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            retry_after(
                &headers(&[("retry-after-ms", "1500"), ("retry-after", "9")]),
                now
            ),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "3")]), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "1.5")]), now),
            Some(Duration::from_millis(1500))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(120));
        assert_eq!(
            retry_after(&headers(&[("retry-after", &date)]), now),
            Some(Duration::from_secs(120))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(5));
        assert_eq!(
            retry_after(&headers(&[("retry-after", &past)]), now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), now), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "-1")]), now), None);
    }

    #[test]
    fn status_classes() {
        let r = |s: u16, hint, effect, key| {
            classify_status(StatusCode::from_u16(s).unwrap(), hint, None, effect, key)
        };
        use Effect::*;
        for s in [408, 429, 500, 502, 503, 504] {
            assert_eq!(r(s, None, Repeatable, false), Verdict::Retry(None), "{s}");
        }
        for s in [400, 401, 403, 404, 409, 422] {
            assert_eq!(r(s, None, Repeatable, false), Verdict::Stop, "{s}");
        }
        assert_eq!(r(409, Some(true), Repeatable, false), Verdict::Retry(None));
        assert_eq!(r(503, Some(false), Repeatable, false), Verdict::Stop);
        // A visible operation without a key: only a 429 proves nothing happened.
        assert_eq!(r(500, None, Visible, false), Verdict::Stop);
        assert_eq!(r(429, None, Visible, false), Verdict::Retry(None));
        assert_eq!(r(500, None, Visible, true), Verdict::Retry(None));
    }
}
