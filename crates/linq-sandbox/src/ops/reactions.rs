//! Reactions on a message part: add and remove (stickers stay).

use serde_json::{Value, json};

use super::call::{Call, Handler};
use crate::NOT_FOUND;
use crate::reply::{Handled, bad, fail, optional_str, required_str};
use crate::spec;
use crate::state::State;
use crate::state::model::Reaction;

pub(crate) const HANDLERS: &[(&str, Handler)] = &[
    ("messages.add_reaction", add),
    ("messages.update_sticker_placement", place_sticker),
];

/// Moves, resizes or turns a sticker on the message: the fields given
/// replace the sticker's, the others keep theirs. No event: the catalogue
/// has none for it.
fn place_sticker(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.message_index(call.param("messageId"))?;
    let body = call.object()?;
    let placement = body
        .get("placement")
        .and_then(Value::as_object)
        .ok_or_else(|| bad(1001, "Missing required field: placement"))?;
    let chat = state.chat_index(&state.messages[i].chat_id.clone())?;
    state.require_me(chat)?;
    let reaction_id = call.param("reactionId");
    let Some(reaction) = state.messages[i]
        .reactions
        .iter_mut()
        .find(|r| r.id == reaction_id)
    else {
        return Err(fail(
            404,
            NOT_FOUND,
            "The message has no reaction with this id",
        ));
    };
    if reaction.kind != "sticker" {
        return Err(bad(
            1005,
            "Only stickers can be placed; this reaction is a tapback",
        ));
    }
    let mut current = reaction
        .placement
        .clone()
        .unwrap_or_else(|| json!({"x": 0.5, "y": 0.5, "scale": 1.0, "rotation": 0.0}));
    for (key, value) in placement {
        current[key] = value.clone();
    }
    reaction.placement = Some(current);
    Ok(state.accepted(200, "Sticker placement updated"))
}

pub(crate) fn add(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.message_index(call.param("messageId"))?;
    let body = call.object()?;
    let operation = required_str(&body, "operation")?;
    let kind = required_str(&body, "type")?.to_owned();
    let known = spec::schema("ReactionType")["enum"]
        .as_array()
        .is_some_and(|e| e.iter().any(|v| v == kind.as_str()));
    if !known {
        return Err(bad(1005, format!("Unknown reaction type {kind:?}")));
    }
    let custom = optional_str(&body, "custom_emoji")?.map(str::to_owned);
    if kind == "custom" && custom.is_none() {
        return Err(bad(1001, "custom_emoji is required when type is custom"));
    }
    let part_index = body.get("part_index").and_then(Value::as_u64).unwrap_or(0) as usize;
    if part_index >= state.messages[i].parts.len().max(1) {
        return Err(bad(1005, "part_index is out of range"));
    }
    let chat_idx = state.chat_index(&state.messages[i].chat_id.clone())?;
    state.require_me(chat_idx)?;
    let event = match operation {
        "add" => {
            let id = state.ids.uuid();
            let from = state.chats[chat_idx].line.clone();
            state.messages[i].reactions.push(Reaction {
                placement: None,
                from,
                id: id.clone(),
                part_index,
                kind: kind.clone(),
                custom_emoji: custom.clone(),
            });
            // A reaction on a poll is told by poll.reaction.added.
            let event = if state.messages[i].poll.is_some() {
                "poll.reaction.added"
            } else {
                "reaction.added"
            };
            (event, id)
        }
        "remove" => {
            if kind == "sticker" {
                return Err(bad(1005, "Stickers cannot be removed"));
            }
            let m = &mut state.messages[i];
            let Some(pos) = m.reactions.iter().position(|r| {
                r.kind == kind && r.part_index == part_index && r.custom_emoji == custom
            }) else {
                return Err(bad(1005, "There is no such reaction to remove"));
            };
            let r = m.reactions.remove(pos);
            ("reaction.removed", r.id)
        }
        other => {
            return Err(bad(
                1005,
                format!("operation must be add or remove, not {other:?}"),
            ));
        }
    };
    let m = &state.messages[i];
    let chat = state.chat_of(m);
    let data = json!({
        "is_from_me": true,
        "reaction_type": kind,
        "chat_id": chat.id,
        "custom_emoji": custom,
        "from": chat.line,
        "from_handle": chat.me().json(chat.service),
        "message_id": m.id,
        "part_index": part_index,
        "reacted_at": state.time.rfc3339(),
        "reaction_id": event.1,
        "service": chat.service.as_str(),
    });
    let line = chat.line.clone();
    state.emit(event.0, Some(line), data);
    Ok(state.accepted(200, "Reaction processed"))
}
