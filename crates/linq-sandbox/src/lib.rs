//! An embedded, stateful stand-in for the Linq Partner API v3, for offline
//! development and tests.
//!
//! A [`Sandbox`] models one Linq account: its phone numbers (lines), chats
//! with their participants and service, messages whose delivery status
//! moves on as simulated time advances, reactions and stickers, typing
//! indicators, uploads, voice memos, polls, location sharing, contact
//! cards, chat backgrounds and webhook subscriptions. It answers the API's requests in process, through
//! [`Sandbox::transport`], or over HTTP on a loopback port through
//! [`Sandbox::serve`] (also `cargo run -p linq-sandbox`). Every accepted
//! change emits the matching webhook event, signed per Standard Webhooks with
//! the subscription's secret.
//!
//! Nothing is random: ids come from a seeded counter, and time only moves
//! when the sandbox advances. The clock starts at the wall clock's current
//! second, so signed webhooks verify with plain `Webhook::verify`;
//! [`Clock::fixed`] makes every run's timestamps the same too.
//!
//! Accepted changes (a message moving from sent to read, a participant
//! joining) wait for the next step of time: [`Sandbox::advance`] takes one,
//! [`Sandbox::settle`] takes them all, and the [`Deliveries`] from
//! [`Sandbox::subscribe`] settle by themselves when nothing is queued.
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
//! assert_eq!(chat.handles.len(), 4);
//! # Ok(()) }
//! ```
//!
//! # Rules it enforces
//!
//! - Requests need `Authorization: Bearer <api key>` (401, code 2004).
//!   A request without it never spends a queued fault, and over HTTP its
//!   body is never read.
//! - The API is answered under `/api/partner` (as Linq's;
//!   [`SandboxBuilder::api_prefix`] changes it), so a client with a wrong
//!   base URL fails here as it would against Linq.
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
//!   services reach a handle is [`Capabilities::default_for`] (a phone
//!   number every service, an email iMessage) unless set with
//!   [`Sandbox::set_capabilities`]. A text part must not be blank and `to`
//!   must name someone (400, code 1005).
//! - Sends carrying an idempotency key (the `Idempotency-Key` header on
//!   `POST /v3/messages`, `message.idempotency_key` in the body elsewhere)
//!   create one message. A key belongs to one operation, and to one chat
//!   for `POST /v3/chats/{id}/messages`. Repeating it with the same JSON
//!   body replays the first reply exactly (status and body); with a
//!   different body it is refused with 422, code 1005, and nothing is sent.
//!   Once the message is deleted the key answers 404 (code 2002).
//! - Conflicts (409) carry `x-should-retry: false`: the same request would
//!   meet the same state again.
//! - Blocked handles: E.164 numbers, emails (lowercased), short codes (3 to
//!   8 digits) and sender IDs (up to 11 letters and digits). A send whose
//!   recipients are all blocked (`chats.create`, `messages.create`, a send
//!   into a direct chat, adding a participant) is 403, code 2026; a group
//!   with an unblocked member is not restricted; [`Sandbox::receive`] from a
//!   blocked handle is refused, as Linq drops it. Unblocking a handle that
//!   is not blocked is 404.
//! - Phone numbers: a forwarding number is E.164 and not the line itself,
//!   and each change emits `phone_number.forwarding_updated`. A reputation
//!   audit completes on the next [`advance`](Sandbox::advance); one runs
//!   per line (starting again returns it), a new one waits an hour after
//!   the last finished (429), and each is readable for 24 hours on its own
//!   line only. `GET /v3/available_number` returns the least recently used
//!   line (suggestions and sends count), the line of an existing chat with
//!   the `to` recipients, and a `vcf_url` the sandbox serves; every line is
//!   an iMessage line, so `type=RCS` is 503.
//! - Payments: the Stripe account is connected with charges enabled; other
//!   providers are `disabled` until connected, then `ready` on the next
//!   step (the Natural rail needs `natural` ready, else 403). On each
//!   [`advance`](Sandbox::advance) a `requested` payment request is paid
//!   (`payment.succeeded`; on the Natural rail `payment.authorized` first),
//!   or `payment.declined` when its metadata has `sandbox_outcome: decline`;
//!   with `sandbox_outcome: ignore` it waits, and any unpaid request
//!   expires 24 hours after creation (`payment.expired`). Canceling is for
//!   open requests only (409 otherwise). A customer handle connects with
//!   the code `123456` (`connection.created`; revoking emits
//!   `connection.revoked`); `POST /v3/payments` with the same
//!   `Idempotency-Key` then walks attach a card, approve the charge (each
//!   done by the customer on the next step) and a minted card, which the
//!   merchant charges on the steps after its credentials are handed off.
//! - Experiences: `agentpay`, `agentcard` and `link`, with their actions.
//! - Lists (`GET /v3/chats`, `/v3/chats/{id}/messages`,
//!   `/v3/messages/{id}/thread`) page with `limit` and `cursor`, newest
//!   first except threads (oldest first unless `order=desc`).
//! - Webhook payloads are the current version (`webhook_version`
//!   [`WEBHOOK_VERSION`]) unless the target URL asks for
//!   `?version=2025-01-01`, which gets the message events in that older
//!   shape (and the payment, connection and forwarding events, whose data
//!   is the same in both, under that version). They are signed at the sandbox's time, which starts at the
//!   wall clock: plain `verify` works unless the test moves the clock far
//!   (then `Webhook::verify_at(body, headers, sandbox.now())`).
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
//! - Opt-outs: an inbound message that is, trimmed, STOP, UNSUBSCRIBE,
//!   OPTOUT, CANCEL, END or QUIT (or "opt out" in any casing, spaced or
//!   hyphenated) opts its sender out: the 1:1 chat's health reads
//!   `OPTED_OUT`, and 1:1 sends to them are refused (403, code 2024)
//!   unless the request sets `override_optout`; groups are never blocked.
//!   Any other message from them opts them back in.
//! - Location sharing: `POST .../location/request` works in 1:1 iMessage
//!   chats only (409, code 2016 for a group, 2017 for RCS or SMS; 409 when
//!   the contact already shares); the contact accepts on the next step of
//!   time (`location.sharing.started`), and `GET .../location` answers
//!   `application/geo+json` with a `Point` `[longitude, latitude]` per
//!   sharing participant. A stop (404 if they do not share) ends the share
//!   on the next step (`location.sharing.stopped`).
//! - Voice memos are audio messages of yours in an iMessage chat (one of
//!   `voice_memo_url`, an https URL to an audio file, or `attachment_id`,
//!   an uploaded audio attachment); they live like any message.
//! - Contact cards: one per line (409, code 2014 for a second; 404, code
//!   2012 when there is none), emitting `contact_card.created` and
//!   `contact_card.updated` (with what changed); sharing one into a chat
//!   needs a card for the chat's line and is allowed once per chat every
//!   five minutes of sandbox time (429).
//! - Polls (iMessage, two options or more): a poll is a message of yours,
//!   told by `poll.sent`, `.delivered`, `.read`; added options emit
//!   `poll.updated`, votes `poll.vote.added` / `poll.vote.removed` (a vote
//!   already so changes nothing and emits nothing).
//! - A group name, icon or background queued behind the line's own leave
//!   fails when it comes to apply: `chat.group_name_update_failed`,
//!   `chat.group_icon_update_failed`, `chat.background_update_failed`
//!   (code 4001).
//! - Chat backgrounds apply on the next step of time, emitting
//!   `chat.background_updated` (a removal with `background: null`); RCS and
//!   SMS chats accept the request and change nothing, as the API does.
//! - An app card update needs a sent `imessage_app` card of yours (400,
//!   409 while it is queued) and arrives as a new message with the card's
//!   app and the new layout. A sticker's placement can be changed (a
//!   tapback's cannot: 400); no event, since the catalogue has none.
//! - Creating, changing and deleting a webhook subscription emit the
//!   account events `webhook_subscription.created`, `.deleted`,
//!   `.target_url_changed`, `.enabled`, `.disabled`, `.events.updated`,
//!   `.phone_numbers.updated`, `.routing_headers_set` and
//!   `.routing_headers_cleared` (one per kind of change, with `change`
//!   holding `from` and `to`); the new subscription hears its own
//!   `created` if it asked for it.
//! - Every operation is modelled: in strict mode no reply is sampled from
//!   its schema (a sampled one would carry the header
//!   `x-sandbox-sampled: true`).
//!
//! # Faults and control
//!
//! [`Sandbox::fail_next`] makes the next requests fail ([`Fault`]);
//! [`Sandbox::fail_matching`] only those of one operation, method or path.
//! Over HTTP the same controls, and more, are under `/__sandbox/` (any
//! path prefix), behind the control key ([`Sandbox::control_key`]: the API
//! key in strict mode, a key of its own in mock mode): reset, seed, state, the request log,
//! events, deliveries and their attempts, faults, advance and settle, the
//! clock, capabilities, inbound messages, reactions and typing, a sent
//! message failing, and emitting any event type. `GET
//! /__sandbox/openapi.json` (no key needed) describes them. Unknown fields are refused (400,
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
//! - any bearer key is accepted (a request without one is still 401), and
//!   the API is also answered at the root (`/v3/...`), where other SDKs'
//!   suites send it; the control API needs the control key;
//! - an unknown chat, message, webhook subscription or attachment id in
//!   the path exists from its first use on: a chat is an iMessage group of
//!   the first line and three people, a message a delivered text of yours
//!   in a chat of its own, a subscription one to `message.received`, an
//!   attachment an uploaded empty JPEG. A later read sees the same thing
//!   (the newest thousand made-up things are kept, so requests naming
//!   ever new ids do not grow the state without bound);
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
mod control;
mod deliver;
mod fault;
mod inspect;
mod mock;
mod ops;
mod pipeline;
mod reply;
mod request_log;
mod sandbox;
mod server;
mod spec;
mod state;
#[cfg(test)]
mod tests;

// The shared test helpers name the crate as its users do.
#[cfg(test)]
extern crate self as linq_sandbox;

pub use clock::Clock;
pub use control::MAX_CLOCK_ADVANCE_MS;
pub use deliver::{Attempt, Deliveries, Delivery};
pub use fault::{
    Fault, FaultMatch, MAX_DELAY_MS, MAX_FAULT_COUNT, MAX_FAULT_RULES, MAX_RETRY_AFTER_SECS,
    NOT_FOUND,
};
pub use request_log::REQUEST_LOG_BYTES;
pub use sandbox::{Rejected, Sandbox, SandboxBuilder};
pub use server::{ServeError, ServeOptions, Server};
pub use state::model::{Capabilities, Service};
pub use state::{API_VERSION, WEBHOOK_VERSION};

pub(crate) use sandbox::{WeakSandbox, lock};

/// Most steps one `POST /__sandbox/advance` may take.
pub const MAX_ADVANCE_STEPS: u64 = 10_000;

/// The lines (phone numbers) a sandbox account has unless told otherwise.
pub const DEFAULT_LINES: [&str; 2] = ["+12025550100", "+12025550101"];
