//! Everything the sandbox knows about the account, and the rules shared by
//! the operations: lookups, service choice, events, and what happens as
//! time advances. The handlers that change it are in `crate::ops`.

pub(crate) mod blocked_handles;
pub(crate) mod contact_cards;
pub(crate) mod experiences;
pub(crate) mod location;
pub(crate) mod model;
pub(crate) mod numbers;
mod opt_out;
pub(crate) mod payments;
pub(crate) mod polls;
mod simulate;

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use serde_json::{Value, json};

use crate::clock::{Clock, Ids, Time};
use crate::reply::{Fail, Reply, bad, chat_not_found, fail, message_not_found};
use crate::spec::{self, Filler};
use model::{Attachment, Capabilities, Chat, Line, Member, Message, Service, Status, Subscription};

/// The payload version the sandbox emits.
pub const WEBHOOK_VERSION: &str = "2026-02-03";
/// The API version in every event.
pub const API_VERSION: &str = "v3";

/// A change accepted with 202 and applied on the next advance.
#[derive(Debug, Clone)]
pub(crate) enum Pending {
    AddMember {
        chat: String,
        handle: String,
    },
    RemoveMember {
        chat: String,
        handle: String,
    },
    Leave {
        chat: String,
    },
    Rename {
        chat: String,
        name: String,
    },
    Icon {
        chat: String,
        url: String,
    },
    /// The contact accepts a location request.
    ShareLocation {
        chat: String,
        handle: String,
    },
    /// The contact's device stops sharing (with that line, in every chat).
    StopSharing {
        line: String,
        handle: String,
    },
    /// A transcript background is applied (`None` removes it).
    Background {
        chat: String,
        background: Option<Value>,
    },
}

/// An event waiting to be signed and delivered.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub event_type: String,
    /// The account line it concerns, for `phone_numbers` filters.
    pub line: Option<String>,
    pub envelope: Value,
    /// The `data` in the 2025-01-01 payload version, for the message events
    /// whose shape differs there.
    pub v1_data: Option<Value>,
}

/// The first reply to a keyed send, and the request that got it.
#[derive(Debug, Clone)]
pub(crate) struct Remembered {
    pub message_id: String,
    pub request: Value,
    pub status: u16,
    pub body: Value,
}

/// Settings a sandbox starts with.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub api_key: String,
    pub control_key: String,
    pub api_prefix: String,
    pub seed: u32,
    pub clock: Clock,
    pub tick: Duration,
    pub lines: Vec<String>,
    pub mock: bool,
}

/// Everything the sandbox knows, behind one mutex.
#[derive(Debug, Clone)]
pub(crate) struct State {
    pub(crate) api_key: String,
    pub(crate) control_key: String,
    /// Where the API is answered when served, such as `/api/partner`.
    pub(crate) api_prefix: String,
    pub(crate) mock: bool,
    pub(crate) partner_id: String,
    pub(crate) ids: Ids,
    pub(crate) time: Time,
    pub(crate) tick: Duration,
    pub(crate) lines: Vec<Line>,
    pub(crate) caps: HashMap<String, Capabilities>,
    pub(crate) chats: Vec<Chat>,
    pub(crate) messages: Vec<Message>,
    pub(crate) subs: Vec<Subscription>,
    /// Keyed by (operation id, chat id or empty, idempotency key).
    pub(crate) remembered: HashMap<(String, String, String), Remembered>,
    pub(crate) pending: VecDeque<Pending>,
    pub(crate) outbox: Vec<Event>,
    pub(crate) emitted: Vec<Value>,
    pub(crate) attachments: Vec<Attachment>,
    pub(crate) seq: u64,
    /// Handles that sent an opt-out keyword (STOP, …) and have not written
    /// since: sends to them are refused.
    pub(crate) opted_out: std::collections::HashSet<String>,
    /// Contacts sharing their location with your lines.
    pub(crate) shares: Vec<location::Share>,
    /// Contact cards, one per line at most.
    pub(crate) contact_cards: Vec<contact_cards::ContactCard>,
    /// When each chat last had a contact card shared into it (Unix secs).
    pub(crate) card_shared: HashMap<String, u64>,
    /// What mock mode made exist, oldest first (bounded).
    pub(crate) made_up: VecDeque<model::MadeUp>,
    /// Phone number settings, reputation audits, available numbers.
    pub(crate) numbers: numbers::Numbers,
    pub(crate) payments: payments::Payments,
    pub(crate) blocked: blocked_handles::BlockedHandles,
    pub(crate) experiences: experiences::Experiences,
}

