//! An MCP server for the Linq Partner API v3, so AI agents can text people
//! over iMessage, RCS and SMS, safe by default.
//!
//! Task tools (send a message, start a chat, read a chat, react, wait for a
//! reply, …) plus `list_operations` / `describe_operation` /
//! `call_operation` for the rest of the API. Every send passes the
//! recipient allow-list and the send budget, and carries an idempotency
//! key, so a client's retry never texts twice.
//!
//! `linq-mcp` (and `linq mcp` in the CLI) run [`serve`]; a program can
//! start the same server itself:
//!
//! ```no_run
//! # async fn run() -> Result<(), linq_mcp::ServeError> {
//! let config = linq_mcp::Config { sandbox: true, read_only: true, ..Default::default() };
//! linq_mcp::serve(config).await
//! # }
//! ```
//!
//! Or over a client you built, as the tests do:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = linq_sandbox::Sandbox::new();
//! let client = linq_client::Client::builder()
//!     .api_key(sandbox.api_key())
//!     .transport(sandbox.transport())
//!     .build()?;
//! let config = linq_mcp::Config { read_only: true, ..Default::default() };
//! let server = linq_mcp::Server::with_client(&config, client, None).await?;
//! assert!(server.handler().tool_names().iter().any(|t| t == "list_chats"));
//! assert!(!server.handler().tool_names().iter().any(|t| t == "send_message"));
//! # Ok(()) }
//! ```

mod config;
pub mod credentials;
mod events;
mod http;
pub mod install;
pub mod policy;
pub mod reply;
mod server;
mod tools;
mod toolsets;

use std::path::PathBuf;
use std::sync::Arc;

pub use config::{Config, TransportKind};
pub use events::EventLog;
pub use http::{TOKEN_ENV, http_router};
pub use server::LinqMcp;
pub use toolsets::Toolset;

use linq_client::Client;
use rmcp::ServiceExt;

/// The webhook signing secret the receiver verifies with.
pub const WEBHOOK_SECRET_ENV: &str = "LINQ_WEBHOOK_SECRET";

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// No usable credentials.
    #[error(transparent)]
    Credentials(#[from] credentials::CredentialsError),
    /// The client could not be built (bad base URL, key with bad bytes).
    #[error("linq client: {0}")]
    Client(#[from] linq_client::BuildError),
    /// A setting is refused.
    #[error("{0}")]
    Config(String),
    /// Listening or serving failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The MCP session failed.
    #[error("mcp: {0}")]
    Mcp(String),
}

/// A server ready to serve: client, limits, tools and webhook receiver.
#[derive(Debug)]
pub struct Server {
    handler: LinqMcp,
    config: Config,
    webhook_addr: Option<std::net::SocketAddr>,
    _tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self._tasks.iter().for_each(|t| t.abort());
    }
}

/// Runs the server until the client hangs up (stdio) or Ctrl-C (HTTP).
pub async fn serve(config: Config) -> Result<(), ServeError> {
    Server::new(&config).await?.serve().await
}

impl Server {
    /// A server as `config` says: credentials from the environment or the
    /// profile, or the embedded sandbox with `sandbox`.
    pub async fn new(config: &Config) -> Result<Self, ServeError> {
        if config.sandbox {
            let sandbox = linq_sandbox::Sandbox::new();
            let client = Client::builder()
                .api_key(sandbox.api_key())
                .transport(sandbox.transport())
                .build()?;
            let line = sandbox.lines().first().cloned();
            let mut server = Self::build(config, client, line, Some(sandbox.clone())).await?;
            server
                ._tasks
                .push(sandbox.auto_advance(std::time::Duration::from_secs(1)));
            return Ok(server);
        }
        let creds = credentials::load(config.profile.as_deref())?;
        let mut builder = Client::builder().api_key(creds.api_key).with_env();
        if let Some(url) = &config.base_url {
            builder = builder.base_url(url.clone());
        }
        Self::with_client(config, builder.build()?, creds.from_phone).await
    }

    /// A server over a client you built; `default_line` is where new chats
    /// start from when a call names none.
    pub async fn with_client(
        config: &Config,
        client: Client,
        default_line: Option<String>,
    ) -> Result<Self, ServeError> {
        Self::build(config, client, default_line, None).await
    }

    async fn build(
        config: &Config,
        client: Client,
        default_line: Option<String>,
        sandbox: Option<linq_sandbox::Sandbox>,
    ) -> Result<Self, ServeError> {
        let events = Arc::new(EventLog::default());
        let mut tasks = Vec::new();
        let mut webhook_addr = None;
        if let Some(addr) = config.webhook_addr {
            config::check_bind(addr, config.allow_remote, "--webhook-addr")
                .map_err(ServeError::Config)?;
            if let Ok(secret) = std::env::var(WEBHOOK_SECRET_ENV) {
                if !events.add_secret(&secret) {
                    return Err(ServeError::Config(format!(
                        "{WEBHOOK_SECRET_ENV} is not a webhook signing secret"
                    )));
                }
            }
            let (bound, task) = events::serve_receiver(events.clone(), addr).await?;
            tracing::info!(addr = %bound, "webhook receiver listening");
            webhook_addr = Some(bound);
            tasks.push(task);
        }
        let upload_dirs = config
            .upload_dirs
            .iter()
            .map(|d| {
                std::fs::canonicalize(d)
                    .map_err(|e| ServeError::Config(format!("--upload-dir {}: {e}", d.display())))
            })
            .collect::<Result<Vec<PathBuf>, _>>()?;
        let shared = server::Shared {
            client,
            policy: policy::Policy::new(config.allow_recipients.clone(), config.max_sends),
            events,
            default_line,
            upload_dirs,
            read_only: config.read_only,
            receiver: webhook_addr,
            sandbox,
        };
        Ok(Self {
            handler: LinqMcp::new(shared, &config.toolsets),
            config: config.clone(),
            webhook_addr,
            _tasks: tasks,
        })
    }

    /// The MCP handler (cheap to clone), for any rmcp transport.
    pub fn handler(&self) -> &LinqMcp {
        &self.handler
    }

    /// Where the webhook receiver listens, when it runs.
    pub fn webhook_addr(&self) -> Option<std::net::SocketAddr> {
        self.webhook_addr
    }

    /// Serves over the configured transport until it ends.
    pub async fn serve(self) -> Result<(), ServeError> {
        match self.config.transport {
            TransportKind::Stdio => self.serve_stdio().await,
            TransportKind::Http => {
                let token = std::env::var(TOKEN_ENV).unwrap_or_default();
                http::serve_http(&self, self.config.http_addr, &token).await
            }
        }
    }

    /// Serves over stdin/stdout until the client closes them.
    pub async fn serve_stdio(self) -> Result<(), ServeError> {
        tracing::info!(
            tools = self.handler.tool_names().len(),
            "serving MCP over stdio"
        );
        let running = self
            .handler
            .clone()
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| ServeError::Mcp(e.to_string()))?;
        running
            .waiting()
            .await
            .map_err(|e| ServeError::Mcp(e.to_string()))?;
        Ok(())
    }
}

/// Logs to stderr (stdout carries the protocol on stdio), filtered by
/// `LINQ_MCP_LOG` (default `info`). Call once, from a binary.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LINQ_MCP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}
