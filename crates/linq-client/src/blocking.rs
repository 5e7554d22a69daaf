//! A blocking client, for scripts, CLIs and other code without an async
//! runtime (feature `blocking`).
//!
//! ```no_run
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let client = linq_client::blocking::Client::from_env()?;
//!     let chat = "550e8400-e29b-41d4-a716-446655440000";
//!     client.chats().participants().add(chat, "+12052499136").send()?;
//!     for message in client.chats().messages().list(chat).limit(50) {
//!         println!("{}", message?.id);
//!     }
//!     Ok(())
//! }
//! ```
//!
//! It is the async [`Client`](crate::Client) run on an internal Tokio
//! runtime that this client owns, with one background thread that keeps
//! its connections driven between calls (so a connection the server closed
//! while idle is never reused): same builder, same
//! resources and arguments, same policy (retries, idempotency keys,
//! timeouts), same errors. A resource method returns a blocking [`Call`],
//! which has the same setters as the async one; [`Call::send`] returns the
//! value (the async call returns a future), and a list call is an
//! [`IntoIterator`] over every item of every page.
//!
//! # Not inside an async runtime
//!
//! Blocking a thread that drives async tasks would stall them, so every
//! call made where a Tokio runtime is current (an `async fn` under
//! `#[tokio::main]`, a task, `spawn_blocking`) panics with a message naming
//! the async client. From async code, use [`crate::Client`] and `.await`.
//!
//! Clones share the runtime and the transport's connection pool. Calls from
//! several threads at once are fine: each runs on its own thread, with the
//! runtime's worker driving the connections they share.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use http::{HeaderName, HeaderValue};
use linq_types::models::attachments::{AttachmentCreateResponse, SupportedContentType};
use linq_types::{Operation, Paginated};

use crate::{ApiKey, ApiResponse, BuildError, Error, RequestOptions, RetryPolicy, Transport};

/// The resources of a blocking client, the same tree as [`crate::resources`].
pub mod resources {
    pub use crate::generated::blocking::*;
}

/// What the panic says when a blocking call is made inside a runtime.
const INSIDE_RUNTIME: &str = "linq_client::blocking::Client was called from inside an async runtime, \
     where blocking would stall the runtime's other tasks; use linq_client::Client and .await \
     instead (or call the blocking client from a thread that is not the runtime's)";

/// The runtime the blocking client owns. Shut down without waiting on drop,
/// so dropping the last clone never blocks (nor panics inside a runtime).
struct Runtime(Option<tokio::runtime::Runtime>);

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

impl Runtime {
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        if tokio::runtime::Handle::try_current().is_ok() {
            panic!("{INSIDE_RUNTIME}");
        }
        self.0
            .as_ref()
            .expect("the runtime lives until drop")
            .block_on(future)
    }
}

/// A Linq API client whose calls block until they finish. Cheap to clone.
///
/// Built like the async [`Client`](crate::Client):
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let client = linq_client::blocking::Client::builder()
///     .api_key("sk_live_…")
///     .build()?;
/// let reply = client
///     .chats()
///     .participants()
///     .add("550e8400-e29b-41d4-a716-446655440000", "+12052499136")
///     .send()?;
/// println!("{:?}", reply.status);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: crate::Client,
    runtime: Arc<Runtime>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Client")
            .field(&self.inner)
            .finish()
    }
}

impl Client {
    /// Settings for a new client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            inner: crate::Client::builder(),
        }
    }

    /// A client configured from `LINQ_API_V3_API_KEY` and, if set,
    /// `LINQ_API_V3_BASE_URL`.
    pub fn from_env() -> Result<Self, BuildError> {
        Self::builder().with_env().build()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.inner.base_url()
    }

    /// Runs any operation through the client's policy, blocking until it
    /// finishes (see [`crate::Client::execute`]).
    pub fn execute<O: Operation + 'static>(
        &self,
        op: O,
        options: RequestOptions,
    ) -> Result<ApiResponse<O::Output>, Error> {
        self.runtime.block_on(self.inner.execute(op, options))
    }

    /// The async client underneath (its calls must be awaited on a runtime
    /// of your own).
    pub(crate) fn async_client(&self) -> &crate::Client {
        &self.inner
    }

    pub(crate) fn wrap<O: Operation>(&self, call: crate::Call<O>) -> Call<O> {
        Call {
            call,
            runtime: Arc::clone(&self.runtime),
        }
    }
}

