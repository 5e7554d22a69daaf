//! Failures the sandbox can be told to produce.

use std::time::Duration;

use serde_json::Value;

/// One way a request can fail, queued with
/// [`Sandbox::fail_next`](crate::Sandbox::fail_next).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status and the API's error envelope; the request is
    /// not acted on. 503 carries code 4004, 504 code 3005, anything else
    /// 3006 (429 carries 1007).
    Status(u16),
    /// Answer 429 (code 1007) with a `Retry-After` header of this many whole
    /// seconds (rounded up); the request is not acted on.
    RateLimited {
        /// The wait advertised in `Retry-After`.
        retry_after: Duration,
    },
    /// Drop the connection before acting: in process the transport returns
    /// `TransportError::Io`; over HTTP the connection closes with no reply.
    Drop,
    /// Act on the request, then drop the connection so the caller never
    /// learns the outcome: the case idempotency keys exist for.
    DropAfterApply,
    /// Wait this long, then answer normally.
    Delay(Duration),
}

impl Fault {
    /// The status and Linq code of a fault that answers with an error.
    pub(crate) fn error(self) -> Option<(u16, u32, String)> {
        match self {
            Fault::Status(429) => Some((429, 1007, "Rate limit exceeded".into())),
            Fault::Status(503) => Some((503, 4004, "Service temporarily unavailable".into())),
            Fault::Status(504) => Some((504, 3005, "Network operation timed out".into())),
            Fault::Status(s) => Some((s, 3006, "Internal server error".into())),
            Fault::RateLimited { .. } => Some((429, 1007, "Rate limit exceeded".into())),
            _ => None,
        }
    }

    /// Reads the control endpoint's JSON form:
    /// `{"kind": "status", "status": 503}`, `{"kind": "rate_limit",
    /// "retry_after": 2}`, `{"kind": "drop"}`, `{"kind": "drop_after_apply"}`,
    /// `{"kind": "delay", "ms": 250}`.
    pub(crate) fn from_json(v: &Value) -> Result<Fault, String> {
        let kind = v["kind"].as_str().ok_or("kind is required")?;
        Ok(match kind {
            "status" => {
                let status = v["status"].as_u64().unwrap_or(500);
                if !(400..=599).contains(&status) {
                    return Err("status must be from 400 to 599".into());
                }
                Fault::Status(status as u16)
            }
            "rate_limit" => Fault::RateLimited {
                retry_after: Duration::from_secs_f64(v["retry_after"].as_f64().unwrap_or(1.0)),
            },
            "drop" => Fault::Drop,
            "drop_after_apply" => Fault::DropAfterApply,
            "delay" => Fault::Delay(Duration::from_millis(v["ms"].as_u64().unwrap_or(100))),
            other => return Err(format!("unknown fault kind {other:?}")),
        })
    }
}
