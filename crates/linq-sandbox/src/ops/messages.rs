//! Messages: send into a chat or to handles, read, edit, delete, list,
//! threads; and the parts every send shares.

use serde_json::{Map, Value, json};

use super::chats::recipients;
use super::idempotency::{remember, replay};
use super::paging::page;
use super::{Call, Fail, Handled, Handler, Reply, bad, fail, optional_str, required, required_str};
use crate::state::State;
use crate::state::model::{Message, Status};

pub(crate) const HANDLERS: &[(&str, Handler)] = &[
    ("chats.messages.send", send),
    ("chats.messages.list", list),
    ("messages.create", create),
    ("messages.retrieve", retrieve),
    ("messages.update", update),
    ("messages.delete", delete),
    ("messages.list_messages_thread", thread),
];

fn retrieve(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.message_index(call.param("messageId"))?;
    let m = &state.messages[i];
    Ok(Reply::json(200, m.json(state.chat_of(m))))
}

fn delete(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.message_index(call.param("messageId"))?;
    state.messages.remove(i);
    Ok(Reply::empty(204))
}

pub(crate) fn send(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.chat_index(call.param("chatId"))?;
    let body = call.object()?;
    let message = required(&body, "message")?
        .as_object()
        .ok_or_else(|| bad(1004, "message must be an object"))?;
    let key = optional_str(message, "idempotency_key")?.map(str::to_owned);
    if let Some(replayed) = replay(state, call, key.as_deref()) {
        return replayed;
    }
    state.require_me(i)?;
    let recipients = state.chats[i].recipients();
    state.blocked.refuse(&recipients)?;
    state.refuse_opted_out(&recipients, &body)?;
    let parts = parts(state, message)?;
    let m = push_message(state, i, message, parts, key.clone())?;
    let chat = &state.chats[i];
    let msg = &state.messages[m];
    let reply = Reply::json(
        202,
        json!({"chat_id": chat.id, "message": msg.sent_json(chat)}),
    );
    let id = msg.id.clone();
    remember(state, call, key, &id, &reply);
    Ok(reply)
}

pub(crate) fn create(state: &mut State, call: &Call<'_>) -> Handled {
    let body = call.object()?;
    let message = required(&body, "message")?
        .as_object()
        .ok_or_else(|| bad(1004, "message must be an object"))?;
    let key = call
        .headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(optional_str(message, "idempotency_key")?.map(str::to_owned));
    if let Some(replayed) = replay(state, call, key.as_deref()) {
        return replayed;
    }
    let recipients = recipients(state, &body)?;
    state.refuse_opted_out(&recipients, &body)?;
    let excluded: Vec<&str> = body
        .get("exclude_from")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let parts = parts(state, message)?;
    let existing = state
        .chats
        .iter()
        .enumerate()
        .filter(|(_, c)| c.me_active() && c.recipients() == recipients)
        .max_by_key(|(_, c)| {
            (
                !excluded.contains(&c.line.as_str()),
                state
                    .messages
                    .iter()
                    .filter(|m| m.chat_id == c.id)
                    .map(|m| m.seq)
                    .max()
                    .unwrap_or(c.seq),
            )
        })
        .map(|(i, _)| i);
    let (i, created) = match existing {
        Some(i) => (i, false),
        None => {
            let line = state
                .lines
                .iter()
                .find(|l| !excluded.contains(&l.number.as_str()))
                .or(state.lines.first())
                .map(|l| l.number.clone())
                .ok_or_else(|| fail(409, 4002, "No line is available to send from"))?;
            let service =
                state.pick_service(&recipients, optional_str(message, "preferred_service")?)?;
            (state.new_chat(&line, &recipients, service), true)
        }
    };
    let m = push_message(state, i, message, parts, key.clone())?;
    let chat = &state.chats[i];
    let msg = &state.messages[m];
    let reply = Reply::json(
        202,
        json!({
            "chat_id": chat.id,
            "created_new_chat": created,
            "from": chat.line,
            "from_selection": {
                "reason": if created { "new_best_number" } else { "reused_active_chat" },
                "reused_existing_chat": !created,
            },
            "handles": chat.handles_json(),
            "is_group": chat.is_group,
            "message": msg.sent_json(chat),
            "service": chat.service.as_str(),
            "previous_chat_id": null,
        }),
    );
    let id = msg.id.clone();
    remember(state, call, key, &id, &reply);
    Ok(reply)
}

pub(crate) fn update(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.message_index(call.param("messageId"))?;
    let body = call.object()?;
    let text = required_str(&body, "text")?.to_owned();
    let index = match body.get("part_index") {
        None | Some(Value::Null) => 0,
        Some(v) => {
            v.as_u64()
                .ok_or_else(|| bad(1005, "part_index must be a whole number"))? as usize
        }
    };
    let now = state.time.rfc3339();
    let m = &mut state.messages[i];
    if !m.is_from_me {
        return Err(bad(1005, "Only your own messages can be edited"));
    }
    let Some(part) = m.parts.get_mut(index).filter(|p| p["type"] == "text") else {
        return Err(bad(1005, "part_index does not name a text part"));
    };
    part["value"] = Value::String(text);
    let part = part.clone();
    m.updated_at = now.clone();
    let m = &state.messages[i];
    let chat = state.chat_of(m);
    let data = json!({
        "id": m.id,
        "chat": chat.event_chat(),
        "direction": "outbound",
        "edited_at": now,
        "part": {"index": index, "text": part["value"]},
        "sender_handle": chat.me().json(chat.service),
        "zero_retention": false,
    });
    let (reply, line) = (m.json(chat), chat.line.clone());
    state.emit("message.edited", Some(line), data);
    Ok(Reply::json(200, reply))
}

pub(crate) fn list(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.chat_index(call.param("chatId"))?;
    let chat = &state.chats[i];
    let items = state
        .messages
        .iter()
        .filter(|m| m.chat_id == chat.id)
        .map(|m| (m.seq, m.json(chat)))
        .collect();
    let (messages, next) = page(state, call, items, false)?;
    Ok(Reply::json(
        200,
        json!({"messages": messages, "next_cursor": next}),
    ))
}

pub(crate) fn root_of(state: &State, id: &str) -> String {
    let mut current = id.to_owned();
    for _ in 0..64 {
        let parent = state
            .messages
            .iter()
            .find(|m| m.id == current)
            .and_then(|m| m.reply_to.as_ref())
            .and_then(|r| r["message_id"].as_str())
            .filter(|p| state.messages.iter().any(|m| m.id == *p));
        match parent {
            Some(p) => current = p.to_owned(),
            None => break,
        }
    }
    current
}

pub(crate) fn thread(state: &mut State, call: &Call<'_>) -> Handled {
    let root = root_of(state, call.param("messageId"));
    let ascending = match call.query("order") {
        None | Some("asc") => true,
        Some("desc") => false,
        Some(_) => return Err(bad(1005, "order must be asc or desc")),
    };
    let items = state
        .messages
        .iter()
        .filter(|m| m.id == root || root_of(state, &m.id) == root)
        .map(|m| (m.seq, m.json(state.chat_of(m))))
        .collect();
    let (messages, next) = page(state, call, items, ascending)?;
    Ok(Reply::json(
        200,
        json!({"messages": messages, "next_cursor": next}),
    ))
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
