//! Webhooks toolset: list, create and delete webhook subscriptions. A
//! subscription's signing secret is never shown; the server keeps it for
//! its own receiver (`--webhook-addr`).

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{schemars, tool, tool_router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::reply;
use crate::server::{LinqMcp, run, tri};
use crate::tools::account::NoArguments;

/// Arguments of `create_webhook_subscription`.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CreateSubscription {
    /// The https URL Linq POSTs events to.
    pub target_url: String,
    /// Event types, such as message.received, message.delivered,
    /// reaction.added (default: message.received).
    #[serde(default)]
    pub events: Vec<String>,
}

/// Arguments naming one subscription.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SubscriptionRef {
    /// The subscription's id.
    pub subscription_id: String,
}

fn subscription(s: &Value) -> Value {
    json!({"id": s["id"], "target_url": s["target_url"], "events": s["subscribed_events"],
           "is_active": s["is_active"]})
}

#[tool_router(router = webhooks_router, vis = "pub(crate)")]
impl LinqMcp {
    #[tool(
        description = "List webhook subscriptions (id, target URL, events, active).",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_webhook_subscriptions(
        &self,
        Parameters(_): Parameters<NoArguments>,
    ) -> CallToolResult {
        let list = tri!(run(self.client().webhook_subscriptions().list()).await);
        let subs: Vec<_> = list["subscriptions"]
            .as_array()
            .map(|s| s.iter().map(subscription).collect())
            .unwrap_or_default();
        reply::ok(json!({ "subscriptions": subs }))
    }

    #[tool(
        description = "Subscribe a URL to webhook events. The signing secret is kept by this server (its receiver verifies with it) and never shown.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn create_webhook_subscription(
        &self,
        Parameters(args): Parameters<CreateSubscription>,
    ) -> CallToolResult {
        let events = if args.events.is_empty() {
            vec!["message.received".to_owned()]
        } else {
            args.events
        };
        let call = self
            .client()
            .webhook_subscriptions()
            .create(args.target_url, events.iter().map(String::as_str));
        let created = tri!(run(call).await);
        let kept = match created["signing_secret"].as_str() {
            Some(secret) => self.shared.events.add_secret(secret),
            None => false,
        };
        reply::ok(json!({
            "subscription": subscription(&created),
            "signing_secret": if kept { "kept by linq-mcp for its webhook receiver; not shown" }
                              else { "not shown" },
        }))
    }

    #[tool(
        description = "Delete a webhook subscription; its URL stops getting events.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn delete_webhook_subscription(
        &self,
        Parameters(args): Parameters<SubscriptionRef>,
    ) -> CallToolResult {
        let call = self
            .client()
            .webhook_subscriptions()
            .delete(args.subscription_id.as_str());
        tri!(run(call).await);
        reply::ok(json!({"subscription_id": args.subscription_id, "deleted": true}))
    }
}
