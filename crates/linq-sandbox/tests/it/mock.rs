//! Mock mode (what other languages' SDK suites need) and request
//! validation against the spec (both modes).

use crate::common;

use common::{assert_error, call, request, send, text};
use linq_sandbox::Sandbox;
use serde_json::{Value, json};

const MADE_UP: &str = "550e8400-e29b-41d4-a716-446655440000";

fn mock() -> Sandbox {
    Sandbox::builder().mock(true).build()
}

async fn with_key(sb: &Sandbox, key: Option<&str>, path: &str) -> (u16, Value) {
    let mut req = request(sb, "GET", path, None);
    match key {
        Some(key) => {
            req.headers_mut()
                .insert("authorization", format!("Bearer {key}").parse().unwrap());
        }
        None => {
            req.headers_mut().remove("authorization");
        }
    }
    send(sb, req).await.unwrap()
}

#[tokio::test]
async fn any_bearer_key_is_accepted_but_one_is_needed() {
    let sb = mock();
    assert_eq!(with_key(&sb, Some("My API Key"), "/v3/chats").await.0, 200);
    assert_error(&with_key(&sb, None, "/v3/chats").await, 401, 2004);
    let strict = Sandbox::new();
    assert_error(
        &with_key(&strict, Some("My API Key"), "/v3/chats").await,
        401,
        2004,
    );
}

#[tokio::test]
async fn a_made_up_chat_exists_from_first_use_on() {
    let sb = mock();
    let path = format!("/v3/chats/{MADE_UP}");
    let (status, first) = call(&sb, "GET", &path, None).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["id"], MADE_UP);
    assert_eq!(first["is_group"], true);
    let (_, again) = call(&sb, "GET", &path, None).await;
    assert_eq!(first, again);
    // It is a real chat of the account: a send lands in it.
    let send = call(
        &sb,
        "POST",
        &format!("{path}/messages"),
        Some(json!({"message": text("to a made-up chat")})),
    )
    .await;
    assert_eq!(send.0, 202, "{}", send.1);
    let (_, list) = call(&sb, "GET", &format!("{path}/messages"), None).await;
    assert_eq!(
        list["messages"][0]["parts"][0]["value"],
        "to a made-up chat"
    );
    // Strict mode refuses it.
    let strict = Sandbox::new();
    assert_error(&call(&strict, "GET", &path, None).await, 404, 2001);
}

#[tokio::test]
async fn a_made_up_message_can_be_read_and_edited() {
    let sb = mock();
    let id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    let path = format!("/v3/messages/{id}");
    let (status, message) = call(&sb, "GET", &path, None).await;
    assert_eq!(status, 200, "{message}");
    assert_eq!(message["id"], id);
    let (status, _) = call(&sb, "PATCH", &path, Some(json!({"text": "edited"}))).await;
    assert_eq!(status, 200);
    let (_, message) = call(&sb, "GET", &path, None).await;
    assert_eq!(message["parts"][0]["value"], "edited");
}

#[tokio::test]
async fn any_from_becomes_a_line() {
    let sb = mock();
    let body = json!({"from": "+12025559999", "to": ["+12025550142"], "message": text("hi")});
    let (status, reply) = call(&sb, "POST", "/v3/chats", Some(body.clone())).await;
    assert_eq!(status, 201, "{reply}");
    assert!(sb.lines().contains(&"+12025559999".to_owned()));
    let strict = Sandbox::new();
    assert_error(
        &call(&strict, "POST", "/v3/chats", Some(body)).await,
        403,
        2006,
    );
}

#[tokio::test]
async fn schema_valid_requests_the_rules_refuse_are_answered() {
    let sb = mock();
    let strict = Sandbox::new();
    let chat = strict.create_chat(&["+12025550142"], "hi").unwrap();
    // `message: {}` fits the schema (no field is required) but sends nothing.
    let empty = json!({"message": {}});
    let path = format!("/v3/chats/{chat}/messages");
    assert_error(
        &call(&strict, "POST", &path, Some(empty.clone())).await,
        400,
        1004,
    );
    let path = format!("/v3/chats/{MADE_UP}/messages");
    let (status, reply) = call(&sb, "POST", &path, Some(empty)).await;
    assert_eq!(status, 202, "{reply}");
    assert_eq!(reply["chat_id"], MADE_UP);

    // A cursor this server never gave out is the first page.
    let (status, page) = call(&sb, "GET", "/v3/chats?cursor=cursor", None).await;
    assert_eq!(status, 200, "{page}");
    assert_error(
        &call(&strict, "GET", "/v3/chats?cursor=cursor", None).await,
        400,
        1005,
    );

    // A target URL may be used twice.
    let sub =
        json!({"target_url": "https://example.com/hook", "subscribed_events": ["message.sent"]});
    for _ in 0..2 {
        assert_eq!(
            call(&sb, "POST", "/v3/webhook-subscriptions", Some(sub.clone()))
                .await
                .0,
            201
        );
    }
    assert_eq!(
        call(
            &strict,
            "POST",
            "/v3/webhook-subscriptions",
            Some(sub.clone())
        )
        .await
        .0,
        201
    );
    assert_error(
        &call(&strict, "POST", "/v3/webhook-subscriptions", Some(sub)).await,
        409,
        1005,
    );
}

