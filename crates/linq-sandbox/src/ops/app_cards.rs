//! App card updates: a sent `imessage_app` card of yours is redrawn by a
//! new message carrying the card's app with a new url, fallback text and
//! layout. The new message has its own id and its own `message.*` life.

use serde_json::{Map, json};

use super::call::{Call, Handler};
use super::compose::push_message;
use crate::reply::{Handled, Reply, bad, fail, required};
use crate::state::State;
use crate::state::model::{Service, Status};

pub(crate) const HANDLERS: &[(&str, Handler)] = &[("messages.update_app_card", update)];

fn update(state: &mut State, call: &Call<'_>) -> Handled {
    let m = state.message_index(call.param("messageId"))?;
    let body = call.object()?;
    let layout = required(&body, "layout")?.clone();
    let card = &state.messages[m];
    let Some(part) = card.parts.iter().find(|p| p["type"] == "imessage_app") else {
        return Err(bad(1005, "The message is not an iMessage app card"));
    };
    if !card.is_from_me {
        return Err(bad(1005, "Only app cards you sent can be updated"));
    }
    if card.service != Service::IMessage {
        return Err(bad(1005, "App cards are iMessage-only"));
    }
    if card.status == Status::Queued {
        return Err(fail(
            409,
            1005,
            "The card is not sent yet; retry after its message.sent webhook",
        ));
    }
    if let Some(app) = body.get("app") {
        if *app != part["app"] {
            return Err(bad(1005, "The app of a card cannot change"));
        }
    }
    let layout_fields = [
        "caption",
        "subcaption",
        "trailing_caption",
        "trailing_subcaption",
        "image_url",
    ];
    if !layout_fields.iter().any(|f| layout.get(f).is_some()) {
        return Err(bad(
            1005,
            "layout needs at least one of caption, subcaption, trailing_caption, trailing_subcaption or image_url",
        ));
    }
    if (layout.get("image_title").is_some() || layout.get("image_subtitle").is_some())
        && layout.get("image_url").is_none()
    {
        return Err(bad(1005, "image_title and image_subtitle need image_url"));
    }
    let mut redrawn = part.clone();
    redrawn["layout"] = layout;
    for field in ["url", "fallback_text"] {
        if let Some(value) = body.get(field) {
            redrawn[field] = value.clone();
        }
    }
    let chat = state.chat_index(&card.chat_id.clone())?;
    state.require_me(chat)?;
    let new = push_message(state, chat, &Map::new(), vec![redrawn], None)?;
    let (message, c) = (&state.messages[new], &state.chats[chat]);
    Ok(Reply::json(
        200,
        json!({"chat_id": c.id, "message": message.sent_json(c)}),
    ))
}
