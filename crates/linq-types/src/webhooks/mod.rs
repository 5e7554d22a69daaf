//! Webhook payloads: [`Event`] decodes any of them, the envelope once and
//! `data` typed by `event_type` ([`EventData`]).
//!
//! Event types without a payload model in the description (the `call.*`
//! events) keep their `data` as JSON, and event types this version does not
//! know decode as [`EventData::Unknown`] with their data kept. Message
//! events arrive in two formats, picked per subscription: `2025-01-01`
//! (message nested under `message`) and `2026-02-03` (flat);
//! [`MessageEventData`] holds either and reads both the same way.
//!
//! This module only decodes. Check the signature first (`linq-webhooks`).
//! `EventData` is generated (`generated/webhooks.rs`); the envelope, the
//! event and the two-format message data are written by hand.

mod envelope;
mod event;

pub use crate::generated::webhooks::{EVENT_TYPES, EventData};
pub use envelope::{Envelope, MessageEventData};
pub use event::{Event, EventAttachment};
