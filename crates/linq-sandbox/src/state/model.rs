//! Plain data the sandbox keeps: services, capabilities, chats, messages,
//! subscriptions, and how each renders as the API's JSON.

use std::fmt;

use serde_json::{Value, json};

use super::polls::Poll;

/// A messaging service a chat runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// Apple's iMessage.
    IMessage,
    /// RCS.
    Rcs,
    /// Plain SMS.
    Sms,
}

impl Service {
    /// The name the API uses (`iMessage`, `RCS`, `SMS`).
    pub fn as_str(self) -> &'static str {
        match self {
            Service::IMessage => "iMessage",
            Service::Rcs => "RCS",
            Service::Sms => "SMS",
        }
    }

    /// Parses the API's name for a service.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "iMessage" => Some(Service::IMessage),
            "RCS" => Some(Service::Rcs),
            "SMS" => Some(Service::Sms),
            _ => None,
        }
    }

    /// Preference order when a chat's service is picked for its members.
    pub const ALL: [Service; 3] = [Service::IMessage, Service::Rcs, Service::Sms];
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which services a handle can be reached on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Capabilities {
    /// Reachable over iMessage.
    pub imessage: bool,
    /// Reachable over RCS.
    pub rcs: bool,
    /// Reachable over SMS.
    pub sms: bool,
}

impl Capabilities {
    /// iMessage only (the default for email addresses).
    pub const IMESSAGE_ONLY: Capabilities = Capabilities {
        imessage: true,
        rcs: false,
        sms: false,
    };
    /// Every service.
    pub const ALL: Capabilities = Capabilities {
        imessage: true,
        rcs: true,
        sms: true,
    };
    /// No service at all: the handle cannot be messaged.
    pub const NONE: Capabilities = Capabilities {
        imessage: false,
        rcs: false,
        sms: false,
    };

    /// The sandbox's default for a handle it was told nothing about: an
    /// email address reaches iMessage only (the one service that
    /// addresses email); a phone number reaches every service. A test that
    /// needs an RCS-only or unreachable number says so with
    /// `Sandbox::set_capabilities`.
    pub fn default_for(handle: &str) -> Capabilities {
        if handle.contains('@') {
            Capabilities::IMESSAGE_ONLY
        } else {
            Capabilities::ALL
        }
    }

    /// Reads `{"imessage": bool, "rcs": bool, "sms": bool}`; a missing
    /// service is unreachable, an unknown key is refused.
    pub fn from_json(value: &Value) -> Result<Capabilities, String> {
        let map = value
            .as_object()
            .ok_or("capabilities are an object of imessage, rcs and sms")?;
        let mut caps = Capabilities::NONE;
        for (key, v) in map {
            let on = v
                .as_bool()
                .ok_or_else(|| format!("{key} must be true or false"))?;
            match key.as_str() {
                "imessage" => caps.imessage = on,
                "rcs" => caps.rcs = on,
                "sms" => caps.sms = on,
                other => return Err(format!("unknown service {other:?}")),
            }
        }
        Ok(caps)
    }

