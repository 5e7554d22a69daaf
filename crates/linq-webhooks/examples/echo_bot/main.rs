//! An echo bot: a real axum service that verifies each Linq delivery,
//! handles each event once, and answers every inbound text in its chat.
//!
//! ```text
//! cargo run -p linq-webhooks --example echo_bot
//! ```
//!
//! With no `LINQ_API_V3_API_KEY` it runs offline: it serves a sandbox on
//! loopback, subscribes itself to it, has a stranger text in, and prints
//! the reply. With a key it serves `--addr` (default 127.0.0.1:8080), and
//! expects `LINQ_WEBHOOK_SECRET` for the subscription pointing at it (see
//! `webhook_subscriptions().ensure(..)` to create one).

mod bot;

use std::time::Duration;

use linq_client::prelude::*;
use linq_client::{API_KEY_ENV, SubscriptionChange};
use linq_webhooks::{MemoryDedupe, Secret, Webhook};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os(API_KEY_ENV).is_some() {
        let addr = std::env::args()
            .skip_while(|a| a != "--addr")
            .nth(1)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let bot = bot::Bot {
            webhook: Webhook::from_env()?,
            client: Client::from_env()?,
        };
        let listener = tokio::net::TcpListener::bind(&addr).await?;
        println!("echo bot on http://{addr}/linq");
        axum::serve(listener, bot::app(bot, MemoryDedupe::default())).await?;
        return Ok(());
    }

    println!("{API_KEY_ENV} is not set: running against a sandbox on loopback");
    // The bot checks delivery timestamps against its own clock.
    let sandbox = linq_sandbox::Sandbox::builder()
        .clock(linq_sandbox::Clock::System)
        .build();
    let server = sandbox.serve("127.0.0.1:0".parse()?).await?;
    let client = Client::builder()
        .api_key(sandbox.api_key())
        .base_url(server.base_url())
        .build()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/linq", listener.local_addr()?);
    let subscription = client
        .webhook_subscriptions()
        .ensure(&url, [WebhookEventType::MessageReceived])
        .await?;
    assert_eq!(subscription.change, SubscriptionChange::Created);
    let secret = subscription
        .signing_secret
        .expect("new subscriptions carry their secret");
    let bot = bot::Bot {
        webhook: Webhook::new(Secret::try_from(&secret)?),
        client: client.clone(),
    };
    tokio::spawn(
        async move { axum::serve(listener, bot::app(bot, MemoryDedupe::default())).await },
    );
    println!("subscribed {url}");

    let chat = sandbox.create_chat(&["+12025550142"], "Hello from the bot's line")?;
    sandbox.receive(&chat, "+12025550142", "ping")?;
    println!("+12025550142 wrote \"ping\"");
    for _ in 0..100 {
        let messages = client.chats().messages().list(&chat).collect_all().await?;
        if let Some(reply) = messages
            .iter()
            .flat_map(|m| m.texts())
            .find(|t| t.starts_with("You said"))
        {
            println!("the bot answered \"{reply}\"");
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err("the bot did not answer within 5 s".into())
}
