//! What tools answer: compact JSON an agent can read (ids, text, times),
//! errors with Linq's code, message and trace id, and no secrets.

use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::{Map, Value, json};

use crate::policy::Refusal;

/// Longest reply text before lists are cut short.
pub const MAX_REPLY_CHARS: usize = 8_000;
/// Longest string kept whole in a generic reply.
const MAX_STRING_CHARS: usize = 600;

/// A successful tool result holding `value` as compact JSON.
pub fn ok(value: Value) -> CallToolResult {
    let mut value = value;
    redact(&mut value);
    CallToolResult::success(vec![ContentBlock::text(fit(value).to_string())])
}

/// A tool error (`isError: true`) from a client error.
pub fn api_error(error: &linq_client::Error) -> CallToolResult {
    let mut body = Map::new();
    if let Some(api) = error.as_api() {
        body.insert("status".into(), json!(api.status.as_u16()));
        if let Some(code) = error.code() {
            body.insert(
                "code".into(),
                serde_json::to_value(code).unwrap_or(Value::Null),
            );
        }
        body.insert("message".into(), json!(api.message));
        if let Some(trace) = error.trace_id() {
            body.insert("trace_id".into(), json!(trace));
        }
    } else {
        let kind = if error.is_invalid_input() {
            "invalid_input"
        } else if error.is_timeout() {
            "timeout"
        } else {
            "request_failed"
        };
        body.insert("kind".into(), json!(kind));
        body.insert("message".into(), json!(error.to_string()));
    }
    if let Some(op) = error.operation() {
        body.insert("operation".into(), json!(op));
    }
    tool_error(json!({ "error": body }))
}

/// A tool error for a refused call: nothing was sent.
pub fn refused(refusal: Refusal) -> CallToolResult {
    tool_error(json!({"error": {"kind": "refused", "message": refusal.0}}))
}

/// A tool error for bad arguments caught before any request.
pub fn invalid(message: impl Into<String>) -> CallToolResult {
    tool_error(json!({"error": {"kind": "invalid_input", "message": message.into()}}))
}

fn tool_error(mut value: Value) -> CallToolResult {
    redact(&mut value);
    CallToolResult::error(vec![ContentBlock::text(value.to_string())])
}

/// A message as an agent needs it: who, what, when, where it stands.
pub fn message(m: &Value) -> Value {
    let mut out = Map::new();
    copy(m, &mut out, &["id", "chat_id"]);
    let from = m["from_handle"]["handle"].as_str().or(m["from"].as_str());
    if let Some(from) = from {
        out.insert("from".into(), json!(from));
    }
    copy(m, &mut out, &["is_from_me"]);
    let parts = m["parts"].as_array().map(Vec::as_slice).unwrap_or_default();
    let text: Vec<&str> = parts
        .iter()
        .filter(|p| p["type"] == "text")
        .filter_map(|p| p["value"].as_str())
        .collect();
    if !text.is_empty() {
        out.insert("text".into(), json!(text.join("\n")));
    }
    let media: Vec<Value> = parts
        .iter()
        .filter(|p| p["type"] != "text")
        .map(|p| {
            let mut m = Map::new();
            copy(p, &mut m, &["type", "url", "filename", "mime_type", "id"]);
            Value::Object(m)
        })
        .collect();
    if !media.is_empty() {
        out.insert("attachments".into(), Value::Array(media));
    }
    if let Some(status) = m.get("delivery_status") {
        out.insert("status".into(), status.clone());
    }
    if let Some(reply_to) = m["reply_to"]["message_id"].as_str() {
        out.insert("reply_to".into(), json!(reply_to));
    }
    copy(m, &mut out, &["service", "created_at", "read_at"]);
    Value::Object(out)
}

/// A chat as an agent needs it: id, who is in it, which service.
pub fn chat(c: &Value) -> Value {
    let mut out = Map::new();
    copy(c, &mut out, &["id", "display_name", "is_group", "service"]);
    let handles = c["handles"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let members: Vec<&str> = handles
        .iter()
        .filter(|h| h["is_me"] != true)
        .filter_map(|h| h["handle"].as_str())
        .collect();
    out.insert("members".into(), json!(members));
    if let Some(me) = handles
        .iter()
        .find(|h| h["is_me"] == true)
        .and_then(|h| h["handle"].as_str())
    {
        out.insert("line".into(), json!(me));
    }
    copy(c, &mut out, &["updated_at"]);
    Value::Object(out)
}

fn copy(from: &Value, to: &mut Map<String, Value>, keys: &[&str]) {
    for key in keys {
        match from.get(*key) {
            None | Some(Value::Null) => {}
            Some(v) => {
                to.insert((*key).to_owned(), v.clone());
            }
        }
    }
}

/// Fields whose values are secrets: never shown, whatever the operation.
fn is_secret_field(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "secret",
        "token",
        "password",
        "api_key",
        "apikey",
        "authorization",
    ]
    .iter()
    .any(|s| name.contains(s))
}