#[tokio::test]
async fn replies_echo_what_the_request_set() {
    for sb in [mock(), Sandbox::new()] {
        let (status, card) = call(
            &sb,
            "POST",
            "/v3/contact_card",
            Some(json!({"first_name": "Ada", "last_name": "Lovelace", "phone_number": "+12025550100"})),
        )
        .await;
        assert_eq!(status, 200, "{card}");
        assert_eq!(card["first_name"], "Ada", "{card}");
        assert_eq!(card["last_name"], "Lovelace", "{card}");
        assert_eq!(card["phone_number"], "+12025550100", "{card}");
    }
}

#[tokio::test]
async fn invalid_requests_are_400_with_the_field_path_in_both_modes() {
    let chat_path = format!("/v3/chats/{MADE_UP}/messages");
    let cases: Vec<(&str, String, Option<Value>, u64, &str)> = vec![
        (
            "POST",
            "/v3/payments".into(),
            Some(
                json!({"amount_cents": "not a number", "currency": "usd", "handle": "+12025550142"}),
            ),
            1005,
            "amount_cents",
        ),
        (
            "POST",
            "/v3/payments".into(),
            Some(json!({"currency": "usd", "handle": "+12025550142"})),
            1001,
            "amount_cents",
        ),
        (
            "POST",
            chat_path.clone(),
            Some(json!({"message": {"parts": [{"type": "text", "value": 5}]}})),
            1005,
            "message.parts[0].value",
        ),
        (
            "POST",
            chat_path.clone(),
            Some(json!({"message": {"parts": [{"type": "hologram"}]}})),
            1005,
            "message.parts[0].type",
        ),
        (
            "POST",
            chat_path,
            Some(json!({"message": {"preferred_service": "carrier pigeon"}})),
            1005,
            "message.preferred_service",
        ),
        (
            "POST",
            "/v3/attachments".into(),
            Some(json!({"content_type": "image/jpeg", "filename": "a.jpg", "size_bytes": 1.5})),
            1005,
            "size_bytes",
        ),
        ("GET", "/v3/chats?limit=many".into(), None, 1005, "limit"),
        ("GET", "/v3/chats/not-a-uuid".into(), None, 1005, "chatId"),
        (
            "POST",
            "/v3/messages".into(),
            Some(json!({"to": ["+12025550142"], "message": {"reply_to": {"message_id": "nope"}}})),
            1005,
            "message.reply_to.message_id",
        ),
    ];
    for sb in [mock(), Sandbox::new()] {
        for (method, path, body, code, field) in &cases {
            let reply = call(&sb, method, path, body.clone()).await;
            assert_error(&reply, 400, *code);
            let message = reply.1["error"]["message"].as_str().unwrap();
            assert!(
                message.contains(field),
                "{method} {path}: {message:?} names no {field}"
            );
        }
        // Not JSON at all.
        let mut req = request(&sb, "POST", "/v3/payments", None);
        *req.body_mut() = bytes::Bytes::from_static(b"{not json");
        assert_error(&send(&sb, req).await.unwrap(), 400, 1003);
    }
}

#[tokio::test]
async fn a_sampled_chat_keeps_the_requests_recipients() {
    let sb = Sandbox::builder().mock(true).build();
    // The rules refuse a link in a chat's first message: sampled, but the
    // handles are still the request's.
    let body = json!({
        "from": "+12025550100",
        "to": ["+12025550147", "ada@example.com"],
        "message": {"parts": [{"type": "link", "value": "https://example.com"}]},
    });
    let (status, reply) = call(&sb, "POST", "/v3/chats", Some(body)).await;
    assert_eq!(status, 201, "{reply}");
    let handles: Vec<&str> = reply["chat"]["handles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["handle"].as_str().unwrap())
        .collect();
    assert_eq!(handles, ["+12025550100", "+12025550147", "ada@example.com"]);
    // Fields the official SDKs require but may be null are there, as null.
    let chat = reply["chat"].as_object().unwrap();
    assert!(chat.contains_key("display_name"), "{reply}");
    let message = chat["message"].as_object().unwrap();
    assert!(message.contains_key("sent_at"), "{reply}");
    assert!(
        message["parts"][0]
            .as_object()
            .unwrap()
            .contains_key("reactions"),
        "{reply}"
    );
}
