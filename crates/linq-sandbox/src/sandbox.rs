//! The [`Sandbox`] handle, its settings, and what a test does with it:
//! set the account up, move time, queue faults, make requests in process.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{Method, Request};
use linq_transport::InMemoryTransport;
use linq_types::{ChatId, MessageId};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::deliver::Deliveries;
use crate::reply::Fail;
use crate::request_log::RequestLog;
use crate::server::{self, ServeError, ServeOptions, Server};
use crate::state::{Settings, State};
use crate::{Attempt, Capabilities, Clock, DEFAULT_LINES, Delivery, Fault, FaultMatch, fault};

/// A request the sandbox refused, from the in-process helpers such as
/// [`Sandbox::create_chat`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} (code {code}): {message}")]
pub struct Rejected {
    /// HTTP status.
    pub status: u16,
    /// Linq error code.
    pub code: u32,
    /// The message.
    pub message: String,
}

/// Settings for a [`Sandbox`].
#[derive(Debug, Clone)]
pub struct SandboxBuilder {
    api_key: Option<String>,
    control_key: Option<String>,
    api_prefix: String,
    seed: u32,
    clock: Clock,
    tick: Duration,
    lines: Vec<String>,
    mock: bool,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        Self {
            api_key: None,
            control_key: None,
            api_prefix: "/api/partner".to_owned(),
            seed: 1,
            clock: Clock::default(),
            tick: Duration::from_secs(1),
            lines: DEFAULT_LINES.iter().map(|s| (*s).to_owned()).collect(),
            mock: false,
        }
    }
}

impl SandboxBuilder {
    /// The API key requests must carry (default `sk_sandbox_<seed>`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The key the control API (`/__sandbox/*`) needs. By default it is
    /// the API key in strict mode, and `sk_control_<seed>` in mock mode,
    /// where any key is an API key.
    pub fn control_key(mut self, key: impl Into<String>) -> Self {
        self.control_key = Some(key.into());
        self
    }

    /// The path prefix the API is answered under when served (default
    /// `/api/partner`, as Linq's). Mock mode also answers at the root
    /// (`/v3/...`), where other SDKs' suites send their requests.
    pub fn api_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.api_prefix = prefix.into().trim_end_matches('/').to_owned();
        self
    }

    /// Seeds the id generator: two sandboxes with the same seed hand out
    /// the same ids in the same order (default 1).
    pub fn seed(mut self, seed: u32) -> Self {
        self.seed = seed;
        self
    }

    /// Where time comes from (default [`Clock::default`], a manual clock).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// How far a manual clock moves on each [`Sandbox::advance`]
    /// (default one second).
    pub fn tick(mut self, tick: Duration) -> Self {
        self.tick = tick;
        self
    }

    /// The account's lines, E.164 (default [`DEFAULT_LINES`]).
    pub fn lines<I, S>(mut self, lines: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.lines = lines.into_iter().map(Into::into).collect();
        self
    }

    /// Mock mode: any bearer key is accepted, made-up ids and lines are
    /// taken as existing, and schema-valid requests the account's rules
    /// would refuse are answered as if they had succeeded (default off:
    /// strict mode).
    pub fn mock(mut self, mock: bool) -> Self {
        self.mock = mock;
        self
    }

    /// Builds the sandbox.
    pub fn build(self) -> Sandbox {
        let api_key = self
            .api_key
            .unwrap_or_else(|| format!("sk_sandbox_{:08x}", self.seed));
        let control_key = match (self.control_key, self.mock) {
            (Some(key), _) => key,
            (None, true) => format!("sk_control_{:08x}", self.seed),
            (None, false) => api_key.clone(),
        };
        let state = State::new(Settings {
            api_key,
            control_key,
            api_prefix: self.api_prefix,
            seed: self.seed,
            clock: self.clock,
            tick: self.tick,
            lines: self.lines,
            mock: self.mock,
        });
        Sandbox {
            shared: Arc::new(Shared {
                baseline: Mutex::new(state.clone()),
                requests: Mutex::default(),
                state: Mutex::new(state),
                faults: Mutex::default(),
                taps: Mutex::default(),
                log: Mutex::default(),
                outbound: Mutex::default(),
                attempts: Mutex::default(),
            }),
        }
    }
}

pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    pub(crate) faults: Mutex<VecDeque<fault::Rule>>,
    pub(crate) taps: Mutex<Vec<mpsc::UnboundedSender<Delivery>>>,
    pub(crate) log: Mutex<Vec<Delivery>>,
    pub(crate) outbound: Mutex<Option<mpsc::UnboundedSender<Delivery>>>,
    pub(crate) attempts: Mutex<Vec<Attempt>>,
    pub(crate) baseline: Mutex<State>,
    pub(crate) requests: Mutex<RequestLog>,
}

/// A handle that does not keep a sandbox alive.
#[derive(Clone)]
pub(crate) struct WeakSandbox(std::sync::Weak<Shared>);

impl WeakSandbox {
    pub(crate) fn upgrade(&self) -> Option<Sandbox> {
        self.0.upgrade().map(|shared| Sandbox { shared })
    }
}

/// One simulated Linq account. Cheap to clone; clones share the account.
#[derive(Clone)]
pub struct Sandbox {
    pub(crate) shared: Arc<Shared>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox").finish_non_exhaustive()
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Sandbox {
    /// A sandbox with the default settings.
    pub fn new() -> Self {
        SandboxBuilder::default().build()
    }

    /// Settings for a sandbox.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.shared.state)
    }

    /// The key requests must carry as `Authorization: Bearer …`.
    pub fn api_key(&self) -> String {
        self.state().api_key.clone()
    }

    /// The key the control API (`/__sandbox/*`) needs.
    pub fn control_key(&self) -> String {
        self.state().control_key.clone()
    }

    /// The account's lines.
    pub fn lines(&self) -> Vec<String> {
        self.state().lines()
    }

    /// The sandbox's current time.
    pub fn now(&self) -> SystemTime {
        self.state().time.now()
    }

    /// An in-memory transport answering from this sandbox, for
    /// `linq_client::Client::builder().transport(..)`.
    pub fn transport(&self) -> InMemoryTransport {
        InMemoryTransport::from_handler(self.clone())
    }

    /// Sets which services reach `handle`.
    pub fn set_capabilities(&self, handle: impl AsRef<str>, capabilities: Capabilities) {
        self.state().set_capabilities(handle.as_ref(), capabilities);
    }

    /// Adds `number` (E.164) to the account's lines.
    pub fn add_line(&self, number: &str) -> Result<(), Rejected> {
        self.state().add_line(number).map_err(rejected)
    }

    /// Applies a fixture: lines to add, handle capabilities, and chats to
    /// start, as JSON:
    ///
    /// ```json
    /// {"lines": ["+12025550102"],
    ///  "capabilities": {"+12025550143": {"imessage": true, "rcs": true, "sms": true}},
    ///  "chats": [{"to": ["+12025550142"], "text": "hello", "from": "+12025550102"}]}
    /// ```
    ///
    /// Every key is optional; unknown ones are refused. Returns the ids of
    /// the chats it started. The CLI's `--fixture FILE` and
    /// `POST /__sandbox/seed` take the same document.
    pub fn seed(&self, fixture: &Value) -> Result<Vec<String>, Rejected> {
        let refuse = |message: String| Rejected {
            status: 400,
            code: 1005,
            message,
        };
        let map = fixture
            .as_object()
            .ok_or_else(|| refuse("a fixture is a JSON object".into()))?;
        if let Some(key) = map
            .keys()
            .find(|k| !["lines", "capabilities", "chats"].contains(&k.as_str()))
        {
            return Err(refuse(format!("unknown fixture field {key:?}")));
        }
        let strings = |v: &Value, what: &str| -> Result<Vec<String>, Rejected> {
            v.as_array()
                .and_then(|a| a.iter().map(|s| s.as_str().map(str::to_owned)).collect())
                .ok_or_else(|| refuse(format!("{what} must be an array of strings")))
        };
        if let Some(lines) = map.get("lines") {
            for line in strings(lines, "lines")? {
                self.add_line(&line)?;
            }
        }
        if let Some(caps) = map.get("capabilities") {
            let caps = caps
                .as_object()
                .ok_or_else(|| refuse("capabilities must map handles to services".into()))?;
            for (handle, services) in caps {
                self.set_capabilities(handle, Capabilities::from_json(services).map_err(refuse)?);
            }
        }
        let mut started = Vec::new();
        if let Some(chats) = map.get("chats") {
            let chats = chats
                .as_array()
                .ok_or_else(|| refuse("chats must be an array".into()))?;
            for chat in chats {
                let c = chat
                    .as_object()
                    .ok_or_else(|| refuse("each chat is an object".into()))?;
                if let Some(key) = c
                    .keys()
                    .find(|k| !["from", "to", "text"].contains(&k.as_str()))
                {
                    return Err(refuse(format!("unknown chat field {key:?}")));
                }
                let to = strings(c.get("to").unwrap_or(&Value::Null), "chats[].to")?;
                let text = c.get("text").and_then(Value::as_str).unwrap_or("hello");
                let from = match c.get("from").and_then(Value::as_str) {
                    Some(from) => from.to_owned(),
                    None => self.lines().first().cloned().unwrap_or_default(),
                };
                let to: Vec<&str> = to.iter().map(String::as_str).collect();
                started.push(self.create_chat_from(&from, &to, text)?.to_string());
            }
        }
        Ok(started)
    }

