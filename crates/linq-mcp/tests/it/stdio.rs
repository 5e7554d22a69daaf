//! The server over stdio, as a desktop client runs it: the built binary as
//! a child process, rmcp's client on the other end, a sandbox behind it.

use crate::support;

use std::collections::BTreeMap;

use serde_json::{Value, json};
use support::{account, call, ok, spawn};

const ALICE: &str = "+12025550142";

#[tokio::test]
async fn every_tool_carries_all_four_annotations() {
    let account = account().await;
    let s = spawn(&account, &[]).await;
    let tools = s.mcp.list_all_tools().await.unwrap();
    let hints: BTreeMap<String, [bool; 4]> = tools
        .iter()
        .map(|t| {
            let a = t
                .annotations
                .as_ref()
                .unwrap_or_else(|| panic!("{} has no annotations", t.name));
            let hint = |h: Option<bool>| h.unwrap_or_else(|| panic!("{} misses a hint", t.name));
            (
                t.name.to_string(),
                [
                    hint(a.read_only_hint),
                    hint(a.destructive_hint),
                    hint(a.idempotent_hint),
                    hint(a.open_world_hint),
                ],
            )
        })
        .collect();
    // [read-only, destructive, idempotent, open-world]
    assert_eq!(hints["send_message"], [false, false, true, true]);
    assert_eq!(hints["start_chat"], [false, false, true, true]);
    assert_eq!(hints["list_chats"], [true, false, true, true]);
    assert_eq!(
        hints["delete_webhook_subscription"],
        [false, true, true, true]
    );
    assert_eq!(hints["upload_attachment"], [false, false, false, true]);
    assert_eq!(hints["recent_events"], [true, false, true, false]);
    assert!(
        !hints.contains_key("simulate_reply"),
        "offered only with --sandbox"
    );
    for tool in &tools {
        let schema = serde_json::to_value(&tool.input_schema).unwrap();
        assert_eq!(schema["type"], "object", "{}", tool.name);
        let description = tool.description.as_deref().unwrap_or_default();
        assert!(
            !description.is_empty() && description.len() < 200,
            "{}: {description}",
            tool.name
        );
    }
    let send = tools.iter().find(|t| t.name == "send_message").unwrap();
    let schema = serde_json::to_value(&send.input_schema).unwrap();
    assert_eq!(schema["required"], json!(["chat_id"]));
    assert!(schema["properties"]["reply_to"].is_object());
}

#[tokio::test]
async fn read_only_hides_every_writing_tool() {
    let account = account().await;
    let s = spawn(&account, &["--read-only"]).await;
    let tools = s.mcp.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    for tool in &tools {
        assert_eq!(
            tool.annotations.as_ref().unwrap().read_only_hint,
            Some(true),
            "{} is offered in read-only mode",
            tool.name
        );
    }
    for writer in [
        "send_message",
        "start_chat",
        "react",
        "mark_read",
        "set_typing",
        "upload_attachment",
    ] {
        assert!(!names.contains(&writer), "{writer} offered: {names:?}");
    }
    assert!(
        names.contains(&"list_messages") && names.contains(&"wait_for_reply"),
        "{names:?}"
    );
    // A hidden tool cannot be called either.
    let refused = s
        .mcp
        .call_tool(rmcp::model::CallToolRequestParams::new("send_message"))
        .await;
    assert!(refused.is_err() || refused.unwrap().is_error == Some(true));
}

#[tokio::test]
async fn toolsets_choose_groups() {
    let account = account().await;
    let s = spawn(&account, &["--toolsets", "chats,events"]).await;
    let mut names: Vec<String> = s
        .mcp
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "list_chats",
            "recent_events",
            "start_chat",
            "wait_for_reply"
        ]
    );
}

