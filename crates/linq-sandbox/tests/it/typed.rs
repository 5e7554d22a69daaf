//! Inspecting the sandbox from a Rust test with linq-types' own types.

use linq_sandbox::{Fault, FaultMatch, Sandbox};
use linq_types::webhooks::EventData;

#[test]
fn ids_messages_and_events_come_back_typed() {
    let sb = Sandbox::new();
    let chat = sb.create_chat(&["+12025550142"], "hello").unwrap();
    let inbound = sb.receive(&chat, "+12025550142", "hi back").unwrap();

    let messages = sb.messages(&chat);
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].id, inbound, "newest first");
    assert_eq!(messages[0].texts().collect::<Vec<_>>(), ["hi back"]);
    assert_eq!(messages[1].texts().collect::<Vec<_>>(), ["hello"]);
    assert_eq!(sb.message(&inbound).unwrap().id, inbound);
    assert_eq!(sb.chat(&chat).unwrap().id, chat);
    assert!(
        sb.messages("550e8400-e29b-41d4-a716-446655440099")
            .is_empty()
    );

    let events = sb.events();
    assert_eq!(
        events.len(),
        sb.events_json().len(),
        "every emitted event decodes"
    );
    let received = events
        .iter()
        .find_map(|e| match &e.data {
            EventData::MessageReceived(m) => Some(m),
            _ => None,
        })
        .expect("a message.received event");
    assert_eq!(received.chat_id(), Some(&chat));
    assert_eq!(received.message_id(), Some(&inbound));
    assert!(received.is_inbound());
}

#[tokio::test]
async fn a_fault_scoped_to_an_operation_spares_the_others() {
    let sb = Sandbox::new();
    let client = linq_client::Client::builder()
        .api_key(sb.api_key())
        .transport(sb.transport())
        .max_retries(0)
        .build()
        .unwrap();
    let chat = sb.create_chat(&["+12025550142"], "hello").unwrap();
    sb.fail_matching(
        FaultMatch {
            operation: Some("chats.messages.send".into()),
            ..FaultMatch::default()
        },
        1,
        Fault::Status(503),
    );
    client.chats().retrieve(&chat).await.unwrap();
    client.chats().messages().list(&chat).await.unwrap();
    let err = client
        .chats()
        .messages()
        .send(&chat, "hi")
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    client.chats().messages().send(&chat, "hi").await.unwrap();
    assert_eq!(sb.messages(&chat).len(), 2);
}
