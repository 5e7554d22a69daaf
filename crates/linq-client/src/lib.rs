//! A Rust client for the Linq Partner API v3: iMessage, RCS and SMS through
//! one REST API.
//!
//! ```
//! use futures_util::TryStreamExt;
//! use linq_client::prelude::*;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sandbox = linq_sandbox::Sandbox::new();
//! # let client = Client::builder().api_key(sandbox.api_key()).transport(sandbox.transport()).build()?;
//! # let bytes = b"\xFF\xD8\xFF\xE0".to_vec();
//! // let client = Client::from_env()?; // LINQ_API_V3_API_KEY, LINQ_API_V3_BASE_URL
//! let created = client.chats().create("+12025550100", ["+12025550147", "ada@example.com"], "Lunch at noon?").await?;
//! let chat_id = created.chat.id;
//! client.chats().messages().send(&chat_id, "On my way").await?;
//! let photo = client.attachments().upload(SupportedContentType::ImageJpeg, "menu.jpg", bytes).await?;
//! client.chats().messages().send(&chat_id, [Part::text("Today's menu"), Part::media(photo.attachment_id)]).await?;
//! let mut messages = client.chats().messages().list(&chat_id).limit(100).into_stream();
//! while let Some(message) = messages.try_next().await? { let _when: std::time::SystemTime = message.created_at.into(); }
//! let everything = client.chats().messages().list(&chat_id).collect_all().await?;   // Vec of every item
//! # assert_eq!(everything.len(), 3);
//! # Ok(()) }
//! ```
//!
//! (The hidden lines run it on [`linq_sandbox`](https://docs.rs/linq-sandbox),
//! an offline Linq account; `Client::from_env()` runs it against the API.)
//!
//! - [`prelude`] is the one import for everyday code.
//! - [`resources`] are reached from the [`Client`] (`client.chats().messages()`),
//!   named as in the official SDKs; each method's docs name its reply type.
//!   Required arguments are positional, optional fields are setters on the
//!   returned [`Call`], which is awaited, or turned into a stream
//!   ([`Call::into_stream`]) or a `Vec` ([`Call::collect_all`]) for lists.
//! - Every call goes through one path ([`Client::execute`]): arguments are
//!   validated before sending, an idempotency key is attached where the API
//!   takes one, failed attempts are retried by [`RetryPolicy`], and the reply
//!   becomes a typed value or an [`Error`].
//! - The transport underneath is any [`Transport`]: hyper over the network by
//!   default, or an [`InMemoryTransport`] for tests.
//!
//! Layout: the resource methods and call setters are generated
//! (`src/generated/`, from the API description by `cargo xtask codegen`); the
//! client, its policy, pagination and the upload flow are written by hand
//! beside them.
//!
//! # Features
//!
//! | feature | default | what it adds | what it pulls in |
//! |---|---|---|---|
//! | `hyper` | yes | `HyperTransport`, used when no transport is given | `linq-transport/hyper`: hyper, hyper-util, h2, tokio-rustls, rustls (ring), webpki-roots, tokio's `rt` and `net` |
//! | `payments`, `phone-numbers`, `webhook-subscriptions`, `contact-card`, `experiences`, `blocked-handles` | yes | one group of resources each (`client.payments()` and its siblings, `client.phone_numbers()`, …) with its models; without them the client has chats, messages, attachments, polls, locations and capability checks, and compiles in about half the time | the same features of linq-types (no other crate) |
//! | `catalog` | no | `Client::call_operation` and `Client::call_any`: an operation named by its id, with JSON arguments (the CLI and the MCP server run on it) | `linq-types/catalog` (no other crate) |
//! | `blocking` | no | `blocking::Client`, the same calls without async | tokio's `rt-multi-thread` (a runtime with one worker thread inside the client) |
//! | `chrono` | no | [`types::Timestamp`] to and from `chrono::DateTime<Utc>` | chrono, without its default features |
//! | `time` | no | [`types::Timestamp`] to and from `time::OffsetDateTime` | time, without its default features |
//! | `jiff` | no | [`types::Timestamp`] to and from `jiff::Timestamp` | jiff, without its default features |
//!
//! With `default-features = false` the client has only the messaging
//! resources and no network stack of its own: add `hyper` back, or give it one with `.transport(..)` (any [`Transport`]; an
//! `InMemoryTransport`, or `linq-transport`'s `TowerTransport` over your
//! own tower stack); `build()` without one is [`BuildError::MissingTransport`].
//! What remains is tokio's timer (for timeouts and backoff), serde, http
//! and tracing.

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "catalog")]
mod any_call;
mod api_key;
mod attachments_ext;
#[cfg(feature = "blocking")]
pub mod blocking;
mod call;
mod client;
mod error;
mod generated;
mod idempotency;
mod options;
mod paginate;
pub mod prelude;
pub mod profile;
mod retry;
#[cfg(feature = "webhook-subscriptions")]
mod subscriptions_ext;

/// This crate's version, as sent in the `User-Agent` header (`linq-rs/VERSION`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub use api_key::ApiKey;
pub use call::Call;
pub use client::{
    API_KEY_ENV, BASE_URL_ENV, BuildError, Client, ClientBuilder, DEFAULT_BASE_URL,
    DEFAULT_BODY_LIMIT,
};
pub use error::{ApiError, DecodeError, Error};
pub use generated::resources;
pub use linq_types::ErrorCode;
pub use linq_types::SigningSecret;
pub use options::{ApiResponse, RequestOptions};
pub use paginate::{DEFAULT_MAX_PAGES, Items};
pub use retry::RetryPolicy;
#[cfg(feature = "webhook-subscriptions")]
pub use subscriptions_ext::{EnsuredSubscription, SubscriptionChange};

#[cfg(feature = "hyper")]
pub use linq_transport::HyperTransport;
pub use linq_transport::{InMemoryTransport, Transport, TransportError};
pub use linq_types as types;

#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CrateReadmeDoctests;
