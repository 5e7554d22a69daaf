//! `ClientBuilder`: settings, checked once when the client is built.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue};
use linq_transport::Transport;

use super::url::{BaseUrl, without_user_info};
use super::{
    API_KEY_ENV, APPLICATION_JSON, BASE_URL_ENV, Client, DEFAULT_BASE_URL, DEFAULT_BODY_LIMIT,
    Inner, USER_AGENT_VALUE,
};
use crate::ApiKey;
use crate::retry::RetryPolicy;

/// Why a client could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No API key was given, nor found in the environment.
    #[error("no API key: call api_key() or set {API_KEY_ENV}")]
    MissingApiKey,
    /// The key has characters an HTTP header cannot carry.
    #[error("the API key contains characters that cannot be sent in a header")]
    InvalidApiKey,
    /// The base URL does not parse, is not http(s) with a host, or carries
    /// credentials.
    #[error("invalid base URL {url:?}: {reason}")]
    InvalidBaseUrl {
        /// The URL given, without any user info.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A plain `http://` URL to a host other than loopback.
    #[error(
        "refusing plain http:// to {host}: the API key would travel unencrypted; use https:// or allow_insecure_http(true)"
    )]
    InsecureBaseUrl {
        /// The host named.
        host: String,
    },
    /// No transport was given and the `hyper` feature is off.
    #[error("no transport: enable the `hyper` feature or call transport()")]
    MissingTransport,
    /// The blocking client's runtime could not be started (the text is the
    /// operating system's reason).
    #[cfg(feature = "blocking")]
    #[error("could not start the blocking client's runtime: {0}")]
    Runtime(String),
}

/// Time allowed for each attempt unless the builder says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Settings for a [`Client`].
#[derive(Clone)]
pub struct ClientBuilder {
    api_key: Option<ApiKey>,
    base_url: Option<String>,
    transport: Option<Arc<dyn Transport>>,
    retry: Option<RetryPolicy>,
    /// Per-attempt limit; `None` for no limit.
    timeout: Option<Duration>,
    deadline: Option<Duration>,
    body_limit: Option<usize>,
    allow_insecure_http: bool,
    default_headers: HeaderMap,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            api_key: None,
            base_url: None,
            transport: None,
            retry: None,
            timeout: Some(DEFAULT_TIMEOUT),
            deadline: None,
            body_limit: None,
            allow_insecure_http: false,
            default_headers: HeaderMap::new(),
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key)
            .field("base_url", &self.base_url.as_deref().map(without_user_info))
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The API key sent as `Authorization: Bearer …`.
    pub fn api_key(mut self, key: impl Into<ApiKey>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Where the API lives (default [`DEFAULT_BASE_URL`]). A path prefix,
    /// such as `/api/partner`, is kept.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The transport to send through (default: a pooled [`HyperTransport`]).
    ///
    /// [`HyperTransport`]: linq_transport::HyperTransport
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// A shared transport, for several clients over one pool.
    pub fn shared_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// How failed attempts are retried (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Retries after the first attempt (default 2).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.retry
            .get_or_insert_with(RetryPolicy::default)
            .max_retries = retries;
        self
    }

    /// Time allowed for each attempt (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// No time limit for an attempt (a [`deadline`](Self::deadline) or a
    /// per-call timeout still applies).
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// Time allowed for each whole call, retries and waits included
    /// (default: none).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The most response-body bytes read for one reply (default 32 MiB).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = Some(bytes);
        self
    }

    /// Allows `http://` to hosts other than loopback. Off by default, since
    /// the API key would then cross the network in clear text.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// A header sent with every request.
    pub fn default_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.default_headers.append(name, value);
        self
    }

    /// Fills the key and base URL from `LINQ_API_V3_API_KEY` and
    /// `LINQ_API_V3_BASE_URL` where they are set and not given already.
    pub fn with_env(mut self) -> Self {
        if self.api_key.is_none() {
            self.api_key = non_empty_env(API_KEY_ENV).map(ApiKey::from);
        }
        if self.base_url.is_none() {
            self.base_url = non_empty_env(BASE_URL_ENV);
        }
        self
    }

    /// Checks the settings and builds the client. Opens no connection.
    pub fn build(self) -> Result<Client, BuildError> {
        let key = self.api_key.ok_or(BuildError::MissingApiKey)?;
        let authorization = key.bearer_header().ok_or(BuildError::InvalidApiKey)?;
        let base = BaseUrl::parse(
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            self.allow_insecure_http,
        )?;
        let transport = match self.transport {
            Some(t) => t,
            None => default_transport()?,
        };
        let mut headers_plain = HeaderMap::new();
        headers_plain.insert(AUTHORIZATION, authorization);
        headers_plain.insert(ACCEPT, APPLICATION_JSON);
        headers_plain.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        for (name, value) in &self.default_headers {
            headers_plain.append(name, value.clone());
        }
        let mut headers_json = headers_plain.clone();
        headers_json.insert(CONTENT_TYPE, APPLICATION_JSON);
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                base,
                headers_plain,
                headers_json,
                retry: self.retry.unwrap_or_default(),
                timeout: self.timeout,
                deadline: self.deadline,
                body_limit: self.body_limit.unwrap_or(DEFAULT_BODY_LIMIT),
                allow_insecure_http: self.allow_insecure_http,
            }),
        })
    }
}

#[cfg(feature = "hyper")]
fn default_transport() -> Result<Arc<dyn Transport>, BuildError> {
    Ok(Arc::new(linq_transport::HyperTransport::new()))
}

#[cfg(not(feature = "hyper"))]
fn default_transport() -> Result<Arc<dyn Transport>, BuildError> {
    Err(BuildError::MissingTransport)
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
