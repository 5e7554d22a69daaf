//! `linq mcp` runs the linq-mcp server installed beside `linq`.

use std::path::Path;
use std::process::Command;

use crate::support::Env;

/// The linq-mcp binary beside the linq binary under test, built when a
/// run of this package alone has not built it yet.
fn server_beside_linq() {
    let dir = Path::new(env!("CARGO_BIN_EXE_linq")).parent().unwrap();
    if dir.join("linq-mcp").is_file() {
        return;
    }
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "-p", "linq-mcp", "--bin", "linq-mcp"])
        .status()
        .unwrap();
    assert!(status.success(), "building linq-mcp");
    assert!(
        dir.join("linq-mcp").is_file(),
        "linq-mcp not beside linq in {dir:?}"
    );
}

#[test]
fn linq_mcp_serves_the_mcp_server_over_stdio_with_its_flags() {
    server_beside_linq();
    let env = Env::new();
    let help = env.run(&["mcp", "--help"]);
    assert_eq!(help.code, 0, "{}", help.stderr);
    assert!(help.stdout.contains("--read-only"), "{}", help.stdout);
    assert!(help.stdout.contains("--max-sends"), "{}", help.stdout);

    let requests = [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
    ]
    .join("\n")
        + "\n";
    let out = env.run_stdin(&["mcp", "--read-only"], requests.as_bytes());
    let replies: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let tools = replies
        .iter()
        .find(|r| r["id"] == 2)
        .unwrap_or_else(|| panic!("no tools/list reply: {}\n{}", out.stdout, out.stderr));
    let names: Vec<&str> = tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"list_chats"), "{names:?}");
    assert!(
        !names.contains(&"send_message"),
        "read-only exposes a send: {names:?}"
    );
    assert!(!out.stdout.contains(crate::support::KEY));
    assert!(!out.stderr.contains(crate::support::KEY));
}

#[test]
fn without_linq_mcp_the_command_says_how_to_install_it() {
    let env = Env::new();
    let lonely = tempfile::tempdir().unwrap();
    let linq = lonely.path().join("linq");
    std::fs::copy(env!("CARGO_BIN_EXE_linq"), &linq).unwrap();
    let output = Command::new(&linq)
        .arg("mcp")
        .env("PATH", lonely.path())
        .env("HOME", env.home.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cargo install --path crates/linq-mcp"),
        "{stderr}"
    );
}
