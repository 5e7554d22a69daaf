//! `chats.participants.add` and `.remove` end to end, over hyper through a
//! loopback server and over the in-memory transport, from one test body.

use std::sync::Arc;

use crate::support::*;
use linq_client::{Error, ErrorCode};

fn accepted() -> Handler {
    Arc::new(|_| {
        json_reply(
            202,
            r#"{"message":"Participant addition queued","status":"accepted","trace_id":"trace_123","added_later":true}"#,
        )
    })
}

#[tokio::test]
async fn add_sends_the_exact_wire_request_and_decodes_the_reply() {
    for over in BOTH {
        let rig = Rig::new(over, accepted()).await;
        let reply = rig.add_seed().await.unwrap();
        assert_eq!(reply.status.as_deref(), Some("accepted"), "{over:?}");
        assert_eq!(
            reply.message.as_deref(),
            Some("Participant addition queued")
        );
        assert_eq!(reply.trace_id.as_deref(), Some("trace_123"));

        let seen = rig.log.all();
        assert_eq!(seen.len(), 1, "{over:?}");
        let req = &seen[0];
        assert_eq!(req.method, http::Method::POST);
        assert_eq!(
            req.path_and_query,
            format!("/api/partner/v3/chats/{CHAT}/participants")
        );
        assert_eq!(
            req.header("authorization"),
            Some(&*format!("Bearer {TEST_KEY}"))
        );
        assert_eq!(req.header("content-type"), Some("application/json"));
        assert_eq!(req.header("accept"), Some("application/json"));
        let agent = req.header("user-agent").unwrap();
        assert_eq!(agent, format!("linq-rs/{}", linq_client::VERSION));
        // Byte for byte what the official Python SDK sends for this call.
        assert_eq!(&req.body[..], br#"{"handle":"+12052499136"}"#);
        assert!(req.header("idempotency-key").is_none());
    }
}

#[tokio::test]
async fn remove_is_a_delete_with_the_same_body() {
    for over in BOTH {
        let rig = Rig::new(over, accepted()).await;
        rig.client
            .chats()
            .participants()
            .remove(CHAT, "someone@example.com")
            .await
            .unwrap();
        let req = &rig.log.all()[0];
        assert_eq!(req.method, http::Method::DELETE, "{over:?}");
        assert_eq!(
            req.path_and_query,
            format!("/api/partner/v3/chats/{CHAT}/participants")
        );
        assert_eq!(
            req.json(),
            serde_json::json!({"handle": "someone@example.com"})
        );
    }
}

#[tokio::test]
async fn each_error_envelope_maps_to_a_typed_api_error() {
    let cases = [
        (
            400,
            1002,
            ErrorCode::InvalidPhoneFormat,
            "Phone number must be in E.164 format",
        ),
        (
            401,
            2004,
            ErrorCode::Unauthorized,
            "Unauthorized - missing or invalid authentication token",
        ),
        (403, 2005, ErrorCode::AccessDenied, "Access denied"),
        (404, 2001, ErrorCode::ChatNotFound, "Resource not found"),
        (
            422,
            1003,
            ErrorCode::InvalidRequestBody,
            "Invalid request body",
        ),
        (
            500,
            3006,
            ErrorCode::InternalServerError,
            "Internal server error",
        ),
        (
            409,
            4777,
            ErrorCode::Other(4777),
            "A code this SDK has never heard of",
        ),
    ];
    for over in BOTH {
        for (status_code, number, code, message) in cases {
            let rig = Rig::new(
                over,
                Arc::new(move |_| envelope(status_code, number, message)),
            )
            .await;
            let err = rig.add_seed().await.unwrap_err();
            assert_eq!(
                err.status(),
                Some(status(status_code)),
                "{over:?} {status_code}"
            );
            assert_eq!(err.code(), Some(code));
            assert_eq!(err.code().unwrap().as_u32(), number);
            let api = err.as_api().unwrap();
            assert_eq!(api.message.as_deref(), Some(message));
            let text = err.to_string();
            assert!(!text.contains('\n'), "one line: {text}");
            assert!(
                text.contains(&status_code.to_string())
                    && text.contains(&number.to_string())
                    && text.contains(message),
                "{text}"
            );
            assert_eq!(rig.log.len(), 1, "retries are off in this rig");
        }
    }
}

#[tokio::test]
async fn trace_id_from_the_envelope_is_kept() {
    let handler: Handler = Arc::new(|_| {
        json_reply(
            404,
            r#"{"error":{"status":404,"code":2001,"message":"Resource not found"},"success":false,"trace_id":"trace_abc"}"#,
        )
    });
    for over in BOTH {
        let rig = Rig::new(over, handler.clone()).await;
        let err = rig.add_seed().await.unwrap_err();
        assert_eq!(err.trace_id(), Some("trace_abc"));
        assert!(err.to_string().contains("trace_abc"));
    }
}

#[tokio::test]
async fn replies_without_the_envelope_keep_status_and_body() {
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    for over in BOTH {
        let rig = Rig::new(over, Arc::new(move |_| raw_reply(502, "text/html", html))).await;
        let err = rig.add_seed().await.unwrap_err();
        let Error::Api(api) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(api.status.as_u16(), 502);
        assert_eq!(api.code, None);
        assert_eq!(api.message, None);
        assert_eq!(api.body_excerpt(), html);
        assert!(err.to_string().contains("502 Bad Gateway"));

        let rig = Rig::new(over, Arc::new(|_| raw_reply(503, "text/plain", ""))).await;
        let err = rig.add_seed().await.unwrap_err();
        assert_eq!(err.status(), Some(status(503)));
        assert!(err.to_string().contains("empty body"), "{err}");

        let long = "x".repeat(10_000);
        let rig = Rig::new(over, Arc::new(move |_| raw_reply(500, "text/plain", &long))).await;
        let err = rig.add_seed().await.unwrap_err();
        assert!(err.to_string().len() < 1_000, "the message is truncated");
        assert_eq!(
            err.as_api().unwrap().body.len(),
            10_000,
            "the raw body is kept whole"
        );
    }
}

#[tokio::test]
async fn a_2xx_that_is_not_the_response_is_a_decode_error() {
    for over in BOTH {
        let rig = Rig::new(
            over,
            Arc::new(|_| raw_reply(202, "text/html", "<html>ok</html>")),
        )
        .await;
        let err = rig.add_seed().await.unwrap_err();
        let Error::Decode(decode) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(decode.status.as_u16(), 202);
        assert!(decode.excerpt.contains("<html>ok</html>"));
    }
}

#[tokio::test]
async fn invalid_input_is_refused_before_any_request() {
    let bad_handles = [
        "12052499136",       // no +
        "+1 205 249 9136",   // spaces
        "+1-205-249-9136",   // dashes
        "+1234567890123456", // 16 digits
        "+0123456789",       // leading 0
        "+123456",           // 6 digits
        "person@nodot",      // no dot in domain
        "",
    ];
    for over in BOTH {
        let rig = Rig::new(over, accepted()).await;
        for handle in bad_handles {
            let err = rig
                .client
                .chats()
                .participants()
                .add(CHAT, handle)
                .await
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::InvalidInput {
                        field: "handle",
                        ..
                    }
                ),
                "{handle:?}: {err:?}"
            );
        }
        for chat in [
            "not-a-uuid",
            "../../v3/messages",
            "550e8400-e29b-41d4-a716-44665544000g",
            "",
        ] {
            let err = rig
                .client
                .chats()
                .participants()
                .remove(chat, HANDLE)
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
                "{chat:?}: {err:?}"
            );
            assert!(err.is_invalid_input() && !err.is_retryable());
        }
        assert!(rig.log.is_empty(), "{over:?}: nothing may be sent");
    }
}

