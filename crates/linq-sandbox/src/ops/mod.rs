//! The API's operations, one module per resource family, and the table
//! that routes an operation id to its handler.
//!
//! A handler is a plain function, `fn(&mut State, &Call<'_>) -> Handled`:
//! it reads the request from [`Call`] (path parameters, query, body), checks
//! the rules the API description states, changes [`State`], queues the
//! events the change causes (`State::emit`), and returns the reply. It never
//! sees authentication, faults or schema validation: the pipeline
//! (`crate::pipeline`) has done those before it runs, and signs and
//! delivers the queued events after.
//!
//! To model an operation:
//!
//! 1. write its handler in the family's module (`ops/<family>.rs`), with
//!    the family's state in `state/` (types apart from handlers);
//! 2. list it in that module's `HANDLERS` as `("<operation id>", handler)`;
//! 3. a new family's module is also added to [`FAMILIES`] below.
//!
//! An operation without a handler is answered with a reply sampled from its
//! schema (`crate::mock::sampled`).

mod app_cards;
mod attachments;
mod backgrounds;
mod blocked_handles;
mod capability;
mod chats;
mod contact_card;
mod experiences;
mod idempotency;
mod location;
mod messages;
mod paging;
mod participants;
mod payments;
mod phone_numbers;
mod polls;
mod reactions;
mod voice_memos;
mod webhooks;

pub(crate) use attachments::{download, upload};

use std::collections::HashMap;
use std::sync::OnceLock;

use http::HeaderMap;
use serde_json::{Map, Value};

use crate::spec::{self, Operation};
use crate::state::State;

/// What a handler is: the state, the request, the reply.
pub(crate) type Handler = fn(&mut State, &Call<'_>) -> Handled;

/// Every family's handlers.
const FAMILIES: &[&[(&str, Handler)]] = &[
    chats::HANDLERS,
    participants::HANDLERS,
    messages::HANDLERS,
    reactions::HANDLERS,
    attachments::HANDLERS,
    webhooks::HANDLERS,
    phone_numbers::HANDLERS,
    capability::HANDLERS,
    location::HANDLERS,
    voice_memos::HANDLERS,
    contact_card::HANDLERS,
    polls::HANDLERS,
    backgrounds::HANDLERS,
    app_cards::HANDLERS,
    payments::HANDLERS,
    blocked_handles::HANDLERS,
    experiences::HANDLERS,
];

/// The handler of an operation id, if it is modelled.
pub(crate) fn handler(op_id: &str) -> Option<Handler> {
    static TABLE: OnceLock<HashMap<&'static str, Handler>> = OnceLock::new();
    TABLE
        .get_or_init(|| FAMILIES.iter().flat_map(|f| f.iter().copied()).collect())
        .get(op_id)
        .copied()
}

/// An error reply: status, Linq code and message.
#[derive(Debug, Clone)]
pub(crate) struct Fail {
    pub status: u16,
    pub code: u32,
    pub message: String,
}

/// A success reply.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    /// Made up from the reply's schema, not from state: marked with the
    /// `x-sandbox-sampled` header.
    pub sampled: bool,
}

impl Reply {
    pub(crate) fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            sampled: false,
        }
    }

    pub(crate) fn empty(status: u16) -> Self {
        Self {
            status,
            body: None,
            sampled: false,
        }
    }

    pub(crate) fn sampled(mut self) -> Self {
        self.sampled = true;
        self
    }
}

pub(crate) type Handled = Result<Reply, Fail>;

/// One API request, routed.
pub(crate) struct Call<'a> {
    pub op: &'static Operation,
    pub params: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// Scheme and authority the sandbox's own URLs (uploads, downloads)
    /// start with: `http://127.0.0.1:PORT` when served.
    pub origin: &'a str,
}

impl Call<'_> {
    pub(crate) fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    pub(crate) fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as a JSON object; an absent body is an empty object.
    pub(crate) fn object(&self) -> Result<Map<String, Value>, Fail> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Map::new());
        }
        match serde_json::from_slice::<Value>(self.body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(bad(1003, "Request body must be a JSON object")),
            Err(_) => Err(bad(1003, "Request body is not valid JSON")),
        }
    }
}

