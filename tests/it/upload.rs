//! Attachment upload end to end: reserve, then PUT to the presigned URL
//! with the required headers and never the API key.

use std::sync::Arc;

use crate::support::*;
use linq_client::types::models::SupportedContentType;
use linq_client::{Client, Error};

const ATTACHMENT: &str = "11111111-2222-4333-8444-555555555555";

fn reservation(upload_url: &str) -> String {
    format!(
        r#"{{"attachment_id":"{ATTACHMENT}","download_url":"https://cdn.example/a.jpg","expires_at":"2026-01-01T00:15:00Z","http_method":"PUT","required_headers":{{"Content-Type":"image/jpeg","x-amz-server-side-encryption":"AES256"}},"upload_url":"{upload_url}"}}"#
    )
}

#[tokio::test]
async fn upload_reserves_then_puts_the_bytes_without_the_key() {
    let storage = TestServer::start(Arc::new(|_| raw_reply(200, "text/plain", ""))).await;
    let upload_url = format!("http://{}/bucket/a.jpg?X-Amz-Signature=abc", storage.addr);
    let api = TestServer::start(Arc::new(move |_| {
        json_reply(200, &reservation(&upload_url))
    }))
    .await;
    let client = Client::builder()
        .api_key(TEST_KEY)
        .base_url(api.base_url())
        .build()
        .unwrap();

    let photo = vec![0xFFu8, 0xD8, 0xFF, 0xE0, 1, 2, 3];
    let done = client
        .attachments()
        .upload(SupportedContentType::ImageJpeg, "a.jpg", photo.clone())
        .await
        .unwrap();
    assert_eq!(done.attachment_id.as_str(), ATTACHMENT);

    let create = &api.log.all()[0];
    assert_eq!(create.path_and_query, "/api/partner/v3/attachments");
    assert_eq!(
        create.json(),
        serde_json::json!({"content_type": "image/jpeg", "filename": "a.jpg", "size_bytes": 7})
    );
    assert!(create.header("authorization").is_some());

    let put = &storage.log.all()[0];
    assert_eq!(put.method, http::Method::PUT);
    assert_eq!(put.path_and_query, "/bucket/a.jpg?X-Amz-Signature=abc");
    assert_eq!(&put.body[..], &photo[..]);
    assert_eq!(put.header("content-type"), Some("image/jpeg"));
    assert_eq!(put.header("x-amz-server-side-encryption"), Some("AES256"));
    assert_eq!(
        put.header("authorization"),
        None,
        "the key never goes to storage"
    );
    assert!(!format!("{:?}", put.headers).contains(TEST_KEY));
}

#[tokio::test]
async fn a_storage_failure_is_retried_then_reported() {
    let storage = TestServer::start(Arc::new(|_| {
        raw_reply(
            503,
            "application/xml",
            "<Error><Code>SlowDown</Code></Error>",
        )
    }))
    .await;
    let upload_url = format!("http://{}/b/a", storage.addr);
    let api = TestServer::start(Arc::new(move |_| {
        json_reply(200, &reservation(&upload_url))
    }))
    .await;
    let client = Client::builder()
        .api_key(TEST_KEY)
        .base_url(api.base_url())
        .retry_policy(linq_client::RetryPolicy {
            initial_backoff: std::time::Duration::from_millis(1),
            ..Default::default()
        })
        .build()
        .unwrap();
    let err = client
        .attachments()
        .upload(SupportedContentType::ImageJpeg, "a.jpg", &b"x"[..])
        .await
        .unwrap_err();
    assert_eq!(err.status().unwrap().as_u16(), 503);
    assert!(err.as_api().unwrap().body_excerpt().contains("SlowDown"));
    assert_eq!(storage.log.len(), 3, "1 + 2 retries");
    assert_eq!(
        (err.attempts(), err.operation()),
        (3, Some("attachments.upload"))
    );
    assert_eq!(
        err.to_string(),
        "attachments.upload: HTTP 503 Service Unavailable: <Error><Code>SlowDown</Code></Error> (after 3 attempts)"
    );
    assert_eq!(api.log.len(), 1, "the reservation is not repeated");
}

