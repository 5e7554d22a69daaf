use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use linq_transport::{SendOptions, Transport, TransportError, is_loopback_host};
use linq_types::operation::{PathBuilder, QueryBuilder};
use linq_types::{Effect, IdempotencyKey, Operation};
use tokio::time::Instant;
use tracing::Instrument;

use crate::ApiKey;
use crate::call::{ApiResponse, RequestOptions};
use crate::error::{ApiError, DecodeError, Error};
use crate::retry::{self, RetryPolicy, Verdict};

/// The API's address, used when none is configured.
pub const DEFAULT_BASE_URL: &str = "https://api.linqapp.com/api/partner";
/// Environment variable holding the API key.
pub const API_KEY_ENV: &str = "LINQ_API_V3_API_KEY";
/// Environment variable holding the base URL.
pub const BASE_URL_ENV: &str = "LINQ_API_V3_BASE_URL";
/// Default cap on a response body: 32 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 32 << 20;

const USER_AGENT_VALUE: &str = concat!("linq-rs/", env!("CARGO_PKG_VERSION"));
const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

/// A Linq API client. Cheap to clone (a reference count); clones share the
/// transport and its connection pool. Building one opens no connection.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = linq_client::Client::builder().api_key("sk_live_…").build()?;
/// let reply = client
///     .chats()
///     .participants()
///     .add("550e8400-e29b-41d4-a716-446655440000", "+12052499136")
///     .await?;
/// println!("{:?}", reply.status);
/// # Ok(()) }
/// ```
///
/// # Tracing
///
/// The client reports through [`tracing`](https://docs.rs/tracing), with
/// targets inside `linq_client` (so `RUST_LOG=linq_client=debug` shows them
/// all), under the field names of OpenTelemetry's HTTP client conventions,
/// so `tracing-opentelemetry` exports them as a backend expects (the
/// workspace's `examples/opentelemetry` prints them to stdout). Nothing is
/// recorded unless a subscriber is installed, and no span or event ever
/// carries the API key, a request body, or a credential in a query.
///
/// One span per call, `linq.call` (DEBUG), a client span:
///
/// | field | value |
/// |---|---|
/// | `otel.name` | `METHOD operation` (`POST chats.create`): the operation id stands in for a URL template |
/// | `otel.kind` | `client` |
/// | `linq.operation` | the operation id (`chats.create`; `attachments.upload` for the upload's PUT to storage) |
/// | `http.request.method` | `GET`, `POST`, … |
/// | `server.address`, `server.port` | the host and port requests go to (the scheme's default port when none is written) |
/// | `url.full` | the URL without user info; the value of a query parameter that names a credential (`token`, `key`, `sig`, `X-Amz-Signature`, …) is `REDACTED` |
/// | `http.response.status_code` | the last attempt's status, when the server answered |
/// | `http.request.resend_count` | attempts after the first, when there were any |
/// | `error.type` | when the exchange failed: the status (`"503"`), or `timeout`, `connect`, `tls`, `io`, `body`, `body_too_large`, `invalid_request`; a 2xx whose body does not decode is not an HTTP failure and is reported by the returned `Error::Decode` only |
/// | `otel.status_code` | `error` when the exchange failed |
/// | `linq.trace_id` | the server's trace id of the final reply, when it sent one |
///
/// Events, inside that span:
///
/// | message | level | fields |
/// |---|---|---|
/// | `linq attempt succeeded` | DEBUG | `http.request.resend_count` (0 for the first attempt), `http.response.status_code`, `elapsed` (that attempt's time, `Debug` of a `Duration`) |
/// | `linq attempt failed` (the server answered) | DEBUG | `http.request.resend_count`, `http.response.status_code`, `error.type`, `linq.error_code` (when the body was the error envelope), `linq.trace_id` (when sent), `elapsed` |
/// | `linq attempt failed` (no answer) | DEBUG | `http.request.resend_count`, `error.type`, `error.message` (the [`Error`] text: operation, `host:port`, root cause), `elapsed` |
/// | `linq retrying` | INFO | `linq.operation`, `http.request.resend_count` (of the attempt that failed), `wait` (the pause before the next one), `error.type`, `error.message` |
///
/// `linq retrying` names the operation itself, since at INFO the DEBUG span
/// may be filtered out. A call that fails for good emits no event of its
/// own: its error is returned, and its span records `error.type`.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Arc<dyn Transport>,
    base: BaseUrl,
    /// Headers for a request without a body, then with a JSON body; built
    /// once so a call only clones one.
    headers_plain: HeaderMap,
    headers_json: HeaderMap,
    retry: RetryPolicy,
    timeout: Option<Duration>,
    deadline: Option<Duration>,
    body_limit: usize,
    allow_insecure_http: bool,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.text)
            .field("api_key", &"***")
            .field("retry", &self.inner.retry)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

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

