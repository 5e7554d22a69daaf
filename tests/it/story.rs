//! The whole story against the sandbox, through linq-client: subscribe to
//! webhooks, create a group chat, add a participant, send a message, walk
//! the messages, and verify every signed event. Once over the in-memory
//! transport and once over HTTP on loopback, from one test body.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use crate::support::*;
use futures_util::TryStreamExt;
use linq_client::prelude::*;
use linq_client::{ErrorCode, HyperTransport};
use linq_sandbox::{Capabilities, Sandbox};
use linq_webhooks::{EventData, Secret, Webhook};

/// A received delivery: headers and raw body.
type Received = (http::HeaderMap, bytes::Bytes);

const RCS_AND_SMS: Capabilities = Capabilities {
    imessage: false,
    rcs: true,
    sms: true,
};

async fn story(
    client: &Client,
    sandbox: &Sandbox,
    target_url: &str,
    deliveries: impl AsyncFn(usize) -> Vec<Received>,
) {
    // Subscribe to everything the story will cause.
    let events = [
        WebhookEventType::ChatCreated,
        WebhookEventType::ParticipantAdded,
        WebhookEventType::MessageSent,
        WebhookEventType::MessageDelivered,
    ];
    let subscription = client
        .webhook_subscriptions()
        .create(target_url, events)
        .await
        .unwrap();
    assert!(subscription.signing_secret.starts_with("whsec_"));

    // A group chat: our line and two people.
    let created = client
        .chats()
        .create(
            &sandbox.lines()[0],
            ["+12025550142", "+12025550144"],
            "Lunch at noon?",
        )
        .await
        .unwrap()
        .chat;
    assert!(created.is_group);
    let chat = created.id;

    // Add a participant; the refusals come back typed.
    let reply = client
        .chats()
        .participants()
        .add(&chat, "+12025550146")
        .await
        .unwrap();
    assert_eq!(reply.status.as_deref(), Some("accepted"));
    assert!(reply.trace_id.is_some());
    let unknown = client
        .chats()
        .participants()
        .add("00000000-0000-4000-8000-000000000000", "+12025550146")
        .await
        .unwrap_err();
    assert_eq!(
        (unknown.status().unwrap().as_u16(), unknown.code()),
        (404, Some(ErrorCode::ChatNotFound))
    );
    // The sandbox was told this number reaches RCS and SMS only.
    let rcs_only = client
        .chats()
        .participants()
        .add(&chat, "+12025550147")
        .await
        .unwrap_err();
    assert_eq!(
        rcs_only.status().unwrap().as_u16(),
        400,
        "cross-service: {rcs_only}"
    );
    let bad = client
        .chats()
        .participants()
        .add(&chat, "2025550146")
        .await
        .unwrap_err();
    assert!(matches!(
        bad,
        Error::InvalidInput {
            field: "handle",
            ..
        }
    ));

    // Send, let simulated time run, then read everything back.
    let sent = client
        .chats()
        .messages()
        .send(&chat, "See you there")
        .await
        .unwrap();
    sandbox.settle();
    let messages: Vec<_> = client
        .chats()
        .messages()
        .list(&chat)
        .limit(1)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(messages.len(), 2, "the first message and ours");
    assert!(messages.iter().any(|m| m.id == sent.message.id));
    let members = sandbox.chat(chat.as_str()).unwrap().handles.len();
    assert_eq!(members, 4, "the addition was applied");

    // Every delivery verifies with the subscription's secret and decodes.
    let webhook = Webhook::new(Secret::parse(&subscription.signing_secret).unwrap());
    let received = deliveries(6).await;
    let mut types = BTreeSet::new();
    for (headers, body) in &received {
        let event = webhook
            .verify_event_at(body, headers, sandbox.now())
            .unwrap();
        assert!(!event.event_type.is_unknown(), "{event:?}");
        assert!(!matches!(event.data, EventData::Unknown(_)), "{event:?}");
        assert_eq!(event.webhook_version, linq_sandbox::WEBHOOK_VERSION);
        types.insert(event.event_type.as_str().to_owned());
        // A forged copy is refused.
        let mut forged = body.to_vec();
        forged[10] ^= 1;
        assert!(webhook.verify_at(&forged, headers, sandbox.now()).is_err());
    }
    let expected: BTreeSet<String> = [
        "chat.created",
        "participant.added",
        "message.sent",
        "message.delivered",
    ]
    .map(String::from)
    .into();
    assert_eq!(types, expected);
}

#[tokio::test]
async fn the_story_in_process() {
    let sandbox = Sandbox::new();
    sandbox.set_capabilities("+12025550147", RCS_AND_SMS);
    let client = Client::builder()
        .api_key(sandbox.api_key())
        .transport(sandbox.transport())
        .build()
        .unwrap();
    let sb = sandbox.clone();
    story(
        &client,
        &sandbox,
        "http://127.0.0.1:9/hooks",
        async move |_| {
            sb.deliveries()
                .into_iter()
                .map(|d| (d.headers, d.body))
                .collect()
        },
    )
    .await;
}

#[tokio::test]
async fn the_story_over_http() {
    let receiver = TestServer::start(Arc::new(|_| json_reply(200, "{}"))).await;
    let sandbox = Sandbox::new();
    sandbox.set_capabilities("+12025550147", RCS_AND_SMS);
    let server = sandbox.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let client = Client::builder()
        .api_key(sandbox.api_key())
        .base_url(server.base_url())
        .transport(HyperTransport::new())
        .build()
        .unwrap();
    let log = receiver.log.clone();
    let target = format!("http://{}/hooks", receiver.addr);
    story(&client, &sandbox, &target, async move |at_least| {
        // HTTP deliveries are asynchronous: wait (bounded) for them.
        for _ in 0..200 {
            if log.len() >= at_least {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        log.all().into_iter().map(|s| (s.headers, s.body)).collect()
    })
    .await;
    assert!(
        receiver
            .log
            .all()
            .iter()
            .all(|s| s.path_and_query == "/hooks")
    );
}
