//! What every kind of send shares: the recipients of a new chat, a
//! message's parts checked and put in their reply form, and the message
//! stored. Used by the chats, messages, polls, voice memo and app card
//! handlers; it imports none of them.

use serde_json::{Map, Value, json};

use crate::reply::{Fail, bad, check_handle, fail, required};
use crate::state::State;
use crate::state::model::{Message, Status};

/// The `to` handles of a new chat: checked, none of your own lines,
/// deduplicated and sorted, none blocked.
pub(crate) fn recipients(state: &State, body: &Map<String, Value>) -> Result<Vec<String>, Fail> {
    let to = required(body, "to")?
        .as_array()
        .ok_or_else(|| bad(1005, "to must be an array of handles"))?;
    if to.is_empty() {
        return Err(bad(1005, "to must name at least one recipient"));
    }
    let mut out = Vec::new();
    for h in to {
        let h = h
            .as_str()
            .ok_or_else(|| bad(1005, "to must be an array of handles"))?;
        let h = check_handle(h)?;
        if state.is_line(&h) {
            return Err(bad(1005, "a recipient cannot be one of your own lines"));
        }
        if !out.contains(&h) {
            out.push(h);
        }
    }
    out.sort();
    state.blocked.refuse(&out)?;
    Ok(out)
}

/// Turns the request's parts into their reply form.
pub(crate) fn parts(state: &mut State, message: &Map<String, Value>) -> Result<Vec<Value>, Fail> {
    let parts = match message.get("parts") {
        None | Some(Value::Null) => {
            if message.get("experience").is_some_and(Value::is_object) {
                return Ok(Vec::new());
            }
            return Err(bad(1004, "A message needs parts or an experience"));
        }
        Some(Value::Array(parts)) if !parts.is_empty() => parts,
        Some(_) => return Err(bad(1004, "parts must be a non-empty array")),
    };
    let mut out = Vec::new();
    for part in parts {
        let kind = part["type"].as_str().unwrap_or_default();
        let converted = match kind {
            "text" | "link" => {
                let value = part["value"]
                    .as_str()
                    .ok_or_else(|| bad(1004, format!("a {kind} part needs a string value")))?;
                if value.trim().is_empty() {
                    return Err(bad(
                        1005,
                        format!("a {kind} part's value must not be blank"),
                    ));
                }
                let mut p = part.clone();
                p["value"] = Value::String(value.to_owned());
                p
            }
            "media" => {
                let url = part["url"].as_str();
                let attachment = part["attachment_id"].as_str();
                if url.is_none() && attachment.is_none() {
                    return Err(bad(1004, "a media part needs url or attachment_id"));
                }
                if let Some(id) = attachment {
                    out.push(attached(state, id)?);
                    continue;
                }
                let id = state.ids.uuid();
                let filename = url
                    .and_then(|u| u.rsplit('/').next())
                    .filter(|f| !f.is_empty())
                    .unwrap_or("attachment");
                json!({
                    "type": "media",
                    "id": id,
                    "filename": filename,
                    "mime_type": "application/octet-stream",
                    "size_bytes": 0,
                    "url": url,
                })
            }
            "imessage_app" | "app_clip" => part.clone(),
            _ => return Err(bad(1004, format!("unknown part type {kind:?}"))),
        };
        out.push(converted);
    }
    Ok(out)
}

/// The reply form of a media part naming an uploaded attachment.
pub(crate) fn attached(state: &State, id: &str) -> Result<Value, Fail> {
    let a = state
        .attachments
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| fail(404, 2003, "Attachment not found"))?;
    if a.data.is_none() {
        return Err(bad(
            2007,
            "The attachment's bytes have not been uploaded yet",
        ));
    }
    Ok(a.part_json())
}

pub(crate) fn push_message(
    state: &mut State,
    chat: usize,
    message: &Map<String, Value>,
    parts: Vec<Value>,
    key: Option<String>,
) -> Result<usize, Fail> {
    let reply_to = match message.get("reply_to") {
        Some(Value::Object(r)) => {
            let id = r
                .get("message_id")
                .and_then(Value::as_str)
                .ok_or_else(|| bad(1001, "reply_to needs message_id"))?;
            state.message_index(id)?;
            Some(
                json!({"message_id": id, "part_index": r.get("part_index").cloned().unwrap_or(Value::Null)}),
            )
        }
        _ => None,
    };
    let now = state.time.rfc3339();
    let seq = state.next_seq();
    let c = &mut state.chats[chat];
    c.typing = false;
    c.updated_at = now.clone();
    let m = Message {
        seq,
        id: state.ids.uuid(),
        chat_id: c.id.clone(),
        parts,
        status: Status::Queued,
        is_from_me: true,
        from: c.line.clone(),
        created_at: now.clone(),
        updated_at: now,
        sent_at: None,
        delivered_at: None,
        read_at: None,
        is_read: false,
        service: c.service,
        preferred_service: message
            .get("preferred_service")
            .and_then(Value::as_str)
            .map(str::to_owned),
        reply_to,
        effect: message.get("effect").filter(|e| e.is_object()).cloned(),
        idempotency_key: key,
        reactions: Vec::new(),
        poll: None,
    };
    state.messages.push(m);
    Ok(state.messages.len() - 1)
}
