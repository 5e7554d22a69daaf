//! Profiles in `~/.linq/config.json`, the official CLI's format:
//! `{"version": 2, "profile": "default", "profiles": {"default": {"token": "..",
//! "fromPhone": ".."}}}`. Keys this CLI does not know are kept as they are,
//! so the official CLI and MCP server can share the file.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::error::{CliError, Result};

pub use linq_client::profile::DEFAULT_PROFILE;

/// Profile fields this CLI reads, by their names in the file.
pub mod field {
    pub use linq_client::profile::field::{BASE_URL, FROM_PHONE, TOKEN};
    /// The stable secret `webhooks listen` and `trigger` sign forwards with.
    pub const WEBHOOK_SECRET: &str = "webhookSecret";
}

/// A non-blank environment variable.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Fields whose values are never printed.
pub fn is_secret_field(name: &str) -> bool {
    matches!(name, field::TOKEN | field::WEBHOOK_SECRET)
        || name.to_ascii_lowercase().contains("secret")
}

/// A value shown in place of a secret: enough of it to tell keys apart.
pub fn redact(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 8 {
        return "***".into();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("***{tail}")
}

/// The config file, as read (or empty when there is none).
#[derive(Debug, Clone)]
pub struct Config {
    path: PathBuf,
    doc: Map<String, Value>,
}

impl Config {
    /// Where the file lives: `$HOME/.linq/config.json`.
    pub fn default_path() -> Result<PathBuf> {
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var_os("USERPROFILE"))
            .ok_or_else(|| CliError::failure("cannot find the home directory (HOME is unset)"))?;
        Ok(Path::new(&home).join(".linq").join("config.json"))
    }

    /// Reads the file at the default path.
    pub fn load() -> Result<Self> {
        Self::load_from(Self::default_path()?)
    }

    /// Reads the file at `path`; a missing file is an empty config.
    pub fn load_from(path: PathBuf) -> Result<Self> {
        let doc = match std::fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(map)) => map,
                _ => {
                    return Err(CliError::failure(format!(
                        "{} is not a JSON object; fix or remove it",
                        path.display()
                    )));
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut map = Map::new();
                map.insert("version".into(), json!(2));
                map.insert("profile".into(), json!(DEFAULT_PROFILE));
                map.insert("profiles".into(), json!({}));
                map
            }
            Err(e) => {
                return Err(CliError::failure(format!(
                    "reading {}: {e}",
                    path.display()
                )));
            }
        };
        Ok(Self { path, doc })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The profile the file selects (`profile`), if any.
    pub fn current(&self) -> Option<&str> {
        self.doc.get("profile").and_then(Value::as_str)
    }

    /// Which profile a command uses: `--profile`, else `LINQ_PROFILE`, else
    /// the file's, else `default` (the rule every Linq tool shares).
    pub fn resolve_name(&self, flag: Option<&str>) -> String {
        linq_client::profile::profile_name(Some(&self.document()), flag, env_var)
    }

    /// The whole file as JSON.
    pub fn document(&self) -> Value {
        Value::Object(self.doc.clone())
    }

    /// Profile names, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .profiles()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        names.sort();
        names
    }

    fn profiles(&self) -> Option<&Map<String, Value>> {
        self.doc.get("profiles").and_then(Value::as_object)
    }

    fn profiles_mut(&mut self) -> &mut Map<String, Value> {
        let entry = self.doc.entry("profiles").or_insert_with(|| json!({}));
        if !entry.is_object() {
            *entry = json!({});
        }
        entry.as_object_mut().expect("made an object above")
    }

    /// One profile's fields.
    pub fn profile(&self, name: &str) -> Option<&Map<String, Value>> {
        self.profiles()?.get(name)?.as_object()
    }

    /// One field of a profile, as a string.
    pub fn get(&self, name: &str, key: &str) -> Option<String> {
        match self.profile(name)?.get(key)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::String(_) | Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// Sets one field of a profile, creating the profile.
    pub fn set(&mut self, name: &str, key: &str, value: &str) {
        let profile = self.profiles_mut().entry(name).or_insert_with(|| json!({}));
        if !profile.is_object() {
            *profile = json!({});
        }
        profile
            .as_object_mut()
            .expect("made an object above")
            .insert(key.to_owned(), Value::String(value.to_owned()));
    }

    /// Creates an empty profile; false when it exists already.
    pub fn create(&mut self, name: &str) -> bool {
        let profiles = self.profiles_mut();
        if profiles.contains_key(name) {
            return false;
        }
        profiles.insert(name.to_owned(), json!({}));
        true
    }

    /// Removes a profile; false when there was none. The file's current
    /// profile falls back to `default` when it was the one removed.
    pub fn delete(&mut self, name: &str) -> bool {
        let removed = self.profiles_mut().remove(name).is_some();
        if removed && self.current() == Some(name) {
            self.doc.insert("profile".into(), json!(DEFAULT_PROFILE));
        }
        removed
    }

    /// Makes `name` the file's current profile.
    pub fn use_profile(&mut self, name: &str) {
        self.doc.insert("profile".into(), json!(name));
    }

    /// Writes the file: the directory 0700, the file 0600, replaced
    /// atomically so a crash never leaves half a file.
    pub fn save(&mut self) -> Result<()> {
        self.doc.insert("version".into(), json!(2));
        let dir = self.path.parent().unwrap_or(Path::new("."));
        create_private_dir(dir)?;
        let mut text = serde_json::to_string_pretty(&Value::Object(self.doc.clone()))
            .map_err(|e| CliError::failure(e.to_string()))?;
        text.push('\n');
        let tmp = dir.join(format!(".config.json.{}.tmp", std::process::id()));
        write_private(&tmp, text.as_bytes())
            .map_err(|e| CliError::failure(format!("writing {}: {e}", tmp.display())))?;
        std::fs::rename(&tmp, &self.path)
            .map_err(|e| CliError::failure(format!("writing {}: {e}", self.path.display())))?;
        Ok(())
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| CliError::failure(format!("creating {}: {e}", dir.display())))?;
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| CliError::failure(format!("securing {}: {e}", dir.display())))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::failure(format!("creating {}: {e}", dir.display())))
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".linq/config.json");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            r#"{"version":2,"profile":"work","profiles":{"work":{"token":"sk_1","fromPhone":"+12025550100","other":1}},"extra":true}"#,
        )
        .unwrap();
        let mut config = Config::load_from(path.clone()).unwrap();
        assert_eq!(config.resolve_name(Some("x")), "x");
        assert_eq!(
            config.get("work", "fromPhone").as_deref(),
            Some("+12025550100")
        );
        config.set("work", "token", "sk_2");
        config.save().unwrap();
        let back: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(back["extra"], json!(true));
        assert_eq!(back["profiles"]["work"]["other"], json!(1));
        assert_eq!(back["profiles"]["work"]["token"], json!("sk_2"));
    }

    #[test]
    fn deleting_the_current_profile_falls_back_to_default() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::load_from(dir.path().join("c.json")).unwrap();
        config.set("a", "token", "k");
        config.use_profile("a");
        assert!(config.delete("a"));
        assert_eq!(config.current(), Some(DEFAULT_PROFILE));
        assert!(!config.delete("a"));
    }

    #[test]
    fn redaction_keeps_only_a_short_tail() {
        assert_eq!(redact("sk_live_abcdefgh1234"), "***1234");
        assert_eq!(redact("short"), "***");
    }
}
