//! Credentials the Linq tools share: the environment and the profiles of
//! `~/.linq/config.json`, the official Linq CLI's file
//! (`{"version": 2, "profile": "default", "profiles": {"default": {"token":
//! "..", "fromPhone": ".."}}}`).
//!
//! One rule for every tool (the `linq` CLI, `linq-mcp`, your own): the
//! environment overrides the file, as CI expects, except that a profile
//! named explicitly (`--profile work`) wins over the environment. Reading
//! only; the CLI writes the file.
//!
//! ```
//! use linq_client::profile::{Source, resolve};
//!
//! let file = serde_json::json!({
//!     "version": 2,
//!     "profile": "work",
//!     "profiles": {"work": {"token": "sk_work", "fromPhone": "+12025550100"}},
//! });
//! let env = |name: &str| (name == "LINQ_TOKEN").then(|| "sk_ci".to_owned());
//!
//! let found = resolve(Some(&file), None, env);
//! assert_eq!(found.profile, "work");
//! assert_eq!(found.api_key.unwrap().source, Source::Env("LINQ_TOKEN"));
//! assert_eq!(found.from_phone.unwrap().value, "+12025550100");
//!
//! let named = resolve(Some(&file), Some("work"), env);
//! assert_eq!(named.api_key.unwrap().value.expose(), "sk_work");
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::ApiKey;

/// Environment variables read, in the order they are tried.
pub mod env {
    /// The API key (every Linq SDK's name).
    pub const API_KEY: &str = "LINQ_API_V3_API_KEY";
    /// The API key (the official CLI's name).
    pub const TOKEN: &str = "LINQ_TOKEN";
    /// Where the API lives (this SDK's name).
    pub const BASE_URL: &str = "LINQ_API_V3_BASE_URL";
    /// Where the API lives (the official CLI's name).
    pub const API_URL: &str = "LINQ_API_URL";
    /// The line to send from by default.
    pub const FROM_PHONE: &str = "LINQ_FROM_PHONE";
    /// The profile to use.
    pub const PROFILE: &str = "LINQ_PROFILE";
}

/// Profile fields, by their names in the file.
pub mod field {
    /// The API key.
    pub const TOKEN: &str = "token";
    /// The line messages are sent from by default.
    pub const FROM_PHONE: &str = "fromPhone";
    /// Where the API lives, when not the default.
    pub const BASE_URL: &str = "baseUrl";
}

/// The profile used when none is named anywhere.
pub const DEFAULT_PROFILE: &str = "default";

/// Where a value came from, for `whoami`-style reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// An environment variable.
    Env(&'static str),
    /// A profile of the config file.
    Profile(String),
    /// Nothing set it.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(name) => f.write_str(name),
            Self::Profile(name) => write!(f, "profile {name}"),
            Self::Default => f.write_str("default"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub source: Source,
}

/// What the environment and the file say, after the precedence rule.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Resolved {
    /// The profile in use: the one named, else `LINQ_PROFILE`, else the
    /// file's current one, else `default`.
    pub profile: String,
    /// The API key, if any is set.
    pub api_key: Option<Sourced<ApiKey>>,
    /// The base URL ([`DEFAULT_BASE_URL`](crate::DEFAULT_BASE_URL) when
    /// none is set).
    pub base_url: Sourced<String>,
    /// The line to send from by default, if any is set.
    pub from_phone: Option<Sourced<String>>,
}

/// `$HOME/.linq/config.json` (`%USERPROFILE%` where `HOME` is unset).
pub fn default_path() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var_os("USERPROFILE"))?;
    Some(Path::new(&home).join(".linq").join("config.json"))
}

/// Reads a config file: `Ok(None)` when there is none. The error names the
/// file and the position, never its contents.
pub fn read(path: &Path) -> Result<Option<Value>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| format!("{}: not JSON ({e})", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// The profile in use: `named`, else `LINQ_PROFILE` (through `env`), else
/// the file's current one, else `default`.
pub fn profile_name(
    file: Option<&Value>,
    named: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
) -> String {
    named
        .map(str::to_owned)
        .or_else(|| env(env::PROFILE))
        .or_else(|| file?.get("profile")?.as_str().map(str::to_owned))
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| DEFAULT_PROFILE.to_owned())
}