/// The data of `poll.sent`, `.delivered` and `.read` for a poll message.
pub(crate) fn polls_event(m: &Message, chat: &Chat) -> Value {
    let poll = m.poll.as_ref().map(|p| p.json(chat));
    json!({
        "chat": chat.event_chat(),
        "created_at": m.created_at,
        "updated_at": m.updated_at,
        "direction": if m.is_from_me { "outbound" } else { "inbound" },
        "message_id": m.id,
        "poll": poll,
        "service": m.service.as_str(),
        "sender_handle": chat.me().json(chat.service),
        "sent_at": m.sent_at,
        "delivered_at": m.delivered_at,
        "read_at": m.read_at,
        "zero_retention": false,
    })
}

struct StateFiller<'a> {
    ids: &'a mut Ids,
    now: String,
    phone: String,
}

impl Filler for StateFiller<'_> {
    fn uuid(&mut self) -> String {
        self.ids.uuid()
    }
    fn now(&self) -> String {
        self.now.clone()
    }
    fn phone(&self) -> String {
        self.phone.clone()
    }
}

impl State {
    pub(crate) fn new(settings: Settings) -> Self {
        let mut ids = Ids::new(settings.seed);
        let lines = settings
            .lines
            .iter()
            .map(|number| Line {
                id: ids.uuid(),
                number: number.clone(),
            })
            .collect();
        Self {
            api_key: settings.api_key,
            control_key: settings.control_key,
            api_prefix: settings.api_prefix,
            mock: settings.mock,
            partner_id: format!("partner_sandbox_{:08x}", settings.seed),
            ids,
            time: Time::new(settings.clock),
            tick: settings.tick,
            lines,
            caps: HashMap::new(),
            chats: Vec::new(),
            messages: Vec::new(),
            subs: Vec::new(),
            remembered: HashMap::new(),
            pending: VecDeque::new(),
            outbox: Vec::new(),
            emitted: Vec::new(),
            attachments: Vec::new(),
            seq: 0,
            made_up: VecDeque::new(),
            shares: Vec::new(),
            opted_out: Default::default(),
            contact_cards: Vec::new(),
            card_shared: HashMap::new(),
            numbers: Default::default(),
            payments: Default::default(),
            blocked: Default::default(),
            experiences: Default::default(),
        }
    }

    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub(crate) fn lines(&self) -> Vec<String> {
        self.lines.iter().map(|l| l.number.clone()).collect()
    }

    /// Adds a line to the account; an existing one is left as it is.
    pub(crate) fn add_line(&mut self, number: &str) -> Result<(), Fail> {
        match linq_types::Handle::parse(number) {
            Ok(h) if h.is_phone() => {}
            _ => return Err(bad(1002, "Phone number must be in E.164 format")),
        }
        if !self.is_line(number) {
            let id = self.ids.uuid();
            self.lines.push(Line {
                id,
                number: number.to_owned(),
            });
        }
        Ok(())
    }

    pub(crate) fn is_line(&self, number: &str) -> bool {
        self.lines.iter().any(|l| l.number == number)
    }

    pub(crate) fn capabilities(&self, handle: &str) -> Capabilities {
        if self.is_line(handle) {
            return Capabilities::ALL;
        }
        self.caps
            .get(handle)
            .copied()
            .unwrap_or_else(|| Capabilities::default_for(handle))
    }

    pub(crate) fn set_capabilities(&mut self, handle: &str, caps: Capabilities) {
        self.caps.insert(handle.to_owned(), caps);
    }

    pub(crate) fn sample(&mut self, schema: &Value) -> Value {
        let now = self.time.rfc3339();
        let phone = self
            .lines
            .first()
            .map(|l| l.number.clone())
            .unwrap_or_default();
        let mut filler = StateFiller {
            ids: &mut self.ids,
            now,
            phone,
        };
        spec::sample(schema, &mut filler)
    }

    pub(crate) fn trace(&mut self) -> String {
        self.ids.trace()
    }

    /// The API's reply to a change it queued: a note, `accepted`, a trace id.
    pub(crate) fn accepted(&mut self, status: u16, message: &str) -> Reply {
        let trace = self.trace();
        Reply::json(
            status,
            json!({"message": message, "status": "accepted", "trace_id": trace}),
        )
    }

