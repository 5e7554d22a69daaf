//! Mock mode: what a request names exists from its first use, and a
//! request the rules refuse is answered as if it had worked, from the
//! reply's schema and the request (see the crate docs).

use serde_json::{Value, json};

use crate::ops::call::Call;
use crate::reply::{Fail, Handled, Reply};
use crate::spec;
use crate::state::State;
use crate::state::model::{
    Attachment, Chat, MadeUp, Member, Message, Service, Status, Subscription,
};

/// The people in a materialised mock chat (all reach iMessage).
const MOCK_PEOPLE: [&str; 3] = ["+12025550142", "+12025550144", "+12025550146"];

fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Copies what the request set into a sampled reply, wherever the reply's
/// schema has a field of the same name that the value fits.
fn echo(reply: &mut Value, request: &Value, schema: &Value, depth: usize) {
    let schema = spec::resolve(schema);
    let (Some(out), Some(input)) = (reply.as_object_mut(), request.as_object()) else {
        return;
    };
    if depth > 6 {
        return;
    }
    let props = &schema["properties"];
    for (key, value) in input {
        let Some(sub) = props.get(key) else { continue };
        match out.get_mut(key) {
            Some(existing) if existing.is_object() && value.is_object() => {
                echo(existing, value, sub, depth + 1);
            }
            _ => {
                if spec::check(value, sub).is_ok() {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
    }
}

/// Makes what the request names exist: chats, messages, subscriptions
/// and attachments in the path or the body, and a `from` line.
pub(crate) fn materialize(state: &mut State, call: &Call<'_>) -> Result<(), Fail> {
    made_up(state, call)?;
    while state.made_up.len() > MAX_MADE_UP {
        forget_oldest(state);
    }
    Ok(())
}

/// Most made-up things mock mode keeps; past it the oldest is forgotten,
/// so requests naming ever new ids never grow the state without bound.
pub(crate) const MAX_MADE_UP: usize = 1_000;

fn forget_oldest(state: &mut State) {
    let Some(oldest) = state.made_up.pop_front() else {
        return;
    };
    match oldest {
        MadeUp::Chat(id) => {
            state.chats.retain(|c| c.id != id);
            state.messages.retain(|m| m.chat_id != id);
        }
        MadeUp::Message(id) => state.messages.retain(|m| m.id != id),
        MadeUp::Subscription(id) => state.subs.retain(|s| s.id != id),
        MadeUp::Attachment(id) => state.attachments.retain(|a| a.id != id),
        MadeUp::Line(number) => {
            if !state.chats.iter().any(|c| c.line == number) {
                state.lines.retain(|l| l.number != number);
            }
        }
    }
}

fn made_up(state: &mut State, call: &Call<'_>) -> Result<(), Fail> {
    for (name, value) in &call.params {
        match name.as_str() {
            "chatId" => {
                mock_chat(state, value);
            }
            "messageId" => mock_message(state, value),
            "subscriptionId" => mock_subscription(state, value),
            "attachmentId" => mock_attachment(state, value),
            _ => {}
        }
    }
    let Ok(body) = call.object() else {
        return Ok(());
    };
    if let Some(from) = body.get("from").and_then(Value::as_str) {
        if linq_types::Handle::parse(from).is_ok_and(|h| h.is_phone()) && !state.is_line(from) {
            state.add_line(from)?;
            state.made_up.push_back(MadeUp::Line(from.to_owned()));
        }
    }
    let message = body.get("message").and_then(Value::as_object);
    if let Some(id) = message
        .and_then(|m| m.get("reply_to"))
        .and_then(|r| r.get("message_id"))
        .and_then(Value::as_str)
    {
        mock_message(state, id);
    }
    let parts = message
        .and_then(|m| m.get("parts"))
        .and_then(Value::as_array);
    for part in parts.into_iter().flatten() {
        if let Some(id) = part.get("attachment_id").and_then(Value::as_str) {
            mock_attachment(state, id);
        }
    }
    Ok(())
}

/// A group on iMessage from the first line with two people, so that
/// every chat operation has something to act on.
pub(crate) fn mock_chat(state: &mut State, id: &str) -> usize {
    if let Some(i) = state.chats.iter().position(|c| c.id == id) {
        return i;
    }
    let line = state
        .lines
        .first()
        .map(|l| l.number.clone())
        .unwrap_or_else(|| crate::DEFAULT_LINES[0].to_owned());
    let now = state.time.rfc3339();
    let mut members = Vec::new();
    for (handle, is_me) in [
        (line.as_str(), true),
        (MOCK_PEOPLE[0], false),
        (MOCK_PEOPLE[1], false),
        (MOCK_PEOPLE[2], false),
    ] {
        members.push(Member {
            id: state.ids.uuid(),
            handle: handle.to_owned(),
            joined_at: now.clone(),
            left_at: None,
            status: "active",
            is_me,
        });
    }
    let seq = state.next_seq();
    state.made_up.push_back(MadeUp::Chat(id.to_owned()));
    state.chats.push(Chat {
        seq,
        id: id.to_owned(),
        line,
        members,
        service: Service::IMessage,
        is_group: true,
        display_name: None,
        icon: None,
        created_at: now.clone(),
        updated_at: now,
        typing: false,
        background: None,
        opted_out: false,
    });
    state.chats.len() - 1
}

/// A delivered text of yours, in a chat of its own.
pub(crate) fn mock_message(state: &mut State, id: &str) {
    if state.messages.iter().any(|m| m.id == id) {
        return;
    }
    let chat_id = state.ids.uuid();
    let i = mock_chat(state, &chat_id);
    let now = state.time.rfc3339();
    let seq = state.next_seq();
    let c = &state.chats[i];
    state.made_up.push_back(MadeUp::Message(id.to_owned()));
    state.messages.push(Message {
        seq,
        id: id.to_owned(),
        chat_id,
        parts: vec![json!({"type": "text", "value": "hello"})],
        status: Status::Delivered,
        is_from_me: true,
        from: c.line.clone(),
        created_at: now.clone(),
        updated_at: now.clone(),
        sent_at: Some(now.clone()),
        delivered_at: Some(now),
        read_at: None,
        is_read: false,
        service: c.service,
        preferred_service: None,
        reply_to: None,
        effect: None,
        idempotency_key: None,
        reactions: Vec::new(),
        poll: None,
    });
}

pub(crate) fn mock_subscription(state: &mut State, id: &str) {
    if state.subs.iter().any(|s| s.id == id) {
        return;
    }
    let now = state.time.rfc3339();
    let secret = state.ids.secret();
    state.made_up.push_back(MadeUp::Subscription(id.to_owned()));
    state.subs.push(Subscription {
        id: id.to_owned(),
        secret,
        target_url: format!("https://example.com/mock/{id}"),
        events: vec!["message.received".to_owned()],
        phone_numbers: Vec::new(),
        is_active: true,
        routing_id_header: None,
        routing_key_header: None,
        created_at: now.clone(),
        updated_at: now,
    });
}

/// An uploaded (empty) JPEG.
pub(crate) fn mock_attachment(state: &mut State, id: &str) {
    if state.attachments.iter().any(|a| a.id == id) {
        return;
    }
    state.made_up.push_back(MadeUp::Attachment(id.to_owned()));
    state.attachments.push(Attachment {
        id: id.to_owned(),
        content_type: "image/jpeg".to_owned(),
        filename: "attachment.jpg".to_owned(),
        size_bytes: 0,
        created_at: state.time.rfc3339(),
        download_url: format!("https://sandbox.linq.invalid/__files/{id}"),
        data: Some(bytes::Bytes::new()),
    });
}

/// A sampled chat's handles are the request's `from` and `to`, wherever
/// the reply lists handles (at the top, as `messages.create` does, or under
/// `chat`, as `chats.create` does).
fn echo_recipients(reply: &mut Value, request: &serde_json::Map<String, Value>) {
    let Some(to) = request.get("to").and_then(Value::as_array) else {
        return;
    };
    let from = request.get("from").and_then(Value::as_str);
    for pointer in ["/handles", "/chat/handles"] {
        let Some(handles) = reply.pointer_mut(pointer) else {
            continue;
        };
        let Some(template) = handles.get(0).cloned() else {
            continue;
        };
        let handle = |text: &str, is_me: bool| {
            let mut h = template.clone();
            h["handle"] = Value::String(text.to_owned());
            if h.get("is_me").is_some() {
                h["is_me"] = Value::Bool(is_me);
            }
            h
        };
        let mut list: Vec<Value> = from.map(|f| handle(f, true)).into_iter().collect();
        list.extend(
            to.iter()
                .filter_map(Value::as_str)
                .map(|t| handle(t, false)),
        );
        *handles = Value::Array(list);
    }
}

/// An operation without state (the request was validated already):
/// the reply is a sample of the success schema, carrying what the
/// request set wherever the reply has a field of that name and type.
pub(crate) fn sampled(state: &mut State, call: &Call<'_>) -> Handled {
    match &call.op.response {
        Some(schema) => {
            let mut body = state.sample(schema);
            if let Ok(request) = call.object() {
                echo(&mut body, &Value::Object(request.clone()), schema, 0);
                echo_recipients(&mut body, &request);
            }
            // Echo the path id where the reply names the same thing.
            if let (Some(obj), Some((_, last))) = (body.as_object_mut(), call.params.last()) {
                if obj.get("id").is_some_and(Value::is_string) && !last.contains('+') {
                    obj.insert("id".into(), Value::String(last.clone()));
                }
            }
            // And each path id where the reply has its snake_case name
            // (`chatId` as `chat_id`).
            if let Some(obj) = body.as_object_mut() {
                for (name, value) in &call.params {
                    let key = snake_case(name);
                    if obj.get(&key).is_some_and(Value::is_string) {
                        obj.insert(key, Value::String(value.clone()));
                    }
                }
            }
            Ok(Reply::json(call.op.status, body).sampled())
        }
        None => Ok(Reply::empty(call.op.status).sampled()),
    }
}
