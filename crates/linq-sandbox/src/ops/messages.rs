//! Messages: send into a chat or to handles, read, edit, delete, list,
//! threads.

use serde_json::{Value, json};

use super::call::{Call, Handler};
use super::compose::{parts, push_message, recipients};
use super::idempotency::{remember, replay};
use super::paging::page;
use crate::reply::{Handled, Reply, bad, fail, optional_str, required, required_str};
use crate::state::State;

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
