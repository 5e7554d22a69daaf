use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use http::{HeaderName, HeaderValue};
use linq_types::Operation;

use crate::options::{ApiResponse, RequestOptions};
use crate::{Client, Error};

/// One pending call. Await it for the decoded value, or adjust it first:
///
/// ```no_run
/// # async fn run(client: linq_client::Client) -> Result<(), linq_client::Error> {
/// use std::time::Duration;
/// let reply = client
///     .chats()
///     .participants()
///     .add("550e8400-e29b-41d4-a716-446655440000", "+12052499136")
///     .timeout(Duration::from_secs(10))
///     .max_retries(0)
///     .await?;
/// # Ok(()) }
/// ```
///
/// Invalid arguments are reported when it is awaited, before anything is sent.
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<O: Operation> {
    client: Client,
    op: Result<O, Error>,
    options: RequestOptions,
}

impl<O: Operation> std::fmt::Debug for Call<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("operation", &self.op.as_ref().map_or(O::ID, |op| op.id()))
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<O: Operation> Call<O> {
    pub(crate) fn new(client: &Client, op: Result<O, Error>) -> Self {
        Self {
            client: client.clone(),
            op,
            options: RequestOptions::default(),
        }
    }

    /// Time allowed for each attempt (overrides the client's).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Time allowed for the whole call, retries and waits included.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.options.deadline = Some(deadline);
        self
    }

    /// Retries after the first attempt (overrides the client's).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.options.max_retries = Some(retries);
        self
    }

    /// Sends this idempotency key instead of a generated one. An empty or
    /// blank key, a second different key (an `Idempotency-Key` header or the
    /// body's own field), or a key on an operation that takes none is
    /// refused (`InvalidInput`) before anything is sent.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.options.idempotency_key = Some(key.into());
        self
    }

    /// Adds a header to this call. `Idempotency-Key` (any case) is the
    /// call's key on every operation that takes one: sent once, in place of
    /// the generated one, and moved into the body where the operation
    /// carries its key there.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.options.headers.append(name, value);
        self
    }

    /// Adds a query parameter to this call.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.query.push((name.into(), value.into()));
        self
    }

    /// Replaces all per-call options at once.
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// Changes the operation in place (the generated setters use it); an
    /// error replaces it, and a call already refused stays refused.
    pub(crate) fn map_op(mut self, f: impl FnOnce(&mut O) -> Result<(), Error>) -> Self {
        if let Ok(op) = &mut self.op {
            if let Err(e) = f(op) {
                self.op = Err(e);
            }
        }
        self
    }

    pub(crate) fn into_parts(self) -> (Client, Result<O, Error>, RequestOptions) {
        (self.client, self.op, self.options)
    }

    /// The operation this call will send, or why it was refused.
    pub fn operation(&self) -> Result<&O, &Error> {
        self.op.as_ref()
    }

    /// Sends the call and returns the value with its status and headers.
    pub fn send_with_response(
        self,
    ) -> impl Future<Output = Result<ApiResponse<O::Output>, Error>> + Send + 'static
    where
        O: 'static,
    {
        self.client.run(self.op, self.options, |reply| reply)
    }

    /// Sends the call and returns the decoded value.
    pub fn send(self) -> impl Future<Output = Result<O::Output, Error>> + Send + 'static
    where
        O: 'static,
    {
        self.client
            .run(self.op, self.options, ApiResponse::into_value)
    }
}

impl<O> IntoFuture for Call<O>
where
    O: Operation + 'static,
{
    type Output = Result<O::Output, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
