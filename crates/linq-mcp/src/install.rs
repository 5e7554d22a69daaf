//! `linq-mcp install`: writes an MCP client's config entry for this
//! server, merged into the file's existing JSON (other servers and
//! settings are kept; a file that is not JSON is left alone).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

/// An MCP client whose config file `install` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClientKind {
    /// Claude Desktop (`claude_desktop_config.json`).
    ClaudeDesktop,
    /// Claude Code, project scope (`.mcp.json` in the current directory).
    ClaudeCode,
    /// Cursor, user scope (`~/.cursor/mcp.json`).
    Cursor,
    /// VS Code, workspace scope (`.vscode/mcp.json`).
    Vscode,
}

/// Why nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// The file exists but is not a JSON object; it is left as it was.
    #[error("{0}: not a JSON object; left unchanged (fix or move it, then run install again)")]
    NotJson(String),
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The failure.
        source: std::io::Error,
    },
    /// No home directory to find the file in.
    #[error("cannot find the config file: HOME (or APPDATA) is not set; pass --path")]
    NoHome,
}

/// Where a client keeps its MCP servers.
pub fn config_path(client: ClientKind) -> Result<PathBuf, InstallError> {
    let home = || {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .ok_or(InstallError::NoHome)
    };
    Ok(match client {
        ClientKind::ClaudeDesktop => {
            if cfg!(target_os = "macos") {
                home()?.join("Library/Application Support/Claude/claude_desktop_config.json")
            } else if cfg!(windows) {
                std::env::var_os("APPDATA")
                    .map(PathBuf::from)
                    .ok_or(InstallError::NoHome)?
                    .join("Claude")
                    .join("claude_desktop_config.json")
            } else {
                home()?.join(".config/Claude/claude_desktop_config.json")
            }
        }
        ClientKind::ClaudeCode => PathBuf::from(".mcp.json"),
        ClientKind::Cursor => home()?.join(".cursor/mcp.json"),
        ClientKind::Vscode => PathBuf::from(".vscode/mcp.json"),
    })
}

/// The entry: how the client starts the server. No key is written: the
/// server reads `LINQ_API_V3_API_KEY` or the Linq CLI's profile itself.
pub fn entry(client: Option<ClientKind>, command: &str, args: &[String]) -> Value {
    let mut entry = json!({"command": command, "args": args});
    if matches!(client, Some(ClientKind::Vscode | ClientKind::ClaudeCode)) {
        entry["type"] = json!("stdio");
    }
    entry
}

/// The key the servers live under: `servers` for VS Code, `mcpServers`
/// for the others.
pub fn servers_key(client: Option<ClientKind>) -> &'static str {
    match client {
        Some(ClientKind::Vscode) => "servers",
        _ => "mcpServers",
    }
}

/// Merges `entry` as server `name` into the JSON file at `path` (created
/// with its directories when missing) and returns the file's new text.
/// Nothing is written when `dry_run`.
pub fn install(
    path: &Path,
    servers_key: &str,
    name: &str,
    entry: Value,
    dry_run: bool,
) -> Result<String, InstallError> {
    let shown = path.display().to_string();
    let io = |source| InstallError::Io {
        path: shown.clone(),
        source,
    };
    let mut root = match std::fs::read_to_string(path) {
        Ok(text) if text.trim().is_empty() => Map::new(),
        Ok(text) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => map,
            _ => return Err(InstallError::NotJson(shown)),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Map::new(),
        Err(e) => return Err(io(e)),
    };
    let servers = root
        .entry(servers_key)
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(servers) = servers else {
        return Err(InstallError::NotJson(format!("{shown} ({servers_key})")));
    };
    servers.insert(name.to_owned(), entry);
    let text =
        serde_json::to_string_pretty(&Value::Object(root)).expect("JSON values encode") + "\n";
    if !dry_run {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        // Write beside it, then rename: a crash never leaves half a file.
        let tmp = path.with_extension("json.linq-mcp-tmp");
        std::fs::write(&tmp, &text).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)?;
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_without_clobbering() {
        let dir = std::env::temp_dir().join(format!("linq-mcp-install-{}", std::process::id()));
        let path = dir.join("sub/config.json");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            r#"{"theme":"dark","mcpServers":{"other":{"command":"x"}}}"#,
        )
        .unwrap();
        let e = entry(None, "/bin/linq-mcp", &["--read-only".into()]);
        install(&path, "mcpServers", "linq", e, false).unwrap();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(v["theme"], "dark");
        assert_eq!(v["mcpServers"]["other"]["command"], "x");
        assert_eq!(v["mcpServers"]["linq"]["args"], json!(["--read-only"]));

        std::fs::write(&path, "not json {").unwrap();
        let err = install(&path, "mcpServers", "linq", json!({}), false).unwrap_err();
        assert!(matches!(err, InstallError::NotJson(_)));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not json {");

        let fresh = dir.join("new/.vscode/mcp.json");
        let e = entry(Some(ClientKind::Vscode), "linq-mcp", &[]);
        install(
            &fresh,
            servers_key(Some(ClientKind::Vscode)),
            "linq",
            e,
            false,
        )
        .unwrap();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&fresh).unwrap()).unwrap();
        assert_eq!(v["servers"]["linq"]["type"], "stdio");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
