//! Types for the Linq Partner API v3: validated handles and ids, request and
//! response models, the error envelope, and every operation described as data.
//!
//! Layout: everything `cargo xtask codegen` writes is under `src/generated/`
//! ([`models`] in modules by resource, [`ops`], webhook `EventData`, the
//! operation `catalog`); the rest is written by hand: handles and ids,
//! [`Timestamp`], the error envelope, webhook `Event`s, the [`Operation`]
//! trait, and conversions that make message content short to write
//! ([`models::Part::text`], `From<&str>` for [`models::MessageContent`]).
//!
//! This crate does no I/O and pulls in no async runtime or HTTP client, so a
//! webhook receiver or a service that only passes Linq payloads around can
//! depend on it alone.
//!
//! # Features
//!
//! None is on by default; without them the crate depends on http, serde,
//! serde_json, serde_path_to_error and thiserror only, and holds what
//! sending and reading messages needs: chats, messages, attachments, polls,
//! locations and capability checks. The rest is behind features, so a
//! program compiles only the models it uses (they are most of the build).
//!
//! | feature | what it adds | what it pulls in |
//! |---|---|---|
//! | `events` | typed webhook events: `webhooks`, `Event`, `EventData` and `models::events` (linq-webhooks turns it on) | `payments`, `phone-numbers`, `webhook-subscriptions` |
//! | `catalog` | every operation as run-time data (`catalog`) and `AnyOperation`, to run an operation named by id with JSON arguments (the CLI and the MCP server use it) | every resource group |
//! | `payments` | `models::payments` and the operations of `payments`, `payment_requests`, `payment_providers`, `payment_handles` | nothing more |
//! | `phone-numbers` | `models::phone_numbers` and the operations of `phone_numbers`, `phonenumbers`, `available_number` | nothing more |
//! | `webhook-subscriptions` | `models::subscriptions` and the operations of `webhook_subscriptions`, `webhook_events` | nothing more |
//! | `contact-card` | `models::contact_cards` and the operations of `contact_card` | nothing more |
//! | `experiences` | `models::experiences` and the operations of `experiences` | nothing more |
//! | `blocked-handles` | `models::blocked_handles` and the operations of `blocked_handles` | nothing more |
//! | `chrono` | [`Timestamp`] to and from `chrono::DateTime<Utc>` | chrono, without its default features |
//! | `time` | [`Timestamp`] to and from `time::OffsetDateTime` | time, without its default features |
//! | `jiff` | [`Timestamp`] to and from `jiff::Timestamp` | jiff, without its default features |

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "catalog")]
mod any_operation;
#[cfg(feature = "catalog")]
#[cfg_attr(docsrs, doc(cfg(feature = "catalog")))]
pub mod catalog;
mod content;
mod error;
mod generated;
mod handle;
mod id;
mod json;
mod models_support;
pub mod operation;
mod pagination;
mod signing_secret;
mod timestamp;
mod validate;
#[cfg(feature = "events")]
#[cfg_attr(docsrs, doc(cfg(feature = "events")))]
pub mod webhooks;

#[cfg(feature = "catalog")]
pub use any_operation::AnyOperation;
pub use error::{ErrorCode, ErrorDetail, ErrorResponse};
pub use generated::{models, ops};
pub use handle::{Handle, HandleError, HandleKind, MAX_EMAIL_LEN};
pub use id::{
    AttachmentId, AuditId, ChatId, ExperienceId, IdError, MessageId, PaymentId, PaymentProviderId,
    PaymentRequestId, PhoneNumberId, ReactionId, SubscriptionId,
};
pub use json::{JsonPathError, decode_json};
pub use models_support::Extra;
pub use operation::{Effect, IdempotencyKey, Operation};
pub use pagination::Paginated;
pub use signing_secret::SigningSecret;
pub use timestamp::{Timestamp, TimestampError};
pub use validate::{CheckInput, IntoValid, InvalidValue};
#[cfg(feature = "events")]
pub use webhooks::{Event, EventData};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CrateReadmeDoctests;