#[tokio::test]
async fn send_read_back_and_react() {
    let account = account().await;
    let s = spawn(&account, &[]).await;
    let started = ok(
        &s.mcp,
        "start_chat",
        json!({"to": [ALICE], "text": "Lunch at noon?"}),
    )
    .await;
    let chat_id = started["chat"]["id"].as_str().unwrap().to_owned();
    assert_eq!(started["chat"]["members"], json!([ALICE]));
    assert_eq!(started["message"]["text"], "Lunch at noon?");

    let sent = ok(
        &s.mcp,
        "send_message",
        json!({"chat_id": chat_id, "text": "Or one?", "effect": "confetti",
               "reply_to": started["message"]["id"]}),
    )
    .await;
    let message_id = sent["message"]["id"].as_str().unwrap().to_owned();
    // In the sandbox, as the API sees it.
    let stored = account
        .client
        .messages()
        .retrieve(message_id.as_str())
        .await
        .unwrap();
    assert_eq!(stored.texts().collect::<Vec<_>>(), ["Or one?"]);
    assert_eq!(stored.chat_id.to_string(), chat_id);
    assert_eq!(
        stored.reply_to.as_ref().map(|r| r.message_id.to_string()),
        started["message"]["id"].as_str().map(str::to_owned)
    );

    // Read back through the server, compact and newest first.
    let page = ok(
        &s.mcp,
        "list_messages",
        json!({"chat_id": chat_id, "limit": 10}),
    )
    .await;
    let texts: Vec<&str> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["Or one?", "Lunch at noon?"]);
    let got = ok(&s.mcp, "get_message", json!({"message_id": message_id})).await;
    assert_eq!(got["text"], "Or one?");
    assert!(got.to_string().len() < 600, "compact: {got}");

    ok(
        &s.mcp,
        "react",
        json!({"message_id": message_id, "reaction": "love"}),
    )
    .await;
    let reacted = account
        .client
        .messages()
        .retrieve(message_id.as_str())
        .await
        .unwrap();
    let reactions = serde_json::to_value(&reacted).unwrap()["parts"][0]["reactions"].clone();
    assert_eq!(reactions.as_array().map(Vec::len), Some(1), "{reactions}");
    let (is_error, bad) = call(
        &s.mcp,
        "react",
        json!({"message_id": message_id, "reaction": "meh"}),
    )
    .await;
    assert!(is_error && bad["error"]["kind"] == "invalid_input", "{bad}");

    ok(&s.mcp, "mark_read", json!({"chat_id": chat_id})).await;
    ok(
        &s.mcp,
        "set_typing",
        json!({"chat_id": chat_id, "typing": true}),
    )
    .await;
    let chats = ok(&s.mcp, "list_chats", json!({})).await;
    assert_eq!(chats["chats"][0]["id"], chat_id.as_str());
}

#[tokio::test]
async fn api_errors_carry_code_message_and_trace_id() {
    let account = account().await;
    let s = spawn(&account, &[]).await;
    let missing = "00000000-0000-4000-8000-000000000000";
    let (is_error, reply) = call(
        &s.mcp,
        "send_message",
        json!({"chat_id": missing, "text": "hi"}),
    )
    .await;
    assert!(is_error, "{reply}");
    let error = &reply["error"];
    assert_eq!(error["status"], 404, "{reply}");
    assert!(error["code"].is_number(), "{reply}");
    assert!(!error["message"].as_str().unwrap().is_empty());
    assert!(!error["trace_id"].as_str().unwrap().is_empty(), "{reply}");
    assert_eq!(error["operation"], "chats.messages.send");
    // Bad input never reaches the API.
    let before = account.sandbox.message_count();
    let (is_error, reply) = call(
        &s.mcp,
        "start_chat",
        json!({"to": ["not a handle"], "text": "x"}),
    )
    .await;
    assert!(
        is_error && reply["error"]["kind"] == "invalid_input",
        "{reply}"
    );
    assert_eq!(account.sandbox.message_count(), before);
}