    pub(crate) fn emit(&mut self, event_type: &str, line: Option<String>, data: Value) {
        self.emit_versioned(event_type, line, data, None);
    }

    /// Emits an event whose data is the same in both payload versions, so
    /// a `?version=2025-01-01` subscriber gets it under that version.
    pub(crate) fn emit_in_both_versions(
        &mut self,
        event_type: &str,
        line: Option<String>,
        data: Value,
    ) {
        self.emit_versioned(event_type, line, data.clone(), Some(data));
    }

    pub(crate) fn emit_versioned(
        &mut self,
        event_type: &str,
        line: Option<String>,
        data: Value,
        v1_data: Option<Value>,
    ) {
        let envelope = json!({
            "api_version": API_VERSION,
            "webhook_version": WEBHOOK_VERSION,
            "event_type": event_type,
            "event_id": self.ids.uuid(),
            "created_at": self.time.rfc3339(),
            "partner_id": self.partner_id,
            "trace_id": self.ids.trace(),
            "data": data,
        });
        self.emitted.push(envelope.clone());
        self.outbox.push(Event {
            event_type: event_type.to_owned(),
            line,
            envelope,
            v1_data,
        });
    }

    pub(crate) fn chat_index(&self, id: &str) -> Result<usize, Fail> {
        self.chats
            .iter()
            .position(|c| c.id == id)
            .ok_or_else(chat_not_found)
    }

    pub(crate) fn message_index(&self, id: &str) -> Result<usize, Fail> {
        self.messages
            .iter()
            .position(|m| m.id == id)
            .ok_or_else(message_not_found)
    }

    pub(crate) fn attachment_index(&self, id: &str) -> Result<usize, Fail> {
        self.attachments
            .iter()
            .position(|a| a.id == id)
            .ok_or_else(|| fail(404, 2003, "Attachment not found"))
    }

    pub(crate) fn chat_of(&self, message: &Message) -> &Chat {
        self.chats
            .iter()
            .find(|c| c.id == message.chat_id)
            .expect("a message's chat exists")
    }

    pub(crate) fn chat_json(&self, id: &str) -> Option<Value> {
        self.chats.iter().find(|c| c.id == id).map(Chat::json)
    }

