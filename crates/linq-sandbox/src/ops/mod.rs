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
pub(crate) mod call;
mod capability;
mod chats;
mod compose;
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

pub(crate) use call::{Call, Handler, validate};

use crate::reply::Handled;
use crate::state::State;

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