/// A checked base URL split into the parts requests are built from.
struct BaseUrl {
    text: String,
    scheme: http::uri::Scheme,
    authority: http::uri::Authority,
    prefix: String,
}

impl BaseUrl {
    fn parse(url: &str, allow_insecure_http: bool) -> Result<Self, BuildError> {
        let invalid = |reason| BuildError::InvalidBaseUrl {
            url: without_user_info(url),
            reason,
        };
        let uri: Uri = url.parse().map_err(|_| invalid("not a URL"))?;
        if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
            return Err(invalid(
                "a base URL cannot carry credentials (user info); the API key authenticates",
            ));
        }
        let scheme = uri.scheme().cloned().ok_or(invalid("no scheme"))?;
        let authority = uri.authority().cloned().ok_or(invalid("no host"))?;
        if uri.query().is_some() {
            return Err(invalid("a base URL cannot have a query"));
        }
        match check_scheme(uri.scheme_str(), authority.host(), allow_insecure_http) {
            Ok(()) => {}
            Err(UnsafeUrl::Insecure) => {
                return Err(BuildError::InsecureBaseUrl {
                    host: authority.host().to_owned(),
                });
            }
            Err(UnsafeUrl::BadScheme) => return Err(invalid("the scheme must be https or http")),
        }
        let prefix = uri.path().trim_end_matches('/').to_owned();
        Ok(Self {
            text: url.to_owned(),
            scheme,
            authority,
            prefix,
        })
    }

    fn uri(&self, operation: &'static str, path: &str, query: &str) -> Result<Uri, Error> {
        let mut pq = String::with_capacity(self.prefix.len() + path.len() + query.len() + 1);
        pq.push_str(&self.prefix);
        pq.push_str(path);
        if !query.is_empty() {
            pq.push('?');
            pq.push_str(query);
        }
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(pq)
            .build()
            .map_err(|e| Error::Transport {
                source: TransportError::InvalidRequest(e.to_string()),
                attempts: 0,
                operation,
                server: server_of(self.scheme.as_str(), &self.authority),
            })
    }
}

/// `url` with any `user:password@` cut out of its authority, for errors and
/// Debug output.
pub(crate) fn without_user_info(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    match url[start..end].rfind('@') {
        Some(at) => format!("{}{}", &url[..start], &url[start + at + 1..]),
        None => url.to_owned(),
    }
}

/// `host:port` of an authority, with the scheme's default port when none is
/// written.
fn server_of(scheme: &str, authority: &http::uri::Authority) -> String {
    let port = authority.port_u16().unwrap_or(default_port(scheme));
    format!("{}:{port}", authority.host())
}

/// The port a URL without one means.
fn default_port(scheme: &str) -> u16 {
    if scheme == "http" { 80 } else { 443 }
}

/// Why requests may not go to a URL.
pub(crate) enum UnsafeUrl {
    /// Plain `http` to a host that is not loopback, not allowed.
    Insecure,
    /// Neither `https` nor `http`.
    BadScheme,
}

