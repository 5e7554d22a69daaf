//! What every command starts from: the global flags, the profile, and a
//! client built from them (or from an embedded sandbox with `--sandbox`).

use std::time::Duration;

use linq_client::Client;
use linq_sandbox::{Clock, Sandbox};

use crate::config::{Config, field};
use crate::error::{CliError, Exit, Result};
use crate::output::Output;

/// Environment variables read, in the order they are tried.
pub mod env {
    /// The API key (this SDK's name).
    pub const API_KEY: &str = "LINQ_API_V3_API_KEY";
    /// The API key (the official CLI's name).
    pub const TOKEN: &str = "LINQ_TOKEN";
    /// The default line to send from.
    pub const FROM_PHONE: &str = "LINQ_FROM_PHONE";
    /// Where the API lives (the official CLI's name).
    pub const API_URL: &str = "LINQ_API_URL";
    /// Where the API lives (this SDK's name).
    pub const BASE_URL: &str = "LINQ_API_V3_BASE_URL";
    /// The profile to use.
    pub const PROFILE: &str = "LINQ_PROFILE";
}

/// The global flags.
#[derive(Debug, Default, Clone)]
pub struct Globals {
    /// `--profile`.
    pub profile: Option<String>,
    /// `--base-url`.
    pub base_url: Option<String>,
    /// `--sandbox`: an embedded sandbox instead of the API.
    pub sandbox: bool,
}

/// A value and where it came from, for `whoami` and `doctor`.
#[derive(Debug, Clone)]
pub struct Sourced {
    /// The value.
    pub value: String,
    /// Where it came from: `--base-url`, `profile work`, `LINQ_TOKEN`, ...
    pub source: String,
}

/// An embedded sandbox served on loopback for this one run.
pub struct Embedded {
    /// The sandbox.
    pub sandbox: Sandbox,
    /// Its loopback server (serving stops when dropped).
    pub server: linq_sandbox::Server,
    _ticker: tokio::task::JoinHandle<()>,
}

/// Everything a command needs.
pub struct Context {
    /// The global flags.
    pub globals: Globals,
    /// How results are printed.
    pub output: Output,
    /// The config file.
    pub config: Config,
    /// The profile in use.
    pub profile: String,
    embedded: Option<Embedded>,
}

fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Context {
    /// Reads the config file and picks the profile.
    pub fn new(globals: Globals, output: Output) -> Result<Self> {
        let config = Config::load()?;
        let profile = config.resolve_name(globals.profile.as_deref());
        Ok(Self {
            globals,
            output,
            config,
            profile,
            embedded: None,
        })
    }

    /// The API key: the profile's `token`, else `LINQ_API_V3_API_KEY`,
    /// else `LINQ_TOKEN`.
    pub fn api_key(&self) -> Option<Sourced> {
        if let Some(token) = self.config.get(&self.profile, field::TOKEN) {
            return Some(Sourced {
                value: token,
                source: format!("profile {}", self.profile),
            });
        }
        [env::API_KEY, env::TOKEN].into_iter().find_map(|name| {
            env_value(name).map(|value| Sourced {
                value,
                source: name.to_owned(),
            })
        })
    }

    /// The base URL: `--base-url`, else the profile's `baseUrl`, else
    /// `LINQ_API_URL`, else `LINQ_API_V3_BASE_URL`, else the API's.
    pub fn base_url(&self) -> Sourced {
        if let Some(value) = &self.globals.base_url {
            return Sourced {
                value: value.clone(),
                source: "--base-url".into(),
            };
        }
        if let Some(value) = self.config.get(&self.profile, field::BASE_URL) {
            return Sourced {
                value,
                source: format!("profile {}", self.profile),
            };
        }
        [env::API_URL, env::BASE_URL]
            .into_iter()
            .find_map(|name| {
                env_value(name).map(|value| Sourced {
                    value,
                    source: name.to_owned(),
                })
            })
            .unwrap_or_else(|| Sourced {
                value: linq_client::DEFAULT_BASE_URL.to_owned(),
                source: "default".into(),
            })
    }

    /// The line to send from when `--from` is not given: the profile's
    /// `fromPhone`, else `LINQ_FROM_PHONE`, else (with `--sandbox`) the
    /// sandbox's first line.
    pub fn from_phone(&self) -> Option<String> {
        self.config
            .get(&self.profile, field::FROM_PHONE)
            .or_else(|| env_value(env::FROM_PHONE))
            .or_else(|| {
                self.embedded
                    .as_ref()
                    .and_then(|e| e.sandbox.lines().first().cloned())
            })
    }

    /// The line to send from, or a usage error naming the ways to set one.
    pub fn require_from(&self, flag: Option<&str>) -> Result<String> {
        flag.map(str::to_owned)
            .or_else(|| self.from_phone())
            .ok_or_else(|| {
                CliError::usage(format!(
                    "no line to send from: pass --from, set {} or `linq profile set fromPhone +1...`",
                    env::FROM_PHONE
                ))
            })
    }

    /// The embedded sandbox, when `--sandbox` started one.
    pub fn embedded(&self) -> Option<&Embedded> {
        self.embedded.as_ref()
    }

    /// Starts the embedded sandbox (once): a strict account on the wall
    /// clock, advancing every 100 ms, served on a free loopback port.
    pub async fn start_sandbox(&mut self) -> Result<&Embedded> {
        if self.embedded.is_none() {
            let sandbox = Sandbox::builder().clock(Clock::System).build();
            let server = sandbox
                .serve(([127, 0, 0, 1], 0).into())
                .await
                .map_err(|e| CliError::failure(format!("starting the sandbox: {e}")))?;
            let ticker = sandbox.auto_advance(Duration::from_millis(100));
            self.embedded = Some(Embedded {
                sandbox,
                server,
                _ticker: ticker,
            });
        }
        Ok(self.embedded.as_ref().expect("started above"))
    }

    /// A client for the profile (or the embedded sandbox with
    /// `--sandbox`). Fails with exit 3 when there is no key.
    pub async fn client(&mut self) -> Result<Client> {
        if self.globals.sandbox {
            let embedded = self.start_sandbox().await?;
            return Ok(Client::builder()
                .api_key(embedded.sandbox.api_key())
                .base_url(embedded.server.base_url())
                .build()?);
        }
        let key = self.api_key().ok_or_else(|| {
            CliError::new(
                Exit::Auth,
                format!(
                    "no API key for profile {:?}: run `linq login`, or set {} (or {})",
                    self.profile,
                    env::API_KEY,
                    env::TOKEN
                ),
            )
        })?;
        self.client_with_key(&key.value)
    }

    /// A client for the profile's base URL with the given key.
    pub fn client_with_key(&self, key: &str) -> Result<Client> {
        Ok(Client::builder()
            .api_key(key)
            .base_url(self.base_url().value)
            .build()?)
    }
}
