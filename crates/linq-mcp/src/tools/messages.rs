//! Messages toolset: send, read, react, mark read, typing.

use linq_client::types::models::Part;
use linq_client::types::models::messages::{
    MessageContent, MessageEffectParam, MessageEffectType, MessageSendParams, ReplyToParam,
};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{schemars, tool, tool_router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::reply;
use crate::server::{LinqMcp, run, tri};

/// What a send carries: text, media and an effect, and its key.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Content {
    /// The text to send.
    #[serde(default)]
    pub text: Option<String>,
    /// Files Linq fetches from public https URLs, sent after the text.
    #[serde(default)]
    pub media_urls: Vec<String>,
    /// Local files to upload and send (only under the server's --upload-dir).
    #[serde(default)]
    pub media_paths: Vec<String>,
    /// iMessage effect: confetti, fireworks, lasers, love, balloons,
    /// celebration, echo, spotlight (screen) or slam, loud, gentle,
    /// invisible_ink (bubble).
    #[serde(default)]
    pub effect: Option<String>,
    /// Key that makes retries safe; by default derived from the arguments,
    /// so pass a new one to send the same content again on purpose.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Arguments of `send_message`.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SendMessage {
    /// The chat to send into (from list_chats or start_chat).
    pub chat_id: String,
    /// The id of a message to reply to (makes a thread).
    #[serde(default)]
    pub reply_to: Option<String>,
    /// The content.
    #[serde(flatten)]
    pub content: Content,
}

/// Arguments naming one chat.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ChatRef {
    /// The chat's id.
    pub chat_id: String,
}

/// Arguments of `list_messages`.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ListMessages {
    /// The chat's id.
    pub chat_id: String,
    /// Most messages to return, newest first (default 20, at most 100).
    #[serde(default)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page, for older messages.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// Arguments naming one message.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MessageRef {
    /// The message's id.
    pub message_id: String,
}

/// Arguments of `react`.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct React {
    /// The message to react to.
    pub message_id: String,
    /// love, like, dislike, laugh, emphasize or question.
    pub reaction: String,
    /// Take the reaction back instead of adding it.
    #[serde(default)]
    pub remove: bool,
}

/// Arguments of `set_typing`.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SetTyping {
    /// The chat's id.
    pub chat_id: String,
    /// true shows the typing indicator, false hides it.
    pub typing: bool,
}

const BUBBLE_EFFECTS: [&str; 4] = ["slam", "loud", "gentle", "invisible_ink"];

#[tool_router(router = messages_router, vis = "pub(crate)")]
impl LinqMcp {
    #[tool(
        description = "Send a message into a chat: text, media (https URLs or allowed local files), optional reply_to and iMessage effect. Retrying the same call sends once.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn send_message(&self, Parameters(args): Parameters<SendMessage>) -> CallToolResult {
        if let Err(e) = linq_types::ChatId::try_from(args.chat_id.as_str()) {
            return reply::invalid(format!("chat_id: {e}"));
        }
        tri!(self.check_chat_recipients(&args.chat_id).await);
        let reply_to = match &args.reply_to {
            None => None,
            Some(id) => Some(ReplyToParam::new(tri!(
                linq_client::types::MessageId::try_from(id.as_str())
                    .map_err(|e| reply::invalid(format!("reply_to: {e}")))
            ))),
        };
        let (key, mut content) = tri!(
            self.prepare_send("send_message", &args, &args.content)
                .await
        );
        content.reply_to = reply_to;
        let call = self
            .client()
            .chats()
            .messages()
            .send(&args.chat_id, MessageSendParams::new(content))
            .idempotency_key(key.clone());
        let sent = tri!(run(call).await);
        tracing::info!(tool = "send_message", chat_id = %args.chat_id, "sent");
        reply::ok(json!({"message": reply::message(&sent["message"]), "idempotency_key": key}))
    }

    #[tool(
        description = "Read a chat's messages, newest first, compact (id, from, text, time). Page with next_cursor.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_messages(&self, Parameters(args): Parameters<ListMessages>) -> CallToolResult {
        let limit = i64::from(args.limit.unwrap_or(20).clamp(1, 100));
        let mut call = self
            .client()
            .chats()
            .messages()
            .list(&args.chat_id)
            .limit(limit);
        if let Some(cursor) = args.cursor {
            call = call.cursor(cursor);
        }
        let page = tri!(run(call).await);
        let messages: Vec<_> = page["messages"]
            .as_array()
            .map(|m| m.iter().map(reply::message).collect())
            .unwrap_or_default();
        reply::ok(json!({"messages": messages, "next_cursor": page["next_cursor"]}))
    }

    #[tool(
        description = "Get one message by id (compact: from, text, attachments, status, times).",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_message(&self, Parameters(args): Parameters<MessageRef>) -> CallToolResult {
        let message = tri!(run(self.client().messages().retrieve(&args.message_id)).await);
        reply::ok(reply::message(&message))
    }

    #[tool(
        description = "Add (or with remove=true take back) a tapback reaction on a message: love, like, dislike, laugh, emphasize, question.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn react(&self, Parameters(args): Parameters<React>) -> CallToolResult {
        const KINDS: [&str; 6] = ["love", "like", "dislike", "laugh", "emphasize", "question"];
        if !KINDS.contains(&args.reaction.as_str()) {
            return reply::invalid(format!(
                "reaction must be one of {}; got {:?}",
                KINDS.join(", "),
                args.reaction
            ));
        }
        tri!(self.check_message_recipients(&args.message_id).await);
        let operation = if args.remove { "remove" } else { "add" };
        let call = self.client().messages().add_reaction(
            &args.message_id,
            operation,
            args.reaction.as_str(),
        );
        tri!(run(call).await);
        reply::ok(
            json!({"message_id": args.message_id, "reaction": args.reaction, "operation": operation}),
        )
    }

    #[tool(
        description = "Mark every message in a chat as read.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn mark_read(&self, Parameters(args): Parameters<ChatRef>) -> CallToolResult {
        tri!(self.check_chat_recipients(&args.chat_id).await);
        tri!(run(self.client().chats().mark_as_read(&args.chat_id)).await);
        reply::ok(json!({"chat_id": args.chat_id, "read": true}))
    }

    #[tool(
        description = "Show (typing=true) or hide (typing=false) the typing indicator in a chat.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn set_typing(&self, Parameters(args): Parameters<SetTyping>) -> CallToolResult {
        tri!(self.check_chat_recipients(&args.chat_id).await);
        let typing = self.client().chats().typing();
        if args.typing {
            tri!(run(typing.start(&args.chat_id)).await);
        } else {
            tri!(run(typing.stop(&args.chat_id)).await);
        }
        reply::ok(json!({"chat_id": args.chat_id, "typing": args.typing}))
    }
}

