//! Verify webhook deliveries from the Linq Partner API v3 before acting on
//! them.
//!
//! Linq signs each delivery with the [Standard Webhooks] scheme: headers
//! `webhook-id`, `webhook-timestamp` and `webhook-signature`, HMAC-SHA256
//! over `{id}.{timestamp}.{body}`, keyed with the subscription's `whsec_…`
//! secret. Linq's older `X-Webhook-Timestamp` / `X-Webhook-Signature`
//! scheme is refused unless [`Webhook::allow_legacy`] turns it on, because
//! accepting it lets a replay drop the delivery id (see there).
//!
//! Each signature is accepted in one spelling only, the padded base64 that
//! senders write: an unpadded copy, stray spaces or a garbage entry in front
//! of a valid one refuse the header (see [`Webhook`]).
//!
//! Everything fails closed: a missing or malformed secret, header or
//! timestamp, a timestamp outside the tolerance (five minutes by default)
//! and a signature that does not match are each a [`WebhookError`], and a
//! body is only handed out as [`Verified`] or an [`Event`] after its
//! signature checked out.
//!
//! Deliveries arrive at least once, possibly on several replicas at the
//! same time; the [`dedupe`] module runs a handler once per event, with
//! [`MemoryDedupe`] in one process or `RedisDedupe` (feature `redis`)
//! across replicas.
//!
//! Without features the crate does no I/O and pulls in no async runtime or
//! HTTP stack; feed it the raw body bytes and the headers from whatever
//! server you use. `examples/webhook_receiver.rs` shows a complete receiver
//! on hyper.
//!
//! # Features
//!
//! None is on by default; each adds the glue for one server stack.
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `redis` | no | `RedisDedupe`, once-only processing across replicas |
//! | `axum` | no | the `axum::VerifiedEvent` extractor (401 for an unverified delivery, 400 with the JSON path for one that does not decode) |
//! | `tower` | no | `tower::WebhookLayer`, which verifies, decodes and dedupes in front of any tower service (axum, hyper through hyper-util, ...) |
//!
//! # Example
//!
//! ```
//! use std::time::{SystemTime, UNIX_EPOCH};
//! use linq_webhooks::{Secret, Webhook, WebhookError};
//!
//! # fn main() -> Result<(), WebhookError> {
//! // In a service: `Webhook::from_env()?` reads LINQ_WEBHOOK_SECRET.
//! let webhook = Webhook::new(Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?);
//!
//! let body = br#"{"api_version":"v3","webhook_version":"2026-02-03","event_type":"message.sent","event_id":"e20feb41-7f67-43f0-89c8-a985cff3b568","data":{}}"#;
//! // What Linq would send (normally these come from the HTTP request):
//! let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
//! let signature = webhook.sign("msg_2b1m3QJ9", now, body);
//! let timestamp = now.to_string();
//! let headers = [
//!     ("webhook-id", "msg_2b1m3QJ9"),
//!     ("webhook-timestamp", timestamp.as_str()),
//!     ("webhook-signature", signature.as_str()),
//! ];
//!
//! // Only the signature and the envelope's ids, for routing or deduping:
//! let delivery = webhook.verify(body, headers)?;
//! assert_eq!(delivery.event_type(), Some("message.sent"));
//! // Deliveries are at least once: skip ids you have already handled.
//! assert_eq!(delivery.event_id(), Some("e20feb41-7f67-43f0-89c8-a985cff3b568"));
//!
//! // What a handler does: verify and decode into the typed event.
//! let body = br#"{"api_version":"v3","webhook_version":"2026-02-03","event_type":"participant.added","event_id":"evt_1","created_at":"2026-11-26T12:00:00Z","partner_id":"p_1","trace_id":"t_1","data":{"handle":"+12052499136"}}"#;
//! let signature = webhook.sign("msg_2b1m3QJA", now, body);
//! let headers = [
//!     ("webhook-id", "msg_2b1m3QJA"),
//!     ("webhook-timestamp", timestamp.as_str()),
//!     ("webhook-signature", signature.as_str()),
//! ];
//! let event = webhook.verify_event(body, headers)?;
//! assert_eq!(event.event_type, linq_webhooks::WebhookEventType::ParticipantAdded);
//! assert_eq!(event.id, "evt_1");
//!
//! // One changed byte and the delivery is refused.
//! let tampered = br#"{"api_version":"v3","webhook_version":"2026-02-03","event_type":"message.sent","event_id":"e20feb41-7f67-43f0-89c8-a985cff3b569","data":{}}"#;
//! assert!(webhook.verify(tampered, headers).unwrap_err().is_signature());
//! # Ok(())
//! # }
//! ```
//!
//! [Standard Webhooks]: https://www.standardwebhooks.com/

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "axum")]
pub mod axum;
#[cfg(any(feature = "axum", feature = "tower"))]
mod body;
pub mod dedupe;
mod error;
mod headers;
#[cfg(any(feature = "axum", feature = "tower"))]
mod integration;
#[cfg(feature = "redis")]
mod redis_dedupe;
mod secret;
mod signing;
#[cfg(feature = "tower")]
pub mod tower;
mod verified;
mod verify;

pub use dedupe::{
    Claim, ClaimToken, Dedupe, DedupeError, MemoryDedupe, Once, OnceError, process_once,
};
pub use error::WebhookError;
pub use headers::{
    HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, HeaderPair, LEGACY_HEADER_SIGNATURE,
    LEGACY_HEADER_TIMESTAMP,
};
pub use linq_types::JsonPathError;
pub use linq_types::models::WebhookEventType;
pub use linq_types::webhooks::{Event, EventAttachment, EventData};
/// The `redis` crate this crate's [`RedisDedupe`] is built on, so that its
/// connection types match.
#[cfg(feature = "redis")]
pub use redis;
#[cfg(feature = "redis")]
pub use redis_dedupe::{DEFAULT_PREFIX as REDIS_DEFAULT_PREFIX, RedisDedupe};
pub use secret::{MIN_UNPREFIXED_KEY_LEN, SECRET_ENV_VAR, Secret};
pub use verified::Verified;
pub use verify::{DEFAULT_TOLERANCE, Scheme, Webhook};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CrateReadmeDoctests;
