//! Cursor pagination shared by the lists.

use serde_json::Value;

use super::call::Call;
use crate::reply::{Fail, bad};
use crate::state::State;

pub(crate) fn page(
    state: &State,
    call: &Call<'_>,
    mut items: Vec<(u64, Value)>,
    ascending: bool,
) -> Result<(Vec<Value>, Option<String>), Fail> {
    let limit = match call.query("limit") {
        None => 20,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n >= 1 => n.min(100) as usize,
            _ => return Err(bad(1005, "limit must be a whole number from 1 to 100")),
        },
    };
    if ascending {
        items.sort_by_key(|(seq, _)| *seq);
    } else {
        items.sort_by_key(|(seq, _)| std::cmp::Reverse(*seq));
    }
    if let Some(cursor) = call.query("cursor").filter(|c| !c.is_empty()) {
        // In mock mode a cursor this server never gave out is the
        // first page: SDK suites send made-up ones.
        match cursor.parse::<u64>() {
            Ok(after) => items.retain(|(seq, _)| {
                if ascending {
                    *seq > after
                } else {
                    *seq < after
                }
            }),
            Err(_) if state.mock => {}
            Err(_) => return Err(bad(1005, "cursor is not one this server returned")),
        }
    }
    let more = items.len() > limit;
    items.truncate(limit);
    let next = if more {
        items.last().map(|(seq, _)| seq.to_string())
    } else {
        None
    };
    Ok((items.into_iter().map(|(_, v)| v).collect(), next))
}
