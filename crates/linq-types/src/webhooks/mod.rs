//! Webhook payloads: [`WebhookEvent`] decodes any of them, dispatched on
//! `event_type`.
//!
//! Every known event type has a variant holding the payload type the API
//! description names for it: the common envelope ([`WebhookEnvelope`])
//! around typed `data`. Types without a payload model in the description
//! (the `call.*` events) keep their `data` as raw JSON, and event types this
//! version does not know decode as [`WebhookEvent::Unknown`] with the whole
//! payload kept. Message events arrive in two formats, picked per
//! subscription: `2025-01-01` (message nested under `message`) and
//! `2026-02-03` (flat); [`MessageEventData`] accepts both.
//!
//! This module only decodes. Check the signature first (`linq-webhooks`).
//! The enum is generated (`generated/webhooks.rs`); the envelope and the
//! two-format message data are written by hand (`envelope.rs`).

mod envelope;
mod event;

pub use crate::generated::webhooks::{EVENT_TYPES, EventData, WebhookEvent};
pub use envelope::{MessageEventData, RawWebhookEvent, WebhookEnvelope};
pub use event::{Event, EventAttachment};