    pub(crate) fn message_json(&self, id: &str) -> Option<Value> {
        self.messages
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.json(self.chat_of(m)))
    }

    pub(crate) fn message_count(&self) -> usize {
        self.messages.len()
    }

    pub(crate) fn pending_count(&self) -> usize {
        self.pending.len()
            + self.numbers.pending()
            + self.payments.pending()
            + self
                .messages
                .iter()
                .filter(|m| m.is_from_me && !Self::settled(m))
                .count()
    }

    pub(crate) fn settled(m: &Message) -> bool {
        if m.status == Status::Failed {
            return true;
        }
        match m.service {
            Service::Sms => m.status >= Status::Delivered,
            _ => m.status >= Status::Read,
        }
    }

    /// One step of simulated time: queued changes are applied and every
    /// outbound message moves one status on. Returns the events emitted.
    pub(crate) fn advance(&mut self) -> usize {
        let before = self.emitted.len();
        self.time.advance(self.tick);
        let pending: Vec<Pending> = self.pending.drain(..).collect();
        for change in pending {
            self.apply(change);
        }
        self.advance_audits();
        self.advance_payments();
        let now = self.time.rfc3339();
        let mut steps = Vec::new();
        for (i, m) in self.messages.iter_mut().enumerate() {
            if !m.is_from_me || Self::settled(m) {
                continue;
            }
            let (next, event) = match m.status {
                Status::Queued => {
                    m.sent_at = Some(now.clone());
                    (Status::Sent, "message.sent")
                }
                Status::Sent => {
                    m.delivered_at = Some(now.clone());
                    (Status::Delivered, "message.delivered")
                }
                Status::Delivered => {
                    m.read_at = Some(now.clone());
                    m.is_read = true;
                    (Status::Read, "message.read")
                }
                Status::Read | Status::Received | Status::Failed => continue,
            };
            m.status = next;
            m.updated_at = now.clone();
            steps.push((i, event));
        }
        for (i, event) in steps {
            let m = &self.messages[i];
            let chat = self.chat_of(m);
            let line = chat.line.clone();
            if m.poll.is_some() {
                // A poll's life is told by the poll.* events.
                let event = event.replacen("message.", "poll.", 1);
                let data = polls_event(m, chat);
                self.emit(&event, Some(line), data);
            } else {
                let (data, v1) = (m.event_json(chat), m.event_json_v1(chat));
                self.emit_versioned(event, Some(line), data, Some(v1));
            }
        }
        self.emitted.len() - before
    }

    /// `steps` advances with nothing to change: only the clock moves.
    pub(crate) fn idle(&mut self, steps: u64) {
        let by = self
            .tick
            .checked_mul(u32::try_from(steps).unwrap_or(u32::MAX))
            .unwrap_or(Duration::MAX);
        self.time.advance(by);
    }

    pub(crate) fn apply(&mut self, change: Pending) {
        let now = self.time.rfc3339();
        match change {
            Pending::AddMember { chat, handle } => {
                let Ok(i) = self.chat_index(&chat) else {
                    return;
                };
                if self.chats[i].active_member(&handle).is_some() {
                    return;
                }
                let member = Member {
                    id: self.ids.uuid(),
                    handle: handle.clone(),
                    joined_at: now.clone(),
                    left_at: None,
                    status: "active",
                    is_me: false,
                };
                let c = &mut self.chats[i];
                c.members.push(member.clone());
                c.updated_at = now.clone();
                let data = json!({
                    "handle": handle,
                    "added_at": now,
                    "chat_id": chat,
                    "participant": member.json(c.service),
                });
                let line = c.line.clone();
                self.emit("participant.added", Some(line), data);
            }
            Pending::RemoveMember { chat, handle } => {
                self.member_leaves(&chat, &handle, "removed", &now);
            }
            Pending::Leave { chat } => {
                let Ok(i) = self.chat_index(&chat) else {
                    return;
                };
                let me = self.chats[i].me().handle.clone();
                self.member_leaves(&chat, &me, "left", &now);
            }
            Pending::Rename { chat, name } => {
                self.change_group(&chat, "chat.group_name_updated", name, &now, |c| {
                    &mut c.display_name
                });
            }
            Pending::Icon { chat, url } => {
                self.change_group(&chat, "chat.group_icon_updated", url, &now, |c| &mut c.icon);
            }
            Pending::ShareLocation { chat, handle } => self.start_sharing(&chat, &handle, &now),
            Pending::StopSharing { line, handle } => self.stop_sharing(&line, &handle, &now),
            Pending::Background { chat, background } => {
                let Ok(i) = self.chat_index(&chat) else {
                    return;
                };
                if !self.chats[i].me_active() {
                    self.update_failed(i, "chat.background_update_failed", &now);
                    return;
                }
                let c = &mut self.chats[i];
                c.background = background.clone();
                c.updated_at = now.clone();
                let data = json!({
                    "chat": c.event_chat(),
                    "actor_handle": c.me().json(c.service),
                    "background": background,
                });
                let line = c.line.clone();
                self.emit("chat.background_updated", Some(line), data);
            }
        }
    }

    /// The fields every account event (`contact_card.*`,
    /// `webhook_subscription.*`, …) carries: a change made now, through
    /// the API.
    pub(crate) fn account_event(&self, summary: String) -> serde_json::Map<String, Value> {
        let mut data = serde_json::Map::new();
        data.insert("summary".into(), Value::String(summary));
        data.insert("occurred_at".into(), Value::String(self.time.rfc3339()));
        data.insert("actor".into(), json!({"type": "api"}));
        data.insert("origin".into(), json!("api"));
        data
    }

    pub(crate) fn start_sharing(&mut self, chat: &str, handle: &str, now: &str) {
        let Ok(i) = self.chat_index(chat) else { return };
        let line = self.chats[i].line.clone();
        if self
            .shares
            .iter()
            .any(|s| s.handle == handle && s.line == line)
        {
            return;
        }
        self.shares.push(location::Share {
            handle: handle.to_owned(),
            line: line.clone(),
            chat_id: chat.to_owned(),
            began_at: now.to_owned(),
            updated_at: now.to_owned(),
            position: location::position_of(handle),
        });
        let data = json!({
            "shared_by": handle,
            "shared_with": line,
            "chat_id": chat,
            "began_at": now,
            "ends_at": null,
        });
        self.emit("location.sharing.started", Some(line), data);
    }

    pub(crate) fn stop_sharing(&mut self, line: &str, handle: &str, now: &str) {
        let Some(i) = self
            .shares
            .iter()
            .position(|s| s.handle == handle && s.line == line)
        else {
            return;
        };
        let share = self.shares.remove(i);
        let data = json!({
            "shared_by": share.handle,
            "shared_with": share.line,
            "chat_id": share.chat_id,
            "began_at": share.began_at,
            "ended_at": now,
        });
        self.emit("location.sharing.stopped", Some(share.line), data);
    }

    /// Sets one of a group's settings and emits the event announcing it.
    pub(crate) fn change_group(
        &mut self,
        chat: &str,
        event: &str,
        value: String,
        now: &str,
        field: fn(&mut Chat) -> &mut Option<String>,
    ) {
        let Ok(i) = self.chat_index(chat) else {
            return;
        };
        if !self.chats[i].me_active() {
            // The line left before the change could be made.
            self.update_failed(i, &event.replace("_updated", "_update_failed"), now);
            return;
        }
        let c = &mut self.chats[i];
        let old = field(c).replace(value.clone());
        c.updated_at = now.to_owned();
        let data = json!({
            "chat_id": chat,
            "updated_at": now,
            "changed_by_handle": c.me().json(c.service),
            "new_value": value,
            "old_value": old,
        });
        let line = c.line.clone();
        self.emit(event, Some(line), data);
    }

    /// A queued change to a chat that could not be made: code 4001
    /// (the catalogue's code for a change that did not go through).
    fn update_failed(&mut self, i: usize, event: &str, now: &str) {
        let c = &self.chats[i];
        let data = json!({"chat_id": c.id, "error_code": 4001, "failed_at": now});
        let line = c.line.clone();
        self.emit(event, Some(line), data);
    }

    pub(crate) fn member_leaves(
        &mut self,
        chat: &str,
        handle: &str,
        status: &'static str,
        now: &str,
    ) {
        let Ok(i) = self.chat_index(chat) else { return };
        let c = &mut self.chats[i];
        let Some(m) = c
            .members
            .iter_mut()
            .find(|m| m.active() && m.handle == handle)
        else {
            return;
        };
        m.status = status;
        m.left_at = Some(now.to_owned());
        let participant = m.json(c.service);
        c.updated_at = now.to_owned();
        let data = json!({
            "handle": handle,
            "removed_at": now,
            "chat_id": chat,
            "participant": participant,
        });
        let line = c.line.clone();
        self.emit("participant.removed", Some(line), data);
    }

    pub(crate) fn pick_service(
        &self,
        recipients: &[String],
        preferred: Option<&str>,
    ) -> Result<Service, Fail> {
        let reaches = |s: Service| recipients.iter().all(|h| self.capabilities(h).supports(s));
        if let Some(name) = preferred {
            let s = Service::parse(name)
                .ok_or_else(|| bad(1005, format!("Unknown preferred_service {name:?}")))?;
            if reaches(s) {
                return Ok(s);
            }
        }
        Service::ALL
            .into_iter()
            .find(|s| reaches(*s))
            .ok_or_else(|| {
                bad(
                    1005,
                    "No single service (iMessage, RCS or SMS) reaches every recipient",
                )
            })
    }

    pub(crate) fn new_chat(
        &mut self,
        line: &str,
        recipients: &[String],
        service: Service,
    ) -> usize {
        let now = self.time.rfc3339();
        let mut members = vec![Member {
            id: self.ids.uuid(),
            handle: line.to_owned(),
            joined_at: now.clone(),
            left_at: None,
            status: "active",
            is_me: true,
        }];
        for h in recipients {
            members.push(Member {
                id: self.ids.uuid(),
                handle: h.clone(),
                joined_at: now.clone(),
                left_at: None,
                status: "active",
                is_me: false,
            });
        }
        let chat = Chat {
            seq: self.next_seq(),
            id: self.ids.uuid(),
            line: line.to_owned(),
            members,
            service,
            is_group: recipients.len() > 1,
            display_name: None,
            icon: None,
            created_at: now.clone(),
            updated_at: now,
            typing: false,
            background: None,
            opted_out: false,
        };
        let data = chat.created_event();
        self.emit("chat.created", Some(line.to_owned()), data);
        self.chats.push(chat);
        self.chats.len() - 1
    }

    pub(crate) fn require_me(&self, i: usize) -> Result<(), Fail> {
        if self.chats[i].me_active() {
            Ok(())
        } else {
            Err(fail(409, 1005, "You have left this chat"))
        }
    }
}
