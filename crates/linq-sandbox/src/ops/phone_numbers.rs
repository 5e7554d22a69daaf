//! The account's phone numbers (lines).

use serde_json::{Value, json};

use super::{Handler, Reply};
use crate::state::State;

pub(crate) const HANDLERS: &[(&str, Handler)] = &[
    ("phonenumbers.list", |state, _| Ok(legacy_list(state))),
    ("phone_numbers.list", |state, _| Ok(list(state))),
];

pub(crate) fn legacy_list(state: &State) -> Reply {
    let numbers: Vec<Value> = state
        .lines
        .iter()
        .map(|l| {
            json!({
                "id": l.id,
                "phone_number": l.number,
                "capabilities": {"mms": true, "sms": true, "voice": false},
                "country_code": "US",
                "type": "mobile",
            })
        })
        .collect();
    Reply::json(200, json!({"phone_numbers": numbers}))
}

pub(crate) fn list(state: &State) -> Reply {
    let numbers: Vec<Value> = state
        .lines
        .iter()
        .map(|l| {
            json!({
                "id": l.id,
                "phone_number": l.number,
                "reputation": {
                    "doc_url": "https://docs.linqapp.com/channel/imessage/guides/reputation",
                    "status": "HEALTHY",
                },
                "forwarding_number": null,
                "line_type": "iMessage",
            })
        })
        .collect();
    Reply::json(200, json!({"phone_numbers": numbers}))
}