/// Settings for a blocking [`Client`]: the same as
/// [`crate::ClientBuilder`]'s.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    inner: crate::ClientBuilder,
}

impl ClientBuilder {
    fn map(self, f: impl FnOnce(crate::ClientBuilder) -> crate::ClientBuilder) -> Self {
        Self {
            inner: f(self.inner),
        }
    }

    /// The API key sent as `Authorization: Bearer …`.
    pub fn api_key(self, key: impl Into<ApiKey>) -> Self {
        self.map(|b| b.api_key(key))
    }

    /// Where the API lives (default [`crate::DEFAULT_BASE_URL`]).
    pub fn base_url(self, url: impl Into<String>) -> Self {
        self.map(|b| b.base_url(url))
    }

    /// The transport to send through (default: a pooled `HyperTransport`).
    /// It runs on the client's own runtime.
    pub fn transport(self, transport: impl Transport) -> Self {
        self.map(|b| b.transport(transport))
    }

    /// A shared transport, for several clients over one pool.
    pub fn shared_transport(self, transport: Arc<dyn Transport>) -> Self {
        self.map(|b| b.shared_transport(transport))
    }

    /// How failed attempts are retried.
    pub fn retry_policy(self, policy: RetryPolicy) -> Self {
        self.map(|b| b.retry_policy(policy))
    }

    /// Retries after the first attempt (default 2).
    pub fn max_retries(self, retries: u32) -> Self {
        self.map(|b| b.max_retries(retries))
    }

    /// Time allowed for each attempt (default 60 s).
    pub fn timeout(self, timeout: Duration) -> Self {
        self.map(|b| b.timeout(timeout))
    }

    /// No time limit for an attempt.
    pub fn no_timeout(self) -> Self {
        self.map(crate::ClientBuilder::no_timeout)
    }

    /// Time allowed for each whole call, retries and waits included.
    pub fn deadline(self, deadline: Duration) -> Self {
        self.map(|b| b.deadline(deadline))
    }

    /// The most response-body bytes read for one reply (default 32 MiB).
    pub fn body_limit(self, bytes: usize) -> Self {
        self.map(|b| b.body_limit(bytes))
    }

    /// Allows `http://` to hosts other than loopback.
    pub fn allow_insecure_http(self, allow: bool) -> Self {
        self.map(|b| b.allow_insecure_http(allow))
    }

    /// A header sent with every request.
    pub fn default_header(self, name: HeaderName, value: HeaderValue) -> Self {
        self.map(|b| b.default_header(name, value))
    }

    /// Fills the key and base URL from the environment where not given.
    pub fn with_env(self) -> Self {
        self.map(crate::ClientBuilder::with_env)
    }

    /// Checks the settings, starts the client's runtime (one background
    /// thread, no connection yet) and builds the client.
    pub fn build(self) -> Result<Client, BuildError> {
        let inner = self.inner.build()?;
        // One worker thread drives the connections between calls, so a
        // server's close, the idle timeout and keep-alive pings are seen
        // before the next call picks a connection (a current-thread runtime
        // only runs while a call blocks, and would reuse dead ones).
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("linq-blocking")
            .enable_all()
            .build()
            .map_err(|e| BuildError::Runtime(e.to_string()))?;
        Ok(Client {
            inner,
            runtime: Arc::new(Runtime(Some(runtime))),
        })
    }
}

/// One pending blocking call: adjust it with the same setters as the async
/// [`Call`](crate::Call), then [`send`](Self::send) it. A list call is also
/// an iterator over every item ([`IntoIterator`]).
#[must_use = "a call does nothing until it is sent"]
pub struct Call<O: Operation> {
    call: crate::Call<O>,
    runtime: Arc<Runtime>,
}

impl<O: Operation> fmt::Debug for Call<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Call").field(&self.call).finish()
    }
}

impl<O: Operation> Call<O> {
    /// Changes the async call inside (the generated setters use it).
    pub(crate) fn map(self, f: impl FnOnce(crate::Call<O>) -> crate::Call<O>) -> Self {
        Self {
            call: f(self.call),
            runtime: self.runtime,
        }
    }

    /// Time allowed for each attempt (overrides the client's).
    pub fn timeout(self, timeout: Duration) -> Self {
        self.map(|c| c.timeout(timeout))
    }

