//! A short story with linq-rs: subscribe to webhooks, start a group chat,
//! add a participant, send a message, read the chat back, and verify the
//! signed events.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! With no `LINQ_API_V3_API_KEY` it runs offline on the embedded sandbox.
//! With one it runs against that API (`LINQ_API_V3_BASE_URL` optional) and
//! needs the people to message in `LINQ_STORY_TO` (two handles, comma
//! separated) and `LINQ_STORY_ADD` (one more); events then go to your own
//! webhook endpoint, so that step is skipped.

use std::process::ExitCode;

use futures_util::TryStreamExt;
use linq_client::API_KEY_ENV;
use linq_client::prelude::*;
use linq_sandbox::Sandbox;
use linq_webhooks::{Secret, Webhook};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(api) = e.downcast_ref::<Error>().and_then(Error::as_api) {
                eprintln!(
                    "  HTTP {} code {:?} message {:?}",
                    api.status, api.code, api.message
                );
            }
            ExitCode::FAILURE
        }
    }
}

fn handles(var: &str) -> Result<Vec<Handle>, Box<dyn std::error::Error>> {
    let list = std::env::var(var).map_err(|_| format!("set {var} to run against the real API"))?;
    Ok(list
        .split(',')
        .map(|h| h.trim().parse())
        .collect::<Result<_, _>>()?)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let online = std::env::var_os(API_KEY_ENV).is_some();
    let sandbox = Sandbox::new();
    let (client, to, extra) = if online {
        println!("using the API at {}", Client::from_env()?.base_url());
        let mut add = handles("LINQ_STORY_ADD")?;
        (
            Client::from_env()?,
            handles("LINQ_STORY_TO")?,
            add.remove(0),
        )
    } else {
        println!("{API_KEY_ENV} is not set: running on the embedded sandbox (no network)");
        let client = Client::builder()
            .api_key(sandbox.api_key())
            .transport(sandbox.transport())
            .build()?;
        let to = vec!["+12025550142".parse()?, "ada@example.com".parse()?];
        (client, to, "+12025550146".parse()?)
    };

    // 1. Webhooks (offline only: online, events go to your own endpoint).
    let secret = if online {
        None
    } else {
        let events = [
            WebhookEventType::ChatCreated,
            WebhookEventType::ParticipantAdded,
            WebhookEventType::MessageSent,
            WebhookEventType::MessageDelivered,
        ];
        let subscription = client
            .webhook_subscriptions()
            .create("http://127.0.0.1:9/hooks", events)
            .await?;
        println!(
            "1. subscribed {} to chat and message events",
            subscription.id
        );
        Some(subscription.signing_secret)
    };

    // 2. A group chat from our first line.
    let lines = client.phone_numbers().list().await?;
    let from = &lines
        .phone_numbers
        .first()
        .ok_or("the account has no phone numbers")?
        .phone_number;
    let chat = client
        .chats()
        .create(from, to, "Lunch at noon?")
        .await?
        .chat;
    println!(
        "2. created chat {} on {} ({} members)",
        chat.id,
        chat.service,
        chat.handles.len()
    );

    // 3. Add a participant (queued by the server, applied shortly after).
    let added = client
        .chats()
        .participants()
        .add(&chat.id, extra.clone())
        .await?;
    println!(
        "3. adding {extra}: {}",
        added.status.as_deref().unwrap_or("?")
    );

    // 4. Send a message.
    let sent = client
        .chats()
        .messages()
        .send(&chat.id, "Table for four, then.")
        .await?;
    println!(
        "4. sent message {} ({})",
        sent.message.id, sent.message.delivery_status
    );

    if !online {
        sandbox.settle(); // let simulated time deliver everything
    }

    // 5. Read the chat back, page by page, as one stream.
    let messages: Vec<_> = client
        .chats()
        .messages()
        .list(&chat.id)
        .limit(10)
        .into_stream()
        .try_collect()
        .await?;
    for m in &messages {
        println!("5. message {} is {}", m.id, m.delivery_status);
    }

    // 6. Verify and decode every signed event.
    if let Some(secret) = secret {
        let webhook = Webhook::new(Secret::parse(&secret)?);
        for delivery in sandbox.deliveries() {
            let event =
                webhook.verify_event_at(&delivery.body, &delivery.headers, sandbox.now())?;
            println!("6. verified {} event {}", event.event_type, event.id);
        }
    }
    println!("done");
    Ok(())
}
