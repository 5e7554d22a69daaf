//! The echo bot itself: an axum app that answers every inbound text in the
//! chat it came from. Shared by `main.rs` and the offline test.

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use linq_client::Client;
use linq_webhooks::axum::VerifiedEvent;
use linq_webhooks::tower::WebhookLayer;
use linq_webhooks::{Dedupe, Event, Webhook};

/// What the handler needs: the verifier (for the extractor) and a client to reply with.
#[derive(Clone)]
pub struct Bot {
    pub webhook: Webhook,
    pub client: Client,
}

impl FromRef<Bot> for Webhook {
    fn from_ref(bot: &Bot) -> Webhook {
        bot.webhook.clone()
    }
}

/// The app: `POST /linq`, each event handled once across every replica that
/// shares `dedupe` (a `MemoryDedupe` for one process, a `RedisDedupe` for many).
pub fn app<D: Dedupe + 'static>(bot: Bot, dedupe: D) -> Router {
    let layer = WebhookLayer::new(bot.webhook.clone()).dedupe(dedupe);
    Router::new()
        .route("/linq", post(on_event))
        .with_state(bot)
        .layer(layer)
}

/// The whole handler.
async fn on_event(State(bot): State<Bot>, VerifiedEvent(event): VerifiedEvent) -> Response {
    let Some(message) = event.message().filter(|m| m.is_inbound()) else {
        return StatusCode::OK.into_response();
    };
    let (Some(chat), text) = (
        message.chat_id(),
        message.texts().collect::<Vec<_>>().join(" "),
    ) else {
        return StatusCode::OK.into_response();
    };
    let reply = bot
        .client
        .chats()
        .messages()
        .send(chat, format!("You said: {text}"));
    // Derived from the event, so a redelivery after a lost answer never sends twice.
    match reply.idempotency_key(reply_key(&event)).await {
        Ok(_) => StatusCode::OK.into_response(),
        Err(e) if e.is_rate_limited() => {
            let secs = e.retry_after().map_or(1, |d| d.as_secs().max(1));
            let mut response = StatusCode::SERVICE_UNAVAILABLE.into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            response
        }
        Err(e) => {
            eprintln!("echo_bot: reply failed, Linq will redeliver: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The idempotency key of the reply to `event`.
pub fn reply_key(event: &Event) -> String {
    format!("echo-{}", event.id)
}
