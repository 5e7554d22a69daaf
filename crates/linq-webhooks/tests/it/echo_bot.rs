//! The echo bot example, offline: a sandbox served on loopback POSTs real
//! signed deliveries to the bot, which answers through linq-client.

#[path = "../../examples/echo_bot/bot.rs"]
mod bot;

use std::time::Duration;

use linq_client::prelude::*;
use linq_sandbox::{Fault, FaultMatch, Sandbox};
use linq_webhooks::{MemoryDedupe, Secret, Webhook};

struct Setup {
    sandbox: Sandbox,
    client: Client,
    bot_url: String,
    _server: linq_sandbox::Server,
}

async fn setup() -> Setup {
    let sandbox = Sandbox::new();
    let server = sandbox.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let client = Client::builder()
        .api_key(sandbox.api_key())
        .base_url(server.base_url())
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let bot_url = format!("http://{}/linq", listener.local_addr().unwrap());
    let secret = client
        .webhook_subscriptions()
        .ensure(
            &bot_url,
            [
                WebhookEventType::MessageReceived,
                WebhookEventType::MessageSent,
            ],
        )
        .await
        .unwrap()
        .signing_secret
        .unwrap();
    let bot = bot::Bot {
        webhook: Webhook::new(Secret::try_from(&secret).unwrap()),
        client: client.clone(),
    };
    tokio::spawn(
        async move { axum::serve(listener, bot::app(bot, MemoryDedupe::default())).await },
    );
    Setup {
        sandbox,
        client,
        bot_url,
        _server: server,
    }
}

async fn replies(client: &Client, chat: &ChatId) -> Vec<String> {
    client
        .chats()
        .messages()
        .list(chat)
        .collect_all()
        .await
        .unwrap()
        .iter()
        .flat_map(|m| m.texts().map(str::to_owned).collect::<Vec<_>>())
        .filter(|t| t.starts_with("You said"))
        .collect()
}

/// Waits until at least `min` events went out and every one was answered
/// 2xx by the bot (the sandbox retries the others).
async fn quiet(sandbox: &Sandbox, min: usize) {
    for _ in 0..400 {
        let sent = sandbox.deliveries();
        let attempts = sandbox.attempts();
        let answered = |id: &str| {
            attempts.iter().any(|a| {
                a.webhook_id == id && matches!(a.outcome, Ok(s) if (200..300).contains(&s))
            })
        };
        let ids: Vec<String> = sent
            .iter()
            .filter_map(|d| d.headers.get("webhook-id"))
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        if ids.len() >= min && ids.iter().all(|id| answered(id)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("deliveries never settled: {:?}", sandbox.attempts());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbound_text_is_answered_once_in_its_chat() {
    let s = setup().await;
    let chat = s
        .sandbox
        .create_chat(&["+12025550142"], "Hello from the line")
        .unwrap();
    s.sandbox.receive(&chat, "+12025550142", "ping").unwrap();
    quiet(&s.sandbox, 1).await;
    assert_eq!(replies(&s.client, &chat).await, ["You said: ping"]);
    // The reply's own `message.sent` reaches the bot too, and is not answered.
    s.sandbox.settle();
    quiet(&s.sandbox, 2).await;
    assert!(
        s.sandbox
            .deliveries()
            .iter()
            .any(|d| d.event_type == "message.sent")
    );
    assert_eq!(replies(&s.client, &chat).await, ["You said: ping"]);

    // Linq delivering the same event again changes nothing.
    let received = s
        .sandbox
        .deliveries()
        .into_iter()
        .find(|d| d.json()["event_type"] == "message.received")
        .unwrap();
    assert_eq!(
        post(&s.bot_url, &received.headers, received.body.clone()).await,
        200
    );
    assert_eq!(replies(&s.client, &chat).await, ["You said: ping"]);

    // A forged one (same headers, other text) is refused and not answered.
    let forged = String::from_utf8(received.body.to_vec())
        .unwrap()
        .replace("ping", "pong");
    assert_eq!(
        post(&s.bot_url, &received.headers, forged.into()).await,
        401
    );
    assert_eq!(replies(&s.client, &chat).await, ["You said: ping"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_reply_is_redelivered_and_sent_once() {
    let s = setup().await;
    let chat = s.sandbox.create_chat(&["+12025550142"], "Hello").unwrap();
    // Every attempt of the bot's reply (the first and its two retries) is refused.
    s.sandbox.fail_matching(
        FaultMatch {
            operation: Some("chats.messages.send".into()),
            ..FaultMatch::default()
        },
        3,
        Fault::RateLimited {
            retry_after: Duration::ZERO,
        },
    );
    s.sandbox
        .receive(&chat, "+12025550142", "are you there?")
        .unwrap();
    quiet(&s.sandbox, 1).await;
    assert_eq!(
        replies(&s.client, &chat).await,
        ["You said: are you there?"]
    );
    let outcomes: Vec<_> = s
        .sandbox
        .attempts()
        .into_iter()
        .filter(|a| a.attempt > 1 || matches!(a.outcome, Ok(503)))
        .map(|a| (a.attempt, a.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [(1, Ok(503)), (2, Ok(200))],
        "the 503 made Linq deliver again"
    );
}

/// POSTs a delivery to the bot as the sandbox would, returning the status.
async fn post(url: &str, headers: &http::HeaderMap, body: bytes::Bytes) -> u16 {
    use http_body_util::{BodyExt, Full};
    use hyper_util::rt::TokioIo;
    let uri: http::Uri = url.parse().unwrap();
    let stream = tokio::net::TcpStream::connect((uri.host().unwrap(), uri.port_u16().unwrap()))
        .await
        .unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let mut request = http::Request::post(uri.path())
        .header(http::header::HOST, uri.authority().unwrap().as_str())
        .body(Full::new(body))
        .unwrap();
    request.headers_mut().extend(headers.clone());
    let response = sender.send_request(request).await.unwrap();
    let status = response.status().as_u16();
    let _ = response.into_body().collect().await;
    status
}
