//! Operations toolset: every API operation from the catalog, for what the
//! task tools do not cover. The same limits apply: read-only mode, the
//! recipient allow-list, the send budget, idempotency keys.

use linq_types::catalog::{self, OperationInfo, ParamLocation};
use linq_types::operation::Effect;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{schemars, tool, tool_router};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::policy::Refusal;
use crate::reply;
use crate::server::{LinqMcp, run, tri};

/// Operations that put something in front of a person: their recipients
/// are checked against the allow-list and each counts against the budget.
const SENDS: [&str; 10] = [
    "chats.create",
    "chats.messages.send",
    "messages.create",
    "chats.polls.create",
    "chats.send_voicememo",
    "chats.share_contact_card",
    "chats.participants.add",
    "chats.location.request",
    "payment_requests.create",
    "payments.create",
];

/// Arguments that name a person an operation reaches.
const RECIPIENT_ARGS: [&str; 3] = ["to", "handle", "payer_handle"];

/// Arguments of `list_operations`.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ListOperations {
    /// Only operations whose id or summary contains this (e.g. `poll`,
    /// `chats.participants`).
    #[serde(default)]
    pub search: Option<String>,
}

/// Arguments of `describe_operation`.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DescribeOperation {
    /// The operation's id, such as `chats.participants.add`.
    pub operation: String,
}

/// Arguments of `call_operation`.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CallOperation {
    /// The operation's id, such as `chats.participants.add`.
    pub operation: String,
    /// One flat object: path parameters, query parameters and body fields
    /// by their API names (see describe_operation).
    #[serde(default)]
    pub arguments: Map<String, Value>,
    /// Key that makes retries of a send safe; by default derived from the
    /// arguments.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

fn location(l: ParamLocation) -> &'static str {
    match l {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Body => "body",
    }
}

#[tool_router(router = operations_router, vis = "pub(crate)")]
impl LinqMcp {
    #[tool(
        description = "List the Linq API's operations (id, method, summary) for call_operation; filter with search.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_operations(
        &self,
        Parameters(args): Parameters<ListOperations>,
    ) -> CallToolResult {
        let search = args.search.unwrap_or_default().to_lowercase();
        let ops: Vec<Value> = self
            .offered()
            .filter(|op| {
                search.is_empty()
                    || op.id.contains(&search)
                    || op.summary.to_lowercase().contains(&search)
            })
            .map(|op| {
                let mut v = json!({"id": op.id, "method": op.http_method, "summary": op.summary});
                if op.destructive {
                    v["destructive"] = json!(true);
                }
                if op.deprecated {
                    v["deprecated"] = json!(true);
                }
                v
            })
            .collect();
        reply::ok(json!({ "operations": ops }))
    }

    #[tool(
        description = "Describe one operation: what it does, its HTTP method and path, and the JSON Schema of its flat arguments.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn describe_operation(
        &self,
        Parameters(args): Parameters<DescribeOperation>,
    ) -> CallToolResult {
        let op = tri!(self.operation(&args.operation));
        let schema: Value = serde_json::from_str(op.arguments_schema).unwrap_or(Value::Null);
        let params: Map<String, Value> = op
            .params
            .iter()
            .map(|p| (p.name.to_owned(), json!(location(p.location))))
            .collect();
        // The schema is the whole answer; no length cut applies to it.
        let mut value = json!({
            "id": op.id, "summary": op.summary, "method": op.http_method, "path": op.path,
            "read_only": op.read_only, "destructive": op.destructive, "idempotent": op.idempotent,
            "paginated": op.paginated, "deprecated": op.deprecated,
            "argument_locations": params, "arguments_schema": schema,
        });
        reply::redact(&mut value);
        CallToolResult::success(vec![rmcp::model::ContentBlock::text(value.to_string())])
    }

    #[tool(
        description = "Call any Linq API operation by id with one flat arguments object (see describe_operation). Sends obey the allow-list and budget.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn call_operation(&self, Parameters(args): Parameters<CallOperation>) -> CallToolResult {
        let op = tri!(self.operation(&args.operation));
        // Bad arguments are refused before the budget or the API sees them.
        if let Err(e) = op.build(&args.arguments) {
            return reply::invalid(format!("arguments: {e}"));
        }
        let sends = SENDS.contains(&op.id);
        if sends {
            tri!(self.check_operation_recipients(op, &args.arguments).await);
        }
        let mut call = self
            .client()
            .call_operation(op.id, Value::Object(args.arguments.clone()));
        let mut key = None;
        if op.effect == Effect::Visible || sends {
            let arguments = json!({"operation": op.id, "arguments": args.arguments});
            let derived = self.shared.policy.idempotency_key(
                "call_operation",
                &arguments,
                args.idempotency_key.as_deref(),
            );
            call = call.idempotency_key(derived.clone());
            key = Some(derived);
        }
        if let (true, Some(key)) = (sends, &key) {
            if let Err(refusal) = self.shared.policy.spend(key) {
                return reply::refused(refusal);
            }
        }
        let mut out = tri!(run(call).await);
        if op.id == "webhook_subscriptions.create" {
            if let Some(secret) = out["signing_secret"].as_str() {
                self.shared.events.add_secret(secret);
            }
        }
        tracing::info!(tool = "call_operation", operation = op.id, "called");
        if out.is_null() {
            out = json!({"done": true});
        }
        let mut reply = json!({ "operation": op.id, "result": out });
        if let Some(key) = key {
            reply["idempotency_key"] = json!(key);
        }
        reply::ok(reply)
    }
}

impl LinqMcp {
    /// The operations this server runs: all, or the read-only ones.
    fn offered(&self) -> impl Iterator<Item = &'static OperationInfo> + '_ {
        catalog::OPERATIONS
            .iter()
            .filter(|op| !self.shared.read_only || op.read_only)
    }

    fn operation(&self, id: &str) -> Result<&'static OperationInfo, CallToolResult> {
        match catalog::find(id) {
            None => Err(reply::invalid(format!(
                "no operation is named {id:?}; list_operations shows them"
            ))),
            Some(op) if self.shared.read_only && !op.read_only => {
                Err(reply::refused(Refusal(format!(
                    "refused: {id} changes something, and this server is read-only; nothing was sent"
                ))))
            }
            Some(op) => Ok(op),
        }
    }

    /// The allow-list for a generic send: the handles it names, and the
    /// members of the chat it goes into.
    async fn check_operation_recipients(
        &self,
        op: &OperationInfo,
        arguments: &Map<String, Value>,
    ) -> Result<(), CallToolResult> {
        let policy = &self.shared.policy;
        if !policy.restricts_recipients() {
            return Ok(());
        }
        let mut named = Vec::new();
        for arg in RECIPIENT_ARGS {
            match arguments.get(arg) {
                Some(Value::String(h)) => named.push(h.as_str()),
                Some(Value::Array(hs)) => named.extend(hs.iter().filter_map(Value::as_str)),
                _ => {}
            }
        }
        policy.check_recipients(named).map_err(reply::refused)?;
        if let Some(chat_id) = arguments.get("chatId").and_then(Value::as_str) {
            self.check_chat_recipients(chat_id).await?;
        } else if op.params.iter().any(|p| p.name == "chatId") {
            return Err(reply::invalid(format!(
                "{} needs the argument `chatId`",
                op.id
            )));
        }
        Ok(())
    }
}
