//! The everyday calls as a user writes them (the README's "Common flows"),
//! run against the sandbox in memory, with what each one put on the wire.

use crate::support::sandbox_client;
use futures_util::TryStreamExt;
use linq_client::prelude::*;
use linq_sandbox::Sandbox;
use linq_transport::RecordedRequest;

fn body(request: &RecordedRequest) -> serde_json::Value {
    serde_json::from_slice(&request.body).unwrap()
}

#[tokio::test]
async fn the_everyday_calls_in_one_line_each() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::new();
    let (client, transport) = sandbox_client(&sandbox);
    let bytes = b"\xFF\xD8\xFF\xE0 not really a jpeg".to_vec();

    let created = client
        .chats()
        .create(
            "+12025550100",
            ["+12025550147", "ada@example.com"],
            "Lunch at noon?",
        )
        .await?;
    let chat_id = created.chat.id;
    client
        .chats()
        .messages()
        .send(&chat_id, "On my way")
        .await?;
    let photo = client
        .attachments()
        .upload(SupportedContentType::ImageJpeg, "menu.jpg", bytes)
        .await?;
    client
        .chats()
        .messages()
        .send(
            &chat_id,
            [
                Part::text("Today's menu"),
                Part::media(photo.attachment_id.clone()),
            ],
        )
        .await?;
    let mut messages = client
        .chats()
        .messages()
        .list(&chat_id)
        .limit(100)
        .into_stream();
    let mut streamed = Vec::new();
    while let Some(message) = messages.try_next().await? {
        let _when: std::time::SystemTime = message.created_at.into();
        streamed.push(message.id);
    }
    let everything = client
        .chats()
        .messages()
        .list(&chat_id)
        .collect_all()
        .await?;

    // What went out, call by call.
    let sent = transport.requests();
    let create = &sent[0];
    assert_eq!(
        (&create.method, create.uri.path()),
        (&http::Method::POST, "/api/partner/v3/chats")
    );
    let create_body = body(create);
    assert_eq!(create_body["from"], "+12025550100");
    assert_eq!(
        create_body["to"],
        serde_json::json!(["+12025550147", "ada@example.com"])
    );
    assert_eq!(
        create_body["message"]["parts"],
        serde_json::json!([{"type": "text", "value": "Lunch at noon?"}])
    );
    let text = body(&sent[1]);
    assert_eq!(
        sent[1].uri.path(),
        format!("/api/partner/v3/chats/{chat_id}/messages")
    );
    assert_eq!(
        text["message"]["parts"],
        serde_json::json!([{"type": "text", "value": "On my way"}])
    );
    let with_photo = sent
        .iter()
        .rev()
        .find(|r| r.method == http::Method::POST && r.uri.path().ends_with("/messages"))
        .map(body)
        .unwrap();
    assert_eq!(
        with_photo["message"]["parts"],
        serde_json::json!([
            {"type": "text", "value": "Today's menu"},
            {"type": "media", "attachment_id": photo.attachment_id.as_str()},
        ])
    );
    let list = sent
        .iter()
        .find(|r| r.method == http::Method::GET && r.uri.path().ends_with("/messages"))
        .unwrap();
    assert_eq!(list.uri.query(), Some("limit=100"));

    // The chat holds the opening message and both sends, in both readings.
    assert_eq!(streamed.len(), 3);
    assert_eq!(
        everything.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        streamed
    );
    Ok(())
}

#[tokio::test]
async fn collect_at_most_stops_fetching_pages() {
    let sandbox = Sandbox::new();
    let (client, transport) = sandbox_client(&sandbox);
    let chat = client
        .chats()
        .create(&sandbox.lines()[0], ["+12025550142"], "one")
        .await
        .unwrap()
        .chat
        .id;
    for text in ["two", "three", "four", "five"] {
        client.chats().messages().send(&chat, text).await.unwrap();
    }
    let before = transport.requests().len();
    let first = client
        .chats()
        .messages()
        .list(&chat)
        .limit(2)
        .collect_at_most(3)
        .await
        .unwrap();
    assert_eq!(first.len(), 3);
    assert_eq!(
        transport.requests().len() - before,
        2,
        "two pages of two give three items"
    );
    let all = client
        .chats()
        .messages()
        .list(&chat)
        .limit(2)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
}

#[tokio::test]
async fn bad_positional_arguments_are_refused_before_sending() {
    let sandbox = Sandbox::new();
    let (client, transport) = sandbox_client(&sandbox);
    let err = client
        .chats()
        .create("+12025550100", ["+12025550147", "not a handle"], "hi")
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { field: "to", .. }),
        "{err}"
    );
    let err = client
        .chats()
        .create("12025550100", ["+12025550147"], "hi")
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { field: "from", .. }),
        "{err}"
    );
    let err = client
        .chats()
        .messages()
        .send("not-a-chat", "hi")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidInput {
                field: "chat_id",
                ..
            }
        ),
        "{err}"
    );
    // A setter's bad value refuses the call too.
    let err = client.chats().list().from("nope").await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { field: "from", .. }),
        "{err}"
    );
    assert!(transport.requests().is_empty());
}

#[tokio::test]
async fn optional_fields_are_setters_on_the_call() {
    let sandbox = Sandbox::new();
    let (client, transport) = sandbox_client(&sandbox);
    let chat = client
        .chats()
        .create(&sandbox.lines()[0], ["+12025550142"], "hi")
        .override_optout(true)
        .await
        .unwrap()
        .chat;
    assert_eq!(body(&transport.requests()[0])["override_optout"], true);
    let _ = client
        .chats()
        .list()
        .from(&sandbox.lines()[0])
        .limit(5)
        .await
        .unwrap();
    let last = transport.requests().pop().unwrap();
    let query = last.uri.query().unwrap().to_owned();
    assert_eq!(
        query,
        format!("from=%2B{}&limit=5", &sandbox.lines()[0][1..])
    );
    // `Some(None)`-style clearing reads as its own setter.
    let _ = client
        .chats()
        .update(&chat.id)
        .display_name("Lunch crew")
        .await;
    assert_eq!(
        body(&transport.requests().pop().unwrap()),
        serde_json::json!({"display_name": "Lunch crew"})
    );
}
