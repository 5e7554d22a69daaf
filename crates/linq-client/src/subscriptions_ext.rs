//! `webhook_subscriptions().ensure(..)`: the subscription a service wants,
//! made so at start-up whether or not it exists yet. Hand-written beside the
//! generated resource.

use std::collections::BTreeSet;

use linq_types::SigningSecret;
use linq_types::models::WebhookEventType;
use linq_types::models::subscriptions::{WebhookSubscription, WebhookSubscriptionCreateResponse};

use crate::Error;
use crate::resources::WebhookSubscriptions;

/// What [`ensure`](WebhookSubscriptions::ensure) found and did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EnsuredSubscription {
    /// The subscription as it is now.
    pub subscription: WebhookSubscription,
    /// What had to change.
    pub change: SubscriptionChange,
    /// The signing secret, only when the subscription was just created: the
    /// API shows it once, so store it (then verify deliveries with
    /// `linq_webhooks::Webhook::new(secret.try_into()?)`).
    pub signing_secret: Option<SigningSecret>,
}

/// What [`ensure`](WebhookSubscriptions::ensure) changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubscriptionChange {
    /// There was none for the URL; one was created.
    Created,
    /// One existed with other event types; its event list was replaced.
    EventsUpdated,
    /// One existed with exactly these event types; nothing was sent.
    Unchanged,
}

impl WebhookSubscriptions<'_> {
    /// Makes sure deliveries for `events` go to `target_url`: finds the
    /// subscription with that URL and creates it when there is none, or
    /// replaces its event list when it differs (order and repeats aside).
    /// Safe to call at every start; a second call changes nothing.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = linq_sandbox::Sandbox::new();
    /// # let client = linq_client::Client::builder().api_key(sandbox.api_key()).transport(sandbox.transport()).build()?;
    /// use linq_client::SubscriptionChange;
    /// use linq_client::prelude::*;
    ///
    /// let url = "https://bot.example.com/linq";
    /// let first = client.webhook_subscriptions().ensure(url, [WebhookEventType::MessageReceived]).await?;
    /// assert_eq!(first.change, SubscriptionChange::Created);
    /// let secret = first.signing_secret.expect("shown once, on creation");
    /// # let _ = secret;
    /// let again = client.webhook_subscriptions().ensure(url, [WebhookEventType::MessageReceived]).await?;
    /// assert_eq!(again.change, SubscriptionChange::Unchanged);
    /// # Ok(()) }
    /// ```
    pub async fn ensure(
        &self,
        target_url: impl Into<String>,
        events: impl IntoIterator<Item = WebhookEventType>,
    ) -> Result<EnsuredSubscription, Error> {
        let target_url = target_url.into();
        let events: Vec<WebhookEventType> = events.into_iter().collect();
        let wanted: BTreeSet<&str> = events.iter().map(WebhookEventType::as_str).collect();
        let existing = self
            .list()
            .await?
            .subscriptions
            .into_iter()
            .find(|s| s.target_url == target_url);
        let Some(found) = existing else {
            let created = self.create(target_url, events).await?;
            let secret = SigningSecret::new(created.signing_secret.clone());
            return Ok(EnsuredSubscription {
                subscription: from_created(created),
                change: SubscriptionChange::Created,
                signing_secret: Some(secret),
            });
        };
        let have: BTreeSet<&str> = found
            .subscribed_events
            .iter()
            .map(WebhookEventType::as_str)
            .collect();
        if have == wanted {
            return Ok(EnsuredSubscription {
                subscription: found,
                change: SubscriptionChange::Unchanged,
                signing_secret: None,
            });
        }
        let updated = self.update(&found.id).subscribed_events(events).await?;
        Ok(EnsuredSubscription {
            subscription: updated,
            change: SubscriptionChange::EventsUpdated,
            signing_secret: None,
        })
    }
}

fn from_created(c: WebhookSubscriptionCreateResponse) -> WebhookSubscription {
    WebhookSubscription {
        created_at: c.created_at,
        id: c.id,
        is_active: c.is_active,
        phone_numbers: c.phone_numbers,
        routing_id_header: c.routing_id_header,
        routing_key_header: c.routing_key_header,
        subscribed_events: c.subscribed_events,
        target_url: c.target_url,
        updated_at: c.updated_at,
        extra: c.extra,
    }
}
