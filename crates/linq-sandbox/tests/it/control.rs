//! The control API under `/__sandbox/`, as a test in another language
//! would drive it.

use crate::common;

use common::{IMESSAGE, answer_now, assert_error, call, request, send, subscribe, text};
use linq_sandbox::{Clock, Sandbox};
use serde_json::{Value, json};

fn events_of(sb: &Sandbox, kind: &str) -> Vec<Value> {
    sb.events_json()
        .into_iter()
        .filter(|e| e["event_type"] == kind)
        .collect()
}

#[tokio::test]
async fn the_openapi_document_lists_every_endpoint() {
    let sb = Sandbox::new();
    // No key needed for the document itself.
    let req = http::Request::get("/__sandbox/openapi.json")
        .body(bytes::Bytes::new())
        .unwrap();
    let response = answer_now(&sb, req);
    assert_eq!(response.status(), 200);
    let doc: Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("reset", "post"),
        ("seed", "post"),
        ("state", "get"),
        ("requests", "get"),
        ("events", "get"),
        ("deliveries", "get"),
        ("attempts", "get"),
        ("faults", "post"),
        ("faults", "delete"),
        ("advance", "post"),
        ("settle", "post"),
        ("clock", "get"),
        ("clock", "post"),
        ("capabilities", "post"),
        ("inbound", "post"),
        ("fail-message", "post"),
        ("emit", "post"),
    ] {
        let item = &paths[&format!("/__sandbox/{path}")][method];
        assert!(
            item["operationId"].is_string(),
            "{method} {path} is not documented"
        );
        // Each documented endpoint answers (not the 404 for unknown ones).
        let body = (method == "post").then(|| json!({}));
        let (status, reply) = call(
            &sb,
            &method.to_uppercase(),
            &format!("/__sandbox/{path}"),
            body,
        )
        .await;
        assert_ne!(status, 404, "{method} {path}: {reply}");
    }
    assert_error(
        &call(&sb, "GET", "/__sandbox/nothing", None).await,
        404,
        404,
    );
}

#[tokio::test]
async fn seed_state_and_reset() {
    let sb = Sandbox::new();
    let (status, seeded) = call(
        &sb,
        "POST",
        "/__sandbox/seed",
        Some(json!({
            "lines": ["+12025550177"],
            "capabilities": {"+12025550143": {"imessage": true, "sms": true}},
            "chats": [{"from": "+12025550177", "to": ["+12025550143"], "text": "seeded"}],
        })),
    )
    .await;
    assert_eq!(status, 200, "{seeded}");
    let chat = seeded["chats"][0].as_str().unwrap();
    let (_, state) = call(&sb, "GET", "/__sandbox/state", None).await;
    assert!(
        state["lines"]
            .as_array()
            .unwrap()
            .contains(&json!("+12025550177"))
    );
    assert_eq!(state["chats"][0]["id"], chat);
    assert_eq!(state["chats"][0]["service"], "iMessage");
    assert_eq!(state["messages"][0]["parts"][0]["value"], "seeded");
    assert_eq!(state["capabilities"]["+12025550143"]["rcs"], false);
    // Unknown fields are refused.
    let reply = call(&sb, "POST", "/__sandbox/seed", Some(json!({"linez": []}))).await;
    assert_error(&reply, 400, 1005);

    sb.fail_next(1, linq_sandbox::Fault::Drop);
    let (status, _) = call(&sb, "POST", "/__sandbox/reset", None).await;
    assert_eq!(status, 200);
    let (_, state) = call(&sb, "GET", "/__sandbox/state", None).await;
    assert_eq!(state["chats"], json!([]));
    assert_eq!(state["lines"], json!(linq_sandbox::DEFAULT_LINES));
    assert_eq!(sb.faults_pending(), 0);
    assert!(sb.events_json().is_empty());
    // After reset the ids start over: same seed, same ids.
    let again = sb.create_chat(&["+12025550142"], "x").unwrap();
    let fresh = Sandbox::new().create_chat(&["+12025550142"], "x").unwrap();
    assert_eq!(again, fresh);
}

#[tokio::test]
async fn the_request_log_records_api_requests() {
    let sb = Sandbox::new();
    call(&sb, "GET", "/v3/chats?limit=2", None).await;
    call(&sb, "GET", "/v3/nothing", None).await;
    let mut unauthenticated = request(&sb, "GET", "/v3/chats", None);
    unauthenticated.headers_mut().remove("authorization");
    send(&sb, unauthenticated).await.unwrap();
    let (_, log) = call(&sb, "GET", "/__sandbox/requests", None).await;
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 3, "{log:?}");
    assert_eq!(log[0]["method"], "GET");
    assert_eq!(log[0]["operation"], "chats.list_chats");
    assert_eq!(log[0]["query"], "limit=2");
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[1]["status"], 404);
    assert!(log[1]["operation"].is_null());
    assert_eq!(log[2]["status"], 401);
    call(&sb, "DELETE", "/__sandbox/requests", None).await;
    assert!(sb.requests().is_empty());
}

