//! Every operation in the spec answers a well-formed request with its
//! documented success status and a body that matches the reply schema.

use super::common::{IMESSAGE, call, subscribe, text};
use crate::{Sandbox, spec};
use linq_transport::{SendOptions, Transport};
use serde_json::{Value, json};

struct Fill(u64);

impl spec::Filler for Fill {
    fn uuid(&mut self) -> String {
        self.0 += 1;
        format!("00000000-0000-4000-8000-{:012x}", self.0)
    }
    fn now(&self) -> String {
        "2026-02-03T00:00:00.000Z".into()
    }
    fn phone(&self) -> String {
        "+12025550100".into()
    }
}

/// An account where every operation has something to act on.
struct Fixture {
    sb: Sandbox,
    /// A five-member iMessage group, with `message` in it.
    chat: String,
    message: String,
    /// A 1:1 iMessage chat whose contact shares their location.
    direct: String,
    sharer: &'static str,
    /// A 1:1 iMessage chat whose contact shares nothing.
    quiet: String,
    subscription: String,
    attachment: String,
    /// A poll in `chat`, and its first option.
    poll: String,
    option: String,
    /// A sent app card in `chat`.
    app_card: String,
    /// A sticker on `message`.
    sticker: String,
}

async fn fixture() -> Fixture {
    let sb = Sandbox::new();
    let line = sb.lines()[0].clone();
    let (_, reserved) = call(
        &sb,
        "POST",
        "/v3/attachments",
        Some(json!({"content_type": "text/plain", "filename": "a.txt", "size_bytes": 1})),
    )
    .await;
    let attachment = reserved["attachment_id"].as_str().unwrap().to_owned();
    let chat = sb.create_chat(&IMESSAGE, "hello").unwrap().to_string();
    let (_, list) = call(&sb, "GET", &format!("/v3/chats/{chat}/messages"), None).await;
    let message = list["messages"][0]["id"].as_str().unwrap().to_owned();
    let (subscription, _) = subscribe(&sb, "https://example.com/fixture", &["message.sent"]).await;
    let sharer = "+12025550170";
    let direct = sb.create_chat(&[sharer], "hi").unwrap().to_string();
    let quiet = sb.create_chat(&["+12025550172"], "hi").unwrap().to_string();
    let ok = |(status, body): (u16, Value)| {
        assert!((200..300).contains(&status), "{body}");
        body
    };
    let path = format!("/v3/chats/{direct}/location/request");
    ok(call(&sb, "POST", &path, None).await);
    let card = json!({"phone_number": line, "first_name": "Ada"});
    ok(call(&sb, "POST", "/v3/contact_card", Some(card)).await);
    let poll = json!({"poll": {"options": [{"text": "Tea"}, {"text": "Coffee"}]}});
    let poll = ok(call(&sb, "POST", &format!("/v3/chats/{chat}/polls"), Some(poll)).await);
    let card = json!({"message": {"parts": [{
        "type": "imessage_app",
        "app": {"bundle_id": "com.example.game", "name": "Game", "team_id": "ABCDE12345"},
        "layout": {"caption": "Your move"},
        "url": "https://example.com/game/1",
    }]}});
    let path = format!("/v3/chats/{chat}/messages");
    let app_card = ok(call(&sb, "POST", &path, Some(card)).await);
    let path = format!("/v3/messages/{message}/reactions");
    let sticker = json!({"operation": "add", "type": "sticker"});
    ok(call(&sb, "POST", &path, Some(sticker)).await);
    sb.settle();
    let sticker = sb.message_json(&message).unwrap()["parts"][0]["reactions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Fixture {
        chat,
        message,
        direct,
        sharer,
        quiet,
        subscription,
        attachment,
        poll: poll["message_id"].as_str().unwrap().to_owned(),
        option: poll["poll"]["options"][0]["option_id"]
            .as_str()
            .unwrap()
            .to_owned(),
        app_card: app_card["message"]["id"].as_str().unwrap().to_owned(),
        sticker,
        sb,
    }
}

fn body_for(op: &spec::Operation, f: &Fixture) -> Option<Value> {
    let sb = &f.sb;
    let line = sb.lines()[0].clone();
    let special = match op.id.as_str() {
        "chats.create" => json!({"from": line, "to": ["+12025550160"], "message": text("hi")}),
        "messages.create" => json!({"to": ["+12025550160"], "message": text("hi")}),
        "chats.messages.send" => json!({"message": text("hi")}),
        "chats.participants.add" => json!({"handle": "+12025550162"}),
        "chats.participants.remove" => json!({"handle": IMESSAGE[0]}),
        "chats.background.set" => json!({"type": "color", "variant": "mango"}),
        "chats.location.stop" => json!({"handle": f.sharer}),
        "chats.polls.create" => json!({"poll": {"options": [{"text": "A"}, {"text": "B"}]}}),
        "chats.send_voicememo" => json!({"voice_memo_url": "https://example.com/memo.m4a"}),
        "contact_card.create" => json!({"phone_number": sb.lines()[1], "first_name": "Bo"}),
        "messages.update_app_card" => json!({"layout": {"caption": "Their move"}}),
        "messages.update_sticker_placement" => json!({"placement": {"x": 0.25}}),
        "messages.poll.vote" => json!({"operation": "add", "option_id": f.option}),
        "messages.add_reaction" => json!({"operation": "add", "type": "like"}),
        "webhook_subscriptions.create" => {
            json!({"target_url": "https://example.com/new", "subscribed_events": ["message.sent"]})
        }
        _ => {
            let schema = op.request.as_ref()?;
            return Some(spec::sample(schema, &mut Fill(1000)));
        }
    };
    Some(special)
}