impl LinqMcp {
    /// Everything before a send goes out: its idempotency key, the budget
    /// (checked, then spent once the content is ready) and the content,
    /// local files uploaded.
    pub(crate) async fn prepare_send(
        &self,
        tool: &str,
        arguments: &impl Serialize,
        given: &Content,
    ) -> Result<(String, MessageContent), CallToolResult> {
        let policy = &self.shared.policy;
        let arguments = serde_json::to_value(arguments).unwrap_or_default();
        let key = policy.idempotency_key(tool, &arguments, given.idempotency_key.as_deref());
        policy.can_spend(&key).map_err(reply::refused)?;
        let mut parts = Vec::new();
        if let Some(text) = given.text.as_deref().filter(|t| !t.trim().is_empty()) {
            parts.push(Part::text(text));
        }
        for url in &given.media_urls {
            if !url.starts_with("https://") {
                return Err(reply::invalid(format!(
                    "media_urls: {url:?} is not an https URL"
                )));
            }
            parts.push(Part::media_url(url));
        }
        if parts.is_empty() && given.media_paths.is_empty() {
            return Err(reply::invalid(
                "nothing to send: give text, media_urls or media_paths",
            ));
        }
        for path in &given.media_paths {
            parts.push(Part::media(self.upload_path(path).await?));
        }
        let mut content = MessageContent::from_parts(parts);
        content.idempotency_key = Some(key.clone());
        if let Some(name) = given.effect.as_deref().filter(|e| !e.is_empty()) {
            let kind = if BUBBLE_EFFECTS.contains(&name) {
                MessageEffectType::Bubble
            } else {
                MessageEffectType::Screen
            };
            content.effect = Some(MessageEffectParam::new().name(name).kind(kind));
        }
        policy.spend(&key).map_err(reply::refused)?;
        Ok((key, content))
    }

    /// Refuses a reaction on a message in a chat with a member outside the
    /// allow-list (a reaction reaches them too).
    async fn check_message_recipients(&self, message_id: &str) -> Result<(), CallToolResult> {
        if !self.shared.policy.restricts_recipients() {
            return Ok(());
        }
        let message = run(self.client().messages().retrieve(message_id)).await?;
        let chat_id = message["chat_id"].as_str().unwrap_or_default();
        self.check_chat_recipients(chat_id).await
    }

    /// Refuses a send into a chat with a member outside the allow-list (the
    /// chat is read only when an allow-list is in force).
    pub(crate) async fn check_chat_recipients(&self, chat_id: &str) -> Result<(), CallToolResult> {
        if !self.shared.policy.restricts_recipients() {
            return Ok(());
        }
        let chat = run(self.client().chats().retrieve(chat_id)).await?;
        let members: Vec<&str> = chat["handles"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|h| h["is_me"] != true && h["left_at"].is_null())
            .filter_map(|h| h["handle"].as_str())
            .collect();
        self.shared
            .policy
            .check_recipients(members)
            .map_err(reply::refused)
    }
}