#[tokio::test]
async fn a_manual_clock_is_set_and_moved_over_http() {
    // By default the manual clock starts at the wall clock's second.
    let wall = std::time::SystemTime::now();
    let started = Sandbox::new().now();
    let gap = wall.duration_since(started).unwrap_or_default();
    assert!(gap < std::time::Duration::from_secs(2), "{gap:?}");
    let sb = Sandbox::builder().clock(Clock::fixed()).build();
    let (_, clock) = call(&sb, "GET", "/__sandbox/clock", None).await;
    assert_eq!(
        clock,
        json!({"now": "2026-02-03T00:00:00.000Z", "clock": "manual"})
    );
    let (status, clock) = call(
        &sb,
        "POST",
        "/__sandbox/clock",
        Some(json!({"set": "2030-01-01T12:00:00Z", "advance_ms": 1500})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(clock["now"], "2030-01-01T12:00:01.500Z");
    let chat = sb.create_chat(&["+12025550142"], "x").unwrap();
    assert_eq!(
        sb.chat_json(&chat).unwrap()["created_at"],
        "2030-01-01T12:00:01.500Z"
    );
    for bad in [
        json!({"set": "tomorrow"}),
        json!({"advance_ms": -1}),
        json!({"jump": 1}),
    ] {
        assert_error(
            &call(&sb, "POST", "/__sandbox/clock", Some(bad)).await,
            400,
            1005,
        );
    }
    let wall = Sandbox::builder().clock(Clock::System).build();
    let reply = call(
        &wall,
        "POST",
        "/__sandbox/clock",
        Some(json!({"advance_ms": 1})),
    )
    .await;
    assert_error(&reply, 409, 1005);
}

#[tokio::test]
async fn advancing_with_nothing_pending_still_moves_the_clock() {
    let sb = Sandbox::builder().clock(Clock::fixed()).build();
    let (status, _) = call(
        &sb,
        "POST",
        "/__sandbox/advance",
        Some(json!({"steps": 90})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, clock) = call(&sb, "GET", "/__sandbox/clock", None).await;
    assert_eq!(clock["now"], "2026-02-03T00:01:30.000Z");
}

#[tokio::test]
async fn a_stranger_texts_first_then_sends_media_reacts_and_types() {
    let sb = Sandbox::new();
    let stranger = "+12025550188";
    let (status, first) = call(
        &sb,
        "POST",
        "/__sandbox/inbound",
        Some(json!({"from": stranger, "text": "hi, who is this?"})),
    )
    .await;
    assert_eq!(status, 200, "{first}");
    let chat = first["chat_id"].as_str().unwrap().to_owned();
    assert_eq!(events_of(&sb, "chat.created").len(), 1);
    let received = events_of(&sb, "message.received");
    assert_eq!(received[0]["data"]["parts"][0]["value"], "hi, who is this?");
    assert_eq!(received[0]["data"]["direction"], "inbound");

    // The same person again lands in the same chat.
    let (_, media) = call(
        &sb,
        "POST",
        "/__sandbox/inbound",
        Some(json!({"from": stranger, "media_url": "https://example.com/cat.png", "text": "look"})),
    )
    .await;
    assert_eq!(media["chat_id"], chat.as_str());
    let message = sb
        .message_json(media["message_id"].as_str().unwrap())
        .unwrap();
    assert_eq!(message["parts"][1]["type"], "media");
    assert_eq!(message["parts"][1]["filename"], "cat.png");

    // They react to our reply.
    let (_, sent) = call(
        &sb,
        "POST",
        &format!("/v3/chats/{chat}/messages"),
        Some(json!({"message": text("Linq here")})),
    )
    .await;
    let ours = sent["message"]["id"].as_str().unwrap();
    let (status, _) = call(
        &sb,
        "POST",
        "/__sandbox/inbound",
        Some(json!({"kind": "reaction", "from": stranger, "chat_id": chat, "message_id": ours, "reaction": "like"})),
    )
    .await;
    assert_eq!(status, 200);
    let reaction = &events_of(&sb, "reaction.added")[0]["data"];
    assert_eq!(reaction["is_from_me"], false);
    assert_eq!(reaction["from"], stranger);
    let shown = &sb.message_json(ours).unwrap()["parts"][0]["reactions"][0];
    assert_eq!(shown["is_me"], false);
    assert_eq!(shown["handle"]["handle"], stranger);

    for kind in ["typing_started", "typing_stopped"] {
        let (status, _) = call(
            &sb,
            "POST",
            "/__sandbox/inbound",
            Some(json!({"kind": kind, "from": stranger, "chat_id": chat})),
        )
        .await;
        assert_eq!(status, 200);
    }
    let typing = events_of(&sb, "chat.typing_indicator.started");
    assert_eq!(typing[0]["data"]["actor_handle"]["handle"], stranger);
    assert_eq!(events_of(&sb, "chat.typing_indicator.stopped").len(), 1);

    // Someone outside the chat cannot write into it; a line cannot be a stranger.
    let reply = call(
        &sb,
        "POST",
        "/__sandbox/inbound",
        Some(json!({"from": "+12025550190", "chat_id": chat, "text": "x"})),
    )
    .await;
    assert_error(&reply, 400, 1005);
    let reply = call(
        &sb,
        "POST",
        "/__sandbox/inbound",
        Some(json!({"from": sb.lines()[0], "text": "x"})),
    )
    .await;
    assert_error(&reply, 400, 1005);
    let reply = call(
        &sb,
        "POST",
        "/__sandbox/inbound",
        Some(json!({"from": stranger, "colour": "red"})),
    )
    .await;
    assert_error(&reply, 400, 1005);
}

#[tokio::test]
async fn a_sent_message_fails_later() {
    let sb = Sandbox::new();
    let chat = sb.create_chat(&IMESSAGE[..1], "hi").unwrap();
    let (_, list) = call(&sb, "GET", &format!("/v3/chats/{chat}/messages"), None).await;
    let id = list["messages"][0]["id"].as_str().unwrap().to_owned();
    sb.advance();
    let (status, message) = call(
        &sb,
        "POST",
        "/__sandbox/fail-message",
        Some(json!({"message_id": id, "reason": "carrier rejected"})),
    )
    .await;
    assert_eq!(status, 200, "{message}");
    assert_eq!(message["delivery_status"], "failed");
    let failed = events_of(&sb, "message.failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["data"]["code"], 4001);
    assert_eq!(failed[0]["data"]["reason"], "carrier rejected");
    let typed: linq_types::Event = serde_json::from_value(failed[0].clone()).unwrap();
    assert!(matches!(
        typed.data,
        linq_types::EventData::MessageFailed(_)
    ));
    // A failed message moves no further and is not pending.
    assert_eq!(sb.pending(), 0);
    sb.settle();
    assert_eq!(sb.message_json(&id).unwrap()["delivery_status"], "failed");
    let again = call(
        &sb,
        "POST",
        "/__sandbox/fail-message",
        Some(json!({"message_id": id})),
    )
    .await;
    assert_error(&again, 409, 1005);
}

#[tokio::test]
async fn a_target_asking_for_2025_01_01_gets_that_payload_version() {
    let sb = Sandbox::new();
    let events = ["message.sent", "message.received", "chat.created"];
    let (old, old_secret) =
        subscribe(&sb, "https://example.com/hook?version=2025-01-01", &events).await;
    let (new, _) = subscribe(&sb, "https://example.com/hook?version=2026-02-03", &events).await;
    let (plain, _) = subscribe(&sb, "https://example.com/plain", &events).await;
    let reply = call(
        &sb,
        "POST",
        "/v3/webhook-subscriptions",
        Some(json!({"target_url": "https://example.com/x?version=1999-01-01", "subscribed_events": events})),
    )
    .await;
    assert_error(&reply, 400, 1005);

    let chat = sb.create_chat(&IMESSAGE[..1], "hello").unwrap();
    sb.advance();
    sb.receive(&chat, IMESSAGE[0], "hi back").unwrap();
    let of = |sub: &str, kind: &str| -> Value {
        sb.deliveries()
            .into_iter()
            .find(|d| d.subscription_id == sub && d.event_type == kind)
            .unwrap_or_else(|| panic!("no {kind} for {sub}"))
            .json()
    };
    let sent = of(&old, "message.sent");
    assert_eq!(sent["webhook_version"], "2025-01-01");
    assert_eq!(sent["data"]["is_from_me"], true);
    assert_eq!(sent["data"]["chat_id"], chat.as_str());
    assert_eq!(sent["data"]["message"]["parts"][0]["value"], "hello");
    assert_eq!(sent["data"]["from"], sb.lines()[0]);
    assert!(sent["data"]["direction"].is_null());
    let received = of(&old, "message.received");
    assert_eq!(received["data"]["is_from_me"], false);
    assert_eq!(received["data"]["from_handle"]["handle"], IMESSAGE[0]);
    assert_eq!(received["data"]["recipient_phone"], sb.lines()[0]);
    // Other events have one format in both versions, and still name the
    // version the target asked for.
    assert_eq!(
        of(&old, "chat.created")["data"],
        of(&plain, "chat.created")["data"]
    );
    assert_eq!(of(&old, "chat.created")["webhook_version"], "2025-01-01");
    for sub in [&new, &plain] {
        let sent = of(sub, "message.sent");
        assert_eq!(sent["webhook_version"], linq_sandbox::WEBHOOK_VERSION);
        assert_eq!(sent["data"]["direction"], "outbound");
    }
    // The old-version body is what was signed for that subscription.
    let delivery = sb
        .deliveries()
        .into_iter()
        .find(|d| d.subscription_id == old && d.event_type == "message.sent")
        .unwrap();
    let webhook = linq_webhooks::Webhook::new(linq_webhooks::Secret::parse(&old_secret).unwrap());
    webhook
        .verify_at(&delivery.body, &delivery.headers, sb.now())
        .unwrap();
}