/// Requests go over `https`, or over plain `http` only to loopback or when
/// the caller allowed it: otherwise the API key (or an upload) would cross
/// the network in clear text.
pub(crate) fn check_scheme(
    scheme: Option<&str>,
    host: &str,
    allow_insecure_http: bool,
) -> Result<(), UnsafeUrl> {
    match scheme {
        Some("https") => Ok(()),
        Some("http") if allow_insecure_http || is_loopback_host(host) => Ok(()),
        Some("http") => Err(UnsafeUrl::Insecure),
        _ => Err(UnsafeUrl::BadScheme),
    }
}

/// One request, ready to send as many times as the policy allows.
pub(crate) struct Prepared {
    pub(crate) id: &'static str,
    pub(crate) method: Method,
    pub(crate) uri: Uri,
    pub(crate) headers: Headers,
    pub(crate) body: Bytes,
    pub(crate) effect: Effect,
    pub(crate) has_key: bool,
}

/// The headers a request sends: one of the client's prebuilt sets, or its own.
pub(crate) enum Headers {
    /// The client's set with (`json`) or without a JSON content type.
    Template { json: bool },
    /// A set of the request's own (idempotency key, per-call headers, …).
    Owned(HeaderMap),
}

/// The per-call settings the retry loop needs, copied out of
/// [`RequestOptions`] so that an in-flight call does not carry the rest.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Limits {
    max_retries: Option<u32>,
    timeout: Option<Duration>,
    deadline: Option<Duration>,
}

impl Limits {
    fn of(options: &RequestOptions) -> Self {
        Self {
            max_retries: options.max_retries,
            timeout: options.timeout,
            deadline: options.deadline,
        }
    }
}

impl Inner {
    fn template(&self, json: bool) -> &HeaderMap {
        if json {
            &self.headers_json
        } else {
            &self.headers_plain
        }
    }
}

impl Client {
    /// Settings for a new client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `LINQ_API_V3_API_KEY` and, if set,
    /// `LINQ_API_V3_BASE_URL`.
    pub fn from_env() -> Result<Self, BuildError> {
        Self::builder().with_env().build()
    }

    pub(crate) fn allows_insecure_http(&self) -> bool {
        self.inner.allow_insecure_http
    }

    /// True when the client itself speaks plain http (to a loopback API, or
    /// because it was allowed to).
    pub(crate) fn speaks_plain_http(&self) -> bool {
        self.inner.base.scheme == http::uri::Scheme::HTTP
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base.text
    }

