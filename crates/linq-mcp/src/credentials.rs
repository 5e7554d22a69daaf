//! Where the API key comes from: the environment or a profile of the
//! official CLI's `~/.linq/config.json`, by the rule every Linq tool shares.

use std::path::PathBuf;

use linq_client::ApiKey;
use linq_client::profile;

use linq_client::profile::env::API_KEY as API_KEY_ENV;

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

/// The default config file: `$HOME/.linq/config.json`.
pub fn default_path() -> Option<PathBuf> {
    profile::default_path()
}

/// Finds the key by the rule every Linq tool shares (`linq_client::profile`):
/// `LINQ_API_V3_API_KEY` (or `LINQ_TOKEN`) over the file's profile, unless
/// `profile` names one; `LINQ_PROFILE` picks the profile otherwise.
pub fn load(profile: Option<&str>) -> Result<Credentials, CredentialsError> {
    let file = match default_path() {
        Some(path) => profile::read(&path).map_err(|reason| (path.display().to_string(), reason)),
        None => Ok(None),
    };
    choose(file, profile, |name| std::env::var(name).ok())
}

fn choose(
    file: Result<Option<serde_json::Value>, (String, String)>,
    named: Option<&str>,
    env: impl Fn(&str) -> Option<String> + Copy,
) -> Result<Credentials, CredentialsError> {
    let file = match file {
        Ok(file) => file,
        // A key in the environment does not need the file.
        Err(_) if named.is_none() && profile::resolve(None, None, env).api_key.is_some() => None,
        Err((path, reason)) => return Err(CredentialsError::BadConfig { path, reason }),
    };
    if let (Some(name), Some(file)) = (named, &file) {
        if file.get("profiles").and_then(|p| p.get(name)).is_none() {
            return Err(CredentialsError::NoProfile {
                path: default_path().map_or_else(String::new, |p| p.display().to_string()),
                profile: name.to_owned(),
            });
        }
    }
    let found = profile::resolve(file.as_ref(), named, env);
    let api_key = found.api_key.ok_or(CredentialsError::Missing)?;
    Ok(Credentials {
        api_key: api_key.value,
        from_phone: found.from_phone.map(|s| s.value),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_chosen_or_current_profile() {
        let file: serde_json::Value = serde_json::from_str(
            r#"{"version":2,"profile":"work","profiles":{
                "work":{"token":"sk_work","fromPhone":"+12025550100"},
                "home":{"token":"sk_home"}}}"#,
        )
        .unwrap();
        let none = |_: &str| None;
        let current = choose(Ok(Some(file.clone())), None, none).unwrap();
        assert_eq!(current.api_key.expose(), "sk_work");
        assert_eq!(current.from_phone.as_deref(), Some("+12025550100"));
        let home = choose(Ok(Some(file.clone())), Some("home"), none).unwrap();
        assert_eq!(home.api_key.expose(), "sk_home");
        let missing = choose(Ok(Some(file.clone())), Some("nope"), none).unwrap_err();
        assert!(
            missing.to_string().contains("no profile named \"nope\""),
            "{missing}"
        );
        // The environment's key wins over the current profile, and an
        // unreadable file does not matter then.
        let env = |n: &str| (n == "LINQ_API_V3_API_KEY").then(|| "sk_env".to_owned());
        assert_eq!(
            choose(Ok(Some(file)), None, env).unwrap().api_key.expose(),
            "sk_env"
        );
        let bad = Err(("f".to_owned(), "not JSON".to_owned()));
        assert_eq!(
            choose(bad.clone(), None, env).unwrap().api_key.expose(),
            "sk_env"
        );
        assert!(choose(bad, None, none).is_err());
    }
}
