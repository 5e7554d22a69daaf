//! The envelope every webhook payload shares, and the `data` of message
//! events in both payload formats. Hand-written; the rest of this module is
//! generated.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Timestamp;
use crate::models::events::{LegacyMessageEvent, MessageEventV2};
use crate::models::subscriptions::WebhookEventType;

/// The fields every webhook payload carries, around the event's `data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEnvelope<D> {
    /// API version of the payload, such as `v3`.
    pub api_version: String,
    /// When the event was created.
    pub created_at: Timestamp,
    /// What happened.
    pub data: D,
    /// Unique per event and the same on every retry: use it to deduplicate.
    pub event_id: String,
    /// The kind of event.
    pub event_type: WebhookEventType,
    /// Your partner id.
    pub partner_id: String,
    /// The server's trace id.
    pub trace_id: String,
    /// Payload format, such as `2025-01-01` or `2026-02-03`.
    pub webhook_version: String,
    /// Fields the API description does not declare, kept as sent.
    #[serde(flatten)]
    pub extra: crate::Extra,
}

/// A payload whose `data` has no model in the API description.
pub type RawWebhookEvent = WebhookEnvelope<serde_json::Value>;

/// The `data` of a `message.*` event in either payload format.
///
/// The format is told apart by shape: the `2026-02-03` format has the
/// message at the top level (`parts`, `chat`, `direction`), the
/// `2025-01-01` format nests it under `message` beside `chat_id` and
/// `is_from_me`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageEventData {
    /// The `2026-02-03` format.
    V2026(Box<MessageEventV2>),
    /// The `2025-01-01` format.
    V2025(Box<LegacyMessageEvent>),
}

impl MessageEventData {
    /// The `2026-02-03` data, if that is the format.
    pub fn as_v2026(&self) -> Option<&MessageEventV2> {
        match self {
            Self::V2026(d) => Some(d),
            Self::V2025(_) => None,
        }
    }

    /// The `2025-01-01` data, if that is the format.
    pub fn as_v2025(&self) -> Option<&LegacyMessageEvent> {
        match self {
            Self::V2025(d) => Some(d),
            Self::V2026(_) => None,
        }
    }

    /// The message id, whichever the format.
    pub fn message_id(&self) -> Option<&crate::MessageId> {
        match self {
            Self::V2026(d) => Some(&d.id),
            Self::V2025(d) => d
                .message
                .as_ref()
                .and_then(|m| m.id.as_ref())
                .or(d.message_id.as_ref()),
        }
    }
}

impl Serialize for MessageEventData {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::V2026(d) => d.serialize(s),
            Self::V2025(d) => d.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for MessageEventData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = serde_json::Value::deserialize(d)?;
        let legacy = raw.get("parts").is_none()
            && raw.get("direction").is_none()
            && (raw.get("message").is_some()
                || raw.get("is_from_me").is_some()
                || raw.get("chat_id").is_some());
        // Decoding through a `Value` loses serde's position, so the path
        // inside the message goes into the error text.
        fn at<E: serde::de::Error>(e: serde_path_to_error::Error<serde_json::Error>) -> E {
            let path = e.path().to_string();
            E::custom(format!("{path}: {}", e.into_inner()))
        }
        if legacy {
            serde_path_to_error::deserialize(raw)
                .map(|v| Self::V2025(Box::new(v)))
                .map_err(at)
        } else {
            serde_path_to_error::deserialize(raw)
                .map(|v| Self::V2026(Box::new(v)))
                .map_err(at)
        }
    }
}