    /// Which services reach `handle`.
    pub fn capabilities(&self, handle: impl AsRef<str>) -> Capabilities {
        self.state().capabilities(handle.as_ref())
    }

    /// One step of simulated time: queued changes (participants, group
    /// name and icon, leaving) apply, and every outbound message moves one
    /// status on (queued → sent → delivered → read; SMS stops at
    /// delivered); reputation audits complete, and payers, customers and
    /// providers act on payments (see the crate docs). Returns how many
    /// events were emitted.
    pub fn advance(&self) -> usize {
        let mut state = self.state();
        let n = state.advance();
        self.flush(state);
        n
    }

    /// Advances until nothing is left to change. Returns the events emitted.
    pub fn settle(&self) -> usize {
        let mut total = 0;
        for _ in 0..16 {
            if self.state().pending_count() == 0 {
                break;
            }
            total += self.advance();
        }
        total
    }

    /// Changes or messages still waiting for an advance.
    pub fn pending(&self) -> usize {
        self.state().pending_count()
    }

    /// Makes the next `n` API requests fail with `fault` (after any faults
    /// already queued). Control requests under `/__sandbox/` never fail.
    pub fn fail_next(&self, n: usize, fault: Fault) {
        self.fail_matching(FaultMatch::default(), n, fault);
    }

    /// Makes the next `n` API requests that `matcher` selects fail with
    /// `fault`; other requests go through untouched.
    pub fn fail_matching(&self, matcher: FaultMatch, n: usize, fault: Fault) {
        if n == 0 {
            return;
        }
        lock(&self.shared.faults).push_back(fault::Rule {
            fault,
            matcher,
            remaining: n as u64,
        });
    }

    /// Forgets every queued fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Faults still queued.
    pub fn faults_pending(&self) -> usize {
        let total: u64 = lock(&self.shared.faults).iter().map(|r| r.remaining).sum();
        usize::try_from(total).unwrap_or(usize::MAX)
    }

    /// Takes one use of the first queued fault that selects this request.
    pub(crate) fn take_fault(
        &self,
        op: Option<&str>,
        method: &Method,
        template: &str,
        path: &str,
    ) -> Option<Fault> {
        let mut rules = lock(&self.shared.faults);
        let i = rules
            .iter()
            .position(|r| r.matcher.hits(op, method, template, path))?;
        let fault = rules[i].fault;
        rules[i].remaining -= 1;
        if rules[i].remaining == 0 {
            rules.remove(i);
        }
        Some(fault)
    }

