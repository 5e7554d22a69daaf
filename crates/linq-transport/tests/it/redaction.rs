//! Proxy credentials never appear when a transport builder is printed.

use linq_transport::HyperTransport;

#[test]
fn builder_debug_redacts_proxy_userinfo() {
    for url in [
        "http://user:pa55word@proxy.example:3128",
        "http://pa55word@proxy.example:3128/",
        "https://user:pa55word@proxy.example:8443",
    ] {
        let builder = HyperTransport::builder().proxy(url).unwrap();
        let text = format!("{builder:?}");
        assert!(!text.contains("pa55word"), "{text}");
        assert!(!text.contains("user"), "{text}");
        assert!(text.contains("***@proxy.example"), "{text}");
        assert!(!format!("{builder:#?}").contains("pa55word"));
    }
    let plain = HyperTransport::builder()
        .proxy("http://proxy.example:3128")
        .unwrap();
    assert!(format!("{plain:?}").contains("http://proxy.example:3128/"));
}

/// A request URI with user info is refused before any connection: the
/// credentials would otherwise go out in HTTP/2's `:authority`.
#[tokio::test]
async fn a_uri_with_user_info_is_refused_unsent() {
    use linq_transport::{SendOptions, Transport};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let transport = linq_transport::HyperTransport::builder().no_proxy().build();
    for uri in [
        format!("http://user:pa55word@{addr}/v3/chats"),
        format!("https://pa55word@{addr}/v3/chats"),
    ] {
        let request = http::Request::get(uri.as_str())
            .body(bytes::Bytes::new())
            .unwrap();
        // Within a second: a request that went out would wait for a reply
        // that never comes.
        let err = tokio::time::timeout(
            std::time::Duration::from_secs(1),
            transport.send(request, SendOptions::default()),
        )
        .await
        .expect("refused at once, not sent")
        .unwrap_err();
        assert!(err.is_request_not_sent(), "{err:?}");
        let text = format!("{err} {err:?}");
        assert!(!text.contains("pa55word"), "{text}");
    }
    let accepted =
        tokio::time::timeout(std::time::Duration::from_millis(100), listener.accept()).await;
    assert!(accepted.is_err(), "no connection was made");
}
