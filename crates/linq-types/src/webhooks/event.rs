//! [`Event`]: a webhook delivery as a handler reads it, the envelope once and
//! the data by event type; and the accessors that read a message event the
//! same way in both payload formats. Hand-written; `EventData` is generated.

use std::borrow::Cow;

use std::fmt;

use serde::de::{DeserializeSeed, Error as _, IgnoredAny, MapAccess, Visitor};
use serde::ser::SerializeStruct as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use super::MessageEventData;
use crate::generated::webhooks::EventData;
use crate::models::ServiceType;
use crate::models::events::{EventMediaPart, EventPart};
use crate::models::subscriptions::WebhookEventType;
use crate::models_support::Lenient;
use crate::{AttachmentId, ChatId, JsonPathError, Timestamp};

/// One webhook event: who sent it and when, and what happened (`data`).
///
/// ```
/// use linq_types::webhooks::{Event, EventData};
///
/// let body = r#"{
///   "api_version": "v3", "event_id": "evt_1", "event_type": "message.received",
///   "created_at": "2026-02-03T04:05:06Z", "partner_id": "p_1", "trace_id": "t_1",
///   "webhook_version": "2026-02-03",
///   "data": {
///     "id": "550e8400-e29b-41d4-a716-446655440001", "direction": "inbound", "service": "iMessage",
///     "chat": {"id": "550e8400-e29b-41d4-a716-446655440000"},
///     "sender_handle": {"handle": "+12025550147", "id": "h_1",
///                       "joined_at": "2026-02-03T04:00:00Z", "service": "iMessage"},
///     "parts": [{"type": "text", "value": "hi"}]
///   }
/// }"#;
/// let event = Event::from_json(body.as_bytes())?;
/// if let EventData::MessageReceived(message) = &event.data {
///     assert_eq!(message.texts().collect::<Vec<_>>(), ["hi"]);
///     assert_eq!(message.sender(), Some("+12025550147"));
///     assert!(message.is_inbound());
/// }
/// # Ok::<(), linq_types::JsonPathError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// The event's id (`event_id`): the same on every redelivery and on
    /// every subscription it goes to, so it is the key to deduplicate on.
    pub id: String,
    /// What kind of event this is.
    pub event_type: WebhookEventType,
    /// When the event was created.
    pub created_at: Timestamp,
    /// Your partner id.
    pub partner_id: String,
    /// The server's trace id, for support requests.
    pub trace_id: String,
    /// The payload format, such as `2025-01-01` or `2026-02-03`.
    pub webhook_version: String,
    /// The API version of the payload, such as `v3`.
    pub api_version: String,
    /// What happened, typed by event type.
    pub data: EventData,
}

impl Event {
    /// The message of a `message.*` event, in either payload format.
    #[must_use]
    pub fn message(&self) -> Option<&MessageEventData> {
        match &self.data {
            EventData::MessageSent(m)
            | EventData::MessageReceived(m)
            | EventData::MessageRead(m)
            | EventData::MessageDelivered(m) => Some(m),
            _ => None,
        }
    }
}

impl Event {
    /// Decodes a payload in one pass: the envelope fields, then `data`
    /// straight from the bytes as the type `event_type` names (Linq sends
    /// `event_type` before `data`; a body that puts `data` first has it kept
    /// as raw JSON and decoded at the end). An error says where
    /// ([`JsonPathError::path`], such as `data.parts[0].value`).
    ///
    /// This checks no signature: a delivery off the network goes through
    /// `linq_webhooks::Webhook::verify_event`, which calls this after the
    /// signature checked out.
    pub fn from_json(body: &[u8]) -> Result<Self, JsonPathError> {
        crate::decode_json(body)
    }
}

/// JSON only (any serde_json source, `from_value` included): `data` is
/// decoded as the type `event_type` names, without an intermediate value.
impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(EventVisitor)
    }
}

struct EventVisitor;

