//! Sandbox toolset (only with `--sandbox`): play the other side of a chat,
//! so an agent can be tried end to end with no key.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{schemars, tool, tool_router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::reply;
use crate::server::{LinqMcp, run, tri};

/// Arguments of `simulate_reply`.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SimulateReply {
    /// The chat the reply arrives in.
    pub chat_id: String,
    /// What they write.
    pub text: String,
    /// Which member replies (default: the first one who is not you).
    #[serde(default)]
    pub from: Option<String>,
}

#[tool_router(router = sandbox_router, vis = "pub(crate)")]
impl LinqMcp {
    #[tool(
        description = "Sandbox only: a chat member texts back (an inbound message, as wait_for_reply sees it).",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn simulate_reply(&self, Parameters(args): Parameters<SimulateReply>) -> CallToolResult {
        let Some(sandbox) = &self.shared.sandbox else {
            return reply::invalid("simulate_reply runs only with --sandbox");
        };
        let from = match args.from {
            Some(from) => from,
            None => {
                let chat = tri!(run(self.client().chats().retrieve(&args.chat_id)).await);
                let member = chat["handles"]
                    .as_array()
                    .and_then(|hs| hs.iter().find(|h| h["is_me"] != true))
                    .and_then(|h| h["handle"].as_str());
                match member {
                    Some(m) => m.to_owned(),
                    None => return reply::invalid("the chat has no other member"),
                }
            }
        };
        match sandbox.receive(&args.chat_id, &from, &args.text) {
            Ok(id) => reply::ok(
                json!({"message_id": id.to_string(), "chat_id": args.chat_id, "from": from}),
            ),
            Err(rejected) => reply::invalid(rejected.to_string()),
        }
    }
}
