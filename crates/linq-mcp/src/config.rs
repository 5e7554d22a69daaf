//! What a server run is told: transport, safety limits, credentials.
//! One `clap::Args` struct, so `linq-mcp` and `linq mcp` take the same flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::toolsets::Toolset;

/// How MCP clients reach the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TransportKind {
    /// JSON-RPC over stdin/stdout (what desktop clients start).
    Stdio,
    /// Streamable HTTP on `--http-addr`, bearer token from `LINQ_MCP_TOKEN`.
    Http,
}

/// Settings of one server run.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Transport to serve MCP over.
    #[arg(long, value_enum, default_value = "stdio")]
    pub transport: TransportKind,

    /// Where Streamable HTTP listens (with `--transport http`).
    #[arg(long, default_value = "127.0.0.1:8765")]
    pub http_addr: SocketAddr,

    /// Lets `--http-addr` / `--webhook-addr` be a non-loopback address.
    #[arg(long)]
    pub allow_remote: bool,

    /// Expose only tools that change nothing; `call_operation` then runs
    /// read-only operations only.
    #[arg(long)]
    pub read_only: bool,

    /// Tool groups to expose, comma separated (default: all).
    #[arg(long, value_delimiter = ',', value_enum)]
    pub toolsets: Vec<Toolset>,

    /// Recipients sends may reach: exact handles or patterns with `*`
    /// (`+1202555*`, `*@example.com`). Repeatable. Default: anyone.
    #[arg(long = "allow-recipient", value_name = "PATTERN")]
    pub allow_recipients: Vec<String>,

    /// Most messages this server run may send (sends, new chats, voice
    /// memos, polls…); a retried call with the same key is not counted.
    #[arg(long, value_name = "N")]
    pub max_sends: Option<u32>,

    /// Directories local files may be uploaded from (repeatable). Without
    /// one, `upload_attachment` and `send_message` refuse local paths.
    #[arg(long = "upload-dir", value_name = "DIR")]
    pub upload_dirs: Vec<PathBuf>,

    /// Runs a webhook receiver here (POST /webhook), verified with the
    /// secret in `LINQ_WEBHOOK_SECRET` and those of subscriptions this
    /// server creates; it feeds `wait_for_reply` and `recent_events`.
    #[arg(long, value_name = "ADDR")]
    pub webhook_addr: Option<SocketAddr>,

    /// Runs against an embedded sandbox: no key, nothing leaves the process.
    #[arg(long)]
    pub sandbox: bool,

    /// API base URL (default: `LINQ_API_V3_BASE_URL`, else Linq's).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// Profile in ~/.linq/config.json (default: `LINQ_PROFILE`, else the
    /// file's current profile). Used when `LINQ_API_V3_API_KEY` is unset.
    #[arg(long)]
    pub profile: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            transport: TransportKind::Stdio,
            http_addr: SocketAddr::from(([127, 0, 0, 1], 8765)),
            allow_remote: false,
            read_only: false,
            toolsets: Vec::new(),
            allow_recipients: Vec::new(),
            max_sends: None,
            upload_dirs: Vec::new(),
            webhook_addr: None,
            sandbox: false,
            base_url: None,
            profile: None,
        }
    }
}

/// A listening address that is refused: not loopback, and
/// `--allow-remote` not given.
pub(crate) fn check_bind(addr: SocketAddr, allow_remote: bool, what: &str) -> Result<(), String> {
    if addr.ip().is_loopback() || allow_remote {
        Ok(())
    } else {
        Err(format!(
            "{what} {addr} is not a loopback address; pass --allow-remote to listen there"
        ))
    }
}
