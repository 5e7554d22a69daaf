//! A Rust client for the Linq Partner API v3: iMessage, RCS and SMS through
//! one REST API.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use linq_client::Client;
//!
//! let client = Client::from_env()?; // LINQ_API_V3_API_KEY, LINQ_API_V3_BASE_URL
//! let reply = client
//!     .chats()
//!     .participants()
//!     .add("550e8400-e29b-41d4-a716-446655440000", "+12052499136")
//!     .await?;
//! println!("queued: {:?}", reply.trace_id);
//! # Ok(()) }
//! ```
//!
//! Every call goes through one path ([`Client::execute`]): arguments are
//! validated before sending, an idempotency key is attached where the API
//! takes one, failed attempts are retried by [`RetryPolicy`], and the reply
//! becomes a typed value or an [`Error`]. The transport underneath is any
//! [`Transport`]: hyper over the network by default, or an
//! [`InMemoryTransport`] for tests.

mod api_key;
mod call;
mod client;
mod error;
mod generated;
mod paginate;
pub mod prelude;
mod retry;
mod upload;

/// This crate's version, as sent in the `User-Agent` header (`linq-rs/VERSION`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub use api_key::ApiKey;
pub use call::{ApiResponse, Call, RequestOptions};
pub use client::{
    API_KEY_ENV, BASE_URL_ENV, BuildError, Client, ClientBuilder, DEFAULT_BASE_URL,
    DEFAULT_BODY_LIMIT,
};
pub use error::{ApiError, DecodeError, Error};
pub use generated::resources;
pub use paginate::Items;
pub use retry::RetryPolicy;

#[cfg(feature = "hyper")]
pub use linq_transport::HyperTransport;
pub use linq_transport::{InMemoryTransport, Transport, TransportError};
pub use linq_types as types;

#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
pub use linq_types::{ChatId, ErrorCode, Handle};
