//! Every event the sandbox emits, by a state change or by the control API,
//! matches its schema in the API description.

use std::collections::HashSet;

use serde_json::json;

use super::common::{IMESSAGE, assert_error, call, client, subscribe, text};
use crate::{Sandbox, spec};

#[tokio::test]
async fn every_emitted_event_matches_its_schema() {
    let sb = Sandbox::new();
    let chat = sb.create_chat(&IMESSAGE[..3], "hi").unwrap();
    let c = client(&sb);
    c.chats()
        .participants()
        .add(chat.as_str(), IMESSAGE[3])
        .await
        .unwrap();
    call(
        &sb,
        "DELETE",
        &format!("/v3/chats/{chat}/participants"),
        Some(json!({"handle": IMESSAGE[0]})),
    )
    .await;
    call(
        &sb,
        "PUT",
        &format!("/v3/chats/{chat}"),
        Some(json!({"display_name": "Team", "group_chat_icon": "https://example.com/i.png"})),
    )
    .await;
    call(&sb, "POST", &format!("/v3/chats/{chat}/typing"), None).await;
    call(&sb, "DELETE", &format!("/v3/chats/{chat}/typing"), None).await;
    let (_, sent) = call(
        &sb,
        "POST",
        &format!("/v3/chats/{chat}/messages"),
        Some(json!({"message": text("x")})),
    )
    .await;
    let id = sent["message"]["id"].as_str().unwrap().to_owned();
    call(
        &sb,
        "POST",
        &format!("/v3/messages/{id}/reactions"),
        Some(json!({"operation": "add", "type": "like"})),
    )
    .await;
    call(
        &sb,
        "POST",
        &format!("/v3/messages/{id}/reactions"),
        Some(json!({"operation": "remove", "type": "like"})),
    )
    .await;
    call(
        &sb,
        "PATCH",
        &format!("/v3/messages/{id}"),
        Some(json!({"text": "edited"})),
    )
    .await;
    sb.receive(&chat, IMESSAGE[1], "hey").unwrap();
    sb.settle();
    let (status, _) = call(&sb, "POST", &format!("/v3/chats/{chat}/leave"), None).await;
    assert_eq!(status, 200);
    sb.advance();

    let seen = checked_types(&sb);
    for kind in [
        "chat.created",
        "participant.added",
        "participant.removed",
        "chat.group_name_updated",
        "chat.group_icon_updated",
        "chat.typing_indicator.started",
        "chat.typing_indicator.stopped",
        "message.sent",
        "message.delivered",
        "message.read",
        "message.received",
        "message.edited",
        "reaction.added",
        "reaction.removed",
    ] {
        assert!(seen.contains(kind), "{kind} never emitted");
    }
}

