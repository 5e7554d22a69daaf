//! Where the API key comes from: `LINQ_API_V3_API_KEY`, else a profile in
//! the official CLI's `~/.linq/config.json`.

use std::path::{Path, PathBuf};

use linq_client::ApiKey;
use serde::Deserialize;

/// The key environment variable, as every Linq SDK reads it.
pub const API_KEY_ENV: &str = "LINQ_API_V3_API_KEY";
/// Chooses a profile of `~/.linq/config.json`.
pub const PROFILE_ENV: &str = "LINQ_PROFILE";

/// A key and the line it sends from by default.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The API key (Debug prints `***`).
    pub api_key: ApiKey,
    /// The profile's `fromPhone`, if any: the default line for new chats.
    pub from_phone: Option<String>,
}

/// Why no key was found.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// Neither the variable nor a profile holds a key.
    #[error(
        "no API key: set {API_KEY_ENV}, or log in with the Linq CLI (~/.linq/config.json), or pass --sandbox"
    )]
    Missing,
    /// The config file is unreadable or not the expected JSON.
    #[error("{path}: {reason}")]
    BadConfig {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The chosen profile is not in the file.
    #[error("{path}: no profile named {profile:?}")]
    NoProfile {
        /// The file.
        path: String,
        /// The profile asked for.
        profile: String,
    },
}

#[derive(Deserialize)]
struct ConfigFile {
    #[serde(default)]
    profile: Option<String>,
    #[serde(default)]
    profiles: std::collections::BTreeMap<String, Profile>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Profile {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    from_phone: Option<String>,
}

/// The default config file: `$HOME/.linq/config.json`.
pub fn default_config_path() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| Path::new(&home).join(".linq").join("config.json"))
}

/// Finds the key: the environment variable first, then the profile
/// (`profile`, else `LINQ_PROFILE`, else the file's current one).
pub fn load(profile: Option<&str>) -> Result<Credentials, CredentialsError> {
    let from_env = std::env::var(API_KEY_ENV)
        .ok()
        .filter(|k| !k.trim().is_empty());
    let env_profile = std::env::var(PROFILE_ENV).ok().filter(|p| !p.is_empty());
    let profile = profile.map(str::to_owned).or(env_profile);
    let path = default_config_path().filter(|p| p.exists());
    match (from_env, path) {
        // The key from the environment; the profile, if readable, only
        // lends its default line.
        (Some(key), path) => Ok(Credentials {
            api_key: ApiKey::new(key),
            from_phone: path
                .and_then(|p| from_file(&p, profile.as_deref()).ok())
                .and_then(|c| c.from_phone),
        }),
        (None, Some(path)) => from_file(&path, profile.as_deref()),
        (None, None) => Err(CredentialsError::Missing),
    }
}

/// Reads a key from one config file in the official CLI's format
/// (`{"version":2,"profile":..,"profiles":{name:{token,fromPhone}}}`).
pub fn from_file(path: &Path, profile: Option<&str>) -> Result<Credentials, CredentialsError> {
    let shown = path.display().to_string();
    let bad = |reason: String| CredentialsError::BadConfig {
        path: shown.clone(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    // serde's message names the position, never the token's text.
    let file: ConfigFile = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let name = profile
        .map(str::to_owned)
        .or(file.profile)
        .unwrap_or_else(|| "default".to_owned());
    let chosen = file
        .profiles
        .get(&name)
        .ok_or_else(|| CredentialsError::NoProfile {
            path: shown.clone(),
            profile: name.clone(),
        })?;
    let token = chosen
        .token
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .ok_or(CredentialsError::Missing)?;
    Ok(Credentials {
        api_key: ApiKey::new(token),
        from_phone: chosen.from_phone.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_chosen_or_current_profile() {
        let dir = std::env::temp_dir().join(format!("linq-mcp-creds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.json");
        std::fs::write(
            &path,
            r#"{"version":2,"profile":"work","profiles":{
                "work":{"token":"sk_work","fromPhone":"+12025550100"},
                "home":{"token":"sk_home"}}}"#,
        )
        .unwrap();
        let current = from_file(&path, None).unwrap();
        assert_eq!(current.api_key.expose(), "sk_work");
        assert_eq!(current.from_phone.as_deref(), Some("+12025550100"));
        assert_eq!(
            from_file(&path, Some("home")).unwrap().api_key.expose(),
            "sk_home"
        );
        let missing = from_file(&path, Some("nope")).unwrap_err().to_string();
        assert!(missing.contains("no profile named \"nope\""), "{missing}");
        std::fs::write(&path, r#"{"profiles": {"default": {"token": 42}}}"#).unwrap();
        let bad = from_file(&path, None).unwrap_err().to_string();
        assert!(!bad.contains("42") || bad.contains("line"), "{bad}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
