//! Events toolset: wait for a reply, read recent webhook events.

use std::time::Duration;

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{schemars, tool, tool_router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::reply;
use crate::server::{LinqMcp, run, tri};

/// Longest wait one call may ask for.
const MAX_WAIT_SECONDS: u64 = 300;
/// How often a chat is read while waiting with no webhook receiver.
const POLL_EVERY: Duration = Duration::from_secs(2);
/// How often it is read anyway when webhooks wake the wait.
const POLL_EVERY_WITH_WEBHOOKS: Duration = Duration::from_secs(10);
/// Messages read per look at the chat.
const LOOK_BACK: i64 = 50;

/// Arguments of `wait_for_reply`.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WaitForReply {
    /// The chat to wait in. Without it, waits for an inbound message in
    /// any chat (needs the server's webhook receiver).
    #[serde(default)]
    pub chat_id: Option<String>,
    /// Only messages after this one count (default: after your latest
    /// message in the chat).
    #[serde(default)]
    pub after_message_id: Option<String>,
    /// Seconds to wait (default 60, at most 300).
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
}

/// Arguments of `recent_events`.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RecentEvents {
    /// Only events after this `seq` (from an earlier call).
    #[serde(default)]
    pub after_seq: Option<u64>,
    /// Only events about this chat.
    #[serde(default)]
    pub chat_id: Option<String>,
    /// Most events to return, newest last (default 20, at most 100).
    #[serde(default)]
    pub limit: Option<u32>,
}

#[tool_router(router = events_router, vis = "pub(crate)")]
impl LinqMcp {
    #[tool(
        description = "Wait until someone replies: returns inbound messages newer than your latest message in the chat (or after_message_id), or timed_out.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn wait_for_reply(&self, Parameters(args): Parameters<WaitForReply>) -> CallToolResult {
        let wait = Duration::from_secs(args.timeout_seconds.unwrap_or(60).min(MAX_WAIT_SECONDS));
        let deadline = Instant::now() + wait;
        let Some(chat_id) = args.chat_id else {
            return self.wait_any(deadline).await;
        };
        let poll = if self.shared.receiver.is_some() {
            POLL_EVERY_WITH_WEBHOOKS
        } else {
            POLL_EVERY
        };
        let mut after = args.after_message_id;
        let mut first = true;
        loop {
            let page = tri!(
                run(self
                    .client()
                    .chats()
                    .messages()
                    .list(&chat_id)
                    .limit(LOOK_BACK))
                .await
            );
            let messages = page["messages"].as_array().cloned().unwrap_or_default();
            if first && after.is_none() {
                // Newest first: the reference is my latest message.
                after = messages
                    .iter()
                    .find(|m| m["is_from_me"] == true)
                    .and_then(|m| m["id"].as_str())
                    .map(str::to_owned);
            }
            first = false;
            let replies = inbound_after(&messages, after.as_deref());
            if !replies.is_empty() {
                return reply::ok(json!({ "replies": replies }));
            }
            let now = Instant::now();
            if now >= deadline {
                return reply::ok(json!({"replies": [], "timed_out": true}));
            }
            self.shared.events.changed(poll.min(deadline - now)).await;
        }
    }

    #[tool(
        description = "Recent events the server's webhook receiver verified (messages, reactions, deliveries), oldest first, each with a seq to continue after; names the receiver's URL.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn recent_events(&self, Parameters(args): Parameters<RecentEvents>) -> CallToolResult {
        let limit = args.limit.unwrap_or(20).clamp(1, 100) as usize;
        let entries =
            self.shared
                .events
                .recent(args.after_seq.unwrap_or(0), limit, args.chat_id.as_deref());
        let events: Vec<Value> = entries.into_iter().map(|e| e.summary).collect();
        let mut out = json!({ "events": events });
        match self.shared.receiver {
            Some(addr) => out["receiver"] = json!(format!("http://{addr}/")),
            None => {
                out["note"] = json!(
                    "no webhook receiver runs: start the server with --webhook-addr, or use wait_for_reply with a chat_id"
                )
            }
        }
        reply::ok(out)
    }
}

impl LinqMcp {
    /// Waits for an inbound message in any chat, from the webhook log.
    async fn wait_any(&self, deadline: Instant) -> CallToolResult {
        if self.shared.receiver.is_none() {
            return reply::invalid(
                "name a chat_id: waiting on every chat needs the webhook receiver (--webhook-addr)",
            );
        }
        let events = &self.shared.events;
        let after = events.last_seq();
        loop {
            let replies: Vec<Value> = events
                .recent(after, 100, None)
                .into_iter()
                .filter(|e| e.inbound)
                .map(|e| e.summary)
                .collect();
            if !replies.is_empty() {
                return reply::ok(json!({ "replies": replies }));
            }
            let now = Instant::now();
            if now >= deadline {
                return reply::ok(json!({"replies": [], "timed_out": true}));
            }
            // A wake-up can slip in between the look and the wait: never
            // sleep long on it.
            events
                .changed((deadline - now).min(Duration::from_secs(1)))
                .await;
        }
    }
}

/// Inbound messages newer than `after` (all of them when it is not in the
/// page), oldest first. `messages` is newest first.
fn inbound_after(messages: &[Value], after: Option<&str>) -> Vec<Value> {
    let newer = messages
        .iter()
        .take_while(|m| after.is_none() || m["id"].as_str() != after);
    let mut replies: Vec<Value> = newer
        .filter(|m| m["is_from_me"] == false)
        .map(reply::message)
        .collect();
    replies.reverse();
    replies
}
