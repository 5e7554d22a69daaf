//! The binary's other ways in: `--sandbox`, credentials from the Linq
//! CLI's profile, `install`.

use crate::support;

use rmcp::ServiceExt;
use rmcp::transport::TokioChildProcess;
use serde_json::{Value, json};

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("linq-mcp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The server with no key in its environment and `home` as its HOME.
async fn keyless(home: &std::path::Path, args: &[&str]) -> support::Client {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_linq-mcp"));
    cmd.args(args)
        .env_remove("LINQ_API_V3_API_KEY")
        .env_remove("LINQ_PROFILE")
        .env("HOME", home)
        .env("LINQ_MCP_LOG", "warn");
    ().serve(TokioChildProcess::new(cmd).unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn sandbox_mode_needs_no_key() {
    let mcp = keyless(&scratch("sandbox-home"), &["--sandbox"]).await;
    let started = support::ok(
        &mcp,
        "start_chat",
        json!({"to": ["+12025550142"], "text": "hi"}),
    )
    .await;
    assert_eq!(started["chat"]["line"], "+12025550100", "{started}");
    let chats = support::ok(&mcp, "list_chats", json!({})).await;
    assert_eq!(chats["chats"].as_array().unwrap().len(), 1);
    let lines = support::ok(&mcp, "list_lines", json!({})).await;
    assert_eq!(lines["lines"].as_array().unwrap().len(), 2, "{lines}");
    // The agent can hold a whole conversation: the sandbox plays the other side.
    let chat_id = started["chat"]["id"].clone();
    support::ok(
        &mcp,
        "simulate_reply",
        json!({"chat_id": chat_id, "text": "sure"}),
    )
    .await;
    let got = support::ok(
        &mcp,
        "wait_for_reply",
        json!({"chat_id": chat_id, "timeout_seconds": 5}),
    )
    .await;
    assert_eq!(got["replies"][0]["text"], "sure", "{got}");
    assert_eq!(got["replies"][0]["from"], "+12025550142");
    mcp.cancel().await.unwrap();
}

#[tokio::test]
async fn the_key_comes_from_the_linq_cli_profile() {
    let account = support::account().await;
    let home = scratch("profile-home");
    std::fs::create_dir_all(home.join(".linq")).unwrap();
    let config = json!({"version": 2, "profile": "default", "profiles": {
        "default": {"token": "sk_wrong", "fromPhone": "+12025550100"},
        "work": {"token": account.sandbox.api_key(), "fromPhone": "+12025550101"}}});
    std::fs::write(home.join(".linq/config.json"), config.to_string()).unwrap();
    let base_url = account.server.base_url();
    let mcp = keyless(&home, &["--base-url", &base_url, "--profile", "work"]).await;
    // The profile's key is accepted, and its fromPhone is the default line.
    let started = support::ok(
        &mcp,
        "start_chat",
        json!({"to": ["+12025550142"], "text": "hi"}),
    )
    .await;
    assert_eq!(started["chat"]["line"], "+12025550101", "{started}");
    mcp.cancel().await.unwrap();
}

#[test]
fn no_key_is_a_clear_error() {
    let home = scratch("no-key-home");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_linq-mcp"))
        .env_remove("LINQ_API_V3_API_KEY")
        .env("HOME", &home)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no API key: set LINQ_API_V3_API_KEY"),
        "{stderr}"
    );
}

#[test]
fn install_merges_into_the_clients_file() {
    let dir = scratch("install");
    let path = dir.join("claude_desktop_config.json");
    std::fs::write(
        &path,
        r#"{"mcpServers": {"other": {"command": "x"}}, "theme": "dark"}"#,
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_linq-mcp"))
        .args(["install", "--path"])
        .arg(&path)
        .args(["--", "--read-only", "--max-sends", "5"])
        .env("LINQ_API_V3_API_KEY", "sk_must_not_be_written")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("sk_must_not_be_written"));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["theme"], "dark");
    assert_eq!(v["mcpServers"]["other"]["command"], "x");
    assert_eq!(
        v["mcpServers"]["linq"]["args"],
        json!(["--read-only", "--max-sends", "5"])
    );
    assert!(
        v["mcpServers"]["linq"]["command"]
            .as_str()
            .unwrap()
            .ends_with("linq-mcp")
    );

    // VS Code's own shape, printed rather than written with --dry-run.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_linq-mcp"))
        .args(["install", "--client", "vscode", "--dry-run"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["servers"]["linq"]["type"], "stdio");
    assert!(!dir.join(".vscode").exists(), "--dry-run writes nothing");
}

#[test]
fn http_needs_a_token_and_loopback() {
    let run = |args: &[&str], token: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_linq-mcp"));
        cmd.args(["--sandbox", "--transport", "http"]).args(args);
        match token {
            Some(t) => cmd.env("LINQ_MCP_TOKEN", t),
            None => cmd.env_remove("LINQ_MCP_TOKEN"),
        };
        let out = cmd.output().unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(run(&["--http-addr", "127.0.0.1:0"], None).contains("LINQ_MCP_TOKEN"));
    let remote = run(
        &["--http-addr", "0.0.0.0:0"],
        Some("a-long-enough-token-123"),
    );
    assert!(remote.contains("--allow-remote"), "{remote}");
}
