//! An embedded, stateful stand-in for the Linq Partner API v3, for offline
//! development and tests.
//!
//! A [`Sandbox`] models one Linq account: its phone numbers (lines), chats
//! with their participants and service, messages whose delivery status
//! moves on as simulated time advances, reactions, typing indicators and
//! webhook subscriptions. It answers the API's requests in process, through
//! [`Sandbox::transport`], or over HTTP on a loopback port through
//! [`Sandbox::serve`] (also `cargo run -p linq-sandbox`). Every accepted
//! change emits the matching webhook event, signed per Standard Webhooks with
//! the subscription's secret.
//!
//! Nothing is random and, by default, nothing reads the wall clock: ids come
//! from a seeded counter and time only moves when the sandbox advances, so a
//! test sees the same ids and timestamps on every run.
//!
//! ```
//! use linq_client::Client;
//! use linq_sandbox::Sandbox;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::new();
//! let client = Client::builder()
//!     .api_key(sandbox.api_key())
//!     .transport(sandbox.transport())
//!     .build()?;
//!
//! // A group chat: the account's line and two people, all on iMessage.
//! let chat = sandbox.create_chat(&["+12025550142", "+12025550144"], "hello")?;
//! let reply = client
//!     .chats()
//!     .participants()
//!     .add(chat.as_str(), "+12025550146")
//!     .await?;
//! assert_eq!(reply.status.as_deref(), Some("accepted"));
//!
//! // Accepted changes apply on the next step of simulated time.
//! sandbox.advance();
//! let chat = sandbox.chat(&chat).unwrap();
//! assert_eq!(chat["handles"].as_array().unwrap().len(), 4);
//! # Ok(()) }
//! ```
//!
//! # Rules it enforces
//!
//! - Requests need `Authorization: Bearer <api key>` (401, code 2004).
//!   A request without it never spends a queued fault.
//! - Unknown routes are 404 with code [`NOT_FOUND`] (404): the catalogue
//!   has no generic not-found code, and 2001 reads as "chat not found".
//! - A chat is a group when it has three or more participants, the
//!   account's own line included. Participants can be added to and removed
//!   from groups only (400, code 1006 otherwise); a new participant must be
//!   reachable on the group's service (400, code 1005); a removal must leave
//!   three or more participants (400, code 1005). Both answer 202 and apply
//!   on the next [`advance`](Sandbox::advance), emitting `participant.added`
//!   or `participant.removed`. The refusals are 400s because the API's
//!   reference lists only 400, 401, 404 and 500 for these two endpoints and
//!   puts codes 1005 (invalid parameter) and 1006 (not a group) under 400.
//! - Handles are E.164 phone numbers or emails (400, code 1002). Which
//!   services reach a handle is [`Capabilities::default_for`] unless set
//!   with [`Sandbox::set_capabilities`].
//! - Sends carrying an idempotency key (the `Idempotency-Key` header on
//!   `POST /v3/messages`, `message.idempotency_key` in the body elsewhere)
//!   create one message. A key belongs to one operation, and to one chat
//!   for `POST /v3/chats/{id}/messages`. Repeating it with the same JSON
//!   body replays the first reply exactly (status and body); with a
//!   different body it is refused with 422, code 1005, and nothing is sent.
//!   Once the message is deleted the key answers 404 (code 2002).
//! - Conflicts (409) carry `x-should-retry: false`: the same request would
//!   meet the same state again.
//! - Lists (`GET /v3/chats`, `/v3/chats/{id}/messages`,
//!   `/v3/messages/{id}/thread`) page with `limit` and `cursor`, newest
//!   first except threads (oldest first unless `order=desc`).
//! - Webhook payloads are the current version (`webhook_version`
//!   [`WEBHOOK_VERSION`]) unless the target URL asks for
//!   `?version=2025-01-01`, which gets the message events in that older
//!   shape. They are signed at the sandbox's time: with the default
//!   manual clock, verify with `Webhook::verify_at(body, headers,
//!   sandbox.now())`; with [`Clock::System`], plain `verify` works.
//! - Attachments: `POST /v3/attachments` reserves one and returns an
//!   `upload_url` the sandbox itself answers (`http://127.0.0.1:PORT/__files/{id}`
//!   when served; over the in-memory transport any host reaches the
//!   sandbox, so it is `https://sandbox.linq.invalid/__files/{id}`). The
//!   `PUT` needs no key, must carry the reserved `content-type` (400, code
//!   5006) and exactly `size_bytes` bytes (400, code 1005). Then
//!   `GET /v3/attachments/{id}` is `complete` with a `download_url` (the
//!   same URL, answering `GET` with the bytes), and a media part naming the
//!   attachment shows its filename, type, size and URL. Sending one that is
//!   not uploaded yet is 400, code 2007; an unknown one 404, code 2003.
//! - Operations the sandbox keeps no state for answer their documented
//!   success status with a sample built from the reply's schema.
//!
//! # Faults and control
//!
//! [`Sandbox::fail_next`] makes the next requests fail ([`Fault`]);
//! [`Sandbox::fail_matching`] only those of one operation, method or path.
//! Over HTTP the same controls, and more, are under `/__sandbox/` (same
//! bearer key; any path prefix): reset, seed, state, the request log,
//! events, deliveries and their attempts, faults, advance and settle, the
//! clock, capabilities, inbound messages, reactions and typing, a sent
//! message failing, and emitting any event type. `GET
//! /__sandbox/openapi.json` (no key needed) describes them; the same
//! document is [`control::openapi`]. Unknown fields are refused (400,
//! code 1005), and every number a request gives is bounded
//! ([`MAX_FAULT_COUNT`], [`MAX_ADVANCE_STEPS`], [`MAX_RETRY_AFTER_SECS`],
//! [`MAX_DELAY_MS`]).
//!
//! # Strict and mock mode
//!
//! Strict mode, the default, is one account with the rules above. Mock
//! mode ([`SandboxBuilder::mock`], `linq-sandbox --mock`) is for running
//! another SDK's test suite, whose requests name things that were never
//! created:
//!
//! - any bearer key is accepted (a request without one is still 401);
//! - an unknown chat, message, webhook subscription or attachment id in
//!   the path exists from its first use on: a chat is an iMessage group of
//!   the first line and three people, a message a delivered text of yours
//!   in a chat of its own, a subscription one to `message.received`, an
//!   attachment an uploaded empty JPEG. A later read sees the same thing;
//! - a message named in `reply_to` or an attachment in a media part
//!   likewise, and any E.164 `from` becomes one of the account's lines;
//! - a request that fits the spec but that the rules refuse (`message: {}`,
//!   a participant who is not in the chat, a removal that would leave two
//!   people) is answered with the documented success status and a reply
//!   sampled from its schema, carrying what the request set where the
//!   reply has a field of that name;
//! - a cursor the server never gave out is the first page, and a target
//!   URL may be used by two subscriptions.
//!
//! Requests that do not fit the spec are refused in both modes: every
//! operation's path parameters, query and body are checked against its
//! schemas (types, enums, consts, required fields, uuid, date-time and uri
//! formats, unknown fields where the schema closes the object), answering
//! 400 with the field path in the message: code 1001 for a missing field,
//! 1003 for a body that is not JSON, 1005 otherwise.
//!
//! # Features
//!
//! | feature | default | what it adds | what it pulls in |
//! |---|---|---|---|
//! | `cli` | yes | the `linq-sandbox` binary | clap |
//!
//! The library itself always needs tokio (`rt`, `net`, `time`, `sync`) and
//! hyper's server, since it can serve over loopback; depend on it with
//! `default-features = false` from tests to skip clap.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod clock;
pub mod control;
mod fault;
mod model;
mod server;
pub mod spec;
mod state;

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use linq_transport::{BoxFuture, Handler, InMemoryTransport, TransportError};
use linq_types::{ChatId, ErrorDetail, ErrorResponse, MessageId};
use serde_json::{Value, json};
use tokio::sync::mpsc;