/// A strict reply is made from state: not sampled, no placeholder text
/// the request did not carry, no `success: false` on a 2xx.
fn no_placeholder(
    op: &str,
    sampled: bool,
    status: u16,
    reply: &Value,
    request: Option<&Value>,
) -> Result<(), String> {
    if sampled {
        return Err(format!("{op}: answered with a sample in strict mode"));
    }
    let text = reply.to_string();
    let asked = request.map(Value::to_string).unwrap_or_default();
    for placeholder in [
        "sample message",
        "sample value",
        "\"sample",
        "sandbox.linq.invalid/",
    ] {
        let made_up = text.matches(placeholder).count() > asked.matches(placeholder).count();
        if made_up && !text.contains("/__files/") {
            return Err(format!("{op}: placeholder {placeholder:?} in {text}"));
        }
    }
    if (200..300).contains(&status) && reply["success"] == false {
        return Err(format!("{op}: success false on {status}"));
    }
    Ok(())
}

#[tokio::test]
async fn every_operation_answers_2xx_with_a_schema_valid_body() {
    let ops = spec::operations();
    assert_eq!(ops.len(), 70);
    let mut failures = Vec::new();
    for op in ops {
        // A fresh account per operation, so deletes do not disturb the rest.
        let f = fixture().await;
        let sb = &f.sb;
        let prepared = super::prepared::prepare(sb, &op.id).await;
        let mut path = op.path.clone();
        for name in op.path_params() {
            let value = match name {
                _ if prepared.param(name).is_some() => prepared.param(name).unwrap_or_default(),
                "chatId" if op.id == "chats.location.request" => f.quiet.clone(),
                "chatId" if op.id.starts_with("chats.location") => f.direct.clone(),
                "chatId" => f.chat.clone(),
                "messageId" if op.id.starts_with("messages.poll") => f.poll.clone(),
                "messageId" if op.id == "messages.update_app_card" => f.app_card.clone(),
                "messageId" => f.message.clone(),
                "reactionId" => f.sticker.clone(),
                "subscriptionId" => f.subscription.clone(),
                "attachmentId" => f.attachment.clone(),
                "phoneNumber" | "handle" => "%2B12025550100".to_owned(),
                "provider" => "stripe".to_owned(),
                "experience" => "sample".to_owned(),
                _ => "00000000-0000-4000-8000-00000000abcd".to_owned(),
            };
            path = path.replace(&format!("{{{name}}}"), &value);
        }
        let query: Vec<String> = op
            .query
            .iter()
            .filter(|(_, required, _)| *required)
            .map(|(name, _, _)| format!("{name}=%2B12025550100"))
            .collect();
        if !query.is_empty() {
            path = format!("{path}?{}", query.join("&"));
        }
        let body = prepared.body.or_else(|| body_for(op, &f));
        let request = super::common::request(sb, op.method.as_str(), &path, body.as_ref());
        let response = sb
            .transport()
            .send(request, SendOptions::default())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let sampled = response.headers().contains_key("x-sandbox-sampled");
        let reply: Value = if response.body().is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(response.body()).unwrap()
        };
        if let Err(e) = no_placeholder(op.id.as_str(), sampled, status, &reply, body.as_ref()) {
            failures.push(e);
        }
        if status != op.status {
            failures.push(format!(
                "{} {} {}: {status} (want {}) {reply} for body {body:?}",
                op.id, op.method, path, op.status
            ));
            continue;
        }
        match &op.response {
            Some(schema) => {
                if let Err(e) = spec::check(&reply, schema) {
                    failures.push(format!("{}: reply does not match the schema: {e}", op.id));
                }
            }
            None => {
                if !reply.is_null() {
                    failures.push(format!("{}: expected no body, got {reply}", op.id));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn samples_match_their_own_schemas() {
    let schemas = spec::document()["components"]["schemas"]
        .as_object()
        .unwrap();
    for (name, schema) in schemas {
        let value = spec::sample(schema, &mut Fill(0));
        spec::check(&value, schema).unwrap_or_else(|e| panic!("{name}: {e}\n{value:#}"));
    }
}

#[test]
fn the_crate_copy_of_the_spec_is_the_workspace_spec() {
    let workspace = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/linq-api-v3.json");
    let text = std::fs::read_to_string(workspace)
        .expect("the workspace spec at spec/linq-api-v3.json (run from the repository)");
    assert!(
        text == spec::SPEC_TEXT,
        "crates/linq-sandbox/spec/linq-api-v3.json differs from spec/linq-api-v3.json: \
         copy the workspace spec over it"
    );
}
