//! Polls: create one in an iMessage chat (a message of yours whose content
//! is its options), read it, add options, vote. The poll's delivery is told
//! by `poll.sent`, `.delivered` and `.read` as time advances; options added
//! emit `poll.updated`, votes `poll.vote.added` / `poll.vote.removed`.

use serde_json::{Map, Value, json};

use super::call::{Call, Handler};
use super::compose::push_message;
use super::idempotency::{remember, replay};
use crate::NOT_FOUND;
use crate::reply::{Fail, Handled, Reply, bad, fail, optional_str, required, required_str};
use crate::state::State;
use crate::state::model::Service;
use crate::state::polls::{Poll, PollOption};

pub(crate) const HANDLERS: &[(&str, Handler)] = &[
    ("chats.polls.create", create),
    ("messages.poll.retrieve", retrieve),
    ("messages.poll.add_options", add_options),
    ("messages.poll.vote", vote),
];

/// The option texts of a request: each a non-blank string.
fn option_texts(value: &Value) -> Result<Vec<String>, Fail> {
    let list = value
        .as_array()
        .ok_or_else(|| bad(1005, "options must be an array of {text}"))?;
    list.iter()
        .map(|o| {
            let text = o["text"]
                .as_str()
                .ok_or_else(|| bad(1001, "Missing required field: options[].text"))?;
            if text.trim().is_empty() {
                return Err(bad(1005, "a poll option's text must not be blank"));
            }
            Ok(text.to_owned())
        })
        .collect()
}

fn create(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.chat_index(call.param("chatId"))?;
    let body = call.object()?;
    let poll = required(&body, "poll")?
        .as_object()
        .ok_or_else(|| bad(1005, "poll must be an object"))?;
    let key = optional_str(poll, "idempotency_key")?.map(str::to_owned);
    if let Some(replayed) = replay(state, call, key.as_deref()) {
        return replayed;
    }
    state.require_me(i)?;
    if state.chats[i].service != Service::IMessage {
        return Err(bad(1005, "Polls are iMessage-only"));
    }
    let texts = option_texts(required(poll, "options")?)?;
    if texts.len() < 2 {
        return Err(bad(1005, "A poll needs at least two options"));
    }
    let line = state.chats[i].line.clone();
    let options = texts
        .into_iter()
        .map(|text| PollOption {
            id: state.ids.uuid(),
            text,
            creator: line.clone(),
            voters: Vec::new(),
        })
        .collect();
    let m = push_message(state, i, &Map::new(), Vec::new(), key.clone())?;
    state.messages[m].poll = Some(Poll { options });
    let reply = Reply::json(200, poll_json(state, m));
    let id = state.messages[m].id.clone();
    remember(state, call, key, &id, &reply);
    Ok(reply)
}

/// The reply of every poll operation: the poll and its message.
fn poll_json(state: &State, m: usize) -> Value {
    let message = &state.messages[m];
    let chat = state.chat_of(message);
    json!({
        "chat_id": chat.id,
        "message_id": message.id,
        "created_at": message.created_at,
        "updated_at": message.updated_at,
        "poll": message.poll.as_ref().map(|p| p.json(chat)),
        "reactions": message.reactions_json(chat, None),
    })
}

/// The index of the poll message the path names.
fn poll_index(state: &State, call: &Call<'_>) -> Result<usize, Fail> {
    let m = state.message_index(call.param("messageId"))?;
    if state.messages[m].poll.is_none() {
        return Err(fail(404, NOT_FOUND, "This message is not a poll"));
    }
    Ok(m)
}

fn retrieve(state: &mut State, call: &Call<'_>) -> Handled {
    let m = poll_index(state, call)?;
    Ok(Reply::json(200, poll_json(state, m)))
}

fn add_options(state: &mut State, call: &Call<'_>) -> Handled {
    let m = poll_index(state, call)?;
    let body = call.object()?;
    let texts = option_texts(required(&body, "options")?)?;
    if texts.is_empty() {
        return Err(bad(1005, "options must name at least one option"));
    }
    let chat = state.chat_index(&state.messages[m].chat_id.clone())?;
    state.require_me(chat)?;
    let line = state.chats[chat].line.clone();
    let now = state.time.rfc3339();
    let mut added = Vec::new();
    for text in texts {
        let option = PollOption {
            id: state.ids.uuid(),
            text,
            creator: line.clone(),
            voters: Vec::new(),
        };
        added.push(option.id.clone());
        let message = &mut state.messages[m];
        message
            .poll
            .get_or_insert_with(Poll::default)
            .options
            .push(option);
        message.updated_at = now.clone();
    }
    let (message, c) = (&state.messages[m], &state.chats[chat]);
    let poll = message
        .poll
        .as_ref()
        .map(|p| p.json(c))
        .unwrap_or(Value::Null);
    let added_options: Vec<Value> = poll["options"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| added.iter().any(|id| o["option_id"] == id.as_str()))
        .cloned()
        .collect();
    let data = json!({
        "added_options": added_options,
        "chat": c.event_chat(),
        "direction": "outbound",
        "message_id": message.id,
        "sender_handle": c.me().json(c.service),
        "service": c.service.as_str(),
        "zero_retention": false,
    });
    state.emit("poll.updated", Some(line), data);
    Ok(Reply::json(200, poll_json(state, m)))
}

fn vote(state: &mut State, call: &Call<'_>) -> Handled {
    let m = poll_index(state, call)?;
    let body = call.object()?;
    let operation = required_str(&body, "operation")?.to_owned();
    let option_id = required_str(&body, "option_id")?.to_owned();
    let chat = state.chat_index(&state.messages[m].chat_id.clone())?;
    state.require_me(chat)?;
    let line = state.chats[chat].line.clone();
    let now = state.time.rfc3339();
    let message = &mut state.messages[m];
    let Some(option) = message
        .poll
        .as_mut()
        .and_then(|p| p.options.iter_mut().find(|o| o.id == option_id))
    else {
        return Err(fail(404, NOT_FOUND, "The poll has no option with this id"));
    };
    let voted = option.voters.iter().position(|(h, _)| *h == line);
    let event = match (operation.as_str(), voted) {
        ("add", None) => {
            option.voters.push((line.clone(), now.clone()));
            Some("poll.vote.added")
        }
        ("remove", Some(at)) => {
            option.voters.remove(at);
            Some("poll.vote.removed")
        }
        // Already so: nothing changes.
        ("add" | "remove", _) => None,
        (other, _) => {
            return Err(bad(
                1005,
                format!("operation must be add or remove, not {other:?}"),
            ));
        }
    };
    if let Some(event) = event {
        message.updated_at = now;
        let c = &state.chats[chat];
        let data = json!({
            "chat": c.event_chat(),
            "direction": "outbound",
            "message_id": state.messages[m].id,
            "option_id": option_id,
            "sender_handle": c.me().json(c.service),
            "service": c.service.as_str(),
            "zero_retention": false,
        });
        state.emit(event, Some(line), data);
    }
    Ok(Reply::json(200, poll_json(state, m)))
}