pub use clock::Clock;
pub use fault::{
    Fault, FaultMatch, MAX_DELAY_MS, MAX_FAULT_COUNT, MAX_FAULT_RULES, MAX_RETRY_AFTER_SECS,
    NOT_FOUND,
};
pub use model::{Capabilities, Service};
pub use server::{Attempt, ServeError, ServeOptions, Server};

/// Most steps one `POST /__sandbox/advance` may take.
pub const MAX_ADVANCE_STEPS: u64 = 10_000;
pub use state::{API_VERSION, WEBHOOK_VERSION};

use state::{Call, Fail, Settings, State};

/// The lines (phone numbers) a sandbox account has unless told otherwise.
pub const DEFAULT_LINES: [&str; 2] = ["+12025550100", "+12025550101"];

/// One signed webhook delivery: what would be POSTed to a subscription's
/// target URL.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The subscription it is for.
    pub subscription_id: String,
    /// Where the subscription points.
    pub target_url: String,
    /// The event type, as in the body's `event_type`.
    pub event_type: String,
    /// `content-type`, `webhook-id`, `webhook-timestamp`,
    /// `webhook-signature`.
    pub headers: HeaderMap,
    /// The raw JSON body that was signed.
    pub body: Bytes,
}

impl Delivery {
    /// The body parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

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
        let state = State::new(Settings {
            api_key,
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

struct Shared {
    state: Mutex<State>,
    faults: Mutex<VecDeque<fault::Rule>>,
    taps: Mutex<Vec<mpsc::UnboundedSender<Delivery>>>,
    log: Mutex<Vec<Delivery>>,
    outbound: Mutex<Option<mpsc::UnboundedSender<Delivery>>>,
    attempts: Mutex<Vec<Attempt>>,
    baseline: Mutex<State>,
    requests: Mutex<VecDeque<Value>>,
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
    shared: Arc<Shared>,
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

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What became of a request.
pub(crate) enum Outcome {
    Reply(Response<Bytes>),
    Drop,
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

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.shared.state)
    }

    /// The key requests must carry as `Authorization: Bearer …`.
    pub fn api_key(&self) -> String {
        self.state().api_key.clone()
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
    /// delivered). Returns how many events were emitted.
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
    fn take_fault(
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

    /// A channel receiving every delivery made from now on, for every
    /// subscription.
    pub fn subscribe(&self) -> mpsc::UnboundedReceiver<Delivery> {
        let (tx, rx) = mpsc::unbounded_channel();
        lock(&self.shared.taps).push(tx);
        rx
    }

    /// Every delivery made so far, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.shared.log).clone()
    }

    /// Every event emitted so far (subscribed to or not), oldest first.
    pub fn events(&self) -> Vec<Value> {
        self.state().emitted.clone()
    }

    /// What became of each HTTP delivery attempt (only when serving).
    pub fn attempts(&self) -> Vec<Attempt> {
        lock(&self.shared.attempts).clone()
    }

    /// A chat as `GET /v3/chats/{id}` would return it.
    pub fn chat(&self, id: impl AsRef<str>) -> Option<Value> {
        self.state().chat_json(id.as_ref())
    }

    /// A message as `GET /v3/messages/{id}` would return it.
    pub fn message(&self, id: impl AsRef<str>) -> Option<Value> {
        self.state().message_json(id.as_ref())
    }

    /// A chat, typed as linq-client returns it.
    pub fn typed_chat(&self, id: impl AsRef<str>) -> Option<linq_types::models::Chat> {
        self.chat(id).and_then(|v| serde_json::from_value(v).ok())
    }

    /// A message, typed as linq-client returns it.
    pub fn typed_message(&self, id: impl AsRef<str>) -> Option<linq_types::models::Message> {
        self.message(id)
            .and_then(|v| serde_json::from_value(v).ok())
    }

    /// The messages of a chat, newest first, typed as linq-client lists
    /// them; empty for a chat that does not exist.
    pub fn messages(&self, chat_id: impl AsRef<str>) -> Vec<linq_types::models::Message> {
        let path = format!("/v3/chats/{}/messages?limit=100000", chat_id.as_ref());
        match self.local(Method::GET, &path, &Value::Null) {
            Ok(page) => serde_json::from_value(page["messages"].clone()).unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    /// Every event emitted so far, decoded as a receiver sees it.
    pub fn typed_events(&self) -> Vec<linq_types::Event> {
        self.events()
            .into_iter()
            .filter_map(|e| serde_json::from_value(e).ok())
            .collect()
    }

    /// How many messages the account holds.
    pub fn message_count(&self) -> usize {
        self.state().message_count()
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

    fn local(&self, method: Method, path: &str, body: &Value) -> Result<Value, Rejected> {
        let key = self.api_key();
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {key}"))
            .header("content-type", "application/json")
            .body(Bytes::from(body.to_string()))
            .expect("a valid request");
        let response = self.respond(request);
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

    // ---- requests --------------------------------------------------------

    pub(crate) async fn process(&self, request: Request<Bytes>) -> Outcome {
        let path = request.uri().path().to_owned();
        // Control requests never fail, and a request without the key is
        // answered 401 before any queued fault is spent on it.
        if control_path(&path).is_some() || file_path(&path).is_some() {
            return Outcome::Reply(self.respond(request));
        }
        if !self.authorized(request.headers()) {
            let (method, query) = (
                request.method().clone(),
                request.uri().query().map(str::to_owned),
            );
            let response = self.respond(request);
            self.log_request(json!({
                "method": method.as_str(),
                "path": path,
                "query": query,
                "operation": null,
                "at": self.state().time.rfc3339(),
                "status": response.status().as_u16(),
            }));
            return Outcome::Reply(response);
        }
        let segments = api_segments(&path);
        let (op, template) = match segments
            .as_deref()
            .map(|s| spec::route(request.method(), s))
        {
            Some(spec::Route::Found(op, _)) => (Some(op.id.as_str()), op.path.as_str()),
            _ => (None, ""),
        };
        let sent = segments
            .map(|s| format!("/{}", s.join("/")))
            .unwrap_or_default();
        let fault = self.take_fault(op, request.method(), template, &sent);
        let mut entry = json!({
            "method": request.method().as_str(),
            "path": path,
            "query": request.uri().query(),
            "operation": op,
            "at": self.state().time.rfc3339(),
        });
        let outcome = self.apply_fault(fault, op, request).await;
        entry["status"] = match &outcome {
            Outcome::Reply(r) => json!(r.status().as_u16()),
            Outcome::Drop => Value::Null,
        };
        self.log_request(entry);
        outcome
    }

    async fn apply_fault(
        &self,
        fault: Option<Fault>,
        op: Option<&str>,
        request: Request<Bytes>,
    ) -> Outcome {
        match fault {
            None => {}
            Some(Fault::Delay(wait)) => tokio::time::sleep(wait).await,
            Some(Fault::Drop) => return Outcome::Drop,
            Some(Fault::DropAfterApply) => {
                let _ = self.respond(request);
                return Outcome::Drop;
            }
            Some(fault) => {
                let (status, code, message) = fault.error(op).unwrap_or((500, 3006, String::new()));
                let trace = self.state().trace();
                let mut response = error_response(status, code, &message, trace);
                if let Fault::RateLimited { retry_after } = fault {
                    let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                    response
                        .headers_mut()
                        .insert("retry-after", HeaderValue::from(secs));
                }
                return Outcome::Reply(response);
            }
        }
        Outcome::Reply(self.respond(request))
    }

    /// Answers one request now, ignoring queued faults. Any path prefix
    /// before `/v3/` is accepted (`/api/partner/v3/chats`, `/v3/chats`).
    pub fn respond(&self, request: Request<Bytes>) -> Response<Bytes> {
        let authorized = self.authorized(request.headers());
        let path = request.uri().path().to_owned();
        if let Some(rest) = control_path(&path) {
            if rest == "openapi.json" && request.method() == Method::GET {
                return self.control(request.method(), rest, request.body());
            }
            if !authorized {
                return self.error(
                    401,
                    2004,
                    "Unauthorized - missing or invalid authentication token",
                );
            }
            return self.control(request.method(), rest, request.body());
        }
        if let Some(id) = file_path(&path) {
            return self.file(&request, id);
        }
        let Some(segments) = api_segments(&path) else {
            return self.error(404, NOT_FOUND, "Resource not found");
        };
        if !authorized {
            return self.error(
                401,
                2004,
                "Unauthorized - missing or invalid authentication token",
            );
        }
        let spec::Route::Found(op, params) = spec::route(request.method(), &segments) else {
            return self.error(404, NOT_FOUND, "Resource not found");
        };
        let query = request.uri().query().map(parse_query).unwrap_or_default();
        let origin = origin(&request);
        let call = Call {
            op,
            params,
            query,
            headers: request.headers(),
            body: request.body(),
            origin: &origin,
        };
        let mut state = self.state();
        let result = state.handle(&call);
        let response = match result {
            Ok(reply) => {
                let mut builder = Response::builder().status(reply.status);
                let body = match reply.body {
                    Some(body) => {
                        builder = builder.header("content-type", "application/json");
                        Bytes::from(body.to_string())
                    }
                    None => Bytes::new(),
                };
                builder.body(body).expect("a valid response")
            }
            Err(Fail {
                status,
                code,
                message,
            }) => {
                let trace = state.trace();
                error_response(status, code, &message, trace)
            }
        };
        self.flush(state);
        response
    }

    /// An upload (`PUT`) or download (`GET`) on the URLs that
    /// `attachments.create` hands out. Like presigned URLs, they need no key.
    fn file(&self, request: &Request<Bytes>, id: &str) -> Response<Bytes> {
        let result = match *request.method() {
            Method::PUT => {
                let content_type = request
                    .headers()
                    .get(http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok());
                self.state()
                    .upload(id, content_type, request.body())
                    .map(|()| Response::builder().status(200).body(Bytes::new()))
            }
            Method::GET => self.state().download(id).map(|(content_type, data)| {
                Response::builder()
                    .status(200)
                    .header("content-type", content_type)
                    .body(data)
            }),
            _ => return self.error(405, 1005, "Use PUT to upload and GET to download"),
        };
        match result {
            Ok(response) => response.expect("a valid response"),
            Err(f) => self.error(f.status, f.code, &f.message),
        }
    }

    pub(crate) fn error(&self, status: u16, code: u32, message: &str) -> Response<Bytes> {
        let trace = self.state().trace();
        error_response(status, code, message, trace)
    }

    /// Signs the state's new events for each subscription, then hands them
    /// out after releasing the lock.
    fn flush(&self, mut state: MutexGuard<'_, State>) {
        let events = std::mem::take(&mut state.outbox);
        let mut out = Vec::new();
        for event in events {
            let current = Bytes::from(event.envelope.to_string());
            let v1 = event.v1_data.as_ref().map(|data| {
                let mut envelope = event.envelope.clone();
                envelope["data"] = data.clone();
                envelope["webhook_version"] = Value::from("2025-01-01");
                Bytes::from(envelope.to_string())
            });
            let subs: Vec<_> = state
                .subs
                .iter()
                .filter(|s| s.wants(&event.event_type, event.line.as_deref()))
                .map(|s| {
                    (
                        s.id.clone(),
                        s.secret.clone(),
                        s.target_url.clone(),
                        s.wants_v1(),
                    )
                })
                .collect();
            for (id, secret, target, wants_v1) in subs {
                let body = match (&v1, wants_v1) {
                    (Some(v1), true) => v1.clone(),
                    _ => current.clone(),
                };
                let webhook_id = state.ids.webhook_id();
                let timestamp = state.time.unix_secs();
                let Ok(secret) = linq_webhooks::Secret::parse(&secret) else {
                    continue;
                };
                let signature =
                    linq_webhooks::Webhook::new(secret).sign(&webhook_id, timestamp, &body);
                let mut headers = HeaderMap::new();
                headers.insert("content-type", HeaderValue::from_static("application/json"));
                headers.insert(
                    "user-agent",
                    HeaderValue::from_static(concat!("linq-sandbox/", env!("CARGO_PKG_VERSION"))),
                );
                for (name, value) in [
                    (linq_webhooks::HEADER_ID, webhook_id),
                    (linq_webhooks::HEADER_TIMESTAMP, timestamp.to_string()),
                    (linq_webhooks::HEADER_SIGNATURE, signature),
                ] {
                    if let Ok(value) = HeaderValue::try_from(value) {
                        headers.insert(name, value);
                    }
                }
                out.push(Delivery {
                    subscription_id: id,
                    target_url: target,
                    event_type: event.event_type.clone(),
                    headers,
                    body,
                });
            }
        }
        drop(state);
        if out.is_empty() {
            return;
        }
        lock(&self.shared.log).extend(out.iter().cloned());
        lock(&self.shared.taps).retain(|tap| out.iter().all(|d| tap.send(d.clone()).is_ok()));
        if let Some(outbound) = lock(&self.shared.outbound).as_ref() {
            for d in out {
                let _ = outbound.send(d);
            }
        }
    }

    pub(crate) fn set_outbound(&self, tx: mpsc::UnboundedSender<Delivery>) -> bool {
        let mut slot = lock(&self.shared.outbound);
        if slot.as_ref().is_some_and(|s| !s.is_closed()) {
            return false;
        }
        *slot = Some(tx);
        true
    }

    pub(crate) fn downgrade(&self) -> WeakSandbox {
        WeakSandbox(Arc::downgrade(&self.shared))
    }

    pub(crate) fn record_attempt(&self, attempt: Attempt) {
        lock(&self.shared.attempts).push(attempt);
    }

    /// Whether the request carries the account's key (any key in mock mode).
    fn authorized(&self, headers: &HeaderMap) -> bool {
        let Some(key) = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
        else {
            return false;
        };
        let state = self.state();
        if state.mock {
            !key.is_empty()
        } else {
            key == state.api_key
        }
    }
}

impl Handler for Sandbox {
    fn handle(
        &self,
        request: Request<Bytes>,
    ) -> BoxFuture<'_, Result<Response<Bytes>, TransportError>> {
        Box::pin(async move {
            match self.process(request).await {
                Outcome::Reply(response) => Ok(response),
                Outcome::Drop => Err(TransportError::Io(Box::new(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "the sandbox dropped the connection",
                )))),
            }
        })
    }
}

fn rejected(f: Fail) -> Rejected {
    Rejected {
        status: f.status,
        code: f.code,
        message: f.message,
    }
}

fn error_response(status: u16, code: u32, message: &str, trace: String) -> Response<Bytes> {
    let mut envelope = ErrorResponse::new(ErrorDetail::new(status, code, message));
    envelope.trace_id = Some(trace);
    let body = serde_json::to_vec(&envelope).expect("the envelope serializes");
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", "application/json");
    // The sandbox's conflicts come from its state, so the same request gets
    // the same answer: retrying would not help.
    if status == 409 {
        builder = builder.header("x-should-retry", "false");
    }
    builder.body(Bytes::from(body)).expect("a valid response")
}

/// Where the sandbox's own URLs point: the loopback address it was reached
/// on when served, otherwise a name that only the in-memory transport
/// (which hands every request to the sandbox) can reach.
fn origin(request: &Request<Bytes>) -> String {
    match request.extensions().get::<server::Served>() {
        Some(served) => format!("http://{}", served.0),
        None => "https://sandbox.linq.invalid".to_owned(),
    }
}

/// The attachment id of an upload or download path, `…/__files/{id}`.
fn file_path(path: &str) -> Option<&str> {
    let i = path.find("/__files/")?;
    let id = &path[i + "/__files/".len()..];
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

/// The part of a control path after `/__sandbox/`.
fn control_path(path: &str) -> Option<&str> {
    path.find("/__sandbox/")
        .map(|i| path[i + "/__sandbox/".len()..].trim_end_matches('/'))
}

/// The decoded path segments from `v3` on, whatever prefix comes before.
fn api_segments(path: &str) -> Option<Vec<String>> {
    let at = if path.starts_with("/v3/") || path == "/v3" {
        0
    } else {
        path.find("/v3/")
            .or_else(|| path.strip_suffix("/v3").map(|p| p.len()))?
    };
    let segments: Vec<String> = path[at..]
        .trim_matches('/')
        .split('/')
        .map(percent_decode)
        .collect();
    Some(segments)
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_queries_decode() {
        assert_eq!(
            api_segments("/api/partner/v3/chats/x/participants").unwrap(),
            ["v3", "chats", "x", "participants"]
        );
        assert_eq!(api_segments("/v3/chats").unwrap(), ["v3", "chats"]);
        assert!(api_segments("/api/partner/chats").is_none());
        assert_eq!(percent_decode("%2B1205%2"), "+1205%2");
        assert_eq!(
            parse_query("to=%2B12025550142&limit=2"),
            [
                ("to".to_owned(), "+12025550142".to_owned()),
                ("limit".to_owned(), "2".to_owned())
            ]
        );
        assert_eq!(
            control_path("/api/partner/__sandbox/faults"),
            Some("faults")
        );
    }
}
