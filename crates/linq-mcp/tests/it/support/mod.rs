//! Drives the built `linq-mcp` binary with rmcp's own client, against a
//! sandbox served on loopback.

use std::process::Stdio;

use linq_sandbox::Sandbox;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::Value;
use tokio::io::AsyncReadExt;

pub type Client = RunningService<RoleClient, ()>;

/// A sandbox on loopback and a typed client for looking at it.
pub struct Account {
    pub sandbox: Sandbox,
    pub server: linq_sandbox::Server,
    pub client: linq_client::Client,
}

pub async fn account() -> Account {
    // The wall clock: the server's webhook receiver checks timestamps.
    let sandbox = Sandbox::builder()
        .clock(linq_sandbox::Clock::System)
        .build();
    let server = sandbox
        .serve("127.0.0.1:0".parse().unwrap())
        .await
        .expect("sandbox serves on loopback");
    let client = linq_client::Client::builder()
        .api_key(sandbox.api_key())
        .base_url(server.base_url())
        .build()
        .unwrap();
    Account {
        sandbox,
        server,
        client,
    }
}

/// The server as a child process, its stderr collected.
pub struct Spawned {
    pub mcp: Client,
    pub stderr: tokio::task::JoinHandle<String>,
}

pub async fn spawn(account: &Account, args: &[&str]) -> Spawned {
    spawn_with_env(account, args, &[]).await
}

pub async fn spawn_with_env(account: &Account, args: &[&str], env: &[(&str, &str)]) -> Spawned {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_linq-mcp"));
    cmd.args(args)
        .args(["--base-url", &account.server.base_url()])
        .env("LINQ_API_V3_API_KEY", account.sandbox.api_key())
        .env("HOME", std::env::temp_dir().join("linq-mcp-no-home"))
        .env_remove("LINQ_API_V3_BASE_URL")
        .env_remove("LINQ_PROFILE")
        .env("LINQ_MCP_LOG", "info");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let (transport, stderr) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::piped())
        .spawn()
        .expect("the linq-mcp binary starts");
    let mut stderr = stderr.expect("stderr is piped");
    let stderr = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });
    let mcp = ().serve(transport).await.expect("MCP handshake");
    Spawned { mcp, stderr }
}

/// Calls a tool; returns whether it is a tool error, and its JSON reply.
pub async fn call(mcp: &Client, tool: &str, args: Value) -> (bool, Value) {
    let params = CallToolRequestParams::new(tool.to_owned())
        .with_arguments(args.as_object().cloned().unwrap_or_default());
    let result: CallToolResult = mcp
        .call_tool(params)
        .await
        .expect("a tool result, not a protocol error");
    let text = result
        .content
        .iter()
        .filter_map(|c| c.as_text())
        .map(|t| t.text.as_str())
        .collect::<String>();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (result.is_error == Some(true), value)
}

/// Calls a tool that must succeed.
pub async fn ok(mcp: &Client, tool: &str, args: Value) -> Value {
    let (is_error, value) = call(mcp, tool, args).await;
    assert!(!is_error, "{tool} failed: {value}");
    value
}
