//! No argument can change a request's path, query or headers: ids and
//! handles are validated, then each is percent-encoded as one path segment.

use bytes::Bytes;
use linq_client::{Client, Error, InMemoryTransport};
use proptest::prelude::*;

fn recording_client() -> (Client, InMemoryTransport) {
    let transport = InMemoryTransport::new(|_req: http::Request<Bytes>| {
        http::Response::new(Bytes::from_static(b"{}"))
    })
    .recording();
    let client = Client::builder()
        .api_key("sk_test")
        .transport(transport.clone())
        .max_retries(0)
        .build()
        .unwrap();
    (client, transport)
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn hostile_ids_stay_inside_their_segment() {
    let (client, transport) = recording_client();
    for id in [
        "../messages",
        "a/b",
        "x?admin=1",
        "x#frag",
        "%2F..%2F",
        "a b",
        "ü/ß",
    ] {
        let _ = block_on(client.webhook_subscriptions().retrieve(id).send());
    }
    let paths: Vec<String> = transport
        .requests()
        .iter()
        .map(|r| r.uri.path_and_query().unwrap().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "/api/partner/v3/webhook-subscriptions/..%2Fmessages",
            "/api/partner/v3/webhook-subscriptions/a%2Fb",
            "/api/partner/v3/webhook-subscriptions/x%3Fadmin=1",
            "/api/partner/v3/webhook-subscriptions/x%23frag",
            "/api/partner/v3/webhook-subscriptions/%252F..%252F",
            "/api/partner/v3/webhook-subscriptions/a%20b",
            "/api/partner/v3/webhook-subscriptions/%C3%BC%2F%C3%9F",
        ]
    );
    // Dot segments and control characters are refused outright.
    for id in ["..", ".", "%2e%2E", "a\r\nX-Injected: 1", "\0"] {
        let err = block_on(client.webhook_subscriptions().retrieve(id).send()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidInput {
                    field: "subscription_id",
                    ..
                }
            ),
            "{id:?}"
        );
    }
    assert_eq!(transport.requests().len(), 7, "nothing more was sent");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]
    #[test]
    fn any_id_is_refused_or_lands_in_exactly_one_segment(id in any::<String>()) {
        let (client, transport) = recording_client();
        match block_on(client.webhook_subscriptions().retrieve(id.as_str()).send()) {
            Err(Error::InvalidInput { .. }) => prop_assert!(transport.requests().is_empty()),
            _ => {
                let requests = transport.requests();
                prop_assert_eq!(requests.len(), 1);
                let uri = &requests[0].uri;
                prop_assert_eq!(uri.query(), None);
                let rest = uri.path().strip_prefix("/api/partner/v3/webhook-subscriptions/").unwrap();
                prop_assert!(!rest.contains('/') && !rest.is_empty(), "{}", uri);
                let names: Vec<_> = requests[0].headers.keys().map(|k| k.as_str().to_owned()).collect();
                prop_assert_eq!(names, ["authorization", "accept", "user-agent"]);
            }
        }
    }

    #[test]
    fn handles_in_paths_are_validated_first(text in any::<String>()) {
        let (client, transport) = recording_client();
        let result = block_on(client.payment_handles().connection(text.as_str()).send());
        if text.parse::<linq_client::prelude::Handle>().is_err() {
            prop_assert!(
                matches!(result, Err(Error::InvalidInput { field: "handle", .. })),
                "{:?}",
                result
            );
            prop_assert!(transport.requests().is_empty());
        } else {
            let requests = transport.requests();
            let path = requests[0].uri.path().to_owned();
            prop_assert!(path.starts_with("/api/partner/v3/payments/handles/") && path.ends_with("/connection"));
            prop_assert_eq!(path.matches('/').count(), 7);
        }
    }
}

#[test]
fn server_ids_that_would_reshape_the_path_are_refused_before_sending() {
    let (client, transport) = recording_client();
    for raw in ["", ".", ".."] {
        // An id decoded from a reply takes any form; passing it back in a
        // path must not name another resource (`/v3/chats/` is the list).
        let id: linq_types::ChatId = serde_json::from_value(serde_json::json!(raw)).unwrap();
        let err = block_on(client.chats().retrieve(&id).send()).unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { .. }),
            "{raw:?}: {err:?}"
        );
    }
    let odd: linq_types::ChatId = serde_json::from_value(serde_json::json!("chat_1/x")).unwrap();
    let _ = block_on(client.chats().retrieve(&odd).send());
    let paths: Vec<String> = transport
        .requests()
        .iter()
        .map(|r| r.uri.path().to_owned())
        .collect();
    assert_eq!(paths, ["/api/partner/v3/chats/chat_1%2Fx"]);
}

/// `PROPTEST_CASES` when set (`cargo xtask props --cases N`), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default)
}