#[tokio::test]
async fn an_insecure_upload_url_is_refused() {
    let handler: Handler =
        Arc::new(|_| json_reply(200, &reservation("http://storage.example.com/a")));
    let rig = Rig::new(Over::InMemory, handler).await;
    let err = rig
        .client
        .attachments()
        .upload(SupportedContentType::ImagePng, "a.png", &b"x"[..])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::UnusableStorageUrl {
                operation: "attachments.upload",
                reason: "the upload URL is plain http to a remote host",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "attachments.upload: the API returned an unusable storage URL (the upload URL is plain http to a remote host); the attachment was reserved but no bytes were sent"
    );
    assert!(!err.is_invalid_input() && !err.is_retryable());
    assert_eq!(
        (err.operation(), err.attempts()),
        (Some("attachments.upload"), 0)
    );
    assert_eq!(rig.log.len(), 1, "only the reservation was sent");
}

#[tokio::test]
async fn each_unusable_upload_target_is_its_own_error() {
    let cases = [
        ("not a url", "PUT", r#"{}"#, "the upload URL does not parse"),
        (
            "/relative/path",
            "PUT",
            r#"{}"#,
            "the upload URL has no host",
        ),
        (
            "ftp://storage.example/a",
            "PUT",
            r#"{}"#,
            "the upload URL is not https",
        ),
        (
            "https://storage.example/a",
            "P UT",
            r#"{}"#,
            "the upload method is not an HTTP method",
        ),
        // A production (https) client never uploads in clear text, even to
        // loopback: a compromised reply could name a local listener.
        (
            "http://127.0.0.1:9/a",
            "PUT",
            r#"{}"#,
            "the upload URL is plain http but the client speaks https",
        ),
        (
            "http://localhost/a",
            "PUT",
            r#"{}"#,
            "the upload URL is plain http but the client speaks https",
        ),
        (
            "https://user:pa55word@storage.example/a",
            "PUT",
            r#"{}"#,
            "the upload URL carries credentials (user info)",
        ),
        (
            "https://storage.example/a",
            "POST",
            r#"{}"#,
            "the upload method is not PUT",
        ),
        (
            "https://storage.example/a",
            "DELETE",
            r#"{}"#,
            "the upload method is not PUT",
        ),
        (
            "https://storage.example/a",
            "put",
            r#"{}"#,
            "the upload method is not PUT",
        ),
        (
            "https://storage.example/a",
            "PUT",
            r#"{"Authorization":"Bearer from-the-reply"}"#,
            "the upload target asks for credentials (an Authorization header)",
        ),
        (
            "https://storage.example/a",
            "PUT",
            r#"{"proxy-authorization":"Basic eA=="}"#,
            "the upload target asks for credentials (an Authorization header)",
        ),
        (
            "https://storage.example/a",
            "PUT",
            r#"{"Host":"elsewhere.example"}"#,
            "a required header would change the request's host or framing",
        ),
        (
            "https://storage.example/a",
            "PUT",
            r#"{"Content-Length":"999"}"#,
            "a required header would change the request's host or framing",
        ),
        (
            "https://storage.example/a",
            "PUT",
            r#"{"bad header":"x"}"#,
            "a required header name is not valid",
        ),
        (
            "https://storage.example/a",
            "PUT",
            r#"{"x-ok":"line\nbreak"}"#,
            "a required header value is not valid",
        ),
    ];
    for (url, method, headers, reason) in cases {
        let body = format!(
            r#"{{"attachment_id":"{ATTACHMENT}","download_url":"https://cdn.example/a.jpg","expires_at":"2026-01-01T00:15:00Z","http_method":"{method}","required_headers":{headers},"upload_url":"{url}"}}"#
        );
        let rig = Rig::new(Over::InMemory, Arc::new(move |_| json_reply(200, &body))).await;
        let err = rig
            .client
            .attachments()
            .upload(SupportedContentType::ImagePng, "a.png", &b"x"[..])
            .await
            .unwrap_err();
        let Error::UnusableStorageUrl { reason: got, .. } = &err else {
            panic!("{url}: {err:?}")
        };
        assert_eq!(*got, reason, "{url} {method} {headers}");
        assert_eq!(rig.log.len(), 1, "{url}: only the reservation was sent");
    }
}