    /// Runs any operation through the client's policy: idempotency key,
    /// auth, retries, timeouts, decoding and error mapping. The resource
    /// methods (`client.chats()…`) are thin wrappers over this.
    ///
    /// The request is built before the returned future is first polled, so
    /// the future holds only what the retry loop needs.
    pub fn execute<O: Operation + 'static>(
        &self,
        op: O,
        options: RequestOptions,
    ) -> impl Future<Output = Result<ApiResponse<O::Output>, Error>> + Send + 'static + use<O> {
        self.run(Ok(op), options, |reply| reply)
    }

    /// [`execute`](Self::execute) for an operation that may have been
    /// refused already, finishing the reply with `finish`. One future, with
    /// no wrapper around it: wrappers would copy it, and it is the largest
    /// thing a call touches.
    pub(crate) fn run<O: Operation + 'static, T: 'static>(
        &self,
        op: Result<O, Error>,
        options: RequestOptions,
        finish: fn(ApiResponse<O::Output>) -> T,
    ) -> impl Future<Output = Result<T, Error>> + Send + 'static + use<O, T> {
        let prepared = op.and_then(|op| self.prepare(op, &options));
        let limits = Limits::of(&options);
        let client = self.clone();
        async move {
            let prepared = prepared?;
            let span = call_span(&prepared);
            let (response, attempts) = client.send_in(&prepared, limits).instrument(span).await?;
            decode(prepared.id, response, attempts).map(finish)
        }
    }

    /// Builds the request an operation describes, with its idempotency key.
    fn prepare<O: Operation>(
        &self,
        mut op: O,
        options: &RequestOptions,
    ) -> Result<Prepared, Error> {
        let idempotency = op.idempotency();
        let given = crate::idempotency::caller_key(idempotency, op.idempotency_key(), options)?;
        let key_header = crate::idempotency::header_name(idempotency);
        let key = match idempotency {
            IdempotencyKey::None => None,
            IdempotencyKey::Header(_) => {
                let key = given.unwrap_or_else(new_key);
                let value = HeaderValue::try_from(key).map_err(|_| {
                    Error::invalid(
                        "idempotency key",
                        linq_types::InvalidValue::Other("not a valid header value".into()),
                    )
                })?;
                key_header.clone().map(|name| (name, value))
            }
            IdempotencyKey::Body => {
                op.set_idempotency_key(given.unwrap_or_else(new_key));
                None
            }
        };
        let has_key = key.is_some() || op.idempotency_key().is_some();

        let mut path = PathBuilder::new();
        op.write_path(&mut path);
        if path.has_unsafe_segment() {
            return Err(Error::invalid(
                "path parameter",
                linq_types::InvalidValue::Other(
                    "an empty, '.' or '..' id would name another resource".into(),
                ),
            ));
        }
        let mut query = QueryBuilder::new();
        op.write_query(&mut query);
        for (name, value) in &options.query {
            query.push(name, value);
        }
        let mut body = Vec::with_capacity(128);
        let has_body = op
            .write_body(&mut body)
            .map_err(|e| Error::invalid("body", linq_types::InvalidValue::Other(e.to_string())))?;

        // Like the official SDKs: a JSON content type on everything but GET,
        // even without a body.
        let method = op.method();
        let json = has_body || method != Method::GET;
        let accept = op.accept();
        let accept = (accept != "application/json").then(|| HeaderValue::from_static(accept));
        let headers = if key.is_none() && options.headers.is_empty() && accept.is_none() {
            Headers::Template { json }
        } else {
            let mut headers = self.inner.template(json).clone();
            if let Some(accept) = accept {
                headers.insert(ACCEPT, accept);
            }
            if let Some((name, value)) = key {
                headers.insert(name, value);
            }
            // The caller's key header was taken above, as the key.
            for (name, value) in &options.headers {
                if Some(name) != key_header.as_ref() {
                    headers.append(name, value.clone());
                }
            }
            Headers::Owned(headers)
        };

        Ok(Prepared {
            id: op.id(),
            method,
            uri: self
                .inner
                .base
                .uri(op.id(), path.as_str(), query.as_str())?,
            headers,
            body: Bytes::from(body),
            effect: op.effect(),
            has_key,
        })
    }

    /// Sends `req` under the retry policy, in a `linq.call` span of its own.
    pub(crate) async fn send(
        &self,
        req: &Prepared,
        limits: Limits,
    ) -> Result<(http::Response<Bytes>, u32), Error> {
        self.send_in(req, limits).instrument(call_span(req)).await
    }

    /// Sends `req` under the retry policy, recording the outcome on the
    /// current span: the `linq.call` span the caller instruments it with.
    /// (Holding the span here instead costs every call, traced or not.)
    async fn send_in(
        &self,
        req: &Prepared,
        limits: Limits,
    ) -> Result<(http::Response<Bytes>, u32), Error> {
        let policy = &self.inner.retry;
        let max_retries = limits.max_retries.unwrap_or(policy.max_retries);
        let per_attempt = limits.timeout.or(self.inner.timeout);
        let deadline = limits
            .deadline
            .or(self.inner.deadline)
            // A deadline past what `Instant` can hold is no deadline.
            .and_then(|d| Instant::now().checked_add(d));

        let mut attempt: u32 = 0;
        // A loop that breaks with the outcome, not a nested async fn: the
        // call's future is the largest thing on this path, and each layer
        // of future would copy it once more.
        let result = loop {
            attempt += 1;
            let started = Instant::now();
            let limit = match (per_attempt, deadline) {
                (Some(t), Some(d)) => Some(t.min(d.saturating_duration_since(started))),
                (t, d) => t.or_else(|| d.map(|d| d.saturating_duration_since(started))),
            };
            let result = self.attempt(req, limit).await;
            let elapsed = started.elapsed();
            // i64, not u32: tracing-opentelemetry exports only i64 as a number.
            let resends = i64::from(attempt - 1);

            let (error, verdict) = match result {
                Ok(response) if response.status().is_success() => {
                    tracing::debug!(
                        http.request.resend_count = resends,
                        http.response.status_code = i64::from(response.status().as_u16()),
                        ?elapsed,
                        "linq attempt succeeded"
                    );
                    break Ok((response, attempt));
                }
                Ok(response) => {
                    let (parts, body) = response.into_parts();
                    let api =
                        ApiError::from_response(req.id, attempt, parts.status, parts.headers, body);
                    tracing::debug!(
                        http.request.resend_count = resends,
                        http.response.status_code = i64::from(api.status.as_u16()),
                        error.r#type = api.status.as_str(),
                        linq.error_code = api.code.map(|c| i64::from(c.as_u32())),
                        linq.trace_id = api.trace_id.as_deref(),
                        ?elapsed,
                        "linq attempt failed"
                    );
                    let verdict = retry::classify_status(
                        api.status,
                        api.should_retry,
                        api.retry_after,
                        req.effect,
                        req.has_key,
                    );
                    (Error::Api(Box::new(api)), verdict)
                }
                Err(source) => {
                    let verdict = retry::classify_transport(&source, req.effect, req.has_key);
                    let error = Error::Transport {
                        source,
                        attempts: attempt,
                        operation: req.id,
                        server: match req.uri.authority() {
                            Some(a) => server_of(req.uri.scheme_str().unwrap_or("https"), a),
                            None => String::from("?"),
                        },
                    };
                    tracing::debug!(
                        http.request.resend_count = resends,
                        error.r#type = error_type(&error),
                        error.message = %error,
                        ?elapsed,
                        "linq attempt failed"
                    );
                    (error, verdict)
                }
            };

            let Verdict::Retry(asked) = verdict else {
                break Err(error);
            };
            if attempt > max_retries {
                break Err(error);
            }
            let wait = match asked {
                Some(wait) if wait > policy.max_retry_after => break Err(error),
                Some(wait) => wait,
                None => policy.backoff(attempt - 1),
            };
            if deadline.is_some_and(|d| Instant::now().checked_add(wait).is_none_or(|t| t >= d)) {
                break Err(error);
            }
            tracing::info!(
                linq.operation = req.id,
                http.request.resend_count = resends,
                ?wait,
                error.r#type = error_type(&error),
                error.message = %error,
                "linq retrying"
            );
            tokio::time::sleep(wait).await;
        };
        if tracing::enabled!(tracing::Level::DEBUG) {
            record_outcome(&tracing::Span::current(), &result);
        }
        result
    }

    async fn attempt(
        &self,
        req: &Prepared,
        limit: Option<Duration>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let mut request = http::Request::new(req.body.clone());
        *request.method_mut() = req.method.clone();
        *request.uri_mut() = req.uri.clone();
        *request.headers_mut() = match &req.headers {
            Headers::Template { json } => self.inner.template(*json).clone(),
            Headers::Owned(headers) => headers.clone(),
        };
        let options = SendOptions::default().body_limit(self.inner.body_limit);
        let mut send = std::pin::pin!(self.inner.transport.send(request, options));
        let Some(limit) = limit else {
            return send.await;
        };
        // A transport that answers at once (in memory) needs no timer.
        let first = std::future::poll_fn(|cx| Poll::Ready(send.as_mut().poll(cx))).await;
        if let Poll::Ready(result) = first {
            return result;
        }
        tokio::time::timeout(limit, send)
            .await
            .unwrap_or(Err(TransportError::Timeout))
    }
}

