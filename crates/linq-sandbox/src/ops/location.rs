//! Location sharing: ask a contact in a 1:1 iMessage chat to share, read
//! the positions shared with the chat's line (GeoJSON), stop a share.
//! The contact accepts, and a stop is carried out, on the next step of
//! time; each emits its `location.sharing.*` event.

use serde_json::json;

use super::call::{Call, Handler};
use crate::NOT_FOUND;
use crate::reply::{Handled, Reply, check_handle, fail, required_str};
use crate::state::model::Service;
use crate::state::{Pending, State};

pub(crate) const HANDLERS: &[(&str, Handler)] = &[
    ("chats.location.request", request),
    ("chats.location.retrieve", retrieve),
    ("chats.location.stop", stop),
];

fn request(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.chat_index(call.param("chatId"))?;
    state.require_me(i)?;
    let chat = &state.chats[i];
    if chat.is_group {
        return Err(fail(409, 2016, "Location requests work in 1:1 chats only"));
    }
    if chat.service != Service::IMessage {
        return Err(fail(409, 2017, "Location requests work on iMessage only"));
    }
    let handle = chat.recipients().into_iter().next().unwrap_or_default();
    let (chat_id, line) = (chat.id.clone(), chat.line.clone());
    if state
        .shares
        .iter()
        .any(|s| s.handle == handle && s.line == line)
    {
        return Err(fail(
            409,
            1005,
            "This contact already shares their location; read it with GET .../location",
        ));
    }
    let queued = state.pending.iter().any(
        |p| matches!(p, Pending::ShareLocation { chat, handle: h } if *chat == chat_id && *h == handle),
    );
    if !queued {
        state.pending.push_back(Pending::ShareLocation {
            chat: chat_id,
            handle,
        });
    }
    Ok(Reply::json(
        200,
        json!({"success": true, "message": "Location request sent"}),
    ))
}

fn retrieve(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.chat_index(call.param("chatId"))?;
    let chat = &state.chats[i];
    let members = chat.recipients();
    let features: Vec<_> = state
        .shares
        .iter()
        .filter(|s| s.line == chat.line && members.contains(&s.handle))
        .map(|s| s.feature())
        .collect();
    Ok(Reply::json(
        200,
        json!({"success": true, "data": {"type": "FeatureCollection", "features": features}}),
    ))
}

fn stop(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.chat_index(call.param("chatId"))?;
    let body = call.object()?;
    let handle = check_handle(required_str(&body, "handle")?)?;
    let line = state.chats[i].line.clone();
    if !state
        .shares
        .iter()
        .any(|s| s.handle == handle && s.line == line)
    {
        return Err(fail(
            404,
            NOT_FOUND,
            format!("{handle} is not sharing their location with you"),
        ));
    }
    let queued = state.pending.iter().any(
        |p| matches!(p, Pending::StopSharing { line: l, handle: h } if *l == line && *h == handle),
    );
    if !queued {
        state
            .pending
            .push_back(Pending::StopSharing { line, handle });
    }
    Ok(Reply::json(
        202,
        json!({"success": true, "message": "Location sharing stop requested"}),
    ))
}
