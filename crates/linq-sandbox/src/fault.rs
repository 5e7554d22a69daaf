//! Failures the sandbox can be told to produce, and which requests they hit.

use std::time::Duration;

use http::Method;
use serde_json::{Map, Value};

/// Most requests one queued fault may hit when queued over HTTP.
pub const MAX_FAULT_COUNT: u64 = 10_000;
/// Most fault rules queued at once; more are refused.
pub const MAX_FAULT_RULES: usize = 1_000;
/// Longest `retry_after` a rate-limit fault may advertise, in seconds.
pub const MAX_RETRY_AFTER_SECS: f64 = 3_600.0;
/// Longest delay a delay fault may hold a request, in milliseconds.
pub const MAX_DELAY_MS: u64 = 60_000;

/// One way a request can fail, queued with
/// [`Sandbox::fail_next`](crate::Sandbox::fail_next).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status and the API's error envelope; the request is
    /// not acted on. The code follows the status: 400 and 422 carry 1005,
    /// 401 2004, 403 2005, 404 the not-found code of the operation's
    /// resource, 409 1005, 413 5005, 429 1007, 503 4004, 504 3005, any other
    /// 5xx 3006.
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

/// Which API requests a queued fault hits. The default matches every one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultMatch {
    /// Only this operation id, such as `chats.messages.send`.
    pub operation: Option<String>,
    /// Only this HTTP method.
    pub method: Option<Method>,
    /// Only this path: either the template (`/v3/chats/{chatId}/messages`)
    /// or the path as sent, from `/v3` on.
    pub path: Option<String>,
}

impl FaultMatch {
    /// Matches every request of one operation.
    pub fn operation(id: impl Into<String>) -> Self {
        Self {
            operation: Some(id.into()),
            ..Self::default()
        }
    }

    pub(crate) fn hits(
        &self,
        op: Option<&str>,
        method: &Method,
        template: &str,
        path: &str,
    ) -> bool {
        self.operation.as_deref().is_none_or(|o| Some(o) == op)
            && self.method.as_ref().is_none_or(|m| m == method)
            && self
                .path
                .as_deref()
                .is_none_or(|p| p == template || p == path)
    }
}

/// A fault waiting to hit `remaining` matching requests.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub fault: Fault,
    pub matcher: FaultMatch,
    pub remaining: u64,
}

impl Fault {
    /// The status and Linq code of a fault that answers with an error, for
    /// a request to operation `op`.
    pub(crate) fn error(self, op: Option<&str>) -> Option<(u16, u32, String)> {
        let status = match self {
            Fault::Status(s) => s,
            Fault::RateLimited { .. } => 429,
            _ => return None,
        };
        let (code, message) = match status {
            401 => (
                2004,
                "Unauthorized - missing or invalid authentication token",
            ),
            403 => (2005, "Access denied"),
            404 => (not_found_code(op), "Resource not found"),
            413 => (5005, "Request body is too large"),
            429 => (1007, "Rate limit exceeded"),
            503 => (4004, "Service temporarily unavailable"),
            504 => (3005, "Network operation timed out"),
            500..=599 => (3006, "Internal server error"),
            _ => (1005, "Invalid parameter value"),
        };
        Some((status, code, message.into()))
    }

    /// Reads the control endpoint's JSON form (see the control API's
    /// OpenAPI document): the fault, its match and its count.
    pub(crate) fn rule_from_json(v: &Value) -> Result<Rule, String> {
        let map = v.as_object().ok_or("the body must be a JSON object")?;
        let kind = map
            .get("kind")
            .and_then(Value::as_str)
            .ok_or("kind is required")?;
        let allowed: &[&str] = match kind {
            "status" => &["status"],
            "rate_limit" => &["retry_after"],
            "delay" => &["ms"],
            "drop" | "drop_after_apply" => &[],
            other => return Err(format!("unknown fault kind {other:?}")),
        };
        const COMMON: [&str; 5] = ["kind", "count", "operation", "method", "path"];
        if let Some(extra) = map
            .keys()
            .find(|k| !COMMON.contains(&k.as_str()) && !allowed.contains(&k.as_str()))
        {
            return Err(format!("unknown field {extra:?} for a {kind} fault"));
        }
        let fault = match kind {
            "status" => {
                let status = uint(map, "status")?.unwrap_or(500);
                if !(400..=599).contains(&status) {
                    return Err("status must be from 400 to 599".into());
                }
                Fault::Status(status as u16)
            }
            "rate_limit" => {
                let secs = match map.get("retry_after") {
                    None => 1.0,
                    Some(v) => v.as_f64().ok_or("retry_after must be a number")?,
                };
                if !(0.0..=MAX_RETRY_AFTER_SECS).contains(&secs) {
                    return Err(format!(
                        "retry_after must be from 0 to {MAX_RETRY_AFTER_SECS} seconds"
                    ));
                }
                let retry_after = Duration::try_from_secs_f64(secs)
                    .map_err(|_| "retry_after is not a usable number of seconds")?;
                Fault::RateLimited { retry_after }
            }
            "drop" => Fault::Drop,
            "drop_after_apply" => Fault::DropAfterApply,
            _ => {
                let ms = uint(map, "ms")?.unwrap_or(100);
                if ms > MAX_DELAY_MS {
                    return Err(format!("ms must be at most {MAX_DELAY_MS}"));
                }
                Fault::Delay(Duration::from_millis(ms))
            }
        };
        let count = uint(map, "count")?.unwrap_or(1);
        if !(1..=MAX_FAULT_COUNT).contains(&count) {
            return Err(format!("count must be from 1 to {MAX_FAULT_COUNT}"));
        }
        let text = |key: &str| -> Result<Option<String>, String> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(format!("{key} must be a string")),
            }
        };
        let operation = text("operation")?;
        if let Some(op) = &operation {
            if !crate::spec::operations().iter().any(|o| o.id == *op) {
                return Err(format!("unknown operation {op:?}"));
            }
        }
        let method = match text("method")? {
            None => None,
            Some(m) => Some(
                m.to_ascii_uppercase()
                    .parse::<Method>()
                    .map_err(|_| format!("{m:?} is not an HTTP method"))?,
            ),
        };
        Ok(Rule {
            fault,
            matcher: FaultMatch {
                operation,
                method,
                path: text("path")?,
            },
            remaining: count,
        })
    }
}

fn uint(map: &Map<String, Value>, key: &str) -> Result<Option<u64>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("{key} must be a whole number")),
    }
}

/// The not-found code for an operation's resource; a generic 404 code when
/// there is no more specific one.
pub(crate) fn not_found_code(op: Option<&str>) -> u32 {
    match op {
        Some(op) if op.starts_with("chats.") => 2001,
        Some(op) if op.starts_with("messages.") => 2002,
        Some(op) if op.starts_with("attachments.") => 2003,
        _ => NOT_FOUND,
    }
}

/// The code of a 404 that names no particular kind of resource (an unknown
/// route, for one). It mirrors the status: the API's catalogue has no
/// generic not-found code, and 2001 would read as "chat not found".
pub const NOT_FOUND: u32 = 404;
