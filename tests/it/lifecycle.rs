//! The rest of a receiving service's lifecycle: `ensure` for its webhook
//! subscription, and downloading an inbound attachment.

use crate::support::sandbox_client;
use linq_client::SubscriptionChange;
use linq_client::prelude::*;
use linq_sandbox::Sandbox;

#[tokio::test]
async fn ensure_creates_then_leaves_alone_then_updates() {
    let sandbox = Sandbox::new();
    let (client, transport) = sandbox_client(&sandbox);
    let url = "https://bot.example.com/linq";
    let subs = client.webhook_subscriptions();

    let first = subs
        .ensure(
            url,
            [
                WebhookEventType::MessageReceived,
                WebhookEventType::MessageSent,
            ],
        )
        .await
        .unwrap();
    assert_eq!(first.change, SubscriptionChange::Created);
    let secret = first.signing_secret.clone().unwrap();
    assert!(secret.expose().starts_with("whsec_"));
    assert_eq!(format!("{secret:?}"), "SigningSecret(***)");
    assert!(!format!("{first:?}").contains(secret.expose()));
    linq_webhooks::Secret::try_from(&secret).unwrap();

    // Same events in another order: nothing to change, one list request.
    let before = transport.requests().len();
    let again = subs
        .ensure(
            url,
            [
                WebhookEventType::MessageSent,
                WebhookEventType::MessageReceived,
            ],
        )
        .await
        .unwrap();
    assert_eq!(again.change, SubscriptionChange::Unchanged);
    assert!(again.signing_secret.is_none());
    assert_eq!(again.subscription.id, first.subscription.id);
    let sent: Vec<_> = transport.requests()[before..]
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(sent, ["GET"]);

    // Other events: the list is replaced on the same subscription.
    let changed = subs
        .ensure(url, [WebhookEventType::ReactionAdded])
        .await
        .unwrap();
    assert_eq!(changed.change, SubscriptionChange::EventsUpdated);
    assert_eq!(changed.subscription.id, first.subscription.id);
    assert_eq!(
        changed.subscription.subscribed_events,
        [WebhookEventType::ReactionAdded]
    );
    let update = transport.requests().pop().unwrap();
    assert_eq!(update.method, http::Method::PUT);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&update.body).unwrap(),
        serde_json::json!({"subscribed_events": ["reaction.added"]})
    );
    // Only one subscription exists for the URL.
    let all = subs.list().await.unwrap().subscriptions;
    assert_eq!(all.iter().filter(|s| s.target_url == url).count(), 1);
}

#[tokio::test]
async fn download_returns_the_bytes_without_the_api_key() {
    let sandbox = Sandbox::new();
    let (client, transport) = sandbox_client(&sandbox);
    let bytes = b"\x89PNG\r\n\x1a\n a small picture".to_vec();
    let upload = client
        .attachments()
        .upload(SupportedContentType::ImagePng, "pic.png", bytes.clone())
        .await
        .unwrap();
    let before = transport.requests().len();
    let got = client
        .attachments()
        .download(&upload.attachment_id)
        .await
        .unwrap();
    assert_eq!(&got[..], &bytes[..]);
    let sent = &transport.requests()[before..];
    assert_eq!(sent.len(), 2, "retrieve, then the download itself");
    assert!(sent[0].headers.contains_key(http::header::AUTHORIZATION));
    assert!(
        !sent[1].headers.contains_key(http::header::AUTHORIZATION),
        "the API key must not go to the download host"
    );
}

#[tokio::test]
async fn download_of_an_unknown_attachment_is_the_api_error() {
    let sandbox = Sandbox::new();
    let (client, _) = sandbox_client(&sandbox);
    let err = client
        .attachments()
        .download("550e8400-e29b-41d4-a716-446655440009")
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err}");
}

/// A download URL is held to the upload's rules: plain http (even to
/// loopback) only when the client itself speaks plain http.
#[tokio::test]
async fn a_plain_http_download_url_is_refused_for_an_https_client() {
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = seen.clone();
    let transport = linq_client::InMemoryTransport::new(
        move |_req: http::Request<bytes::Bytes>| {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            crate::support::json_reply(
                200,
                r#"{"id":"550e8400-e29b-41d4-a716-446655440009","content_type":"image/png","created_at":"2026-02-03T00:00:00Z","filename":"a.png","size_bytes":3,"status":"complete","download_url":"http://127.0.0.1:9/a.png"}"#,
            )
        },
    );
    let client = Client::builder()
        .api_key("sk_test")
        .transport(transport)
        .build()
        .unwrap();
    let err = client
        .attachments()
        .download("550e8400-e29b-41d4-a716-446655440009")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::UnusableStorageUrl {
                operation: "attachments.download",
                reason: "the download URL is plain http but the client speaks https",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "attachments.download: the API returned an unusable storage URL (the download URL is plain http but the client speaks https); nothing was downloaded"
    );
    assert_eq!((err.attempts(), err.pages()), (0, None));
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "only the retrieve was sent"
    );
}
