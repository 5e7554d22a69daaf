//! Chats: start, read, list, rename, leave, mark read, typing.

use serde_json::json;

use super::call::{Call, Handler};
use super::compose::{parts, push_message, recipients};
use super::idempotency::{remember, replay};
use super::paging::page;
use crate::reply::{Handled, Reply, bad, check_handle, fail, optional_str, required, required_str};
use crate::state::model::Service;
use crate::state::{Pending, State};

pub(crate) const HANDLERS: &[(&str, Handler)] = &[
    ("chats.create", create),
    ("chats.retrieve", retrieve),
    ("chats.update", update),
    ("chats.leave_chat", leave),
    ("chats.list_chats", list),
    ("chats.mark_as_read", mark_read),
    ("chats.typing.start", |state, call| {
        typing(state, call, true)
    }),
    ("chats.typing.stop", |state, call| {
        typing(state, call, false)
    }),
];

fn contains_url(text: &str) -> bool {
    text.contains("http://") || text.contains("https://") || text.contains("www.")
}

fn retrieve(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.chat_index(call.param("chatId"))?;
    Ok(Reply::json(200, state.chats[i].json()))
}

pub(crate) fn create(state: &mut State, call: &Call<'_>) -> Handled {
    let body = call.object()?;
    let message = required(&body, "message")?
        .as_object()
        .ok_or_else(|| bad(1004, "message must be an object"))?;
    let key = optional_str(message, "idempotency_key")?.map(str::to_owned);
    if let Some(replayed) = replay(state, call, key.as_deref()) {
        return replayed;
    }
    let from = required_str(&body, "from")?;
    let from = check_handle(from)?;
    if !state.is_line(&from) {
        return Err(fail(
            403,
            2006,
            "You don't have permission to send from this phone number",
        ));
    }
    let recipients = recipients(state, &body)?;
    state.refuse_opted_out(&recipients, &body)?;
    let parts = parts(state, message)?;
    if parts
        .iter()
        .any(|p| p["type"] == "link" || p["value"].as_str().is_some_and(contains_url))
    {
        return Err(bad(
            1005,
            "The first message of a new chat cannot contain a link",
        ));
    }
    let service = state.pick_service(&recipients, optional_str(message, "preferred_service")?)?;
    let i = state.new_chat(&from, &recipients, service);
    let m = push_message(state, i, message, parts, key.clone())?;
    let chat = &state.chats[i];
    let msg = &state.messages[m];
    let reply = Reply::json(
        201,
        json!({
            "chat": {
                "id": chat.id,
                "display_name": chat.display_name,
                "handles": chat.handles_json(),
                "health_status": chat.health(),
                "is_group": chat.is_group,
                "message": msg.sent_json(chat),
                "service": chat.service.as_str(),
            }
        }),
    );
    let id = msg.id.clone();
    remember(state, call, key, &id, &reply);
    Ok(reply)
}

pub(crate) fn update(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.chat_index(call.param("chatId"))?;
    let body = call.object()?;
    let name = optional_str(&body, "display_name")?;
    let icon = optional_str(&body, "group_chat_icon")?;
    let chat = &state.chats[i];
    if !chat.is_group {
        return Err(bad(
            1006,
            "Cannot update a direct message chat (only group chats)",
        ));
    }
    state.require_me(i)?;
    let chat_id = chat.id.clone();
    if let Some(name) = name {
        state.pending.push_back(Pending::Rename {
            chat: chat_id.clone(),
            name: name.to_owned(),
        });
    }
    if let Some(url) = icon {
        state.pending.push_back(Pending::Icon {
            chat: chat_id.clone(),
            url: url.to_owned(),
        });
    }
    Ok(Reply::json(
        200,
        json!({"chat_id": chat_id, "status": "accepted"}),
    ))
}

pub(crate) fn leave(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.chat_index(call.param("chatId"))?;
    let chat = &state.chats[i];
    if !chat.is_group {
        return Err(bad(1006, "Cannot leave a direct message chat"));
    }
    state.require_me(i)?;
    let chat = &state.chats[i];
    if chat.service != Service::IMessage || chat.active_count() < 4 {
        return Err(bad(
            1005,
            "Leaving is supported for iMessage groups with 4 or more active participants",
        ));
    }
    let chat_id = chat.id.clone();
    if state
        .pending
        .iter()
        .any(|p| matches!(p, Pending::Leave { chat } if *chat == chat_id))
    {
        return Err(fail(409, 1005, "A leave is already queued for this chat"));
    }
    state.pending.push_back(Pending::Leave { chat: chat_id });
    Ok(state.accepted(200, "Leave queued"))
}

pub(crate) fn mark_read(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.chat_index(call.param("chatId"))?;
    state.require_me(i)?;
    let chat_id = state.chats[i].id.clone();
    let now = state.time.rfc3339();
    for m in state
        .messages
        .iter_mut()
        .filter(|m| m.chat_id == chat_id && !m.is_from_me && !m.is_read)
    {
        m.is_read = true;
        m.read_at = Some(now.clone());
        m.updated_at = now.clone();
    }
    Ok(Reply::empty(204))
}

pub(crate) fn typing(state: &mut State, call: &Call<'_>, on: bool) -> Handled {
    let i = state.chat_index(call.param("chatId"))?;
    state.require_me(i)?;
    let chat = &mut state.chats[i];
    chat.typing = on;
    let data = json!({"chat_id": chat.id, "actor_handle": chat.me().json(chat.service)});
    let line = chat.line.clone();
    let event = if on {
        "chat.typing_indicator.started"
    } else {
        "chat.typing_indicator.stopped"
    };
    state.emit(event, Some(line), data);
    Ok(Reply::empty(204))
}

pub(crate) fn list(state: &mut State, call: &Call<'_>) -> Handled {
    let from = call.query("from");
    let to = call.query("to");
    let items = state
        .chats
        .iter()
        .filter(|c| from.is_none_or(|f| c.line == f))
        .filter(|c| to.is_none_or(|t| c.active_member(t).is_some()))
        .map(|c| (c.seq, c.json()))
        .collect();
    let (chats, next) = page(state, call, items, false)?;
    Ok(Reply::json(
        200,
        json!({"chats": chats, "next_cursor": next}),
    ))
}