    /// Time allowed for the whole call, retries and waits included.
    pub fn deadline(self, deadline: Duration) -> Self {
        self.map(|c| c.deadline(deadline))
    }

    /// Retries after the first attempt (overrides the client's).
    pub fn max_retries(self, retries: u32) -> Self {
        self.map(|c| c.max_retries(retries))
    }

    /// Sends this idempotency key instead of a generated one.
    pub fn idempotency_key(self, key: impl Into<String>) -> Self {
        self.map(|c| c.idempotency_key(key))
    }

    /// Adds a header to this call.
    pub fn header(self, name: HeaderName, value: HeaderValue) -> Self {
        self.map(|c| c.header(name, value))
    }

    /// Adds a query parameter to this call.
    pub fn query(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.map(|c| c.query(name, value))
    }

    /// Replaces all per-call options at once.
    pub fn options(self, options: RequestOptions) -> Self {
        self.map(|c| c.options(options))
    }

    /// The operation this call will send, or why it was refused.
    pub fn operation(&self) -> Result<&O, &Error> {
        self.call.operation()
    }

    /// The async call inside, to await on a runtime of your own.
    pub fn into_async(self) -> crate::Call<O> {
        self.call
    }
}

impl<O: Operation + 'static> Call<O> {
    /// Sends the call and returns the decoded value.
    ///
    /// # Panics
    ///
    /// When called inside an async runtime (see the [module docs](self)).
    pub fn send(self) -> Result<O::Output, Error> {
        self.runtime.block_on(self.call.send())
    }

    /// Sends the call and returns the value with its status and headers.
    ///
    /// # Panics
    ///
    /// When called inside an async runtime.
    pub fn send_with_response(self) -> Result<ApiResponse<O::Output>, Error> {
        self.runtime.block_on(self.call.send_with_response())
    }
}

impl<O> Call<O>
where
    O: Paginated + Send + Sync + 'static,
    O::Output: Send,
{
    /// Every item of every page, in one `Vec` (the whole list in memory;
    /// iterate the call for one page at a time).
    pub fn collect_all(self) -> Result<Vec<O::Item>, Error> {
        self.runtime.block_on(self.call.collect_all())
    }

    /// The first `max` items, fetching no page past the one that reaches it.
    pub fn collect_at_most(self, max: usize) -> Result<Vec<O::Item>, Error> {
        self.runtime.block_on(self.call.collect_at_most(max))
    }
}

impl<O> IntoIterator for Call<O>
where
    O: Paginated + Send + Sync + 'static,
    O::Output: Send,
{
    type Item = Result<O::Item, Error>;
    type IntoIter = Items<O>;

    /// Every item of every page, fetched one page at a time as the iterator
    /// advances; an error is yielded once and ends it.
    fn into_iter(self) -> Items<O> {
        Items {
            items: self.call.into_stream(),
            runtime: self.runtime,
        }
    }
}

/// The items of a list, page by page: the blocking form of
/// [`crate::Items`]. Only the current page is held in memory.
#[must_use = "iterators do nothing unless advanced"]
pub struct Items<O: Paginated> {
    items: crate::Items<O>,
    runtime: Arc<Runtime>,
}

impl<O: Paginated> fmt::Debug for Items<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Items").field(&self.items).finish()
    }
}

impl<O> Iterator for Items<O>
where
    O: Paginated + Send + Sync + 'static,
    O::Output: Send,
{
    type Item = Result<O::Item, Error>;

    /// # Panics
    ///
    /// When called inside an async runtime.
    fn next(&mut self) -> Option<Self::Item> {
        let items = &mut self.items;
        self.runtime.block_on(std::future::poll_fn(|cx| {
            Pin::new(&mut *items).poll_next(cx)
        }))
    }
}

impl resources::Attachments<'_> {
    /// Uploads `data` as a new attachment (reserve, then PUT to the
    /// presigned URL), blocking; see the async
    /// [`upload`](crate::resources::Attachments::upload).
    pub fn upload(
        &self,
        content_type: SupportedContentType,
        filename: impl Into<String>,
        data: impl Into<Bytes>,
    ) -> Result<AttachmentCreateResponse, Error> {
        let client = self.client;
        client
            .runtime
            .block_on(
                client
                    .async_client()
                    .attachments()
                    .upload(content_type, filename, data),
            )
    }
}
