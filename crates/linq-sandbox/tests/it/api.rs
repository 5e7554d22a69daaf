//! The sandbox's rules, over the in-memory transport.

use crate::common;

use std::collections::HashSet;
use std::time::Duration;

use common::{
    IMESSAGE, RCS_ONLY, answer_now, assert_error, call, client, rcs_only, request, send, subscribe,
    text,
};
use linq_client::{Client, Error};
use linq_sandbox::{Capabilities, Fault, Sandbox};
use linq_webhooks::{Secret, Webhook};
use serde_json::{Value, json};

fn api_error(e: Error) -> (u16, u32) {
    match e {
        Error::Api(api) => (
            api.status.as_u16(),
            api.code.map(|c| c.as_u32()).unwrap_or(0),
        ),
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn active_handles(chat: &Value) -> Vec<String> {
    chat["handles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["status"] == "active")
        .map(|h| h["handle"].as_str().unwrap().to_owned())
        .collect()
}

fn events_of(sb: &Sandbox, kind: &str) -> Vec<Value> {
    sb.events_json()
        .into_iter()
        .filter(|e| e["event_type"] == kind)
        .collect()
}

// ---- participants -----------------------------------------------------------

#[tokio::test]
async fn adding_a_participant_is_accepted_then_applied_on_advance() {
    let sb = Sandbox::new();
    let chat = sb.create_chat(&IMESSAGE[..2], "hi").unwrap();
    let reply = client(&sb)
        .chats()
        .participants()
        .add(chat.as_str(), IMESSAGE[2])
        .await
        .unwrap();
    assert_eq!(reply.status.as_deref(), Some("accepted"));
    assert!(reply.trace_id.is_some());
    assert!(reply.message.is_some());

    // Not yet applied.
    assert_eq!(active_handles(&sb.chat_json(&chat).unwrap()).len(), 3);
    assert!(events_of(&sb, "participant.added").is_empty());

    sb.advance();
    let handles = active_handles(&sb.chat_json(&chat).unwrap());
    assert_eq!(handles.len(), 4);
    assert!(handles.contains(&IMESSAGE[2].to_owned()));
    let added = events_of(&sb, "participant.added");
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["data"]["handle"], IMESSAGE[2]);
    assert_eq!(added[0]["data"]["chat_id"], chat.as_str());
    assert_eq!(added[0]["data"]["participant"]["handle"], IMESSAGE[2]);

    // Adding again is accepted and changes nothing.
    client(&sb)
        .chats()
        .participants()
        .add(chat.as_str(), IMESSAGE[2])
        .await
        .unwrap();
    sb.advance();
    assert_eq!(events_of(&sb, "participant.added").len(), 1);
}

#[tokio::test]
async fn adding_to_a_direct_chat_is_refused() {
    let sb = Sandbox::new();
    let chat = sb.create_chat(&IMESSAGE[..1], "hi").unwrap();
    let err = client(&sb)
        .chats()
        .participants()
        .add(chat.as_str(), IMESSAGE[1])
        .await
        .unwrap_err();
    assert_eq!(api_error(err), (400, 1006));
}

#[tokio::test]
async fn cross_service_additions_are_refused() {
    let sb = Sandbox::new();
    rcs_only(&sb);
    let chat = sb.create_chat(&IMESSAGE[..2], "hi").unwrap();
    assert_eq!(sb.chat_json(&chat).unwrap()["service"], "iMessage");
    let err = client(&sb)
        .chats()
        .participants()
        .add(chat.as_str(), RCS_ONLY)
        .await
        .unwrap_err();
    assert_eq!(api_error(err), (400, 1005));
    // Email addresses are iMessage-only by default, so they may join.
    client(&sb)
        .chats()
        .participants()
        .add(chat.as_str(), "friend@example.com")
        .await
        .unwrap();

    // Once the handle reaches iMessage, it may join too.
    sb.set_capabilities(RCS_ONLY, Capabilities::ALL);
    client(&sb)
        .chats()
        .participants()
        .add(chat.as_str(), RCS_ONLY)
        .await
        .unwrap();
    sb.advance();
    assert_eq!(active_handles(&sb.chat_json(&chat).unwrap()).len(), 5);
}

#[tokio::test]
async fn an_invalid_handle_is_400_1002() {
    let sb = Sandbox::new();
    let chat = sb.create_chat(&IMESSAGE[..2], "hi").unwrap();
    for handle in ["12025550142", "+1 202 555 0142", "not a handle", "a@b"] {
        let reply = call(
            &sb,
            "POST",
            &format!("/v3/chats/{chat}/participants"),
            Some(json!({ "handle": handle })),
        )
        .await;
        assert_error(&reply, 400, 1002);
    }
    let reply = call(
        &sb,
        "POST",
        &format!("/v3/chats/{chat}/participants"),
        Some(json!({})),
    )
    .await;
    assert_error(&reply, 400, 1001);
}

#[tokio::test]
async fn an_unknown_chat_is_404_2001() {
    let sb = Sandbox::new();
    let err = client(&sb)
        .chats()
        .participants()
        .add("550e8400-e29b-41d4-a716-446655440000", IMESSAGE[0])
        .await
        .unwrap_err();
    assert_eq!(api_error(err), (404, 2001));
}

#[tokio::test]
async fn a_missing_or_wrong_key_is_401_2004() {
    let sb = Sandbox::new();
    let chat = sb.create_chat(&IMESSAGE[..2], "hi").unwrap();
    let wrong = Client::builder()
        .api_key("sk_wrong")
        .transport(sb.transport())
        .max_retries(0)
        .build()
        .unwrap();
    let err = wrong
        .chats()
        .participants()
        .add(chat.as_str(), IMESSAGE[2])
        .await
        .unwrap_err();
    assert_eq!(api_error(err), (401, 2004));

    let mut req = request(
        &sb,
        "POST",
        &format!("/v3/chats/{chat}/participants"),
        Some(&json!({"handle": IMESSAGE[2]})),
    );
    req.headers_mut().remove("authorization");
    let reply = send(&sb, req).await.unwrap();
    assert_error(&reply, 401, 2004);
    sb.advance();
    assert_eq!(active_handles(&sb.chat_json(&chat).unwrap()).len(), 3);
}

#[tokio::test]
async fn removing_must_leave_three_participants() {
    let sb = Sandbox::new();
    // The line and two people: removing either would leave two.
    let small = sb.create_chat(&IMESSAGE[..2], "hi").unwrap();
    let reply = call(
        &sb,
        "DELETE",
        &format!("/v3/chats/{small}/participants"),
        Some(json!({"handle": IMESSAGE[0]})),
    )
    .await;
    assert_error(&reply, 400, 1005);

    // The line and three people: one may go, then no more.
    let big = sb.create_chat(&IMESSAGE[..3], "hi").unwrap();
    let path = format!("/v3/chats/{big}/participants");
    let reply = call(&sb, "DELETE", &path, Some(json!({"handle": IMESSAGE[0]}))).await;
    assert_eq!(reply.0, 202, "{}", reply.1);
    assert_eq!(reply.1["status"], "accepted");
    assert!(reply.1["trace_id"].is_string());
    // A second removal queued before the first applies is refused too.
    let reply = call(&sb, "DELETE", &path, Some(json!({"handle": IMESSAGE[1]}))).await;
    assert_error(&reply, 400, 1005);

    sb.advance();
    let chat = sb.chat_json(&big).unwrap();
    assert_eq!(active_handles(&chat).len(), 3);
    let gone = chat["handles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["handle"] == IMESSAGE[0])
        .unwrap();
    assert_eq!(gone["status"], "removed");
    assert!(gone["left_at"].is_string());
    let removed = events_of(&sb, "participant.removed");
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["data"]["handle"], IMESSAGE[0]);

    let reply = call(&sb, "DELETE", &path, Some(json!({"handle": IMESSAGE[1]}))).await;
    assert_error(&reply, 400, 1005);
}

#[tokio::test]
async fn removal_failure_modes() {
    let sb = Sandbox::new();
    let direct = sb.create_chat(&IMESSAGE[..1], "hi").unwrap();
    let reply = call(
        &sb,
        "DELETE",
        &format!("/v3/chats/{direct}/participants"),
        Some(json!({"handle": IMESSAGE[0]})),
    )
    .await;
    assert_error(&reply, 400, 1006);

    let group = sb.create_chat(&IMESSAGE[..3], "hi").unwrap();
    let path = format!("/v3/chats/{group}/participants");
    let not_member = call(&sb, "DELETE", &path, Some(json!({"handle": IMESSAGE[3]}))).await;
    assert_error(&not_member, 400, 1005);
    let invalid = call(&sb, "DELETE", &path, Some(json!({"handle": "2025550142"}))).await;
    assert_error(&invalid, 400, 1002);
    let own_line = call(&sb, "DELETE", &path, Some(json!({"handle": sb.lines()[0]}))).await;
    assert_error(&own_line, 400, 1005);
    let unknown = call(
        &sb,
        "DELETE",
        "/v3/chats/550e8400-e29b-41d4-a716-446655440000/participants",
        Some(json!({"handle": IMESSAGE[0]})),
    )
    .await;
    assert_error(&unknown, 404, 2001);
}

// ---- messages ---------------------------------------------------------------

#[tokio::test]
async fn an_idempotency_key_creates_one_message() {
    let sb = Sandbox::new();
    let body = json!({"to": [IMESSAGE[0]], "message": text("once")});
    let mut ids = HashSet::new();
    for _ in 0..3 {
        let mut req = request(&sb, "POST", "/v3/messages", Some(&body));
        req.headers_mut()
            .insert("idempotency-key", "key-1".parse().unwrap());
        let (status, reply) = send(&sb, req).await.unwrap();
        assert_eq!(status, 202, "{reply}");
        ids.insert(reply["message"]["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 1);
    assert_eq!(sb.message_count(), 1);

    // In the body, for sends into a chat and for new chats.
    let chat = sb.create_chat(&IMESSAGE[1..3], "hi").unwrap();
    let body =
        json!({"message": {"parts": [{"type": "text", "value": "x"}], "idempotency_key": "key-2"}});
    let path = format!("/v3/chats/{chat}/messages");
    let a = call(&sb, "POST", &path, Some(body.clone())).await;
    let b = call(&sb, "POST", &path, Some(body)).await;
    assert_eq!(a.0, 202);
    assert_eq!(a.1, b.1);
    assert_eq!(sb.message_count(), 3);

    let create = json!({
        "from": sb.lines()[0],
        "to": [IMESSAGE[3]],
        "message": {"parts": [{"type": "text", "value": "x"}], "idempotency_key": "key-3"},
    });
    let a = call(&sb, "POST", "/v3/chats", Some(create.clone())).await;
    let b = call(&sb, "POST", "/v3/chats", Some(create)).await;
    assert_eq!(a.0, 201, "{}", a.1);
    assert_eq!(a.1["chat"]["id"], b.1["chat"]["id"]);
    assert_eq!(a.1["chat"]["message"]["id"], b.1["chat"]["message"]["id"]);
    assert_eq!(sb.message_count(), 4);
    assert_eq!(events_of(&sb, "chat.created").len(), 3);
}

#[tokio::test]
async fn a_retry_after_a_lost_reply_does_not_send_twice() {
    let sb = Sandbox::new();
    let body = json!({"to": [IMESSAGE[0]], "message": text("once")});
    let keyed = || {
        let mut req = request(&sb, "POST", "/v3/messages", Some(&body));
        req.headers_mut()
            .insert("idempotency-key", "lost-reply".parse().unwrap());
        req
    };
    sb.fail_next(1, Fault::DropAfterApply);
    assert!(send(&sb, keyed()).await.is_err());
    assert_eq!(sb.message_count(), 1);
    let (status, reply) = send(&sb, keyed()).await.unwrap();
    assert_eq!(status, 202);
    assert_eq!(sb.message_count(), 1);
    let id = reply["message"]["id"].as_str().unwrap().to_owned();

    // A deleted message's key is never sent again.
    let del = call(&sb, "DELETE", &format!("/v3/messages/{id}"), None).await;
    assert_eq!(del.0, 204);
    let reply = send(&sb, keyed()).await.unwrap();
    assert_error(&reply, 404, 2002);
    assert_eq!(sb.message_count(), 0);
}

async fn walk(sb: &Sandbox, path: &str, items: &str, limit: usize) -> (Vec<String>, Vec<usize>) {
    let mut ids = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut url = format!("{path}{sep}limit={limit}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let (status, page) = call(sb, "GET", &url, None).await;
        assert_eq!(status, 200, "{page}");
        let list = page[items].as_array().unwrap();
        sizes.push(list.len());
        ids.extend(list.iter().map(|m| m["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(sizes.len() < 100, "pagination does not end");
    }
    (ids, sizes)
}

#[tokio::test]
async fn pagination_walks_every_item_once() {
    let sb = Sandbox::new();
    let chat = sb.create_chat(&IMESSAGE[..2], "first").unwrap();
    let mut sent = vec![];
    for i in 0..23 {
        let (status, reply) = call(
            &sb,
            "POST",
            &format!("/v3/chats/{chat}/messages"),
            Some(json!({"message": text(&format!("m{i}"))})),
        )
        .await;
        assert_eq!(status, 202);
        sent.push(reply["message"]["id"].as_str().unwrap().to_owned());
    }
    let (ids, sizes) = walk(&sb, &format!("/v3/chats/{chat}/messages"), "messages", 5).await;
    assert_eq!(sizes, [5, 5, 5, 5, 4]);
    assert_eq!(ids.len(), 24);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 24);
    // Newest first.
    assert_eq!(ids[0], *sent.last().unwrap());

    // Chats: a chat created mid-walk shows neither twice nor shifts the rest.
    for i in 0..6 {
        sb.create_chat(&[IMESSAGE[i % 4]], "hello").unwrap();
    }
    let (first, _) = {
        let (_, page) = call(&sb, "GET", "/v3/chats?limit=3", None).await;
        let ids: Vec<String> = page["chats"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        (ids, page["next_cursor"].as_str().unwrap().to_owned())
    };
    let (all, _) = walk(&sb, "/v3/chats", "chats", 3).await;
    assert_eq!(all.len(), 7);
    assert_eq!(all[..3], first[..]);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 7);

    // Filters.
    let (to, _) = walk(
        &sb,
        &format!("/v3/chats?to=%2B{}", &IMESSAGE[0][1..]),
        "chats",
        2,
    )
    .await;
    assert_eq!(to.len(), 3);
    let from = format!("/v3/chats?from={}", sb.lines()[1].replace('+', "%2B"));
    assert!(walk(&sb, &from, "chats", 2).await.0.is_empty());

    for bad in ["limit=0", "limit=abc", "cursor=nope"] {
        let reply = call(&sb, "GET", &format!("/v3/chats?{bad}"), None).await;
        assert_error(&reply, 400, 1005);
    }
}

#[tokio::test]
async fn threads_list_the_root_and_its_replies() {
    let sb = Sandbox::new();
    let chat = sb.create_chat(&IMESSAGE[..2], "root").unwrap();
    let (_, list) = call(&sb, "GET", &format!("/v3/chats/{chat}/messages"), None).await;
    let root = list["messages"][0]["id"].as_str().unwrap().to_owned();
    let mut replies = vec![];
    let mut parent = root.clone();
    for i in 0..5 {
        let body = json!({"message": {"parts": [{"type": "text", "value": format!("r{i}")}], "reply_to": {"message_id": parent}}});
        let (status, reply) = call(
            &sb,
            "POST",
            &format!("/v3/chats/{chat}/messages"),
            Some(body),
        )
        .await;
        assert_eq!(status, 202, "{reply}");
        let id = reply["message"]["id"].as_str().unwrap().to_owned();
        if i % 2 == 0 {
            parent = id.clone();
        }
        replies.push(id);
    }
    // An unrelated message is not part of the thread.
    call(
        &sb,
        "POST",
        &format!("/v3/chats/{chat}/messages"),
        Some(json!({"message": text("other")})),
    )
    .await;

    let (ids, sizes) = walk(
        &sb,
        &format!("/v3/messages/{}/thread", replies[3]),
        "messages",
        2,
    )
    .await;
    assert_eq!(sizes, [2, 2, 2]);
    let mut expected = vec![root.clone()];
    expected.extend(replies.iter().cloned());
    assert_eq!(ids, expected);
    let (desc, _) = walk(
        &sb,
        &format!("/v3/messages/{root}/thread?order=desc"),
        "messages",
        4,
    )
    .await;
    expected.reverse();
    assert_eq!(desc, expected);
}

#[tokio::test]
async fn delivery_status_advances_one_step_per_advance() {
    let sb = Sandbox::new();
    let (_, reply) = call(
        &sb,
        "POST",
        "/v3/messages",
        Some(json!({"to": [IMESSAGE[0]], "message": text("hi")})),
    )
    .await;
    assert_eq!(reply["message"]["delivery_status"], "queued");
    let id = reply["message"]["id"].as_str().unwrap().to_owned();
    for (status, event) in [
        ("sent", "message.sent"),
        ("delivered", "message.delivered"),
        ("read", "message.read"),
    ] {
        sb.advance();
        let m = sb.message_json(&id).unwrap();
        assert_eq!(m["delivery_status"], status);
        let events = events_of(&sb, event);
        assert_eq!(events.len(), 1, "{event}");
        assert_eq!(events[0]["data"]["id"], id.as_str());
    }
    let m = sb.message_json(&id).unwrap();
    assert_eq!(m["is_read"], true);
    assert_eq!(m["is_delivered"], true);
    assert!(m["sent_at"].is_string() && m["delivered_at"].is_string() && m["read_at"].is_string());
    assert_eq!(sb.pending(), 0);
    assert_eq!(sb.advance(), 0);

    // SMS has no read receipts: it stops at delivered.
    sb.set_capabilities(
        "+12025550150",
        Capabilities {
            imessage: false,
            rcs: false,
            sms: true,
        },
    );
    let (_, reply) = call(
        &sb,
        "POST",
        "/v3/messages",
        Some(json!({"to": ["+12025550150"], "message": text("hi")})),
    )
    .await;
    assert_eq!(reply["service"], "SMS");
    let id = reply["message"]["id"].as_str().unwrap().to_owned();
    sb.settle();
    assert_eq!(
        sb.message_json(&id).unwrap()["delivery_status"],
        "delivered"
    );
}

#[tokio::test]
async fn messages_create_reuses_a_chat_with_the_same_recipients() {
    let sb = Sandbox::new();
    let body = json!({"to": [IMESSAGE[1], IMESSAGE[0]], "message": text("a")});
    let (_, a) = call(&sb, "POST", "/v3/messages", Some(body)).await;
    assert_eq!(a["created_new_chat"], true);
    assert_eq!(a["is_group"], true);
    assert_eq!(a["from_selection"]["reason"], "new_best_number");
    let body = json!({"to": [IMESSAGE[0], IMESSAGE[1]], "message": text("b")});
    let (_, b) = call(&sb, "POST", "/v3/messages", Some(body)).await;
    assert_eq!(b["created_new_chat"], false);
    assert_eq!(b["chat_id"], a["chat_id"]);
    assert_eq!(b["from_selection"]["reason"], "reused_active_chat");
}

#[tokio::test]
async fn chat_creation_rules() {
    let sb = Sandbox::new();
    rcs_only(&sb);
    let line = sb.lines()[0].clone();
    let link =
        json!({"from": line, "to": [IMESSAGE[0]], "message": text("see https://example.com")});
    assert_error(&call(&sb, "POST", "/v3/chats", Some(link)).await, 400, 1005);
    let not_mine = json!({"from": "+12025550199", "to": [IMESSAGE[0]], "message": text("x")});
    assert_error(
        &call(&sb, "POST", "/v3/chats", Some(not_mine)).await,
        403,
        2006,
    );
    let mixed = json!({"from": line, "to": ["a@example.com", RCS_ONLY], "message": text("x")});
    assert_error(
        &call(&sb, "POST", "/v3/chats", Some(mixed)).await,
        400,
        1005,
    );
    let no_to = json!({"from": line, "message": text("x")});
    assert_error(
        &call(&sb, "POST", "/v3/chats", Some(no_to)).await,
        400,
        1001,
    );
    let bad_json = send(&sb, {
        let mut r = request(&sb, "POST", "/v3/chats", None);
        *r.body_mut() = bytes::Bytes::from_static(b"{not json");
        r
    })
    .await
    .unwrap();
    assert_error(&bad_json, 400, 1003);

    let rcs = json!({"from": line, "to": [RCS_ONLY, "+12025550145"], "message": text("x")});
    let (status, reply) = call(&sb, "POST", "/v3/chats", Some(rcs)).await;
    assert_eq!(status, 201);
    assert_eq!(reply["chat"]["service"], "RCS");
    assert_eq!(reply["chat"]["is_group"], true);
    assert_eq!(reply["chat"]["handles"].as_array().unwrap().len(), 3);
    let created = events_of(&sb, "chat.created");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["data"]["id"], reply["chat"]["id"]);
}

#[tokio::test]
async fn capability_checks_follow_the_configured_capabilities() {
    let sb = Sandbox::new();
    rcs_only(&sb);
    let check = |path: &'static str, address: &str| {
        let sb = sb.clone();
        let body = json!({ "address": address });
        async move { call(&sb, "POST", path, Some(body)).await }
    };
    let (s, r) = check("/v3/capability/check_imessage", "friend@example.com").await;
    assert_eq!(
        (s, r["available"].clone(), r["selected_service"].clone()),
        (200, json!(true), json!("iMessage"))
    );
    let (_, r) = check("/v3/capability/check_imessage", RCS_ONLY).await;
    assert_eq!(r["available"], false);
    assert_eq!(r["reason"], "not_supported");
    let (_, r) = check("/v3/capability/check_rcs", RCS_ONLY).await;
    assert_eq!(r["available"], true);
    assert_error(
        &check("/v3/capability/check_rcs", "friend@example.com").await,
        400,
        1002,
    );
    assert_error(
        &check("/v3/capability/check_imessage", "12345").await,
        400,
        1002,
    );
    sb.set_capabilities(RCS_ONLY, Capabilities::NONE);
    let (_, r) = check("/v3/capability/check_rcs", RCS_ONLY).await;
    assert_eq!(r["available"], false);
}

#[tokio::test]
async fn reactions_typing_and_read() {
    let sb = Sandbox::new();
    let chat = sb.create_chat(&IMESSAGE[..1], "hi").unwrap();
    let (_, list) = call(&sb, "GET", &format!("/v3/chats/{chat}/messages"), None).await;
    let id = list["messages"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/v3/messages/{id}/reactions");
    let (status, reply) = call(
        &sb,
        "POST",
        &path,
        Some(json!({"operation": "add", "type": "love"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(reply["status"], "accepted");
    let m = sb.message_json(&id).unwrap();
    assert_eq!(m["parts"][0]["reactions"][0]["type"], "love");
    let added = events_of(&sb, "reaction.added");
    assert_eq!(added[0]["data"]["reaction_type"], "love");
    assert_eq!(added[0]["data"]["message_id"], id.as_str());
    let (status, _) = call(
        &sb,
        "POST",
        &path,
        Some(json!({"operation": "remove", "type": "love"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(events_of(&sb, "reaction.removed").len(), 1);
    assert!(sb.message_json(&id).unwrap()["parts"][0]["reactions"].is_null());
    assert_error(
        &call(
            &sb,
            "POST",
            &path,
            Some(json!({"operation": "add", "type": "custom"})),
        )
        .await,
        400,
        1001,
    );
    assert_error(
        &call(
            &sb,
            "POST",
            &path,
            Some(json!({"operation": "remove", "type": "sticker"})),
        )
        .await,
        400,
        1005,
    );

    assert_eq!(
        call(&sb, "POST", &format!("/v3/chats/{chat}/typing"), None)
            .await
            .0,
        204
    );
    assert_eq!(
        call(&sb, "DELETE", &format!("/v3/chats/{chat}/typing"), None)
            .await
            .0,
        204
    );
    assert_eq!(events_of(&sb, "chat.typing_indicator.started").len(), 1);
    assert_eq!(events_of(&sb, "chat.typing_indicator.stopped").len(), 1);

    let inbound = sb.receive(&chat, IMESSAGE[0], "hello back").unwrap();
    assert_eq!(sb.message_json(&inbound).unwrap()["is_read"], false);
    assert_eq!(events_of(&sb, "message.received").len(), 1);
    assert_eq!(
        call(&sb, "POST", &format!("/v3/chats/{chat}/read"), None)
            .await
            .0,
        204
    );
    assert_eq!(sb.message_json(&inbound).unwrap()["is_read"], true);
}

#[tokio::test]
async fn unknown_paths_are_404_with_the_generic_code() {
    // Not 2001, which SDKs name "chat not found".
    let sb = Sandbox::new();
    assert_error(&call(&sb, "GET", "/v3/nothing-here", None).await, 404, 404);
    assert_error(&call(&sb, "PATCH", "/v3/chats", None).await, 404, 404);
    assert_error(&call(&sb, "GET", "/nothing", None).await, 404, 404);
    // The exact bytes of the envelope.
    let (_, body) = call(&sb, "GET", "/v3/nothing-here", None).await;
    let text = body.to_string();
    assert!(text.starts_with(r#"{"error":{"code":404,"message":"Resource not found","status":404},"success":false,"trace_id":"#), "{text}");
    // Strict mode answers the API under its prefix only, as Linq does: a
    // client with a wrong base URL fails here too. Mock mode also answers
    // at the root, where other SDKs' suites send `/v3/...`.
    let at_root = |sb: &Sandbox| {
        http::Request::get("/v3/chats")
            .header("authorization", format!("Bearer {}", sb.api_key()))
            .body(bytes::Bytes::new())
            .unwrap()
    };
    assert_eq!(answer_now(&sb, at_root(&sb)).status(), 404);
    let other_prefix = http::Request::get("/api/other/v3/chats")
        .header("authorization", format!("Bearer {}", sb.api_key()))
        .body(bytes::Bytes::new())
        .unwrap();
    assert_eq!(answer_now(&sb, other_prefix).status(), 404);
    let mock = Sandbox::builder().mock(true).build();
    assert_eq!(answer_now(&mock, at_root(&mock)).status(), 200);
}

// ---- webhooks ---------------------------------------------------------------

#[tokio::test]
async fn events_are_signed_filtered_and_current() {
    let sb = Sandbox::new();
    let (all_id, all_secret) = subscribe(
        &sb,
        "http://127.0.0.1:9/all",
        &[
            "message.sent",
            "message.delivered",
            "message.read",
            "participant.added",
            "chat.created",
        ],
    )
    .await;
    let (_sent_id, sent_secret) =
        subscribe(&sb, "http://127.0.0.1:9/sent", &["message.sent"]).await;
    let mut rx = sb.subscribe();

    let chat = sb.create_chat(&IMESSAGE[..2], "hi").unwrap();
    client(&sb)
        .chats()
        .participants()
        .add(chat.as_str(), IMESSAGE[2])
        .await
        .unwrap();
    // Taking the deliveries settles the account: no `settle()` needed.
    let got: Vec<_> = rx.by_ref().collect();
    assert_eq!(sb.pending(), 0);
    assert_eq!(got.len(), sb.deliveries().len());
    let all: Vec<_> = got.iter().filter(|d| d.subscription_id == all_id).collect();
    let sent: Vec<_> = got.iter().filter(|d| d.subscription_id != all_id).collect();
    let kinds: Vec<&str> = all.iter().map(|d| d.event_type.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "chat.created",
            "participant.added",
            "message.sent",
            "message.delivered",
            "message.read"
        ]
    );
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].event_type, "message.sent");

    for (deliveries, secret) in [(all, &all_secret), (sent, &sent_secret)] {
        assert!(secret.starts_with("whsec_"));
        let webhook = Webhook::new(Secret::parse(secret).unwrap());
        for d in deliveries {
            let verified = webhook.verify_at(&d.body, &d.headers, sb.now()).unwrap();
            assert_eq!(verified.event_type(), Some(d.event_type.as_str()));
            assert_eq!(verified.webhook_version(), Some("2026-02-03"));
            assert_eq!(verified.api_version(), Some("v3"));
            // The other subscription's secret does not verify it.
            let other = if secret == &all_secret {
                &sent_secret
            } else {
                &all_secret
            };
            let wrong = Webhook::new(Secret::parse(other).unwrap());
            assert!(wrong.verify_at(&d.body, &d.headers, sb.now()).is_err());
        }
    }
}

#[tokio::test]
async fn subscriptions_crud() {
    let sb = Sandbox::new();
    let (id, _) = subscribe(&sb, "https://example.com/hook", &["message.sent"]).await;
    let (_, list) = call(&sb, "GET", "/v3/webhook-subscriptions", None).await;
    assert_eq!(list["subscriptions"].as_array().unwrap().len(), 1);
    assert!(list["subscriptions"][0].get("signing_secret").is_none());
    let path = format!("/v3/webhook-subscriptions/{id}");
    let (status, got) = call(&sb, "GET", &path, None).await;
    assert_eq!(
        (status, got["target_url"].clone()),
        (200, json!("https://example.com/hook"))
    );
    let (status, updated) = call(
        &sb,
        "PUT",
        &path,
        Some(json!({"is_active": false, "subscribed_events": ["message.read"]})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(updated["is_active"], false);
    assert_eq!(updated["subscribed_events"], json!(["message.read"]));

    // Inactive: nothing is delivered.
    sb.create_chat(&IMESSAGE[..1], "x").unwrap();
    sb.settle();
    assert!(sb.deliveries().is_empty());

    let dup = call(&sb, "POST", "/v3/webhook-subscriptions", Some(json!({"target_url": "https://example.com/hook", "subscribed_events": ["message.sent"]}))).await;
    assert_error(&dup, 409, 1005);
    let unknown_event = call(
        &sb,
        "POST",
        "/v3/webhook-subscriptions",
        Some(json!({"target_url": "https://example.com/x", "subscribed_events": ["nope"]})),
    )
    .await;
    assert_error(&unknown_event, 400, 1005);
    assert_eq!(call(&sb, "DELETE", &path, None).await.0, 204);
    assert_error(&call(&sb, "GET", &path, None).await, 404, 2001);
}

// ---- faults -----------------------------------------------------------------

#[tokio::test]
async fn faults_fire_exactly_n_times() {
    let sb = Sandbox::new();
    sb.fail_next(2, Fault::Status(503));
    assert_error(&call(&sb, "GET", "/v3/chats", None).await, 503, 4004);
    assert_error(&call(&sb, "GET", "/v3/chats", None).await, 503, 4004);
    assert_eq!(call(&sb, "GET", "/v3/chats", None).await.0, 200);

    sb.fail_next(
        1,
        Fault::RateLimited {
            retry_after: Duration::from_millis(1500),
        },
    );
    let response = {
        use linq_transport::Transport;
        sb.transport()
            .send(request(&sb, "GET", "/v3/chats", None), Default::default())
            .await
            .unwrap()
    };
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "2");
    assert_eq!(call(&sb, "GET", "/v3/chats", None).await.0, 200);

    sb.fail_next(3, Fault::Drop);
    for _ in 0..3 {
        let err = send(&sb, request(&sb, "GET", "/v3/chats", None))
            .await
            .unwrap_err();
        assert!(
            matches!(err, linq_transport::TransportError::Io(_)),
            "{err:?}"
        );
    }
    assert_eq!(call(&sb, "GET", "/v3/chats", None).await.0, 200);

    sb.fail_next(1, Fault::Delay(Duration::from_millis(60)));
    let started = std::time::Instant::now();
    assert_eq!(call(&sb, "GET", "/v3/chats", None).await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(60));
    assert_eq!(sb.faults_pending(), 0);

    // Faults also come through the control endpoint, which never fails.
    let (status, _) = call(
        &sb,
        "POST",
        "/__sandbox/faults",
        Some(json!({"kind": "status", "status": 500, "count": 1})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(sb.faults_pending(), 1);
    assert_error(&call(&sb, "GET", "/v3/chats", None).await, 500, 3006);
    assert_eq!(call(&sb, "GET", "/v3/chats", None).await.0, 200);
}

#[tokio::test]
async fn the_client_retries_through_faults() {
    let sb = Sandbox::new();
    let chat = sb.create_chat(&IMESSAGE[..2], "hi").unwrap();
    let retrying = Client::builder()
        .api_key(sb.api_key())
        .transport(sb.transport())
        .retry_policy(linq_client::RetryPolicy {
            max_retries: 2,
            ..Default::default()
        })
        .build()
        .unwrap();
    sb.fail_next(
        2,
        Fault::RateLimited {
            retry_after: Duration::ZERO,
        },
    );
    let reply = retrying
        .chats()
        .participants()
        .add(chat.as_str(), IMESSAGE[2])
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(reply.attempts, 3);
    assert_eq!(sb.faults_pending(), 0);
}

// ---- determinism -------------------------------------------------------------

#[tokio::test]
async fn same_seed_same_ids() {
    let run = || async {
        let sb = Sandbox::builder().seed(42).build();
        let chat = sb.create_chat(&IMESSAGE[..2], "hi").unwrap();
        sb.settle();
        (chat, sb.events_json())
    };
    let (a, ea) = run().await;
    let (b, eb) = run().await;
    assert_eq!(a, b);
    assert_eq!(ea, eb);
    let other = Sandbox::builder().seed(43).build();
    assert_ne!(other.create_chat(&IMESSAGE[..2], "hi").unwrap(), a);
}
