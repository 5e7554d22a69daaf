//! Adds a participant to a group chat.
//!
//! ```text
//! cargo run --example add_participant -- [CHAT_ID] [HANDLE]
//! ```
//!
//! With `LINQ_API_V3_API_KEY` (and optionally `LINQ_API_V3_BASE_URL`) set it
//! calls that server over HTTPS. With neither set it runs offline on an
//! embedded stand-in for the API, through the in-memory transport.

use std::process::ExitCode;

use linq_client::types::{ChatId, ErrorResponse, Handle};
use linq_client::{API_KEY_ENV, BASE_URL_ENV, Client, Error, InMemoryTransport};
use linq_transport::Bytes;

/// The seed example's chat and handle.
const DEFAULT_CHAT: &str = "550e8400-e29b-41d4-a716-446655440000";
const DEFAULT_HANDLE: &str = "+12052499136";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let chat_id = args.next().unwrap_or_else(|| DEFAULT_CHAT.to_owned());
    let handle = args.next().unwrap_or_else(|| DEFAULT_HANDLE.to_owned());

    let online =
        std::env::var_os(API_KEY_ENV).is_some() || std::env::var_os(BASE_URL_ENV).is_some();
    let client = if online {
        Client::from_env()
    } else {
        println!("{API_KEY_ENV} is not set: using the embedded offline API");
        Client::builder()
            .api_key("sk_embedded")
            .base_url("https://api.linqapp.com/api/partner")
            .transport(InMemoryTransport::new(embedded_api))
            .build()
    };
    let client = match client {
        Ok(client) => client,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "POST {}/v3/chats/{chat_id}/participants {{\"handle\": {handle:?}}}",
        client.base_url()
    );

    match client.chats().participants().add(chat_id, handle).await {
        Ok(reply) => {
            println!("202 Accepted");
            println!("  status:   {}", reply.status.as_deref().unwrap_or("-"));
            println!("  message:  {}", reply.message.as_deref().unwrap_or("-"));
            println!("  trace_id: {}", reply.trace_id.as_deref().unwrap_or("-"));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            if let Error::Api(api) = &e {
                eprintln!("  HTTP status: {}", api.status.as_u16());
                if let Some(code) = api.code {
                    eprintln!("  Linq code:   {code}");
                }
                if let Some(message) = &api.message {
                    eprintln!("  message:     {message}");
                }
            }
            ExitCode::FAILURE
        }
    }
}

/// Answers `POST /v3/chats/{id}/participants` as the API does: 202 for the
/// one known group chat, 404/2001 for any other chat, 400/1002 for a handle
/// that is not E.164 or an email, 401/2004 without a bearer token.
fn embedded_api(request: http::Request<Bytes>) -> http::Response<Bytes> {
    let path = request.uri().path();
    let chat = path
        .strip_prefix("/api/partner/v3/chats/")
        .and_then(|rest| rest.strip_suffix("/participants"));
    if request.headers().get(http::header::AUTHORIZATION).is_none() {
        return error(
            401,
            2004,
            "Unauthorized - missing or invalid authentication token",
        );
    }
    let Some(chat) =
        chat.filter(|c| request.method() == http::Method::POST && ChatId::parse(c).is_ok())
    else {
        return error(404, 2001, "Resource not found");
    };
    #[derive(serde::Deserialize)]
    struct Body {
        handle: String,
    }
    let handle = serde_json::from_slice::<Body>(request.body()).map(|b| b.handle);
    if !handle.is_ok_and(|h| h.parse::<Handle>().is_ok()) {
        return error(400, 1002, "Phone number must be in E.164 format");
    }
    if chat != DEFAULT_CHAT {
        return error(404, 2001, "Resource not found");
    }
    json(
        202,
        br#"{"message":"Participant addition queued","status":"accepted","trace_id":"trace_embedded_0001"}"#
            .to_vec(),
    )
}

fn error(status: u16, code: u32, message: &str) -> http::Response<Bytes> {
    let body = ErrorResponse::new(linq_client::types::ErrorDetail::new(status, code, message));
    json(status, serde_json::to_vec(&body).expect("serializable"))
}

fn json(status: u16, body: Vec<u8>) -> http::Response<Bytes> {
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Bytes::from(body))
        .expect("valid response")
}