#[tokio::test]
async fn allow_list_and_budget_refuse_and_nothing_is_sent() {
    let account = account().await;
    let s = spawn(
        &account,
        &["--allow-recipient", "+1202555014*", "--max-sends", "2"],
    )
    .await;
    let before = account.sandbox.message_count();

    let (is_error, reply) = call(
        &s.mcp,
        "start_chat",
        json!({"to": ["+13105550000"], "text": "hi"}),
    )
    .await;
    assert!(is_error, "{reply}");
    assert_eq!(reply["error"]["kind"], "refused");
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("+13105550000")
    );
    assert_eq!(
        account.sandbox.message_count(),
        before,
        "nothing reached the sandbox"
    );

    // A chat someone else started with a stranger in it: sends into it are refused too.
    let foreign = account
        .sandbox
        .create_chat(&["+13105550000"], "hello")
        .unwrap();
    let before = account.sandbox.message_count();
    let (is_error, reply) = call(
        &s.mcp,
        "send_message",
        json!({"chat_id": foreign.to_string(), "text": "hi"}),
    )
    .await;
    assert!(is_error && reply["error"]["kind"] == "refused", "{reply}");
    assert_eq!(account.sandbox.message_count(), before);
    // So are a reaction and typing there: both reach the stranger.
    let page = account
        .client
        .chats()
        .messages()
        .list(&foreign)
        .await
        .unwrap();
    let theirs = page.messages[0].id.to_string();
    let (is_error, reply) = call(
        &s.mcp,
        "react",
        json!({"message_id": theirs, "reaction": "like"}),
    )
    .await;
    assert!(is_error && reply["error"]["kind"] == "refused", "{reply}");
    let (is_error, _) = call(
        &s.mcp,
        "set_typing",
        json!({"chat_id": foreign.to_string(), "typing": true}),
    )
    .await;
    assert!(is_error);

    let chat = ok(&s.mcp, "start_chat", json!({"to": [ALICE], "text": "one"})).await;
    let chat_id = chat["chat"]["id"].as_str().unwrap();
    ok(
        &s.mcp,
        "send_message",
        json!({"chat_id": chat_id, "text": "two"}),
    )
    .await;
    let spent = account.sandbox.message_count();
    assert_eq!(spent, before + 2);
    let (is_error, reply) = call(
        &s.mcp,
        "send_message",
        json!({"chat_id": chat_id, "text": "three"}),
    )
    .await;
    assert!(is_error, "{reply}");
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("budget"),
        "{reply}"
    );
    assert_eq!(
        account.sandbox.message_count(),
        spent,
        "the budget stopped it"
    );
    // A retry of a counted send still answers (and still sends nothing new).
    ok(
        &s.mcp,
        "send_message",
        json!({"chat_id": chat_id, "text": "two"}),
    )
    .await;
    assert_eq!(account.sandbox.message_count(), spent);
}

#[tokio::test]
async fn the_same_call_sends_once() {
    let account = account().await;
    let s = spawn(&account, &[]).await;
    let chat_id = account
        .sandbox
        .create_chat(&[ALICE], "hi")
        .unwrap()
        .to_string();
    let before = account.sandbox.message_count();
    let args = json!({"chat_id": chat_id, "text": "On my way"});
    let first = ok(&s.mcp, "send_message", args.clone()).await;
    let again = ok(
        &s.mcp,
        "send_message",
        json!({"text": "On my way", "chat_id": chat_id}),
    )
    .await;
    assert_eq!(first["message"]["id"], again["message"]["id"]);
    assert_eq!(first["idempotency_key"], again["idempotency_key"]);
    assert_eq!(account.sandbox.message_count(), before + 1);

    // An explicit key: the same key sends once, a new key sends again.
    let keyed = json!({"chat_id": chat_id, "text": "On my way", "idempotency_key": "agent-key-1"});
    let a = ok(&s.mcp, "send_message", keyed.clone()).await;
    let b = ok(&s.mcp, "send_message", keyed).await;
    assert_eq!(a["message"]["id"], b["message"]["id"]);
    assert_ne!(a["message"]["id"], first["message"]["id"]);
    assert_eq!(account.sandbox.message_count(), before + 2);
}

#[tokio::test]
async fn wait_for_reply_returns_the_inbound_message() {
    let account = account().await;
    let s = spawn(&account, &[]).await;
    let started = ok(
        &s.mcp,
        "start_chat",
        json!({"to": [ALICE], "text": "Lunch?"}),
    )
    .await;
    let chat_id = started["chat"]["id"].as_str().unwrap().to_owned();
    let timed_out = ok(
        &s.mcp,
        "wait_for_reply",
        json!({"chat_id": chat_id, "timeout_seconds": 1}),
    )
    .await;
    assert_eq!(timed_out, json!({"replies": [], "timed_out": true}));

    let sandbox = account.sandbox.clone();
    let chat = chat_id.clone();
    let replier = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        sandbox.receive(&chat, ALICE, "Yes, 12:30").unwrap();
    });
    let got = ok(
        &s.mcp,
        "wait_for_reply",
        json!({"chat_id": chat_id, "timeout_seconds": 20}),
    )
    .await;
    replier.await.unwrap();
    let replies = got["replies"].as_array().unwrap();
    assert_eq!(replies.len(), 1, "{got}");
    assert_eq!(replies[0]["text"], "Yes, 12:30");
    assert_eq!(replies[0]["from"], ALICE);
    assert_eq!(replies[0]["is_from_me"], false);
}

