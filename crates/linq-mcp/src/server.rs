//! The MCP handler: one tool router built once per run (filtered by
//! `--toolsets` and `--read-only`), and the state every call shares.

use std::future::IntoFuture;
use std::path::PathBuf;
use std::sync::Arc;

use linq_client::{Client, Error};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{CallToolResult, ServerCapabilities, ServerConfig};
use rmcp::{ServerHandler, tool_handler};
use serde::Serialize;
use serde_json::Value;

use crate::events::EventLog;
use crate::policy::Policy;
use crate::reply;
use crate::toolsets::Toolset;

/// What every call of one server run shares.
pub(crate) struct Shared {
    pub client: Client,
    pub policy: Policy,
    pub events: Arc<EventLog>,
    /// The line new chats start from when the call names none.
    pub default_line: Option<String>,
    /// Canonical directories local files may be uploaded from.
    pub upload_dirs: Vec<PathBuf>,
    pub read_only: bool,
    /// The embedded sandbox, with `--sandbox`.
    pub sandbox: Option<linq_sandbox::Sandbox>,
    /// Where the webhook receiver feeding `events` listens, if it runs.
    pub receiver: Option<std::net::SocketAddr>,
}

/// The Linq MCP server: cheap to clone, one per MCP session or request.
#[derive(Clone)]
pub struct LinqMcp {
    pub(crate) shared: Arc<Shared>,
    router: Arc<ToolRouter<LinqMcp>>,
}

impl std::fmt::Debug for LinqMcp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinqMcp").finish_non_exhaustive()
    }
}

impl LinqMcp {
    pub(crate) fn new(shared: Shared, toolsets: &[Toolset]) -> Self {
        let read_only = shared.read_only;
        let router = Self::full_router();
        let mut chosen = ToolRouter::new();
        for mut route in router {
            let name = route.attr.name.to_string();
            let set = Toolset::of(&name).expect("every tool is in a toolset");
            if !toolsets.is_empty() && !toolsets.contains(&set) {
                continue;
            }
            if set == Toolset::Sandbox && shared.sandbox.is_none() {
                continue;
            }
            let writes = route
                .attr
                .annotations
                .as_ref()
                .and_then(|a| a.read_only_hint)
                != Some(true);
            if read_only && writes {
                if name != "call_operation" {
                    continue;
                }
                // Still offered, but it now runs read-only operations only.
                if let Some(a) = route.attr.annotations.as_mut() {
                    a.read_only_hint = Some(true);
                    a.destructive_hint = Some(false);
                    a.idempotent_hint = Some(true);
                }
            }
            chosen.add_route(route);
        }
        Self {
            shared: Arc::new(shared),
            router: Arc::new(chosen),
        }
    }

    fn full_router() -> ToolRouter<Self> {
        Self::messages_router()
            + Self::chats_router()
            + Self::account_router()
            + Self::webhooks_router()
            + Self::events_router()
            + Self::operations_router()
            + Self::sandbox_router()
    }

    /// The names of the tools this server offers.
    pub fn tool_names(&self) -> Vec<String> {
        self.router
            .list_all()
            .into_iter()
            .map(|t| t.name.to_string())
            .collect()
    }

    pub(crate) fn client(&self) -> &Client {
        &self.shared.client
    }
}

/// Awaits a call and turns its output into JSON, or its error into a tool
/// error carrying Linq's code, message and trace id.
pub(crate) async fn run<C, T>(call: C) -> Result<Value, CallToolResult>
where
    C: IntoFuture<Output = Result<T, Error>>,
    T: Serialize,
{
    match call.await {
        Ok(out) => Ok(serde_json::to_value(out).unwrap_or(Value::Null)),
        Err(e) => {
            tracing::info!(error = %e, "linq call failed");
            Err(reply::api_error(&e))
        }
    }
}

/// Unwraps a step's result: the tool's error reply ends the tool.
macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(reply) => return reply,
        }
    };
}
pub(crate) use tri;

#[tool_handler(router = self.router)]
impl ServerHandler for LinqMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build()).with_instructions(
            "Linq: text people over iMessage, RCS and SMS. Start with list_chats or start_chat; \
             send_message into a chat; wait_for_reply to hear back. Sends are refused outside \
             this server's recipient allow-list and send budget; a repeated call with the same \
             arguments sends once (pass a new idempotency_key to send the same text again).",
        )
    }
}