pub(crate) fn fail(status: u16, code: u32, message: impl Into<String>) -> Fail {
    Fail {
        status,
        code,
        message: message.into(),
    }
}

pub(crate) fn bad(code: u32, message: impl Into<String>) -> Fail {
    fail(400, code, message)
}

pub(crate) fn chat_not_found() -> Fail {
    fail(404, 2001, "Chat not found")
}

pub(crate) fn message_not_found() -> Fail {
    fail(404, 2002, "Message not found")
}

pub(crate) fn not_found() -> Fail {
    fail(404, 2001, "Resource not found")
}

pub(crate) fn required<'m>(map: &'m Map<String, Value>, key: &str) -> Result<&'m Value, Fail> {
    match map.get(key) {
        Some(v) if !v.is_null() => Ok(v),
        _ => Err(bad(1001, format!("Missing required field: {key}"))),
    }
}

pub(crate) fn required_str<'m>(map: &'m Map<String, Value>, key: &str) -> Result<&'m str, Fail> {
    required(map, key)?
        .as_str()
        .ok_or_else(|| bad(1005, format!("{key} must be a string")))
}

pub(crate) fn optional_str<'m>(
    map: &'m Map<String, Value>,
    key: &str,
) -> Result<Option<&'m str>, Fail> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(1005, format!("{key} must be a string"))),
    }
}

/// Checks a handle the way the API does: E.164 phone number or email.
pub(crate) fn check_handle(text: &str) -> Result<String, Fail> {
    match linq_types::Handle::parse(text) {
        Ok(h) => Ok(h.as_str().to_owned()),
        Err(e) if text.contains('@') => Err(bad(1002, format!("Invalid email address: {e}"))),
        Err(_) => Err(bad(1002, "Phone number must be in E.164 format")),
    }
}

/// Checks the path parameters, query and body against the operation's
/// schemas: 400 with the field path, code 1001 for a missing field, 1003
/// for a body that is not JSON, 1005 for any other mismatch.
pub(crate) fn validate(call: &Call<'_>) -> Result<(), Fail> {
    let refuse = |e: spec::Invalid| {
        if e.missing {
            bad(1001, format!("Missing required field: {}", e.path))
        } else {
            bad(1005, format!("Invalid value for {e}"))
        }
    };
    for (name, schema) in &call.op.path_schemas {
        let value = Value::String(call.param(name).to_owned());
        spec::validate(&value, schema, name).map_err(refuse)?;
    }
    for (name, required_param, schema) in &call.op.query {
        let texts: Vec<&str> = call
            .query
            .iter()
            .filter(|(n, _)| n == name || n.strip_suffix("[]") == Some(name))
            .map(|(_, v)| v.as_str())
            .collect();
        if texts.is_empty() {
            if *required_param {
                return Err(bad(
                    1001,
                    format!("Missing required query parameter: {name}"),
                ));
            }
            continue;
        }
        spec::validate(&spec::coerce(&texts, schema), schema, name).map_err(refuse)?;
    }
    if let Some(schema) = &call.op.request {
        let body = Value::Object(call.object()?);
        spec::validate(&body, schema, "").map_err(refuse)?;
    }
    Ok(())
}

/// Runs a call that passed validation. In mock mode what it names is made
/// to exist first, and a refusal by the account's rules becomes a sampled
/// success.
pub(crate) fn dispatch(state: &mut State, call: &Call<'_>) -> Handled {
    if !state.mock {
        return run(state, call);
    }
    crate::mock::materialize(state, call)?;
    match run(state, call) {
        Err(f) if (400..500).contains(&f.status) => crate::mock::sampled(state, call),
        other => other,
    }
}

fn run(state: &mut State, call: &Call<'_>) -> Handled {
    // Ids in the path must name something that exists.
    for (name, value) in &call.params {
        match name.as_str() {
            "chatId" => {
                state.chat_index(value)?;
            }
            "messageId" => {
                state.message_index(value)?;
            }
            _ => {}
        }
    }
    match handler(&call.op.id) {
        Some(handler) => handler(state, call),
        None => crate::mock::sampled(state, call),
    }
}
