//! InMemoryTransport: hands requests to its handler, records them, applies
//! the body limit, and passes a handler's failure through.

use bytes::Bytes;
use linq_transport::{InMemoryTransport, SendOptions, Transport, TransportError};

#[tokio::test]
async fn records_requests_and_returns_the_handler_reply() {
    let transport = InMemoryTransport::new(|req: http::Request<Bytes>| {
        let reply = format!("{} {}", req.method(), req.uri().path());
        http::Response::new(Bytes::from(reply))
    })
    .recording();
    let request = http::Request::post("https://example.test/v3/x")
        .header("x-test", "1")
        .body(Bytes::from_static(b"{}"))
        .unwrap();
    let response = transport
        .send(request, SendOptions::default())
        .await
        .unwrap();
    assert_eq!(&response.body()[..], b"POST /v3/x");

    let seen = transport.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, http::Method::POST);
    assert_eq!(seen[0].uri, "https://example.test/v3/x");
    assert_eq!(seen[0].headers["x-test"], "1");
    assert_eq!(&seen[0].body[..], b"{}");
}

#[tokio::test]
async fn body_limit_and_handler_errors() {
    let transport = InMemoryTransport::new(|_req: http::Request<Bytes>| {
        http::Response::new(Bytes::from_static(b"0123456789"))
    });
    let request = http::Request::new(Bytes::new());
    let err = transport
        .send(request, SendOptions::default().body_limit(4))
        .await
        .unwrap_err();
    assert!(matches!(err, TransportError::BodyTooLarge { limit: 4 }));

    let failing = InMemoryTransport::from_async(|_req| async { Err(TransportError::Timeout) });
    let err = failing
        .send(http::Request::new(Bytes::new()), SendOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_timeout());
}