/// Replaces every secret-named field's value with a note.
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret_field(k) && !v.is_null() && !v.is_boolean() {
                    *v = json!("(hidden by linq-mcp)");
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// Drops nulls and, when the reply is still long, shortens long strings
/// and lists (saying how many items were left out). What is still longer
/// than [`MAX_REPLY_CHARS`] (an object with thousands of keys, say) becomes
/// the start of its JSON text, marked as cut.
pub fn fit(mut value: Value) -> Value {
    drop_nulls(&mut value);
    if value.to_string().len() <= MAX_REPLY_CHARS {
        return value;
    }
    shorten_strings(&mut value);
    let mut keep = 20;
    while value.to_string().len() > MAX_REPLY_CHARS && keep > 1 {
        cut_lists(&mut value, keep);
        keep /= 2;
    }
    let text = value.to_string();
    if text.len() <= MAX_REPLY_CHARS {
        return value;
    }
    // Room for the wrapper and for escaping the quotes and backslashes of
    // the kept text.
    let room = (MAX_REPLY_CHARS - 200) / 2;
    let mut end = room.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    json!({"cut": true, "start_of_reply": &text[..end],
           "note": "the reply was too long; ask for less (a smaller limit or a filter)"})
}

fn drop_nulls(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|k, v| !v.is_null() && k != "extra");
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

fn shorten_strings(v: &mut Value) {
    match v {
        Value::String(s) if s.chars().count() > MAX_STRING_CHARS => {
            let cut: String = s.chars().take(MAX_STRING_CHARS).collect();
            *s = format!("{cut}… (cut)");
        }
        Value::Object(map) => map.values_mut().for_each(shorten_strings),
        Value::Array(items) => items.iter_mut().for_each(shorten_strings),
        _ => {}
    }
}

fn cut_lists(v: &mut Value, keep: usize) {
    match v {
        Value::Object(map) => {
            let mut notes = Vec::new();
            for (k, item) in map.iter_mut() {
                if let Value::Array(items) = item {
                    if items.len() > keep {
                        notes.push((format!("{k}_left_out"), items.len() - keep));
                        items.truncate(keep);
                    }
                }
                cut_lists(item, keep);
            }
            for (k, n) in notes {
                let total = map.get(&k).and_then(Value::as_u64).unwrap_or(0) + n as u64;
                map.insert(k, json!(total));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| cut_lists(i, keep)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_hidden_wherever_they_are() {
        let mut v = json!({"subscription": {"id": "s", "signing_secret": "whsec_abc"},
                           "items": [{"token": "t"}], "has_token": true});
        redact(&mut v);
        assert!(!v.to_string().contains("whsec_abc"));
        assert!(!v.to_string().contains("\"t\""));
        assert_eq!(v["has_token"], true);
        assert_eq!(v["subscription"]["id"], "s");
    }

    #[test]
    fn long_replies_are_cut_with_a_count() {
        let items: Vec<Value> = (0..500)
            .map(|i| json!({"id": i, "text": "x".repeat(50)}))
            .collect();
        let v = fit(json!({"messages": items, "next_cursor": null}));
        assert!(v.to_string().len() <= MAX_REPLY_CHARS);
        let kept = v["messages"].as_array().unwrap().len() as u64;
        assert_eq!(kept + v["messages_left_out"].as_u64().unwrap(), 500);
        assert!(v.get("next_cursor").is_none());
    }

    #[test]
    fn a_message_is_reduced_to_what_an_agent_reads() {
        let m = json!({"id": "m1", "chat_id": "c1", "from_handle": {"handle": "+12025550142", "id": "h"},
            "is_from_me": false, "parts": [{"type": "text", "value": "hi"}, {"type": "media", "url": "https://x/y.jpg", "size_bytes": 3}],
            "delivery_status": "delivered", "created_at": "2026-01-01T00:00:00Z", "updated_at": "x", "extra": {}});
        assert_eq!(
            message(&m),
            json!({"id": "m1", "chat_id": "c1", "from": "+12025550142", "is_from_me": false,
            "text": "hi", "attachments": [{"type": "media", "url": "https://x/y.jpg"}], "status": "delivered",
            "created_at": "2026-01-01T00:00:00Z"})
        );
    }
}