#[tokio::test]
async fn webhook_receiver_feeds_events_and_keeps_the_secret() {
    let account = account().await;
    let s = support::spawn_with_env(
        &account,
        &["--webhook-addr", "127.0.0.1:0"],
        &[("LINQ_MCP_LOG", "trace")],
    )
    .await;
    // The receiver's address is one call away.
    let empty = ok(&s.mcp, "recent_events", json!({})).await;
    assert_eq!(empty["events"], json!([]));
    let receiver = empty["receiver"].as_str().unwrap().to_owned();
    assert!(receiver.starts_with("http://127.0.0.1:"), "{receiver}");
    let sub = ok(
        &s.mcp,
        "create_webhook_subscription",
        json!({"target_url": format!("{receiver}linq"), "events": ["message.received"]}),
    )
    .await;
    assert!(sub["subscription"]["id"].is_string(), "{sub}");
    let listed = ok(&s.mcp, "list_webhook_subscriptions", json!({})).await;
    let chat_id = account
        .sandbox
        .create_chat(&[ALICE], "hi")
        .unwrap()
        .to_string();

    let sandbox = account.sandbox.clone();
    let chat = chat_id.clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        sandbox.receive(&chat, ALICE, "ping").unwrap();
    });
    let got = ok(&s.mcp, "wait_for_reply", json!({"timeout_seconds": 20})).await;
    assert_eq!(got["replies"][0]["text"], "ping", "{got}");
    assert_eq!(got["replies"][0]["chat_id"], chat_id.as_str());
    let events = ok(&s.mcp, "recent_events", json!({"chat_id": chat_id})).await;
    assert_eq!(events["events"][0]["type"], "message.received", "{events}");

    // A send, an API error and a generic call that returns a secret, in
    // the same traced run.
    let sent = ok(
        &s.mcp,
        "send_message",
        json!({"chat_id": chat_id, "text": "pong"}),
    )
    .await;
    let (_, failed) = call(
        &s.mcp,
        "get_message",
        json!({"message_id": "00000000-0000-4000-8000-000000000000"}),
    )
    .await;
    let generic = ok(
        &s.mcp,
        "call_operation",
        json!({"operation": "webhook_subscriptions.create",
               "arguments": {"target_url": "https://example.com/hook", "subscribed_events": ["message.sent"]}}),
    )
    .await;
    assert_eq!(generic["result"]["signing_secret"], "(hidden by linq-mcp)");

    // No key or secret in any tool output or log line.
    let key = account.sandbox.api_key();
    let outputs: Vec<Value> = vec![sub, listed, got, events, sent, failed, generic];
    let Spawned { mcp, stderr } = s;
    mcp.cancel().await.unwrap();
    let log = stderr.await.unwrap();
    assert!(
        log.contains("webhook receiver listening"),
        "a traced run: {log}"
    );
    for text in outputs.iter().map(Value::to_string).chain([log]) {
        assert!(!text.contains(&key), "API key leaked: {text}");
        assert!(!text.contains("whsec_"), "webhook secret leaked: {text}");
    }
}

use support::Spawned;

#[tokio::test]
async fn call_operation_reaches_what_no_task_tool_covers() {
    let account = account().await;
    let s = spawn(
        &account,
        &["--allow-recipient", "+1202555*", "--max-sends", "1"],
    )
    .await;
    let chat_id = account
        .sandbox
        .create_chat(&[ALICE, "+12025550143"], "hi")
        .unwrap()
        .to_string();

    let listed = ok(&s.mcp, "list_operations", json!({"search": "chats.update"})).await;
    assert_eq!(listed["operations"][0]["id"], "chats.update", "{listed}");
    let all = ok(&s.mcp, "list_operations", json!({})).await;
    assert_eq!(all["operations"].as_array().unwrap().len(), 70);
    let described = ok(
        &s.mcp,
        "describe_operation",
        json!({"operation": "chats.update"}),
    )
    .await;
    assert_eq!(described["method"], "PUT");
    assert_eq!(described["argument_locations"]["chatId"], "path");
    assert_eq!(described["arguments_schema"]["type"], "object");

    let renamed = ok(
        &s.mcp,
        "call_operation",
        json!({"operation": "chats.update", "arguments": {"chatId": chat_id, "display_name": "Lunch crew"}}),
    )
    .await;
    assert_eq!(renamed["operation"], "chats.update");
    account.sandbox.settle(); // the rename is applied asynchronously
    let chat = account
        .client
        .chats()
        .retrieve(chat_id.as_str())
        .await
        .unwrap();
    assert_eq!(chat.display_name.as_deref(), Some("Lunch crew"));

    let (is_error, reply) =
        call(&s.mcp, "call_operation", json!({"operation": "chats.nope"})).await;
    assert!(
        is_error && reply["error"]["kind"] == "invalid_input",
        "{reply}"
    );
    let (is_error, reply) = call(
        &s.mcp,
        "call_operation",
        json!({"operation": "chats.update", "arguments": {"chatId": chat_id, "colour": "red"}}),
    )
    .await;
    assert!(
        is_error
            && reply["error"]["message"]
                .as_str()
                .unwrap()
                .contains("colour"),
        "{reply}"
    );

    // Sends through call_operation obey the allow-list and the budget.
    let before = account.sandbox.message_count();
    let create = |to: &str| {
        json!({"operation": "chats.create", "arguments": {
        "from": "+12025550100", "to": [to], "message": {"parts": [{"type": "text", "value": "hey"}]}}})
    };
    let (is_error, reply) = call(&s.mcp, "call_operation", create("+13105550000")).await;
    assert!(is_error && reply["error"]["kind"] == "refused", "{reply}");
    assert_eq!(account.sandbox.message_count(), before);
    ok(&s.mcp, "call_operation", create("+12025550144")).await;
    let (is_error, reply) = call(&s.mcp, "call_operation", create("+12025550145")).await;
    assert!(
        is_error
            && reply["error"]["message"]
                .as_str()
                .unwrap()
                .contains("budget"),
        "{reply}"
    );
    assert_eq!(account.sandbox.message_count(), before + 1);
}