#[tokio::test]
async fn the_api_key_never_shows_in_debug_or_errors() {
    let rig = Rig::new(
        Over::InMemory,
        Arc::new(|_| envelope(401, 2004, "Unauthorized")),
    )
    .await;
    let err = rig.add_seed().await.unwrap_err();
    for text in [
        format!("{:?}", rig.client),
        format!("{err:?}"),
        err.to_string(),
    ] {
        assert!(!text.contains(TEST_KEY), "{text}");
    }
    let seen = &rig.log.all()[0];
    assert!(seen.headers["authorization"].is_sensitive());
    assert!(!format!("{:?}", seen.headers).contains(TEST_KEY));
}

#[tokio::test]
async fn a_client_is_cheap_and_reuses_one_connection() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<linq_client::Client>();

    let rig = Rig::new(Over::Hyper, accepted()).await;
    assert_eq!(
        rig.connections(),
        0,
        "building a client opens no connection"
    );
    let clone = rig.client.clone();
    for _ in 0..5 {
        clone
            .chats()
            .participants()
            .add(CHAT, HANDLE)
            .await
            .unwrap();
    }
    assert_eq!(rig.log.len(), 5);
    assert_eq!(
        rig.connections(),
        1,
        "sequential calls share one pooled connection"
    );
}

#[tokio::test]
async fn per_call_headers_query_and_raw_response() {
    for over in BOTH {
        let rig = Rig::new(over, accepted()).await;
        let reply = rig
            .client
            .chats()
            .participants()
            .add(CHAT, HANDLE)
            .header(
                http::HeaderName::from_static("x-request-source"),
                http::HeaderValue::from_static("tests"),
            )
            .query("debug", "a b&c")
            .send_with_response()
            .await
            .unwrap();
        assert_eq!(reply.status.as_u16(), 202);
        assert_eq!(reply.attempts, 1);
        assert_eq!(reply.trace_id().as_deref(), Some("trace_123"));
        assert_eq!(reply.headers["content-type"], "application/json");
        let req = &rig.log.all()[0];
        assert_eq!(req.header("x-request-source"), Some("tests"), "{over:?}");
        assert_eq!(
            req.path_and_query,
            format!("/api/partner/v3/chats/{CHAT}/participants?debug=a+b%26c")
        );
    }
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let elsewhere = TestServer::start(Arc::new(|_| json_reply(202, "{}"))).await;
    let location = format!("http://{}/steal", elsewhere.addr);
    let handler: Handler = Arc::new(move |_| {
        http::Response::builder()
            .status(307)
            .header("location", location.clone())
            .body(bytes::Bytes::new())
            .unwrap()
    });
    let rig = Rig::new(Over::Hyper, handler).await;
    let err = rig.add_seed().await.unwrap_err();
    assert_eq!(err.status().unwrap().as_u16(), 307);
    assert!(
        elsewhere.log.is_empty(),
        "no request, and so no key, reached the other host"
    );
}