/// The span of one call, named and filled after OpenTelemetry's HTTP
/// client conventions; the outcome fields are recorded as the call runs.
fn call_span(req: &Prepared) -> tracing::Span {
    let span = tracing::debug_span!(
        "linq.call",
        otel.name = tracing::field::Empty,
        otel.kind = "client",
        otel.status_code = tracing::field::Empty,
        linq.operation = req.id,
        http.request.method = req.method.as_str(),
        server.address = tracing::field::Empty,
        server.port = tracing::field::Empty,
        url.full = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
        http.request.resend_count = tracing::field::Empty,
        error.r#type = tracing::field::Empty,
        linq.trace_id = tracing::field::Empty,
    );
    if !span.is_disabled() {
        span.record(
            "otel.name",
            format!("{} {}", req.method.as_str(), req.id).as_str(),
        );
        if let Some(host) = req.uri.host() {
            span.record("server.address", host);
        }
        let scheme = req.uri.scheme_str().unwrap_or("https");
        let port = req.uri.port_u16().unwrap_or(default_port(scheme));
        span.record("server.port", i64::from(port));
        span.record("url.full", url_full(&req.uri).as_str());
    }
    span
}

/// Query parameters whose values are credentials: OpenTelemetry's list for
/// `url.full` (presigned storage URLs carry some), plus the usual token names.
const SECRET_PARAMS: &[&str] = &[
    "awsaccesskeyid",
    "signature",
    "sig",
    "x-goog-signature",
    "x-goog-credential",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "token",
    "access_token",
    "api_key",
    "apikey",
    "key",
    "secret",
    "password",
];

