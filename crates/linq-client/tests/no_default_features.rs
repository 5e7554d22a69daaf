//! The client with `default-features = false` (CI builds and runs this file
//! so): no network stack of its own, calls over a transport the user gives.

use bytes::Bytes;
use linq_client::{Client, InMemoryTransport};

#[cfg(not(feature = "hyper"))]
#[test]
fn without_hyper_building_needs_a_transport() {
    let err = Client::builder().api_key("sk_test").build().unwrap_err();
    assert_eq!(err, linq_client::BuildError::MissingTransport);
}

#[tokio::test]
async fn a_user_supplied_transport_carries_the_call() {
    let transport = InMemoryTransport::new(|req: http::Request<Bytes>| {
        assert_eq!(
            req.uri(),
            "https://api.linqapp.com/api/partner/v3/chats/550e8400-e29b-41d4-a716-446655440000/participants"
        );
        http::Response::builder()
            .status(202)
            .body(Bytes::from_static(br#"{"status":"accepted"}"#))
            .unwrap()
    })
    .recording();
    let client = Client::builder()
        .api_key("sk_test")
        .transport(transport.clone())
        .build()
        .unwrap();

    let reply = client
        .chats()
        .participants()
        .add("550e8400-e29b-41d4-a716-446655440000", "+12052499136")
        .await
        .unwrap();

    assert_eq!(reply.status.as_deref(), Some("accepted"));
    let sent = transport.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].body,
        Bytes::from_static(br#"{"handle":"+12052499136"}"#)
    );
}