#[tokio::test]
async fn every_catalogue_event_can_be_emitted_schema_valid() {
    let sb = Sandbox::new();
    let (_, secret) = subscribe(&sb, "https://example.com/all", &["message.sent"]).await;
    assert!(secret.starts_with("whsec_"));
    let types = spec::schema("WebhookEventType")["enum"]
        .as_array()
        .unwrap()
        .clone();
    assert!(types.len() >= 70);
    let mut checked = 0;
    for event_type in &types {
        let event_type = event_type.as_str().unwrap();
        let (status, envelope) = call(
            &sb,
            "POST",
            "/__sandbox/emit",
            Some(json!({"event_type": event_type})),
        )
        .await;
        assert_eq!(status, 200, "{event_type}: {envelope}");
        assert_eq!(envelope["event_type"], event_type);
        if let Some(data) = spec::event_data_schema(event_type) {
            spec::check(&envelope["data"], &data)
                .unwrap_or_else(|e| panic!("{event_type}: {e}\n{envelope:#}"));
            checked += 1;
        }
    }
    assert!(checked >= 68, "{checked}");
    assert_eq!(sb.events_json().len(), types.len());
    // Given fields are laid over the sample, and still checked.
    let (status, envelope) = call(
        &sb,
        "POST",
        "/__sandbox/emit",
        Some(json!({"event_type": "message.failed", "data": {"code": 4001, "reason": "given"}})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(envelope["data"]["reason"], "given");
    let reply = call(
        &sb,
        "POST",
        "/__sandbox/emit",
        Some(json!({"event_type": "message.failed", "data": {"code": "nope"}})),
    )
    .await;
    assert_error(&reply, 400, 1005);
    let reply = call(
        &sb,
        "POST",
        "/__sandbox/emit",
        Some(json!({"event_type": "not.an.event"})),
    )
    .await;
    assert_error(&reply, 400, 1005);
    // Subscribed types are delivered, signed, like any other event.
    assert_eq!(
        sb.deliveries()
            .iter()
            .filter(|d| d.event_type == "message.sent")
            .count(),
        1
    );
}

/// Checks every emitted event against its schema, and returns their types.
fn checked_types(sb: &Sandbox) -> HashSet<String> {
    let mut seen = HashSet::new();
    for event in sb.events_json() {
        let kind = event["event_type"].as_str().unwrap().to_owned();
        let schema = &spec::document()["webhooks"][&kind]["post"]["requestBody"]["content"]["application/json"]
            ["schema"];
        assert!(!schema.is_null(), "no schema for {kind}");
        spec::check(&event, schema).unwrap_or_else(|e| panic!("{kind}: {e}\n{event:#}"));
        let typed: linq_types::Event = serde_json::from_value(event.clone())
            .unwrap_or_else(|e| panic!("{kind} does not decode: {e}\n{event:#}"));
        assert!(
            !matches!(typed.data, linq_types::EventData::Unknown { .. }),
            "{kind} decodes as unknown"
        );
        seen.insert(kind);
    }
    seen
}

#[tokio::test]
async fn location_polls_backgrounds_and_cards_emit_schema_valid_events() {
    let sb = Sandbox::new();
    let line = sb.lines()[0].clone();
    let ok = |(status, body): (u16, serde_json::Value)| {
        assert!((200..300).contains(&status), "{body}");
        body
    };
    let direct = sb.create_chat(&["+12025550170"], "hi").unwrap();
    let group = sb.create_chat(&IMESSAGE[..3], "hi").unwrap();
    ok(call(
        &sb,
        "POST",
        &format!("/v3/chats/{direct}/location/request"),
        None,
    )
    .await);
    sb.advance();
    let stop = json!({"handle": "+12025550170"});
    ok(call(
        &sb,
        "DELETE",
        &format!("/v3/chats/{direct}/location"),
        Some(stop),
    )
    .await);
    let poll = json!({"poll": {"options": [{"text": "Tea"}, {"text": "Coffee"}]}});
    let poll = ok(call(&sb, "POST", &format!("/v3/chats/{group}/polls"), Some(poll)).await);
    let id = poll["message_id"].as_str().unwrap();
    let option = poll["poll"]["options"][0]["option_id"].as_str().unwrap();
    let more = json!({"options": [{"text": "Juice"}]});
    ok(call(
        &sb,
        "POST",
        &format!("/v3/messages/{id}/poll/options"),
        Some(more),
    )
    .await);
    for operation in ["add", "remove"] {
        let vote = json!({"operation": operation, "option_id": option});
        ok(call(
            &sb,
            "POST",
            &format!("/v3/messages/{id}/poll/votes"),
            Some(vote),
        )
        .await);
    }
    let background = json!({"type": "dynamic", "style": "sky", "variant": "dusk"});
    let path = format!("/v3/chats/{group}/background");
    ok(call(&sb, "POST", &path, Some(background)).await);
    let card = json!({"phone_number": line, "first_name": "Ada"});
    ok(call(&sb, "POST", "/v3/contact_card", Some(card)).await);
    let path = format!("/v3/contact_card?phone_number={}", line.replace('+', "%2B"));
    ok(call(&sb, "PATCH", &path, Some(json!({"last_name": "Lovelace"}))).await);
    sb.settle();
    let seen = checked_types(&sb);
    for kind in [
        "location.sharing.started",
        "location.sharing.stopped",
        "poll.sent",
        "poll.delivered",
        "poll.read",
        "poll.updated",
        "poll.vote.added",
        "poll.vote.removed",
        "chat.background_updated",
        "contact_card.created",
        "contact_card.updated",
    ] {
        assert!(seen.contains(kind), "{kind} was never emitted: {seen:?}");
    }
}

#[tokio::test]
async fn what_other_people_do_emits_schema_valid_events_too() {
    let sb = Sandbox::new();
    let chat = sb.create_chat(&IMESSAGE[..2], "hi").unwrap();
    let inbound = |body: serde_json::Value| sb.inbound(&body).unwrap();
    let from = IMESSAGE[0];
    let poll = inbound(
        json!({"kind": "poll", "from": from, "chat_id": chat.as_str(), "options": ["Yes", "No"]}),
    );
    let id = poll["message_id"].as_str().unwrap();
    let (_, read) = call(&sb, "GET", &format!("/v3/messages/{id}/poll"), None).await;
    let option = read["poll"]["options"][0]["option_id"].as_str().unwrap();
    for _ in 0..2 {
        inbound(
            json!({"kind": "poll_vote", "from": IMESSAGE[1], "chat_id": chat.as_str(), "message_id": id, "option_id": option}),
        );
    }
    inbound(
        json!({"kind": "contact_card", "from": from, "chat_id": chat.as_str(), "first_name": "Ada"}),
    );
    let direct = sb.create_chat(&["+12025550170"], "hi").unwrap();
    for kind in ["location_started", "location_stopped"] {
        inbound(json!({"kind": kind, "from": "+12025550170", "chat_id": direct.as_str()}));
    }
    let seen = checked_types(&sb);
    for kind in [
        "poll.received",
        "poll.vote.added",
        "poll.vote.removed",
        "contact_card.received",
        "location.sharing.started",
        "location.sharing.stopped",
    ] {
        assert!(seen.contains(kind), "{kind} was never emitted: {seen:?}");
    }
    assert!(
        !seen.contains("message.received"),
        "a poll arrives as poll.received"
    );
}