    /// True when `service` reaches the handle.
    pub fn supports(self, service: Service) -> bool {
        match service {
            Service::IMessage => self.imessage,
            Service::Rcs => self.rcs,
            Service::Sms => self.sms,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub id: String,
    pub number: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub id: String,
    pub handle: String,
    pub joined_at: String,
    pub left_at: Option<String>,
    /// `active`, `left` or `removed`.
    pub status: &'static str,
    pub is_me: bool,
}

impl Member {
    pub fn active(&self) -> bool {
        self.status == "active"
    }

    pub fn json(&self, service: Service) -> Value {
        json!({
            "id": self.id,
            "handle": self.handle,
            "joined_at": self.joined_at,
            "service": service.as_str(),
            "is_me": self.is_me,
            "left_at": self.left_at,
            "status": self.status,
        })
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Chat {
    pub seq: u64,
    pub id: String,
    pub line: String,
    pub members: Vec<Member>,
    pub service: Service,
    pub is_group: bool,
    pub display_name: Option<String>,
    pub icon: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub typing: bool,
    /// The transcript background, as `chat.background_updated` shows it.
    pub background: Option<Value>,
    /// The recipient sent an opt-out keyword in this (1:1) chat.
    pub opted_out: bool,
}

impl Chat {
    pub fn me(&self) -> &Member {
        self.members
            .iter()
            .find(|m| m.is_me)
            .expect("every chat has the account's line as a member")
    }

    pub fn me_active(&self) -> bool {
        self.me().active()
    }

    pub fn active_count(&self) -> usize {
        self.members.iter().filter(|m| m.active()).count()
    }

    pub fn active_member(&self, handle: &str) -> Option<&Member> {
        self.members
            .iter()
            .find(|m| m.active() && m.handle == handle)
    }

    /// Handles of the other active members, sorted: the recipient set.
    pub fn recipients(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .members
            .iter()
            .filter(|m| m.active() && !m.is_me)
            .map(|m| m.handle.clone())
            .collect();
        v.sort();
        v
    }

    /// The chat's health: `OPTED_OUT` where the recipient sent an opt-out
    /// keyword in it, else `HEALTHY`.
    pub fn health(&self) -> Value {
        json!({
            "doc_url": "https://docs.linqapp.com/channel/imessage/guides/chat-health",
            "status": if self.opted_out { "OPTED_OUT" } else { "HEALTHY" },
            "updated_at": self.updated_at,
        })
    }

    pub fn handles_json(&self) -> Vec<Value> {
        self.members.iter().map(|m| m.json(self.service)).collect()
    }

    /// The `Chat` schema.
    pub fn json(&self) -> Value {
        json!({
            "id": self.id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "display_name": self.display_name,
            "handles": self.handles_json(),
            "health_status": self.health(),
            "is_archived": false,
            "is_group": self.is_group,
            "group_chat_icon": self.icon,
            "service": self.service.as_str(),
        })
    }

    /// `ChatCreatedWebhookEventData`.
    pub fn created_event(&self) -> Value {
        json!({
            "id": self.id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "display_name": self.display_name,
            "handles": self.handles_json(),
            "health_status": self.health(),
            "is_group": self.is_group,
            "service": self.service.as_str(),
        })
    }

    /// `MessageEventV2Chat`.
    pub fn event_chat(&self) -> Value {
        json!({
            "id": self.id,
            "health_status": self.health(),
            "is_group": self.is_group,
            "owner_handle": self.me().json(self.service),
        })
    }
}

/// Where an outbound message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Status {
    Queued,
    Sent,
    Delivered,
    Read,
    /// An inbound message (from someone else).
    Received,
    /// An outbound message that could not be delivered.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Sent => "sent",
            Status::Delivered => "delivered",
            Status::Read => "read",
            Status::Received => "received",
            Status::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Reaction {
    pub id: String,
    pub part_index: usize,
    pub kind: String,
    pub custom_emoji: Option<String>,
    /// Who reacted: the account's line or another member.
    pub from: String,
    /// Where a sticker sits on the bubble (x, y, scale, rotation).
    pub placement: Option<Value>,
}

#[derive(Debug, Clone)]
pub(crate) struct Message {
    pub seq: u64,
    pub id: String,
    pub chat_id: String,
    /// Parts in their reply form, without reactions.
    pub parts: Vec<Value>,
    pub status: Status,
    pub is_from_me: bool,
    /// The sender's handle.
    pub from: String,
    pub created_at: String,
    pub updated_at: String,
    pub sent_at: Option<String>,
    pub delivered_at: Option<String>,
    pub read_at: Option<String>,
    pub is_read: bool,
    pub service: Service,
    pub preferred_service: Option<String>,
    pub reply_to: Option<Value>,
    pub effect: Option<Value>,
    pub idempotency_key: Option<String>,
    pub reactions: Vec<Reaction>,
    /// Set on a poll-definition message.
    pub poll: Option<Poll>,
}

impl Message {
    /// The reactions on part `index` (every part for `None`), as replies
    /// show them.
    pub fn reactions_json(&self, chat: &Chat, index: Option<usize>) -> Vec<Value> {
        let me = chat.me();
        self.reactions
            .iter()
            .filter(|r| index.is_none_or(|i| r.part_index == i))
            .map(|r| {
                let by = chat
                    .members
                    .iter()
                    .find(|m| m.handle == r.from)
                    .unwrap_or(me);
                let mut reaction = json!({
                    "handle": by.json(chat.service),
                    "is_me": by.is_me,
                    "type": r.kind,
                    "id": r.id,
                    "custom_emoji": r.custom_emoji,
                });
                if let Some(placement) = &r.placement {
                    reaction["placement"] = placement.clone();
                }
                reaction
            })
            .collect()
    }

    fn parts_with_reactions(&self, chat: &Chat) -> Vec<Value> {
        self.parts
            .iter()
            .enumerate()
            .map(|(i, part)| {
                let mut part = part.clone();
                let reactions = self.reactions_json(chat, Some(i));
                if let Some(obj) = part.as_object_mut() {
                    obj.insert(
                        "reactions".into(),
                        if reactions.is_empty() {
                            Value::Null
                        } else {
                            Value::Array(reactions)
                        },
                    );
                }
                part
            })
            .collect()
    }

    fn sender_json(&self, chat: &Chat) -> Value {
        chat.members
            .iter()
            .find(|m| m.handle == self.from)
            .map(|m| m.json(chat.service))
            .unwrap_or(Value::Null)
    }

    /// The `Message` schema.
    pub fn json(&self, chat: &Chat) -> Value {
        json!({
            "id": self.id,
            "chat_id": self.chat_id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "delivery_status": self.status.as_str(),
            "is_delivered": matches!(self.status, Status::Delivered | Status::Read | Status::Received),
            "is_from_me": self.is_from_me,
            "is_read": self.is_read,
            "sent_at": self.sent_at,
            "delivered_at": self.delivered_at,
            "read_at": self.read_at,
            "from": self.from,
            "from_handle": self.sender_json(chat),
            "parts": self.parts_with_reactions(chat),
            "service": self.service.as_str(),
            "preferred_service": self.preferred_service,
            "reply_to": self.reply_to,
            "effect": self.effect,
        })
    }

    /// The `SentMessage` schema, as send replies carry it.
    pub fn sent_json(&self, chat: &Chat) -> Value {
        json!({
            "id": self.id,
            "created_at": self.created_at,
            "delivery_status": self.status.as_str(),
            "is_read": self.is_read,
            "parts": self.parts_with_reactions(chat),
            "sent_at": self.sent_at,
            "delivered_at": self.delivered_at,
            "from_handle": self.sender_json(chat),
            "service": self.service.as_str(),
            "preferred_service": self.preferred_service,
            "reply_to": self.reply_to,
            "effect": self.effect,
        })
    }

    /// The `data` of the message events in payload version 2025-01-01
    /// (`MessageEvent` in the older reference): chat and sender at the top,
    /// the message nested.
    pub fn event_json_v1(&self, chat: &Chat) -> Value {
        let sender = chat
            .members
            .iter()
            .find(|m| m.handle == self.from)
            .map(|m| m.json(chat.service))
            .unwrap_or(Value::Null);
        let mut message = json!({
            "id": self.id,
            "parts": self.parts,
            "is_delivered": matches!(self.status, Status::Delivered | Status::Read | Status::Received),
            "is_read": self.is_read,
            "sent_at": self.sent_at,
            "delivered_at": self.delivered_at,
            "read_at": self.read_at,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        });
        if let Some(effect) = &self.effect {
            message["effect"] = effect.clone();
        }
        if let Some(reply_to) = &self.reply_to {
            message["reply_to"] = reply_to.clone();
        }
        let inbound = !self.is_from_me;
        json!({
            "chat_id": self.chat_id,
            "is_group": chat.is_group,
            "idempotency_key": self.idempotency_key,
            "from": self.from,
            "from_handle": sender,
            "message": message,
            "recipient_phone": if inbound { json!(chat.line) } else { Value::Null },
            "recipient_handle": if inbound { chat.me().json(chat.service) } else { Value::Null },
            "is_from_me": self.is_from_me,
            "received_at": if inbound { json!(self.created_at) } else { Value::Null },
            "service": self.service.as_str(),
            "preferred_service": self.preferred_service,
        })
    }

    /// `MessageEventV2`, the `data` of the message.* events.
    pub fn event_json(&self, chat: &Chat) -> Value {
        let sender = chat
            .members
            .iter()
            .find(|m| m.handle == self.from)
            .map(|m| m.json(chat.service))
            .unwrap_or_else(|| chat.me().json(chat.service));
        json!({
            "id": self.id,
            "chat": chat.event_chat(),
            "direction": if self.is_from_me { "outbound" } else { "inbound" },
            "parts": self.parts,
            "sender_handle": sender,
            "service": self.service.as_str(),
            "sent_at": self.sent_at,
            "delivered_at": self.delivered_at,
            "read_at": self.read_at,
            "idempotency_key": self.idempotency_key,
            "preferred_service": self.preferred_service,
            "reply_to": self.reply_to,
            "effect": self.effect,
            "zero_retention": false,
        })
    }
}

/// The webhook payload versions a target URL may ask for.
pub(crate) const PAYLOAD_VERSIONS: [&str; 2] = ["2025-01-01", crate::WEBHOOK_VERSION];

/// The `version` a target URL asks for in its query, if any.
pub(crate) fn payload_version(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or_default();
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "version")
        .map(|(_, v)| v.to_owned())
}

#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    pub id: String,
    pub secret: String,
    pub target_url: String,
    pub events: Vec<String>,
    pub phone_numbers: Vec<String>,
    pub is_active: bool,
    pub routing_id_header: Option<String>,
    pub routing_key_header: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Subscription {
    /// The `WebhookSubscription` schema (no secret).
    pub fn json(&self) -> Value {
        json!({
            "id": self.id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "is_active": self.is_active,
            "subscribed_events": self.events,
            "target_url": self.target_url,
            "phone_numbers": self.phone_numbers,
            "routing_id_header": self.routing_id_header,
            "routing_key_header": self.routing_key_header,
        })
    }

    /// Whether the target asked for the 2025-01-01 payloads.
    pub fn wants_v1(&self) -> bool {
        payload_version(&self.target_url).as_deref() == Some("2025-01-01")
    }

    pub fn wants(&self, event_type: &str, line: Option<&str>) -> bool {
        self.is_active
            && self.events.iter().any(|e| e == event_type)
            && (self.phone_numbers.is_empty()
                || line.is_none_or(|l| self.phone_numbers.iter().any(|p| p == l)))
    }
}
/// Most bytes one attachment may declare.
pub(crate) const MAX_ATTACHMENT_BYTES: i64 = 100 << 20;

/// A reserved upload and, once PUT, its bytes.
#[derive(Debug, Clone)]
pub(crate) struct Attachment {
    pub id: String,
    pub content_type: String,
    pub filename: String,
    pub size_bytes: i64,
    pub created_at: String,
    pub download_url: String,
    pub data: Option<bytes::Bytes>,
}

impl Attachment {
    pub fn json(&self) -> Value {
        json!({
            "id": self.id,
            "content_type": self.content_type,
            "created_at": self.created_at,
            "filename": self.filename,
            "size_bytes": self.size_bytes,
            "status": if self.data.is_some() { "complete" } else { "pending" },
            "download_url": self.data.as_ref().map(|_| self.download_url.clone()),
        })
    }

    pub fn part_json(&self) -> Value {
        json!({
            "type": "media",
            "id": self.id,
            "filename": self.filename,
            "mime_type": self.content_type,
            "size_bytes": self.size_bytes,
            "url": self.download_url,
        })
    }
}

/// Something mock mode made exist because a request named it.
#[derive(Debug, Clone)]
pub(crate) enum MadeUp {
    Chat(String),
    Message(String),
    Subscription(String),
    Attachment(String),
    Line(String),
}

/// A poll's JSON names its options' creators as members of its chat.
impl Poll {
    /// The poll object of replies and `poll.*` events.
    pub fn json(&self, chat: &Chat) -> Value {
        let options: Vec<Value> = self
            .options
            .iter()
            .map(|o| {
                let creator = chat
                    .members
                    .iter()
                    .find(|m| m.handle == o.creator)
                    .unwrap_or_else(|| chat.me());
                json!({
                    "option_id": o.id,
                    "text": o.text,
                    // Options are add-only and immutable.
                    "can_be_edited": false,
                    "creator_handle": creator.json(chat.service),
                    "voters": o.voters.iter().map(|(h, at)| json!({"handle": h, "voted_at": at})).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({"options": options, "total_voters": self.total_voters()})
    }
}
