//! `linq mcp` runs the linq-mcp server from this binary.

use crate::support::Env;

#[test]
fn linq_mcp_serves_the_mcp_server_over_stdio_with_its_flags() {
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