/// `data` as decoded, or kept as raw JSON when it came before `event_type`.
// Lives on the stack for one decode; boxing the common case would cost an
// allocation for nothing.
#[allow(clippy::large_enum_variant)]
enum Data {
    Decoded(EventData),
    Raw(Box<RawValue>),
}

impl<'de> Visitor<'de> for EventVisitor {
    type Value = Event;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a webhook payload (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event, A::Error> {
        let mut fields: [Option<Cow<'de, str>>; 7] = Default::default();
        let mut data = None;
        while let Some(key) = map.next_key::<Lenient<'de>>()? {
            let slot = match key.0.as_deref() {
                Some("event_id") => 0,
                Some("event_type") => 1,
                Some("created_at") => 2,
                Some("webhook_version") => 3,
                Some("api_version") => 4,
                Some("partner_id") => 5,
                Some("trace_id") => 6,
                Some("data") if data.is_none() => {
                    data = Some(match fields[1].as_deref() {
                        Some(event_type) => Data::Decoded(map.next_value_seed(DataSeed {
                            event_type,
                            webhook_version: fields[3].as_deref(),
                        })?),
                        None => Data::Raw(map.next_value()?),
                    });
                    continue;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            if fields[slot].is_some() {
                return Err(A::Error::custom(format_args!(
                    "duplicate field `{}`",
                    NAMES[slot]
                )));
            }
            fields[slot] = map.next_value::<Lenient<'de>>()?.0;
        }
        let [
            event_id,
            event_type,
            created_at,
            webhook_version,
            api_version,
            partner_id,
            trace_id,
        ] = fields;
        // The envelope's id, type and time are what a handler cannot do
        // without; the rest decode as empty when a (newer, or stripped-down)
        // sender leaves them out.
        let id = event_id.ok_or_else(|| A::Error::missing_field("event_id"))?;
        let event_type = event_type.ok_or_else(|| A::Error::missing_field("event_type"))?;
        let created_at = created_at
            .ok_or_else(|| A::Error::missing_field("created_at"))?
            .parse::<Timestamp>()
            .map_err(|e| A::Error::custom(format_args!("created_at: {e}")))?;
        let data = match data {
            Some(Data::Decoded(data)) => data,
            Some(Data::Raw(raw)) => {
                let json = raw.get();
                let seed = || DataSeed {
                    event_type: &event_type,
                    webhook_version: webhook_version.as_deref(),
                };
                let mut de = serde_json::Deserializer::from_str(json);
                match seed()
                    .deserialize(&mut de)
                    .and_then(|d| de.end().map(|()| d))
                {
                    Ok(data) => data,
                    // Decoded apart from the body, so the path goes into the text.
                    Err(e) => {
                        let path = crate::json::locate_with(json, seed());
                        let at = if path == "." {
                            "data".to_owned()
                        } else {
                            format!("data.{path}")
                        };
                        return Err(A::Error::custom(format_args!("{at}: {e}")));
                    }
                }
            }
            None => EventData::decode(
                &event_type,
                webhook_version.as_deref(),
                serde_json::Value::Null,
            )
            .map_err(|e| A::Error::custom(format_args!("data: {e}")))?,
        };
        let owned = |field: Option<Cow<'de, str>>| field.map(Cow::into_owned).unwrap_or_default();
        Ok(Event {
            id: id.into_owned(),
            event_type: match event_type {
                Cow::Borrowed(known) => WebhookEventType::from(known),
                Cow::Owned(text) => WebhookEventType::from(text),
            },
            created_at,
            partner_id: owned(partner_id),
            trace_id: owned(trace_id),
            webhook_version: owned(webhook_version),
            api_version: owned(api_version),
            data,
        })
    }
}

const NAMES: [&str; 7] = [
    "event_id",
    "event_type",
    "created_at",
    "webhook_version",
    "api_version",
    "partner_id",
    "trace_id",
];

/// Decodes `data` as its event type names, in place.
struct DataSeed<'s> {
    event_type: &'s str,
    webhook_version: Option<&'s str>,
}

impl<'de> DeserializeSeed<'de> for DataSeed<'_> {
    type Value = EventData;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<EventData, D::Error> {
        EventData::decode(self.event_type, self.webhook_version, d)
    }
}

/// Encodes the payload as Linq sends it, envelope first and `data` last.
impl Serialize for Event {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("Event", 8)?;
        out.serialize_field("api_version", &self.api_version)?;
        out.serialize_field("webhook_version", &self.webhook_version)?;
        out.serialize_field("event_type", &self.event_type)?;
        out.serialize_field("event_id", &self.id)?;
        out.serialize_field("created_at", &self.created_at)?;
        out.serialize_field("trace_id", &self.trace_id)?;
        out.serialize_field("partner_id", &self.partner_id)?;
        out.serialize_field("data", &self.data)?;
        out.end()
    }
}

