//! Group participants: add and remove, applied on the next step of time.

use super::call::{Call, Handler};
use crate::reply::{Handled, bad, check_handle, required_str};
use crate::state::{Pending, State};

pub(crate) const HANDLERS: &[(&str, Handler)] = &[
    ("chats.participants.add", add),
    ("chats.participants.remove", remove),
];

pub(crate) fn add(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.chat_index(call.param("chatId"))?;
    let body = call.object()?;
    let handle = check_handle(required_str(&body, "handle")?)?;
    state.blocked.refuse(std::slice::from_ref(&handle))?;
    let chat = &state.chats[i];
    if !chat.is_group || chat.active_count() < 3 {
        return Err(bad(
            1006,
            "Participants can only be added to group chats (3 or more participants)",
        ));
    }
    state.require_me(i)?;
    let chat = &state.chats[i];
    if !state.capabilities(&handle).supports(chat.service) {
        return Err(bad(
            1005,
            format!(
                "{handle} cannot be reached over {}, the service of this group; create a new chat instead",
                chat.service
            ),
        ));
    }
    let chat_id = chat.id.clone();
    let queued = state.pending.iter().any(
        |p| matches!(p, Pending::AddMember { chat, handle: h } if *chat == chat_id && *h == handle),
    );
    if chat.active_member(&handle).is_none() && !queued {
        state.pending.push_back(Pending::AddMember {
            chat: chat_id,
            handle,
        });
    }
    Ok(state.accepted(202, "Participant addition queued"))
}

pub(crate) fn remove(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.chat_index(call.param("chatId"))?;
    let body = call.object()?;
    let handle = check_handle(required_str(&body, "handle")?)?;
    state.blocked.refuse(std::slice::from_ref(&handle))?;
    let chat = &state.chats[i];
    if !chat.is_group {
        return Err(bad(
            1006,
            "Participants can only be removed from group chats",
        ));
    }
    state.require_me(i)?;
    let chat = &state.chats[i];
    let chat_id = chat.id.clone();
    match chat.active_member(&handle) {
        None => {
            return Err(bad(
                1005,
                format!("{handle} is not a participant of this chat"),
            ));
        }
        Some(m) if m.is_me => {
            return Err(bad(1005, "To remove your own line, leave the chat"));
        }
        Some(_) => {}
    }
    let queued: Vec<&String> = state
        .pending
        .iter()
        .filter_map(|p| match p {
            Pending::RemoveMember { chat, handle } if *chat == chat_id => Some(handle),
            Pending::Leave { chat } if *chat == chat_id => Some(&chat_id),
            _ => None,
        })
        .collect();
    if !queued.contains(&&handle) {
        let left_after = chat.active_count() - queued.len() - 1;
        if left_after < 3 {
            return Err(bad(
                1005,
                format!(
                    "A group chat must keep 3 or more participants; removing {handle} would leave {left_after}"
                ),
            ));
        }
        state.pending.push_back(Pending::RemoveMember {
            chat: chat_id,
            handle,
        });
    }
    Ok(state.accepted(202, "Participant removal queued"))
}
