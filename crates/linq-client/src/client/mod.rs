//! The client: what it holds and the one generic entry every call goes
//! through. Building it is in `builder.rs`, its base URL in `url.rs`; a
//! call is prepared in `prepare.rs`, sent under the retry policy in
//! `attempts.rs` and traced in `telemetry.rs`.

mod attempts;
mod builder;
mod prepare;
mod telemetry;
mod url;

pub use builder::{BuildError, ClientBuilder};
pub(crate) use prepare::{Headers, Limits, Prepared};
pub(crate) use url::{UnsafeUrl, check_scheme};

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderValue};
use linq_transport::Transport;
use linq_types::Operation;
use tracing::Instrument;

use crate::error::Error;
use crate::options::{ApiResponse, RequestOptions};
use crate::retry::RetryPolicy;
use attempts::decode;
use telemetry::call_span;
use url::BaseUrl;

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
            // Borrowed where it was captured: moved out into a local, it
            // would be held twice in the future, which is copied whole.
            let prepared = match prepared {
                Ok(ref prepared) => prepared,
                Err(error) => return Err(error),
            };
            let span = call_span(prepared);
            let (response, attempts) = client.retry_loop(prepared, limits).instrument(span).await?;
            decode(prepared.id, response, attempts).map(finish)
        }
    }
}
