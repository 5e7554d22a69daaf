//! Keyed sends: the first reply is replayed for the same request, a
//! different request under the same key is refused.

use serde_json::Value;

use super::call::Call;
use crate::reply::{Handled, Reply, fail};
use crate::state::{Remembered, State};

/// Where an idempotency key applies: one operation, and one chat for
/// sends into a chat.
fn scope(call: &Call<'_>, key: &str) -> (String, String, String) {
    (
        call.op.id.clone(),
        call.param("chatId").to_owned(),
        key.to_owned(),
    )
}

/// The request as compared between a keyed send and its repeats: the JSON
/// body (key order and spacing do not matter).
fn request_value(call: &Call<'_>) -> Value {
    serde_json::from_slice(call.body).unwrap_or(Value::Null)
}

/// The idempotency key of a send: the header for `POST /v3/messages`,
/// otherwise `message.idempotency_key` in the body.
pub(crate) fn replay(state: &State, call: &Call<'_>, key: Option<&str>) -> Option<Handled> {
    let remembered = state.remembered.get(&scope(call, key?))?;
    if remembered.request != request_value(call) {
        return Some(Err(fail(
            422,
            1005,
            "This idempotency key was used with a different request; use a new key for a new request",
        )));
    }
    if state.messages.iter().any(|m| m.id == remembered.message_id) {
        Some(Ok(Reply::json(remembered.status, remembered.body.clone())))
    } else {
        Some(Err(fail(
            404,
            2002,
            "The message sent with this idempotency key was deleted; it is not sent again",
        )))
    }
}

pub(crate) fn remember(
    state: &mut State,
    call: &Call<'_>,
    key: Option<String>,
    message_id: &str,
    reply: &Reply,
) {
    if let (Some(key), Some(body)) = (key, &reply.body) {
        state.remembered.insert(
            scope(call, &key),
            Remembered {
                message_id: message_id.to_owned(),
                request: request_value(call),
                status: reply.status,
                body: body.clone(),
            },
        );
    }
}