#[tokio::test]
async fn read_only_call_operation_runs_only_reads() {
    let account = account().await;
    let s = spawn(&account, &["--read-only"]).await;
    let chat_id = account
        .sandbox
        .create_chat(&[ALICE], "hi")
        .unwrap()
        .to_string();
    let listed = ok(&s.mcp, "list_operations", json!({})).await;
    let ids: Vec<&str> = listed["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"chats.retrieve") && !ids.contains(&"chats.update"),
        "{ids:?}"
    );
    let got = ok(
        &s.mcp,
        "call_operation",
        json!({"operation": "chats.retrieve", "arguments": {"chatId": chat_id}}),
    )
    .await;
    assert_eq!(got["result"]["id"], chat_id.as_str());
    let before = account.sandbox.message_count();
    let (is_error, reply) = call(
        &s.mcp,
        "call_operation",
        json!({"operation": "chats.messages.send", "arguments": {"chatId": chat_id, "message": {"parts": [{"type": "text", "value": "x"}]}}}),
    )
    .await;
    assert!(is_error && reply["error"]["kind"] == "refused", "{reply}");
    assert_eq!(account.sandbox.message_count(), before);
}

#[tokio::test]
async fn local_files_only_from_upload_dirs() {
    let account = account().await;
    let dir = std::env::temp_dir().join(format!("linq-mcp-uploads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let photo = dir.join("menu.jpg");
    std::fs::write(&photo, b"\xff\xd8\xff\xe0 not really a jpeg").unwrap();
    let outside = std::env::temp_dir().join(format!("linq-mcp-secret-{}.txt", std::process::id()));
    std::fs::write(&outside, "do not send").unwrap();
    let chat_id = account
        .sandbox
        .create_chat(&[ALICE], "hi")
        .unwrap()
        .to_string();

    // Without --upload-dir no local file is read.
    let closed = spawn(&account, &[]).await;
    let (is_error, reply) = call(
        &closed.mcp,
        "send_message",
        json!({"chat_id": chat_id, "media_paths": [photo]}),
    )
    .await;
    assert!(is_error && reply["error"]["kind"] == "refused", "{reply}");

    let open = spawn(&account, &["--upload-dir", dir.to_str().unwrap()]).await;
    let before = account.sandbox.message_count();
    let sneaky = dir.join("..").join(outside.file_name().unwrap());
    for path in [outside.clone(), sneaky] {
        let (is_error, reply) = call(
            &open.mcp,
            "send_message",
            json!({"chat_id": chat_id, "text": "x", "media_paths": [path]}),
        )
        .await;
        assert!(is_error && reply["error"]["kind"] == "refused", "{reply}");
    }
    assert_eq!(account.sandbox.message_count(), before);

    let sent = ok(
        &open.mcp,
        "send_message",
        json!({"chat_id": chat_id, "text": "menu", "media_paths": [photo]}),
    )
    .await;
    assert_eq!(sent["message"]["attachments"][0]["type"], "media", "{sent}");
    let uploaded = ok(&open.mcp, "upload_attachment", json!({"path": photo})).await;
    assert!(uploaded["attachment_id"].is_string(), "{uploaded}");
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_file(&outside).unwrap();
}