/// A file attached to a message event: enough to show it or fetch it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventAttachment<'a> {
    /// The attachment's id (for `client.attachments().retrieve(..)`).
    pub id: &'a AttachmentId,
    /// Where to download it; the URL expires.
    pub url: &'a str,
    /// Its MIME type, such as `image/jpeg`.
    pub mime_type: &'a str,
    /// Its size in bytes.
    pub size_bytes: i64,
    /// Its file name.
    pub filename: &'a str,
}

impl<'a> From<&'a EventMediaPart> for EventAttachment<'a> {
    fn from(p: &'a EventMediaPart) -> Self {
        Self {
            id: &p.id,
            url: &p.url,
            mime_type: &p.mime_type,
            size_bytes: p.size_bytes,
            filename: &p.filename,
        }
    }
}

/// Reading a message event without caring which payload format it came in.
impl MessageEventData {
    /// The chat the message is in.
    #[must_use]
    pub fn chat_id(&self) -> Option<&ChatId> {
        match self {
            Self::V2026(d) => Some(&d.chat.id),
            Self::V2025(d) => d.chat_id.as_ref(),
        }
    }

    /// The message's parts, in order (empty on zero-retention lines).
    #[must_use]
    pub fn parts(&self) -> &[EventPart] {
        match self {
            Self::V2026(d) => &d.parts,
            Self::V2025(d) => d
                .message
                .as_ref()
                .and_then(|m| m.parts.as_deref())
                .unwrap_or_default(),
        }
    }

    /// The text of each text part, in order.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.parts().iter().filter_map(|p| match p {
            EventPart::Text(t) => Some(t.value.as_str()),
            _ => None,
        })
    }

    /// The files attached to it, in order.
    pub fn attachments(&self) -> impl Iterator<Item = EventAttachment<'_>> {
        self.parts().iter().filter_map(|p| match p {
            EventPart::Media(m) => Some(EventAttachment::from(m)),
            _ => None,
        })
    }

    /// Who sent it: a phone number, an email address, or a short code.
    #[must_use]
    pub fn sender(&self) -> Option<&str> {
        match self {
            Self::V2026(d) => Some(d.sender_handle.handle.as_str()),
            #[allow(deprecated)]
            Self::V2025(d) => d
                .from_handle
                .as_ref()
                .map(|h| h.handle.as_str())
                .or(d.from.as_deref()),
        }
    }

    /// True when someone else sent it to one of your lines. False for your
    /// own messages, and when the payload does not say (so an echo bot
    /// never answers itself).
    #[must_use]
    pub fn is_inbound(&self) -> bool {
        match self {
            Self::V2026(d) => d.direction == crate::models::events::Direction::Inbound,
            Self::V2025(d) => match (d.is_from_me, d.from_handle.as_ref().and_then(|h| h.is_me)) {
                (Some(mine), _) | (None, Some(mine)) => !mine,
                (None, None) => false,
            },
        }
    }

    /// The network it travelled on.
    #[must_use]
    pub fn service(&self) -> Option<&ServiceType> {
        match self {
            Self::V2026(d) => Some(&d.service),
            Self::V2025(d) => d.service.as_ref(),
        }
    }
}
