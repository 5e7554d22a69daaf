//! What every command starts from: the global flags, the profile, and a
//! client built from them (or from an embedded sandbox with `--sandbox`).

use std::time::Duration;

use linq_client::Client;
use linq_sandbox::{Clock, Sandbox};

use linq_client::profile::Resolved;

use crate::config::{Config, env_var};
use crate::error::{CliError, Exit, Result};
use crate::output::Output;

pub use linq_client::profile::env;

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

fn sourced<T>(found: linq_client::profile::Sourced<T>, show: impl Fn(T) -> String) -> Sourced {
    Sourced {
        value: show(found.value),
        source: found.source.to_string(),
    }
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

    /// What the environment and the profile say, by the rule every Linq
    /// tool shares (`linq_client::profile`): the environment overrides the
    /// file unless `--profile` names the profile.
    fn resolved(&self) -> Resolved {
        linq_client::profile::resolve(
            Some(&self.config.document()),
            self.globals.profile.as_deref(),
            env_var,
        )
    }

    /// The API key: `LINQ_API_V3_API_KEY`, else `LINQ_TOKEN`, else the
    /// profile's `token` (the profile's first when `--profile` names it).
    pub fn api_key(&self) -> Option<Sourced> {
        self.resolved()
            .api_key
            .map(|k| sourced(k, |key| key.expose().to_owned()))
    }

    /// The base URL: `--base-url`, else as [`api_key`](Self::api_key) picks
    /// (`LINQ_API_V3_BASE_URL`, `LINQ_API_URL`, the profile's `baseUrl`),
    /// else the API's.
    pub fn base_url(&self) -> Sourced {
        match &self.globals.base_url {
            Some(value) => Sourced {
                value: value.clone(),
                source: "--base-url".into(),
            },
            None => sourced(self.resolved().base_url, |url| url),
        }
    }

    /// The line to send from when `--from` is not given: `LINQ_FROM_PHONE`
    /// or the profile's `fromPhone` (as [`api_key`](Self::api_key) picks),
    /// else (with `--sandbox`) the sandbox's first line.
    pub fn from_phone(&self) -> Option<String> {
        self.resolved().from_phone.map(|s| s.value).or_else(|| {
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
