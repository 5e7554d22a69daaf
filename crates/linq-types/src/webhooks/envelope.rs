//! [`Envelope`]: the fields every webhook payload carries around its
//! `data`, read without decoding `data`; and [`MessageEventData`], the data
//! of message events in both payload formats. Hand-written.

use std::borrow::Cow;

use serde::de::{Deserializer, IgnoredAny};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::models::events::{LegacyMessageEvent, MessageEventV2};

/// The envelope of a webhook payload, read without decoding its `data`.
///
/// Each field is read on its own, so that one that is missing or of an odd
/// type does not hide the others; strings are borrowed from the body when
/// they can be; `data` is skipped. It is what `linq-webhooks` reads to name
/// a delivery's event and dedupe key without decoding the event.
///
/// ```
/// use linq_types::webhooks::Envelope;
///
/// let body = br#"{"event_id": "evt_1", "event_type": "message.sent", "trace_id": 7, "data": {}}"#;
/// let envelope = Envelope::read(body)?;
/// assert_eq!(envelope.event_id(), Some("evt_1"));
/// assert_eq!(envelope.event_type(), Some("message.sent"));
/// assert_eq!(envelope.trace_id(), None);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Envelope<'a> {
    #[serde(
        default,
        borrow,
        deserialize_with = "crate::models_support::lenient_str"
    )]
    api_version: Option<Cow<'a, str>>,
    #[serde(
        default,
        borrow,
        deserialize_with = "crate::models_support::lenient_str"
    )]
    created_at: Option<Cow<'a, str>>,
    #[serde(
        default,
        borrow,
        deserialize_with = "crate::models_support::lenient_str"
    )]
    event_id: Option<Cow<'a, str>>,
    #[serde(
        default,
        borrow,
        deserialize_with = "crate::models_support::lenient_str"
    )]
    event_type: Option<Cow<'a, str>>,
    #[serde(
        default,
        borrow,
        deserialize_with = "crate::models_support::lenient_str"
    )]
    partner_id: Option<Cow<'a, str>>,
    #[serde(
        default,
        borrow,
        deserialize_with = "crate::models_support::lenient_str"
    )]
    trace_id: Option<Cow<'a, str>>,
    #[serde(
        default,
        borrow,
        deserialize_with = "crate::models_support::lenient_str"
    )]
    webhook_version: Option<Cow<'a, str>>,
}

impl<'a> Envelope<'a> {
    /// Reads the envelope of `body`. Fails only when `body` is not a JSON
    /// object.
    pub fn read(body: &'a [u8]) -> Result<Self, serde_json::Error> {
        // serde reads a struct from an array too; a payload is an object.
        if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            return Err(serde::de::Error::invalid_type(
                serde::de::Unexpected::Seq,
                &"a JSON object",
            ));
        }
        serde_json::from_slice(body)
    }

    /// `event_id`: Linq's id for the event, the same on every redelivery.
    #[must_use]
    pub fn event_id(&self) -> Option<&str> {
        self.event_id.as_deref()
    }

    /// `event_type`, such as `message.received`.
    #[must_use]
    pub fn event_type(&self) -> Option<&str> {
        self.event_type.as_deref()
    }

    /// `created_at`, as sent.
    #[must_use]
    pub fn created_at(&self) -> Option<&str> {
        self.created_at.as_deref()
    }

    /// `api_version`, such as `v3`.
    #[must_use]
    pub fn api_version(&self) -> Option<&str> {
        self.api_version.as_deref()
    }

    /// `webhook_version`: the payload format, `2025-01-01` or `2026-02-03`.
    #[must_use]
    pub fn webhook_version(&self) -> Option<&str> {
        self.webhook_version.as_deref()
    }

    /// `partner_id`.
    #[must_use]
    pub fn partner_id(&self) -> Option<&str> {
        self.partner_id.as_deref()
    }

    /// `trace_id`, the server's id for support requests.
    #[must_use]
    pub fn trace_id(&self) -> Option<&str> {
        self.trace_id.as_deref()
    }
}

/// The `data` of a `message.*` event in either payload format.
///
/// The `2026-02-03` format has the message at the top level (`parts`,
/// `chat`, `direction`); the `2025-01-01` format nests it under `message`
/// beside `chat_id` and `is_from_me`. The envelope's `webhook_version`
/// says which; when it names neither, the shape decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageEventData {
    /// The `2026-02-03` format.
    V2026(Box<MessageEventV2>),
    /// The `2025-01-01` format.
    V2025(Box<LegacyMessageEvent>),
}

impl MessageEventData {
    /// The `2026-02-03` data, if that is the format.
    #[must_use]
    pub fn as_v2026(&self) -> Option<&MessageEventV2> {
        match self {
            Self::V2026(d) => Some(d),
            Self::V2025(_) => None,
        }
    }

    /// The `2025-01-01` data, if that is the format.
    #[must_use]
    pub fn as_v2025(&self) -> Option<&LegacyMessageEvent> {
        match self {
            Self::V2025(d) => Some(d),
            Self::V2026(_) => None,
        }
    }

    /// The message id, whichever the format.
    #[must_use]
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

    /// Decodes `data` in the format `webhook_version` names, or by its
    /// shape when it names neither (the one case that reads it twice).
    pub(crate) fn decode<'de, D: Deserializer<'de>>(
        webhook_version: Option<&str>,
        d: D,
    ) -> Result<Self, D::Error> {
        let v2026 = |m| Self::V2026(Box::new(m));
        let v2025 = |m| Self::V2025(Box::new(m));
        match webhook_version {
            Some("2026-02-03") => MessageEventV2::deserialize(d).map(v2026),
            Some("2025-01-01") => LegacyMessageEvent::deserialize(d).map(v2025),
            _ => {
                let raw = Box::<RawValue>::deserialize(d)?;
                let json = raw.get();
                let legacy = serde_json::from_str::<Shape>(json).is_ok_and(|s| s.is_legacy());
                let decoded = if legacy {
                    serde_json::from_str(json).map(v2025)
                } else {
                    serde_json::from_str(json).map(v2026)
                };
                decoded.map_err(serde::de::Error::custom)
            }
        }
    }
}

/// The fields that tell the two message formats apart, by presence only.
#[derive(Deserialize)]
struct Shape {
    #[serde(default)]
    parts: Seen,
    #[serde(default)]
    direction: Seen,
    #[serde(default)]
    message: Seen,
    #[serde(default)]
    is_from_me: Seen,
    #[serde(default)]
    chat_id: Seen,
}

impl Shape {
    fn is_legacy(&self) -> bool {
        !self.parts.0
            && !self.direction.0
            && (self.message.0 || self.is_from_me.0 || self.chat_id.0)
    }
}

/// Whether a field was there, whatever its value.
#[derive(Default)]
struct Seen(bool);

impl<'de> Deserialize<'de> for Seen {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d).map(|_| Seen(true))
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
