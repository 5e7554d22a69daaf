//! Account toolset: lines, capability checks, attachment uploads.

use linq_client::types::AttachmentId;
use linq_client::types::models::attachments::SupportedContentType;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{schemars, tool, tool_router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::reply;
use crate::server::{LinqMcp, run, tri};

/// Largest local file uploaded (the API's own limit is higher; an agent
/// rarely needs more, and the whole file is held in memory).
const MAX_UPLOAD_BYTES: u64 = 100 * 1024 * 1024;

/// Arguments of `check_capability`.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CheckCapability {
    /// Phone number (E.164) or email to check.
    pub address: String,
    /// `imessage` (default) or `rcs`.
    #[serde(default)]
    pub service: Option<String>,
    /// Your line to check from (default: chosen by Linq).
    #[serde(default)]
    pub from: Option<String>,
}

/// Arguments of `upload_attachment`.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UploadAttachment {
    /// Local file to upload; must be under one of the server's --upload-dir.
    pub path: String,
}

/// No arguments.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NoArguments {}

#[tool_router(router = account_router, vis = "pub(crate)")]
impl LinqMcp {
    #[tool(
        description = "List your lines (phone numbers you send from), with type and reputation.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_lines(&self, Parameters(_): Parameters<NoArguments>) -> CallToolResult {
        let lines = tri!(run(self.client().phone_numbers().list()).await);
        let lines: Vec<_> = lines["phone_numbers"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|l| {
                json!({"phone_number": l["phone_number"], "id": l["id"],
                       "line_type": l["line_type"], "reputation": l["reputation"]})
            })
            .collect();
        reply::ok(json!({ "lines": lines }))
    }

    #[tool(
        description = "Check whether an address can get iMessage (default) or RCS, before texting it.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn check_capability(
        &self,
        Parameters(args): Parameters<CheckCapability>,
    ) -> CallToolResult {
        let capability = self.client().capability();
        let result = match args.service.as_deref().unwrap_or("imessage") {
            "imessage" | "iMessage" => {
                let mut call = capability.check_i_message(args.address.as_str());
                if let Some(from) = &args.from {
                    call = call.from(from.as_str());
                }
                run(call).await
            }
            "rcs" | "RCS" => {
                let mut call = capability.check_rcs(args.address.as_str());
                if let Some(from) = &args.from {
                    call = call.from(from.as_str());
                }
                run(call).await
            }
            other => {
                return reply::invalid(format!("service must be imessage or rcs, not {other:?}"));
            }
        };
        reply::ok(tri!(result))
    }

    #[tool(
        description = "Upload a local file (under the server's --upload-dir) and get an attachment_id to send. Each call makes a new attachment.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn upload_attachment(
        &self,
        Parameters(args): Parameters<UploadAttachment>,
    ) -> CallToolResult {
        let id = tri!(self.upload_path(&args.path).await);
        reply::ok(json!({ "attachment_id": id.to_string(), "path": args.path }))
    }
}

impl LinqMcp {
    /// Uploads a local file when it lies under an allowed directory.
    pub(crate) async fn upload_path(&self, path: &str) -> Result<AttachmentId, CallToolResult> {
        let refused = |why: &str| {
            reply::refused(crate::policy::Refusal(format!(
                "refused: {path:?} {why}; nothing was uploaded"
            )))
        };
        if self.shared.upload_dirs.is_empty() {
            return Err(refused(
                "is a local file, and this server allows no local uploads (start it with --upload-dir DIR)",
            ));
        }
        // Canonical form: no `..` or symlink leads outside the directories.
        let real = tokio::fs::canonicalize(path)
            .await
            .map_err(|e| reply::invalid(format!("{path:?}: {e}")))?;
        if !self.shared.upload_dirs.iter().any(|d| real.starts_with(d)) {
            return Err(refused("is outside every --upload-dir"));
        }
        let meta = tokio::fs::metadata(&real)
            .await
            .map_err(|e| reply::invalid(format!("{path:?}: {e}")))?;
        if !meta.is_file() || meta.len() > MAX_UPLOAD_BYTES {
            return Err(reply::invalid(format!(
                "{path:?} is not a regular file of at most {MAX_UPLOAD_BYTES} bytes"
            )));
        }
        let content_type = real
            .extension()
            .and_then(|e| e.to_str())
            .and_then(SupportedContentType::from_extension)
            .ok_or_else(|| reply::invalid(format!("{path:?}: a file type Linq does not take")))?;
        let bytes = tokio::fs::read(&real)
            .await
            .map_err(|e| reply::invalid(format!("{path:?}: {e}")))?;
        let name = real
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        let reserved = run(self
            .client()
            .attachments()
            .upload(content_type, name, bytes))
        .await?;
        let id = reserved["attachment_id"].as_str().unwrap_or_default();
        AttachmentId::try_from(id).map_err(|e| reply::invalid(format!("attachment id: {e}")))
    }
}