/// The request's URL for `url.full`: no user info, and the value of every
/// query parameter that names a credential replaced by `REDACTED`.
pub(crate) fn url_full(uri: &Uri) -> String {
    let scheme = uri.scheme_str().unwrap_or("https");
    let host = uri.host().unwrap_or_default();
    let mut out = format!("{scheme}://{host}");
    if let Some(port) = uri.port_u16() {
        out.push_str(&format!(":{port}"));
    }
    out.push_str(uri.path());
    if let Some(query) = uri.query() {
        out.push('?');
        for (i, pair) in query.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            let name = pair.split('=').next().unwrap_or_default();
            // `%73ig` is `sig` to the server, so it is to the check too.
            let decoded = percent_decode(name);
            let secret = SECRET_PARAMS
                .iter()
                .any(|s| decoded.eq_ignore_ascii_case(s.as_bytes()));
            if secret && pair.contains('=') {
                out.push_str(name);
                out.push_str("=REDACTED");
            } else {
                out.push_str(pair);
            }
        }
    }
    out
}

/// `%XX` escapes decoded (others kept as written), and `+` as a space.
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push((hi * 16 + lo) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// `error.type` of a failed call: the status for an HTTP error, else the
/// kind of failure.
fn error_type(error: &Error) -> &str {
    match error {
        Error::Api(api) => api.status.as_str(),
        Error::Transport { source, .. } if source.is_timeout() => "timeout",
        Error::Transport { source, .. } => match source {
            TransportError::Connect(_) => "connect",
            TransportError::Tls(_) => "tls",
            TransportError::Io(_) => "io",
            TransportError::Body(_) => "body",
            TransportError::BodyTooLarge { .. } => "body_too_large",
            TransportError::InvalidRequest(_) => "invalid_request",
            _ => "transport",
        },
        Error::Decode(_) => "decode",
        Error::InvalidInput { .. } => "invalid_input",
        _ => "_OTHER",
    }
}

/// Records a finished exchange on the call's span: the last status, the
/// resends, the trace id, and on failure `error.type`.
fn record_outcome(span: &tracing::Span, result: &Result<(http::Response<Bytes>, u32), Error>) {
    if span.is_disabled() {
        return;
    }
    let (status, attempts) = match result {
        Ok((response, attempts)) => {
            if let Some(trace_id) = body_trace_id(response.body()) {
                span.record("linq.trace_id", trace_id.as_str());
            }
            (Some(response.status()), *attempts)
        }
        Err(error) => {
            record_failure(span, error);
            (error.status(), error.attempts())
        }
    };
    if let Some(status) = status {
        span.record("http.response.status_code", i64::from(status.as_u16()));
    }
    if attempts > 1 {
        span.record("http.request.resend_count", i64::from(attempts - 1));
    }
}

fn record_failure(span: &tracing::Span, error: &Error) {
    span.record("error.type", error_type(error));
    span.record("otel.status_code", "error");
    if let Error::Api(api) = error {
        if let Some(trace_id) = &api.trace_id {
            span.record("linq.trace_id", trace_id.as_str());
        }
    }
}

/// The top-level `trace_id` of a reply body, when it has one.
fn body_trace_id(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Trace {
        trace_id: Option<String>,
    }
    serde_json::from_slice::<Trace>(body).ok()?.trace_id
}

fn decode<T: serde::de::DeserializeOwned>(
    operation: &'static str,
    response: http::Response<Bytes>,
    attempts: u32,
) -> Result<ApiResponse<T>, Error> {
    let (parts, body) = response.into_parts();
    // A reply without a body decodes like JSON `null`: fine for `()` and
    // `Option`, an error for anything that needs fields.
    let json: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        &body
    };
    match serde_json::from_slice(json) {
        Ok(value) => Ok(ApiResponse {
            status: parts.status,
            headers: parts.headers,
            value,
            attempts,
            body,
        }),
        Err(e) => Err(Error::Decode(Box::new(DecodeError::locate::<T>(
            operation,
            attempts,
            parts.status,
            &body,
            json,
            e,
        )))),
    }
}

fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn url_full_drops_user_info_and_redacts_credentials() {
        let uri: Uri =
            "https://user:pw@storage.example:8443/up/load?X-Amz-Signature=abc&part=2&sig=zz&flag"
                .parse()
                .unwrap();
        assert_eq!(
            url_full(&uri),
            "https://storage.example:8443/up/load?X-Amz-Signature=REDACTED&part=2&sig=REDACTED&flag"
        );
        // Percent-encoded names are the same names.
        let encoded: Uri = "https://h.example/p?%73ig=abc&X%2DAmz%2DSignature=def&%74oken&a%3Db=c"
            .parse()
            .unwrap();
        assert_eq!(
            url_full(&encoded),
            "https://h.example/p?%73ig=REDACTED&X%2DAmz%2DSignature=REDACTED&%74oken&a%3Db=c"
        );
        let plain: Uri = "https://api.linqapp.com/api/partner/v3/chats?limit=2&cursor=c1"
            .parse()
            .unwrap();
        assert_eq!(url_full(&plain), plain.to_string());
    }

    fn any_case(name: &'static str) -> impl Strategy<Value = String> {
        proptest::collection::vec(any::<bool>(), name.len()).prop_map(move |upper| {
            name.chars()
                .zip(upper)
                .map(|(c, u)| if u { c.to_ascii_uppercase() } else { c })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn a_credential_in_the_query_never_reaches_url_full(
            name in proptest::sample::select(SECRET_PARAMS).prop_flat_map(any_case),
            secret in "[A-Za-z0-9%._~-]{6,40}",
            before in proptest::collection::vec(("[a-z]{1,8}", "[a-z0-9]{0,8}"), 0..3),
            after in proptest::collection::vec(("[a-z]{1,8}", "[a-z0-9]{0,8}"), 0..3),
        ) {
            let safe = |pairs: &[(String, String)]| -> Vec<String> {
                pairs
                    .iter()
                    .filter(|(k, _)| !SECRET_PARAMS.iter().any(|s| k.eq_ignore_ascii_case(s)))
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect()
            };
            let (before, after) = (safe(&before), safe(&after));
            // Upper-case marker: nothing else in the URL can contain it.
            let secret = format!("S3CR3T{secret}");
            let mut pairs = before.clone();
            pairs.push(format!("{name}={secret}"));
            pairs.extend(after.iter().cloned());
            let uri: Uri = format!("https://h.example/p?{}", pairs.join("&")).parse().unwrap();

            let full = url_full(&uri);

            prop_assert!(!full.contains(&secret), "{full}");
            let mut expected = before;
            expected.push(format!("{name}=REDACTED"));
            expected.extend(after);
            prop_assert_eq!(full, format!("https://h.example/p?{}", expected.join("&")));
        }
    }
}