    /// Every delivery made from now on, for every subscription. Pending
    /// changes apply by themselves as deliveries are taken: when none is
    /// queued, iterating and [`Deliveries::recv`] settle the
    /// account first, so a sent message's `message.sent`, `.delivered` and
    /// `.read` arrive without a call to [`settle`](Self::settle).
    ///
    /// ```
    /// # use linq_sandbox::Sandbox;
    /// let sandbox = Sandbox::new();
    /// let mut deliveries = sandbox.subscribe();
    /// # sandbox.emit("chat.created", None).unwrap();
    /// for delivery in deliveries {
    ///     println!("{}", delivery.event_type);
    /// }
    /// ```
    pub fn subscribe(&self) -> Deliveries {
        let (tx, rx) = mpsc::unbounded_channel();
        lock(&self.shared.taps).push(tx);
        Deliveries {
            rx,
            sandbox: self.downgrade(),
        }
    }

    /// Every delivery made so far, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.shared.log).clone()
    }

    /// What became of each HTTP delivery attempt (only when serving).
    pub fn attempts(&self) -> Vec<Attempt> {
        lock(&self.shared.attempts).clone()
    }

    /// Creates a chat from the first line to `to` with a text message, as
    /// `POST /v3/chats` does, and returns its id.
    pub fn create_chat(&self, to: &[&str], text: &str) -> Result<ChatId, Rejected> {
        let from = self.lines().first().cloned().unwrap_or_default();
        self.create_chat_from(&from, to, text)
    }

    /// [`create_chat`](Self::create_chat) from a given line.
    pub fn create_chat_from(
        &self,
        from: &str,
        to: &[&str],
        text: &str,
    ) -> Result<ChatId, Rejected> {
        let body = json!({"from": from, "to": to, "message": {"parts": [{"type": "text", "value": text}]}});
        let reply = self.local(Method::POST, "/v3/chats", &body)?;
        let id = reply["chat"]["id"].as_str().unwrap_or_default();
        Ok(ChatId::try_from(id).expect("the sandbox makes UUID chat ids"))
    }

    /// A text from `from`, a member of the chat, arrives; emits
    /// `message.received`. Returns the message id.
    pub fn receive(
        &self,
        chat_id: impl AsRef<str>,
        from: &str,
        text: &str,
    ) -> Result<MessageId, Rejected> {
        let mut state = self.state();
        let id = state
            .receive(chat_id.as_ref(), from, text)
            .map_err(rejected)?;
        self.flush(state);
        Ok(MessageId::try_from(id.as_str()).expect("the sandbox makes UUID message ids"))
    }

    pub(crate) fn local(
        &self,
        method: Method,
        path: &str,
        body: &Value,
    ) -> Result<Value, Rejected> {
        let key = self.api_key();
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {key}"))
            .header("content-type", "application/json")
            .body(Bytes::from(body.to_string()))
            .expect("a valid request");
        let response = self.answer_local(&request);
        let value: Value = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
        if response.status().is_success() {
            Ok(value)
        } else {
            Err(Rejected {
                status: response.status().as_u16(),
                code: value["error"]["code"].as_u64().unwrap_or(0) as u32,
                message: value["error"]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            })
        }
    }

    /// Serves the API on `addr`, which must be a loopback address (port 0
    /// picks a free one), and POSTs webhook deliveries to loopback targets.
    /// Serving stops when the [`Server`] is dropped.
    pub async fn serve(&self, addr: std::net::SocketAddr) -> Result<Server, ServeError> {
        server::serve(self.clone(), addr, ServeOptions::default()).await
    }

    /// [`serve`](Self::serve) with other limits.
    pub async fn serve_with(
        &self,
        addr: std::net::SocketAddr,
        options: ServeOptions,
    ) -> Result<Server, ServeError> {
        server::serve(self.clone(), addr, options).await
    }

    /// Advances every `every` on the current tokio runtime until the
    /// returned task is aborted.
    pub fn auto_advance(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let sandbox = self.clone();
        tokio::spawn(async move {
            // `interval` panics on a zero period.
            let mut ticks = tokio::time::interval(every.max(Duration::from_millis(1)));
            ticks.tick().await;
            loop {
                ticks.tick().await;
                sandbox.advance();
            }
        })
    }

    pub(crate) fn downgrade(&self) -> WeakSandbox {
        WeakSandbox(Arc::downgrade(&self.shared))
    }
}

pub(crate) fn rejected(f: Fail) -> Rejected {
    Rejected {
        status: f.status,
        code: f.code,
        message: f.message,
    }
}
