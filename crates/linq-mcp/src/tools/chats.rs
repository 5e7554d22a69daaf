//! Chats toolset: start a chat, list chats.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{schemars, tool, tool_router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::reply;
use crate::server::{LinqMcp, run, tri};
use crate::tools::messages::Content;

/// Arguments of `start_chat`.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StartChat {
    /// Who to text: phone numbers (E.164, +12025550142) or emails; two or
    /// more make a group.
    pub to: Vec<String>,
    /// Your line to send from (see list_lines); default: the profile's
    /// line, else the account's first.
    #[serde(default)]
    pub from: Option<String>,
    /// The first message.
    #[serde(flatten)]
    pub content: Content,
}

/// Arguments of `list_chats`.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ListChats {
    /// Only chats with this handle in them.
    #[serde(default)]
    pub with: Option<String>,
    /// Only chats on this line of yours.
    #[serde(default)]
    pub from: Option<String>,
    /// Most chats to return, most recent first (default 20, at most 100).
    #[serde(default)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
}

#[tool_router(router = chats_router, vis = "pub(crate)")]
impl LinqMcp {
    #[tool(
        description = "Start a chat with one or more people and send its first message. Retrying the same call starts it once.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn start_chat(&self, Parameters(args): Parameters<StartChat>) -> CallToolResult {
        if args.to.is_empty() {
            return reply::invalid("to: name at least one recipient");
        }
        // Checked here, before the budget is spent on a call that would fail.
        for to in &args.to {
            if let Err(e) = linq_types::Handle::parse(to) {
                return reply::invalid(format!("to: {to:?}: {e}"));
            }
        }
        if let Err(refusal) = self
            .shared
            .policy
            .check_recipients(args.to.iter().map(String::as_str))
        {
            return reply::refused(refusal);
        }
        let from = tri!(self.line(args.from.as_deref()).await);
        let (key, content) = tri!(self.prepare_send("start_chat", &args, &args.content).await);
        let call = self
            .client()
            .chats()
            .create(from.as_str(), args.to.clone(), content)
            .idempotency_key(key.clone());
        let created = tri!(run(call).await);
        tracing::info!(tool = "start_chat", "chat started");
        let chat = &created["chat"];
        reply::ok(json!({
            "chat": reply::chat(chat),
            "message": reply::message(&chat["message"]),
            "idempotency_key": key,
        }))
    }

    #[tool(
        description = "List chats, most recent first, compact (id, members, service). Filter by a member or your line; page with next_cursor.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_chats(&self, Parameters(args): Parameters<ListChats>) -> CallToolResult {
        let limit = i64::from(args.limit.unwrap_or(20).clamp(1, 100));
        let mut call = self.client().chats().list().limit(limit);
        if let Some(with) = args.with {
            call = call.to(with);
        }
        if let Some(from) = args.from {
            call = call.from(from);
        }
        if let Some(cursor) = args.cursor {
            call = call.cursor(cursor);
        }
        let page = tri!(run(call).await);
        let chats: Vec<_> = page["chats"]
            .as_array()
            .map(|c| c.iter().map(reply::chat).collect())
            .unwrap_or_default();
        reply::ok(json!({"chats": chats, "next_cursor": page["next_cursor"]}))
    }
}

impl LinqMcp {
    /// The line to send from: the caller's, else the profile's, else the
    /// account's first.
    async fn line(&self, from: Option<&str>) -> Result<String, CallToolResult> {
        if let Some(from) = from.or(self.shared.default_line.as_deref()) {
            return Ok(from.to_owned());
        }
        let lines = run(self.client().phone_numbers().list()).await?;
        lines["phone_numbers"]
            .as_array()
            .and_then(|l| l.first())
            .and_then(|l| l["phone_number"].as_str())
            .map(str::to_owned)
            .ok_or_else(|| reply::invalid("from: the account has no line; name one"))
    }
}
