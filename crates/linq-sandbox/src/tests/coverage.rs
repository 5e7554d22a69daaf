//! Every operation in the spec answers a well-formed request with its
//! documented success status and a body that matches the reply schema.

use super::common::{IMESSAGE, call, subscribe, text};
use crate::{Sandbox, spec};
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

/// An account with a five-member iMessage group, a message in it, a
/// webhook subscription and a reserved attachment, so that operations on existing things have
/// something to act on.
async fn fixture() -> (Sandbox, String, String, String, String) {
    let sb = Sandbox::new();
    let (_, reserved) = call(
        &sb,
        "POST",
        "/v3/attachments",
        Some(json!({"content_type": "text/plain", "filename": "a.txt", "size_bytes": 1})),
    )
    .await;
    let attachment = reserved["attachment_id"].as_str().unwrap().to_owned();
    let chat = sb.create_chat(&IMESSAGE, "hello").unwrap();
    let (_, list) = call(&sb, "GET", &format!("/v3/chats/{chat}/messages"), None).await;
    let message = list["messages"][0]["id"].as_str().unwrap().to_owned();
    let (sub, _) = subscribe(&sb, "https://example.com/fixture", &["message.sent"]).await;
    (sb, chat.to_string(), message, sub, attachment)
}

fn body_for(op: &spec::Operation, sb: &Sandbox) -> Option<Value> {
    let line = sb.lines()[0].clone();
    let special = match op.id.as_str() {
        "chats.create" => json!({"from": line, "to": ["+12025550160"], "message": text("hi")}),
        "messages.create" => json!({"to": ["+12025550160"], "message": text("hi")}),
        "chats.messages.send" => json!({"message": text("hi")}),
        "chats.participants.add" => json!({"handle": "+12025550162"}),
        "chats.participants.remove" => json!({"handle": IMESSAGE[0]}),
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

#[tokio::test]
async fn every_operation_answers_2xx_with_a_schema_valid_body() {
    let ops = spec::operations();
    assert_eq!(ops.len(), 70);
    let mut failures = Vec::new();
    for op in ops {
        // A fresh account per operation, so deletes do not disturb the rest.
        let (sb, chat, message, sub, attachment) = fixture().await;
        let prepared = super::prepared::prepare(&sb, &op.id).await;
        let mut path = op.path.clone();
        for name in op.path_params() {
            let value = match name {
                _ if prepared.param(name).is_some() => prepared.param(name).unwrap_or_default(),
                "chatId" => chat.clone(),
                "messageId" => message.clone(),
                "subscriptionId" => sub.clone(),
                "attachmentId" => attachment.clone(),
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
        let body = prepared.body.or_else(|| body_for(op, &sb));
        let (status, reply) = call(&sb, op.method.as_str(), &path, body.clone()).await;
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
