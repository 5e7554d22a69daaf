//! The account's contact cards (a name and photo per line) and sharing one
//! into a chat. Creating and updating a card emit the account events
//! `contact_card.created` and `contact_card.updated`.

use serde_json::{Map, Value, json};

use super::call::{Call, Handler};
use crate::reply::{Fail, Handled, Reply, bad, fail, optional_str, required_str};
use crate::state::State;
use crate::state::contact_cards::ContactCard;

pub(crate) const HANDLERS: &[(&str, Handler)] = &[
    ("contact_card.create", create),
    ("contact_card.retrieve", retrieve),
    ("contact_card.update", update),
    ("chats.share_contact_card", share),
];

/// How often one chat may be sent the card: once every five minutes.
const SHARE_EVERY_SECS: u64 = 300;

fn card_not_found() -> Fail {
    fail(404, 2012, "Contact card not found")
}

/// An account event about `card`.
fn account_event(state: &State, summary: String, card: &ContactCard) -> Map<String, Value> {
    let mut data = state.account_event(summary);
    data.insert("contact_card".into(), card.event_json());
    data.insert("phone_number".into(), json!(card.phone_number));
    data
}

fn non_blank<'a>(body: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, Fail> {
    match optional_str(body, key)? {
        Some(text) if text.trim().is_empty() => Err(bad(1005, format!("{key} must not be blank"))),
        other => Ok(other),
    }
}

fn create(state: &mut State, call: &Call<'_>) -> Handled {
    let body = call.object()?;
    let phone = required_str(&body, "phone_number")?.to_owned();
    let first_name = required_str(&body, "first_name")?;
    if first_name.trim().is_empty() {
        return Err(bad(1005, "first_name must not be blank"));
    }
    if !state.is_line(&phone) {
        return Err(fail(
            403,
            2006,
            "You don't have permission to use this phone number",
        ));
    }
    if state.contact_cards.iter().any(|c| c.phone_number == phone) {
        return Err(fail(
            409,
            2014,
            "This line already has an active contact card; update it with PATCH",
        ));
    }
    let card = ContactCard {
        id: state.ids.uuid(),
        phone_number: phone,
        first_name: first_name.to_owned(),
        last_name: non_blank(&body, "last_name")?.map(str::to_owned),
        image_url: non_blank(&body, "image_url")?.map(str::to_owned),
    };
    let summary = format!("Contact card created for {}", card.phone_number);
    let data = account_event(state, summary, &card);
    let reply = card.json();
    let line = card.phone_number.clone();
    state.contact_cards.push(card);
    state.emit("contact_card.created", Some(line), Value::Object(data));
    Ok(Reply::json(200, reply))
}

fn retrieve(state: &mut State, call: &Call<'_>) -> Handled {
    let phone = call.query("phone_number");
    let cards: Vec<Value> = state
        .contact_cards
        .iter()
        .filter(|c| phone.is_none_or(|p| c.phone_number == p))
        .map(ContactCard::json)
        .collect();
    if phone.is_some() && cards.is_empty() {
        return Err(card_not_found());
    }
    Ok(Reply::json(200, json!({"contact_cards": cards})))
}

fn update(state: &mut State, call: &Call<'_>) -> Handled {
    let phone = call.query("phone_number").unwrap_or_default().to_owned();
    let body = call.object()?;
    let i = state
        .contact_cards
        .iter()
        .position(|c| c.phone_number == phone)
        .ok_or_else(card_not_found)?;
    let first_name = non_blank(&body, "first_name")?.map(str::to_owned);
    let last_name = non_blank(&body, "last_name")?.map(str::to_owned);
    let image_url = non_blank(&body, "image_url")?.map(str::to_owned);
    let card = &mut state.contact_cards[i];
    let mut change = Map::new();
    if let Some(name) = first_name.filter(|n| *n != card.first_name) {
        change.insert(
            "first_name".into(),
            json!({"from": card.first_name, "to": name}),
        );
        card.first_name = name;
    }
    if let Some(name) = last_name.filter(|n| card.last_name.as_ref() != Some(n)) {
        change.insert(
            "last_name".into(),
            json!({"from": card.last_name, "to": name}),
        );
        card.last_name = Some(name);
    }
    if let Some(url) = image_url.filter(|u| card.image_url.as_ref() != Some(u)) {
        change.insert(
            "image_url".into(),
            json!({"from": card.image_url, "to": url}),
        );
        card.image_url = Some(url);
    }
    let card = card.clone();
    if !change.is_empty() {
        let summary = format!("Contact card updated for {}", card.phone_number);
        let mut data = account_event(state, summary, &card);
        data.insert("change".into(), Value::Object(change));
        state.emit(
            "contact_card.updated",
            Some(card.phone_number.clone()),
            Value::Object(data),
        );
    }
    Ok(Reply::json(200, card.json()))
}

fn share(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.chat_index(call.param("chatId"))?;
    state.require_me(i)?;
    let chat = &state.chats[i];
    if !state
        .contact_cards
        .iter()
        .any(|c| c.phone_number == chat.line)
    {
        return Err(card_not_found());
    }
    let now = state.time.unix_secs();
    if let Some(last) = state.card_shared.get(&chat.id) {
        if now < last + SHARE_EVERY_SECS {
            return Err(fail(
                429,
                1007,
                "The contact card was shared with this chat less than 5 minutes ago",
            ));
        }
    }
    let id = chat.id.clone();
    state.card_shared.insert(id, now);
    Ok(Reply::empty(204))
}
