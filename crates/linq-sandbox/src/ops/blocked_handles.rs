//! Blocked handles: block, unblock, list. The refusal of a blocked
//! recipient is `BlockedHandles::refuse`, called where recipients are read.

use serde_json::json;

use super::call::{Call, Handler};
use crate::reply::{Handled, Reply, bad, fail, optional_str, required_str};
use crate::state::State;
use crate::state::blocked_handles::normalize;

pub(crate) const HANDLERS: &[(&str, Handler)] = &[
    ("blocked_handles.list", list),
    ("blocked_handles.block", block),
    ("blocked_handles.unblock", unblock),
];

/// Newest block first.
fn list(state: &mut State, _: &Call<'_>) -> Handled {
    let entries: Vec<_> = state
        .blocked
        .entries
        .iter()
        .rev()
        .map(|b| b.json())
        .collect();
    Ok(Reply::json(200, json!({"blocked_handles": entries})))
}

fn block(state: &mut State, call: &Call<'_>) -> Handled {
    let body = call.object()?;
    let handle = normalize(required_str(&body, "handle")?)?;
    if handle.starts_with('+') && state.is_line(&handle) {
        return Err(bad(1005, "One of your own lines cannot be blocked"));
    }
    let reason = optional_str(&body, "reason")?
        .filter(|r| !r.trim().is_empty())
        .map(str::to_owned);
    let now = state.time.rfc3339();
    let entry = state.blocked.block(handle, reason, &now).json();
    Ok(Reply::json(200, json!({"blocked_handle": entry})))
}

fn unblock(state: &mut State, call: &Call<'_>) -> Handled {
    let body = call.object()?;
    let handle = normalize(required_str(&body, "handle")?)?;
    if state.blocked.unblock(&handle) {
        Ok(Reply::empty(204))
    } else {
        Err(fail(404, 2001, format!("{handle} is not blocked")))
    }
}