/// Applies the rule to a config file (as read by [`read`]) and an
/// environment (`|name| std::env::var(name).ok()` for the process's).
/// Blank values count as unset.
pub fn resolve(
    file: Option<&Value>,
    named: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
) -> Resolved {
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let profile = profile_name(file, named, env);
    let in_profile = |key: &str| -> Option<Sourced<String>> {
        let value = file?.get("profiles")?.get(&profile)?.get(key)?.as_str()?;
        (!value.trim().is_empty()).then(|| Sourced {
            value: value.to_owned(),
            source: Source::Profile(profile.clone()),
        })
    };
    let in_env = |names: &[&'static str]| {
        names.iter().find_map(|name| {
            env(name).map(|value| Sourced {
                value,
                source: Source::Env(name),
            })
        })
    };
    let pick = |key: &str, names: &[&'static str]| match named {
        Some(_) => in_profile(key).or_else(|| in_env(names)),
        None => in_env(names).or_else(|| in_profile(key)),
    };
    let api_key = pick(field::TOKEN, &[env::API_KEY, env::TOKEN]).map(|s| Sourced {
        value: ApiKey::new(s.value),
        source: s.source,
    });
    let base_url = pick(field::BASE_URL, &[env::BASE_URL, env::API_URL]).unwrap_or(Sourced {
        value: crate::DEFAULT_BASE_URL.to_owned(),
        source: Source::Default,
    });
    let from_phone = pick(field::FROM_PHONE, &[env::FROM_PHONE]);
    Resolved {
        profile,
        api_key,
        base_url,
        from_phone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> Value {
        serde_json::json!({
            "version": 2,
            "profile": "work",
            "profiles": {
                "work": {"token": "sk_work", "fromPhone": "+12025550100", "baseUrl": "https://w"},
                "home": {"token": "  "},
            },
        })
    }

    #[test]
    fn the_environment_overrides_the_file_unless_a_profile_is_named() {
        let env = |n: &str| match n {
            "LINQ_API_V3_API_KEY" => Some("sk_env".to_owned()),
            "LINQ_API_URL" => Some("https://env".to_owned()),
            _ => None,
        };
        let r = resolve(Some(&file()), None, env);
        assert_eq!(r.api_key.unwrap().value.expose(), "sk_env");
        assert_eq!(r.base_url.value, "https://env");
        assert_eq!(r.from_phone.unwrap().source, Source::Profile("work".into()));

        let r = resolve(Some(&file()), Some("work"), env);
        assert_eq!(r.api_key.unwrap().value.expose(), "sk_work");
        assert_eq!(r.base_url.value, "https://w");

        // A named profile whose token is blank falls back to the environment.
        let r = resolve(Some(&file()), Some("home"), env);
        assert_eq!(
            r.api_key.unwrap().source,
            Source::Env("LINQ_API_V3_API_KEY")
        );
    }

    #[test]
    fn the_profile_is_named_then_from_the_environment_then_the_file() {
        let none = |_: &str| None;
        assert_eq!(profile_name(Some(&file()), None, none), "work");
        assert_eq!(profile_name(None, None, none), "default");
        let env = |n: &str| (n == "LINQ_PROFILE").then(|| "home".to_owned());
        assert_eq!(profile_name(Some(&file()), None, env), "home");
        assert_eq!(profile_name(Some(&file()), Some("x"), env), "x");
        let r = resolve(None, None, none);
        assert!(r.api_key.is_none() && r.from_phone.is_none());
        assert_eq!(r.base_url.source, Source::Default);
    }

    #[test]
    fn keys_never_show_in_debug() {
        let r = resolve(Some(&file()), Some("work"), |_| None);
        assert!(!format!("{r:?}").contains("sk_work"));
    }
}
