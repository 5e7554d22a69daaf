//! The README's "Common flows", offline on the sandbox (upload included),
//! in process and over loopback HTTP, and the upload URLs themselves.

use crate::common;

use common::{answer_now, assert_error, call};
use futures_util::TryStreamExt;
use linq_client::prelude::*;
use linq_sandbox::{Capabilities, Sandbox};
use serde_json::json;

const PHOTO: &[u8] = b"\xff\xd8\xff\xe0 not really a jpeg";

/// The README's code, with the photo given instead of read from disk.
/// Returns the chat id and what the listing printed.
async fn readme_flow(client: Client) -> Result<(String, Vec<String>), Error> {
    let created = client
        .chats()
        .create(
            "+12025550100",
            ["+12025550147", "ada@example.com"],
            "Lunch at noon?",
        )
        .await?;
    let chat_id = created.chat.id;
    let photo = client
        .attachments()
        .upload(SupportedContentType::ImageJpeg, "menu.jpg", PHOTO.to_vec())
        .await?;
    client
        .chats()
        .messages()
        .send(
            &chat_id,
            [Part::text("Today's menu"), Part::media(photo.attachment_id)],
        )
        .await?;

    let mut printed = Vec::new();
    let mut messages = client
        .chats()
        .messages()
        .list(&chat_id)
        .limit(100)
        .into_stream();
    while let Some(message) = messages.try_next().await? {
        printed.push(format!("{} {:?}", message.id, message.delivery_status));
    }
    Ok((chat_id.to_string(), printed))
}

/// A sandbox where the README's people share a service: by default the
/// odd-ending number has no iMessage and the email address has only that.
fn account() -> Sandbox {
    let sb = Sandbox::new();
    sb.set_capabilities("+12025550147", Capabilities::ALL);
    sb
}

/// What the flow left behind: two messages, the second showing the photo,
/// whose URL serves the uploaded bytes.
async fn check_outcome(sb: &Sandbox, chat: &str, printed: &[String]) -> String {
    assert_eq!(printed.len(), 2, "{printed:?}");
    let (status, list) = call(sb, "GET", &format!("/v3/chats/{chat}/messages"), None).await;
    assert_eq!(status, 200);
    let newest = &list["messages"][0];
    let parts = newest["parts"].as_array().unwrap();
    assert_eq!(parts[0]["value"], "Today's menu");
    assert_eq!(parts[1]["type"], "media");
    assert_eq!(parts[1]["filename"], "menu.jpg");
    assert_eq!(parts[1]["mime_type"], "image/jpeg");
    assert_eq!(parts[1]["size_bytes"], PHOTO.len());
    parts[1]["url"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_readme_flow_runs_in_process() {
    let sb = account();
    let client = Client::builder()
        .api_key(sb.api_key())
        .transport(sb.transport())
        .build()
        .unwrap();
    let (chat, printed) = readme_flow(client).await.unwrap();
    let url = check_outcome(&sb, &chat, &printed).await;
    // The download URL is answered by the sandbox too.
    let path = url.split_once("/__files/").map(|(_, id)| id).unwrap();
    let response = answer_now(
        &sb,
        http::Request::get(format!("/__files/{path}"))
            .body(bytes::Bytes::new())
            .unwrap(),
    );
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert_eq!(&response.body()[..], PHOTO);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_flow_runs_over_loopback_http() {
    let sb = account();
    let server = sb.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let client = Client::builder()
        .api_key(sb.api_key())
        .base_url(server.base_url())
        .build()
        .unwrap();
    let (chat, printed) = readme_flow(client).await.unwrap();
    let url = check_outcome(&sb, &chat, &printed).await;
    assert!(
        url.starts_with(&format!("http://{}/__files/", server.addr())),
        "{url}"
    );
    // Fetch it like any HTTP client would.
    let request = http::Request::get(&url).body(bytes::Bytes::new()).unwrap();
    let response = linq_transport::Transport::send(
        &linq_transport::HyperTransport::new(),
        request,
        Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(&response.body()[..], PHOTO);
}

#[tokio::test]
async fn uploads_must_match_their_reservation() {
    let sb = Sandbox::new();
    let (status, reservation) = call(
        &sb,
        "POST",
        "/v3/attachments",
        Some(json!({"content_type": "text/plain", "filename": "a.txt", "size_bytes": 5})),
    )
    .await;
    assert_eq!(status, 200, "{reservation}");
    assert_eq!(reservation["http_method"], "PUT");
    assert_eq!(
        reservation["required_headers"]["content-type"],
        "text/plain"
    );
    let id = reservation["attachment_id"].as_str().unwrap();
    let upload_url = reservation["upload_url"].as_str().unwrap();
    assert_eq!(
        upload_url,
        format!("https://sandbox.linq.invalid/__files/{id}")
    );

    // Not uploaded yet: retrievable as pending, not sendable, not downloadable.
    let (_, pending) = call(&sb, "GET", &format!("/v3/attachments/{id}"), None).await;
    assert_eq!(pending["status"], "pending");
    assert!(pending["download_url"].is_null());
    let chat = sb.create_chat(&["+12025550142"], "hi").unwrap();
    let media = json!({"message": {"parts": [{"type": "media", "attachment_id": id}]}});
    let path = format!("/v3/chats/{chat}/messages");
    assert_error(
        &call(&sb, "POST", &path, Some(media.clone())).await,
        400,
        2007,
    );

    let put = |content_type: &str, body: &'static [u8]| {
        http::Request::put(upload_url)
            .header("content-type", content_type)
            .body(bytes::Bytes::from_static(body))
            .unwrap()
    };
    assert_eq!(answer_now(&sb, put("text/plain", b"toolong")).status(), 400);
    assert_eq!(answer_now(&sb, put("image/png", b"hello")).status(), 400);
    assert_eq!(answer_now(&sb, put("text/plain", b"hello")).status(), 200);

    let (_, done) = call(&sb, "GET", &format!("/v3/attachments/{id}"), None).await;
    assert_eq!(done["status"], "complete");
    assert_eq!(done["download_url"], upload_url);
    assert_eq!(call(&sb, "POST", &path, Some(media)).await.0, 202);

    let unknown = "00000000-0000-4000-8000-000000000001";
    assert_error(
        &call(&sb, "GET", &format!("/v3/attachments/{unknown}"), None).await,
        404,
        2003,
    );
    let media = json!({"message": {"parts": [{"type": "media", "attachment_id": unknown}]}});
    let path = format!("/v3/chats/{chat}/messages");
    assert_error(&call(&sb, "POST", &path, Some(media)).await, 404, 2003);
}
