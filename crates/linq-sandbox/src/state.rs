//! The account's state and the handlers that read and change it.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use http::HeaderMap;
use serde_json::{Map, Value, json};

use crate::clock::{Clock, Ids, Time};
use crate::model::{
    Capabilities, Chat, Line, Member, Message, Reaction, Service, Status, Subscription,
};
use crate::spec::{self, Filler, Operation};

/// The payload version the sandbox emits.
pub const WEBHOOK_VERSION: &str = "2026-02-03";
/// The API version in every event.
pub const API_VERSION: &str = "v3";

/// An error reply: status, Linq code and message.
#[derive(Debug, Clone)]
pub(crate) struct Fail {
    pub status: u16,
    pub code: u32,
    pub message: String,
}

fn fail(status: u16, code: u32, message: impl Into<String>) -> Fail {
    Fail {
        status,
        code,
        message: message.into(),
    }
}

fn bad(code: u32, message: impl Into<String>) -> Fail {
    fail(400, code, message)
}

fn chat_not_found() -> Fail {
    fail(404, 2001, "Chat not found")
}

fn message_not_found() -> Fail {
    fail(404, 2002, "Message not found")
}

fn not_found() -> Fail {
    fail(404, 2001, "Resource not found")
}

/// A success reply.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Option<Value>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
        }
    }

    fn empty(status: u16) -> Self {
        Self { status, body: None }
    }
}

type Handled = Result<Reply, Fail>;

/// One API request, routed.
pub(crate) struct Call<'a> {
    pub op: &'static Operation,
    pub params: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// Scheme and authority the sandbox's own URLs (uploads, downloads)
    /// start with: `http://127.0.0.1:PORT` when served.
    pub origin: &'a str,
}

impl Call<'_> {
    fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as a JSON object; an absent body is an empty object.
    fn object(&self) -> Result<Map<String, Value>, Fail> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Map::new());
        }
        match serde_json::from_slice::<Value>(self.body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(bad(1003, "Request body must be a JSON object")),
            Err(_) => Err(bad(1003, "Request body is not valid JSON")),
        }
    }
}

fn required<'m>(map: &'m Map<String, Value>, key: &str) -> Result<&'m Value, Fail> {
    match map.get(key) {
        Some(v) if !v.is_null() => Ok(v),
        _ => Err(bad(1001, format!("Missing required field: {key}"))),
    }
}

fn required_str<'m>(map: &'m Map<String, Value>, key: &str) -> Result<&'m str, Fail> {
    required(map, key)?
        .as_str()
        .ok_or_else(|| bad(1005, format!("{key} must be a string")))
}

fn optional_str<'m>(map: &'m Map<String, Value>, key: &str) -> Result<Option<&'m str>, Fail> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(1005, format!("{key} must be a string"))),
    }
}

/// Checks a handle the way the API does: E.164 phone number or email.
fn check_handle(text: &str) -> Result<String, Fail> {
    match linq_types::Handle::parse(text) {
        Ok(h) => Ok(h.as_str().to_owned()),
        Err(e) if text.contains('@') => Err(bad(1002, format!("Invalid email address: {e}"))),
        Err(_) => Err(bad(1002, "Phone number must be in E.164 format")),
    }
}

/// The people in a materialised mock chat (all reach iMessage).
const MOCK_PEOPLE: [&str; 3] = ["+12025550142", "+12025550144", "+12025550146"];

/// Checks the path parameters, query and body against the operation's
/// schemas: 400 with the field path, code 1001 for a missing field, 1003
/// for a body that is not JSON, 1005 for any other mismatch.
fn validate_call(call: &Call<'_>) -> Result<(), Fail> {
    let refuse = |e: spec::Invalid| {
        if e.missing {
            bad(1001, format!("Missing required field: {}", e.path))
        } else {
            bad(1005, format!("Invalid value for {e}"))
        }
    };
    for (name, schema) in &call.op.path_schemas {
        let value = Value::String(call.param(name).to_owned());
        spec::validate(&value, schema, name).map_err(refuse)?;
    }
    for (name, required_param, schema) in &call.op.query {
        let texts: Vec<&str> = call
            .query
            .iter()
            .filter(|(n, _)| n == name || n.strip_suffix("[]") == Some(name))
            .map(|(_, v)| v.as_str())
            .collect();
        if texts.is_empty() {
            if *required_param {
                return Err(bad(
                    1001,
                    format!("Missing required query parameter: {name}"),
                ));
            }
            continue;
        }
        spec::validate(&spec::coerce(&texts, schema), schema, name).map_err(refuse)?;
    }
    if let Some(schema) = &call.op.request {
        let body = Value::Object(call.object()?);
        spec::validate(&body, schema, "").map_err(refuse)?;
    }
    Ok(())
}

fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Copies what the request set into a sampled reply, wherever the reply's
/// schema has a field of the same name that the value fits.
fn echo(reply: &mut Value, request: &Value, schema: &Value, depth: usize) {
    let schema = spec::resolve(schema);
    let (Some(out), Some(input)) = (reply.as_object_mut(), request.as_object()) else {
        return;
    };
    if depth > 6 {
        return;
    }
    let props = &schema["properties"];
    for (key, value) in input {
        let Some(sub) = props.get(key) else { continue };
        match out.get_mut(key) {
            Some(existing) if existing.is_object() && value.is_object() => {
                echo(existing, value, sub, depth + 1);
            }
            _ => {
                if spec::check(value, sub).is_ok() {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
    }
}

/// Where an idempotency key applies: one operation, and one chat for
/// sends into a chat.
fn idempotency_scope(call: &Call<'_>, key: &str) -> (String, String, String) {
    (
        call.op.id.clone(),
        call.param("chatId").to_owned(),
        key.to_owned(),
    )
}

/// The request as compared between a keyed send and its repeats: the JSON
/// body (key order and spacing do not matter).
fn request_value(call: &Call<'_>) -> Value {
    serde_json::from_slice(call.body).unwrap_or(Value::Null)
}

fn contains_url(text: &str) -> bool {
    text.contains("http://") || text.contains("https://") || text.contains("www.")
}

/// A change accepted with 202 and applied on the next advance.
#[derive(Debug, Clone)]
enum Pending {
    AddMember { chat: String, handle: String },
    RemoveMember { chat: String, handle: String },
    Leave { chat: String },
    Rename { chat: String, name: String },
    Icon { chat: String, url: String },
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
struct Remembered {
    message_id: String,
    request: Value,
    status: u16,
    body: Value,
}

/// Settings a sandbox starts with.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub api_key: String,
    pub seed: u32,
    pub clock: Clock,
    pub tick: Duration,
    pub lines: Vec<String>,
    pub mock: bool,
}

/// Everything the sandbox knows, behind one mutex.
#[derive(Debug, Clone)]
pub(crate) struct State {
    pub api_key: String,
    pub mock: bool,
    partner_id: String,
    pub ids: Ids,
    pub time: Time,
    tick: Duration,
    lines: Vec<Line>,
    caps: HashMap<String, Capabilities>,
    chats: Vec<Chat>,
    messages: Vec<Message>,
    pub subs: Vec<Subscription>,
    /// Keyed by (operation id, chat id or empty, idempotency key).
    remembered: HashMap<(String, String, String), Remembered>,
    pending: VecDeque<Pending>,
    pub outbox: Vec<Event>,
    pub emitted: Vec<Value>,
    attachments: Vec<Attachment>,
    seq: u64,
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
    fn json(&self) -> Value {
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

    fn part_json(&self) -> Value {
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
    pub fn new(settings: Settings) -> Self {
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
        }
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.iter().map(|l| l.number.clone()).collect()
    }

    /// Adds a line to the account; an existing one is left as it is.
    pub fn add_line(&mut self, number: &str) -> Result<(), Fail> {
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

    fn is_line(&self, number: &str) -> bool {
        self.lines.iter().any(|l| l.number == number)
    }

    pub fn capabilities(&self, handle: &str) -> Capabilities {
        if self.is_line(handle) {
            return Capabilities::ALL;
        }
        self.caps
            .get(handle)
            .copied()
            .unwrap_or_else(|| Capabilities::default_for(handle))
    }

    pub fn set_capabilities(&mut self, handle: &str, caps: Capabilities) {
        self.caps.insert(handle.to_owned(), caps);
    }

    pub fn sample(&mut self, schema: &Value) -> Value {
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

    pub fn trace(&mut self) -> String {
        self.ids.trace()
    }

    /// The API's reply to a change it queued: a note, `accepted`, a trace id.
    fn accepted(&mut self, status: u16, message: &str) -> Reply {
        let trace = self.trace();
        Reply::json(
            status,
            json!({"message": message, "status": "accepted", "trace_id": trace}),
        )
    }

    fn emit(&mut self, event_type: &str, line: Option<String>, data: Value) {
        self.emit_versioned(event_type, line, data, None);
    }

    fn emit_versioned(
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

    fn chat_index(&self, id: &str) -> Result<usize, Fail> {
        self.chats
            .iter()
            .position(|c| c.id == id)
            .ok_or_else(chat_not_found)
    }

    fn message_index(&self, id: &str) -> Result<usize, Fail> {
        self.messages
            .iter()
            .position(|m| m.id == id)
            .ok_or_else(message_not_found)
    }

    fn chat_of(&self, message: &Message) -> &Chat {
        self.chats
            .iter()
            .find(|c| c.id == message.chat_id)
            .expect("a message's chat exists")
    }

    pub fn chat_json(&self, id: &str) -> Option<Value> {
        self.chats.iter().find(|c| c.id == id).map(Chat::json)
    }

    pub fn message_json(&self, id: &str) -> Option<Value> {
        self.messages
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.json(self.chat_of(m)))
    }

    pub fn message_count(&self) -> usize {
        self.messages.len()
    }

    pub fn pending_count(&self) -> usize {
        self.pending.len()
            + self
                .messages
                .iter()
                .filter(|m| m.is_from_me && !Self::settled(m))
                .count()
    }

    fn settled(m: &Message) -> bool {
        if m.status == Status::Failed {
            return true;
        }
        match m.service {
            Service::Sms => m.status >= Status::Delivered,
            _ => m.status >= Status::Read,
        }
    }

    // ---- advancing -------------------------------------------------------

    /// One step of simulated time: queued changes are applied and every
    /// outbound message moves one status on. Returns the events emitted.
    pub fn advance(&mut self) -> usize {
        let before = self.emitted.len();
        self.time.advance(self.tick);
        let pending: Vec<Pending> = self.pending.drain(..).collect();
        for change in pending {
            self.apply(change);
        }
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
            let (data, v1, line) = (m.event_json(chat), m.event_json_v1(chat), chat.line.clone());
            self.emit_versioned(event, Some(line), data, Some(v1));
        }
        self.emitted.len() - before
    }

    /// `steps` advances with nothing to change: only the clock moves.
    pub fn idle(&mut self, steps: u64) {
        let by = self
            .tick
            .checked_mul(u32::try_from(steps).unwrap_or(u32::MAX))
            .unwrap_or(Duration::MAX);
        self.time.advance(by);
    }

    fn apply(&mut self, change: Pending) {
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
        }
    }

    /// Sets one of a group's settings and emits the event announcing it.
    fn change_group(
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

    fn member_leaves(&mut self, chat: &str, handle: &str, status: &'static str, now: &str) {
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

    // ---- in-process helpers ----------------------------------------------

    /// A message from `from` arrives in a chat.
    pub fn receive(&mut self, chat_id: &str, from: &str, text: &str) -> Result<String, Fail> {
        let i = self.chat_index(chat_id)?;
        self.check_sender(i, from)?;
        self.receive_parts(i, from, vec![json!({"type": "text", "value": text})])
    }

    fn check_sender(&self, chat: usize, from: &str) -> Result<(), Fail> {
        let c = &self.chats[chat];
        if c.active_member(from).is_none() || c.me().handle == from {
            return Err(bad(
                1005,
                "the sender is not another active member of the chat",
            ));
        }
        Ok(())
    }

    fn receive_parts(&mut self, i: usize, from: &str, parts: Vec<Value>) -> Result<String, Fail> {
        let now = self.time.rfc3339();
        let seq = self.next_seq();
        let chat = &self.chats[i];
        let message = Message {
            seq,
            id: self.ids.uuid(),
            chat_id: chat.id.clone(),
            parts,
            status: Status::Received,
            is_from_me: false,
            from: from.to_owned(),
            created_at: now.clone(),
            updated_at: now.clone(),
            sent_at: Some(now.clone()),
            delivered_at: Some(now),
            read_at: None,
            is_read: false,
            service: chat.service,
            preferred_service: None,
            reply_to: None,
            effect: None,
            idempotency_key: None,
            reactions: Vec::new(),
        };
        let (data, v1, line, id) = (
            message.event_json(chat),
            message.event_json_v1(chat),
            chat.line.clone(),
            message.id.clone(),
        );
        self.messages.push(message);
        self.emit_versioned("message.received", Some(line), data, Some(v1));
        Ok(id)
    }

    // ---- simulation (the control API) -------------------------------------

    /// Someone writes, reacts or types: `from` (required) in `chat_id`, or,
    /// without one, in their direct chat with line `to` (default the first
    /// line), which is started if there is none (a stranger texting first).
    pub fn inbound(&mut self, body: &Map<String, Value>) -> Result<Value, Fail> {
        const FIELDS: [&str; 9] = [
            "kind",
            "from",
            "chat_id",
            "to",
            "text",
            "media_url",
            "message_id",
            "reaction",
            "part_index",
        ];
        if let Some(k) = body.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(bad(1005, format!("unknown field {k:?}")));
        }
        let from = check_handle(required_str(body, "from")?)?;
        if self.is_line(&from) {
            return Err(bad(
                1005,
                "from must be someone else, not one of your lines",
            ));
        }
        let kind = optional_str(body, "kind")?.unwrap_or("message");
        let i =
            match optional_str(body, "chat_id")? {
                Some(id) => {
                    let i = self.chat_index(id)?;
                    self.check_sender(i, &from)?;
                    i
                }
                None => {
                    let line = match optional_str(body, "to")? {
                        Some(to) if self.is_line(to) => to.to_owned(),
                        Some(_) => return Err(bad(1005, "to must be one of your lines")),
                        None => self
                            .lines
                            .first()
                            .map(|l| l.number.clone())
                            .unwrap_or_default(),
                    };
                    let recipients = vec![from.clone()];
                    match self.chats.iter().position(|c| {
                        c.line == line && c.me_active() && c.recipients() == recipients
                    }) {
                        Some(i) => i,
                        None => {
                            let service = self.pick_service(&recipients, None)?;
                            self.new_chat(&line, &recipients, service)
                        }
                    }
                }
            };
        let chat_id = self.chats[i].id.clone();
        match kind {
            "message" => {
                let mut parts = Vec::new();
                if let Some(text) = optional_str(body, "text")? {
                    parts.push(json!({"type": "text", "value": text}));
                }
                if let Some(url) = optional_str(body, "media_url")? {
                    let filename = url
                        .rsplit('/')
                        .next()
                        .filter(|f| !f.is_empty())
                        .unwrap_or("attachment");
                    parts.push(json!({
                        "type": "media",
                        "id": self.ids.uuid(),
                        "filename": filename,
                        "mime_type": "application/octet-stream",
                        "size_bytes": 0,
                        "url": url,
                    }));
                }
                if parts.is_empty() {
                    return Err(bad(1004, "an inbound message needs text or media_url"));
                }
                let id = self.receive_parts(i, &from, parts)?;
                Ok(json!({"chat_id": chat_id, "message_id": id}))
            }
            "reaction" => {
                let m = self.message_index(required_str(body, "message_id")?)?;
                if self.messages[m].chat_id != chat_id {
                    return Err(bad(1005, "message_id is not in this chat"));
                }
                let kind = optional_str(body, "reaction")?.unwrap_or("love").to_owned();
                let known = spec::schema("ReactionType")["enum"]
                    .as_array()
                    .is_some_and(|e| e.iter().any(|v| v == kind.as_str()));
                if !known || kind == "custom" || kind == "sticker" {
                    return Err(bad(
                        1005,
                        format!("reaction {kind:?} is not a plain reaction type"),
                    ));
                }
                let part_index =
                    body.get("part_index").and_then(Value::as_u64).unwrap_or(0) as usize;
                let id = self.ids.uuid();
                self.messages[m].reactions.push(Reaction {
                    id: id.clone(),
                    part_index,
                    kind: kind.clone(),
                    custom_emoji: None,
                    from: from.clone(),
                });
                let chat = &self.chats[i];
                let member = chat.active_member(&from).map(|m| m.json(chat.service));
                let data = json!({
                    "is_from_me": false,
                    "reaction_type": kind,
                    "chat_id": chat.id,
                    "custom_emoji": null,
                    "from": from,
                    "from_handle": member,
                    "message_id": self.messages[m].id,
                    "part_index": part_index,
                    "reacted_at": self.time.rfc3339(),
                    "reaction_id": id,
                    "service": chat.service.as_str(),
                });
                let line = chat.line.clone();
                self.emit("reaction.added", Some(line), data);
                Ok(json!({"chat_id": chat_id, "reaction_id": id}))
            }
            "typing_started" | "typing_stopped" => {
                let chat = &self.chats[i];
                let member = chat.active_member(&from).map(|m| m.json(chat.service));
                let data = json!({"chat_id": chat.id, "actor_handle": member});
                let line = chat.line.clone();
                let event = if kind == "typing_started" {
                    "chat.typing_indicator.started"
                } else {
                    "chat.typing_indicator.stopped"
                };
                self.emit(event, Some(line), data);
                Ok(json!({"chat_id": chat_id}))
            }
            other => Err(bad(
                1005,
                format!(
                    "kind must be message, reaction, typing_started or typing_stopped, not {other:?}"
                ),
            )),
        }
    }

    /// A message you sent fails to deliver: its status becomes `failed`
    /// and `message.failed` is emitted.
    pub fn fail_message(&mut self, id: &str, code: u32, reason: &str) -> Result<(), Fail> {
        let i = self.message_index(id)?;
        let m = &self.messages[i];
        if !m.is_from_me {
            return Err(bad(1005, "only messages you sent can fail"));
        }
        if matches!(m.status, Status::Read | Status::Failed) {
            return Err(fail(
                409,
                1005,
                format!("the message is already {}", m.status.as_str()),
            ));
        }
        let now = self.time.rfc3339();
        let m = &mut self.messages[i];
        m.status = Status::Failed;
        m.updated_at = now.clone();
        let m = &self.messages[i];
        let chat = self.chat_of(m);
        let data = json!({
            "code": code,
            "failed_at": now,
            "chat_id": chat.id,
            "detail_code": null,
            "message_id": m.id,
            "preferred_service": m.preferred_service,
            "reason": reason,
            "service": m.service.as_str(),
        });
        let line = chat.line.clone();
        self.emit("message.failed", Some(line), data);
        Ok(())
    }

    /// Emits any event type of the catalogue: its `data` is a sample of the
    /// type's schema with `data` (if given) laid over it, checked against
    /// the schema. Returns the envelope.
    pub fn emit_any(&mut self, event_type: &str, data: Option<&Value>) -> Result<Value, Fail> {
        let known = spec::schema("WebhookEventType")["enum"]
            .as_array()
            .is_some_and(|e| e.iter().any(|v| v == event_type));
        if !known {
            return Err(bad(
                1005,
                format!("{event_type:?} is not in the event catalogue"),
            ));
        }
        let schema = spec::event_data_schema(event_type);
        let mut payload = match &schema {
            Some(schema) => self.sample(schema),
            None => json!({}),
        };
        if let Some(overlay) = data {
            let (Some(out), Some(given)) = (payload.as_object_mut(), overlay.as_object()) else {
                return Err(bad(1005, "data must be an object"));
            };
            for (k, v) in given {
                out.insert(k.clone(), v.clone());
            }
        }
        if let Some(schema) = &schema {
            spec::validate(&payload, schema, "data")
                .map_err(|e| bad(1005, format!("Invalid value for {e}")))?;
        }
        let line = self.lines.first().map(|l| l.number.clone());
        self.emit(event_type, line, payload);
        Ok(self.emitted.last().cloned().unwrap_or(Value::Null))
    }

    /// Everything the account holds, as JSON.
    pub fn dump(&self) -> Value {
        json!({
            "now": self.time.rfc3339(),
            "mock": self.mock,
            "lines": self.lines(),
            "capabilities": self.caps.iter().map(|(h, c)| (h.clone(), json!({"imessage": c.imessage, "rcs": c.rcs, "sms": c.sms}))).collect::<Map<_, _>>(),
            "chats": self.chats.iter().map(Chat::json).collect::<Vec<_>>(),
            "messages": self.messages.iter().map(|m| m.json(self.chat_of(m))).collect::<Vec<_>>(),
            "subscriptions": self.subs.iter().map(|s| {
                let mut v = s.json();
                v["signing_secret"] = Value::String(s.secret.clone());
                v
            }).collect::<Vec<_>>(),
            "attachments": self.attachments.iter().map(Attachment::json).collect::<Vec<_>>(),
            "pending": self.pending_count(),
        })
    }

    // ---- mock mode -------------------------------------------------------

    /// Makes what the request names exist: chats, messages, subscriptions
    /// and attachments in the path or the body, and a `from` line.
    fn materialize(&mut self, call: &Call<'_>) -> Result<(), Fail> {
        for (name, value) in &call.params {
            match name.as_str() {
                "chatId" => {
                    self.mock_chat(value);
                }
                "messageId" => self.mock_message(value),
                "subscriptionId" => self.mock_subscription(value),
                "attachmentId" => self.mock_attachment(value),
                _ => {}
            }
        }
        let Ok(body) = call.object() else {
            return Ok(());
        };
        if let Some(from) = body.get("from").and_then(Value::as_str) {
            if linq_types::Handle::parse(from).is_ok_and(|h| h.is_phone()) {
                self.add_line(from)?;
            }
        }
        let message = body.get("message").and_then(Value::as_object);
        if let Some(id) = message
            .and_then(|m| m.get("reply_to"))
            .and_then(|r| r.get("message_id"))
            .and_then(Value::as_str)
        {
            self.mock_message(id);
        }
        let parts = message
            .and_then(|m| m.get("parts"))
            .and_then(Value::as_array);
        for part in parts.into_iter().flatten() {
            if let Some(id) = part.get("attachment_id").and_then(Value::as_str) {
                self.mock_attachment(id);
            }
        }
        Ok(())
    }

    /// A group on iMessage from the first line with two people, so that
    /// every chat operation has something to act on.
    fn mock_chat(&mut self, id: &str) -> usize {
        if let Some(i) = self.chats.iter().position(|c| c.id == id) {
            return i;
        }
        let line = self
            .lines
            .first()
            .map(|l| l.number.clone())
            .unwrap_or_else(|| crate::DEFAULT_LINES[0].to_owned());
        let now = self.time.rfc3339();
        let mut members = Vec::new();
        for (handle, is_me) in [
            (line.as_str(), true),
            (MOCK_PEOPLE[0], false),
            (MOCK_PEOPLE[1], false),
            (MOCK_PEOPLE[2], false),
        ] {
            members.push(Member {
                id: self.ids.uuid(),
                handle: handle.to_owned(),
                joined_at: now.clone(),
                left_at: None,
                status: "active",
                is_me,
            });
        }
        let seq = self.next_seq();
        self.chats.push(Chat {
            seq,
            id: id.to_owned(),
            line,
            members,
            service: Service::IMessage,
            is_group: true,
            display_name: None,
            icon: None,
            created_at: now.clone(),
            updated_at: now,
            typing: false,
        });
        self.chats.len() - 1
    }

    /// A delivered text of yours, in a chat of its own.
    fn mock_message(&mut self, id: &str) {
        if self.messages.iter().any(|m| m.id == id) {
            return;
        }
        let chat_id = self.ids.uuid();
        let i = self.mock_chat(&chat_id);
        let now = self.time.rfc3339();
        let seq = self.next_seq();
        let c = &self.chats[i];
        self.messages.push(Message {
            seq,
            id: id.to_owned(),
            chat_id,
            parts: vec![json!({"type": "text", "value": "hello"})],
            status: Status::Delivered,
            is_from_me: true,
            from: c.line.clone(),
            created_at: now.clone(),
            updated_at: now.clone(),
            sent_at: Some(now.clone()),
            delivered_at: Some(now),
            read_at: None,
            is_read: false,
            service: c.service,
            preferred_service: None,
            reply_to: None,
            effect: None,
            idempotency_key: None,
            reactions: Vec::new(),
        });
    }

    fn mock_subscription(&mut self, id: &str) {
        if self.subs.iter().any(|s| s.id == id) {
            return;
        }
        let now = self.time.rfc3339();
        let secret = self.ids.secret();
        self.subs.push(Subscription {
            id: id.to_owned(),
            secret,
            target_url: format!("https://example.com/mock/{id}"),
            events: vec!["message.received".to_owned()],
            phone_numbers: Vec::new(),
            is_active: true,
            routing_id_header: None,
            routing_key_header: None,
            created_at: now.clone(),
            updated_at: now,
        });
    }

    /// An uploaded (empty) JPEG.
    fn mock_attachment(&mut self, id: &str) {
        if self.attachments.iter().any(|a| a.id == id) {
            return;
        }
        self.attachments.push(Attachment {
            id: id.to_owned(),
            content_type: "image/jpeg".to_owned(),
            filename: "attachment.jpg".to_owned(),
            size_bytes: 0,
            created_at: self.time.rfc3339(),
            download_url: format!("https://sandbox.linq.invalid/__files/{id}"),
            data: Some(bytes::Bytes::new()),
        });
    }

    // ---- dispatch --------------------------------------------------------

    pub fn handle(&mut self, call: &Call<'_>) -> Handled {
        validate_call(call)?;
        if !self.mock {
            return self.dispatch(call);
        }
        self.materialize(call)?;
        match self.dispatch(call) {
            Ok(reply) => Ok(reply),
            // A schema-valid request the account's rules refuse: answered
            // as if it had worked, from the reply schema and the request.
            Err(f) if (400..500).contains(&f.status) => self.sampled(call),
            Err(f) => Err(f),
        }
    }

    fn dispatch(&mut self, call: &Call<'_>) -> Handled {
        // Ids in the path must name something that exists.
        for (name, value) in &call.params {
            match name.as_str() {
                "chatId" => {
                    self.chat_index(value)?;
                }
                "messageId" => {
                    self.message_index(value)?;
                }
                _ => {}
            }
        }
        match call.op.id.as_str() {
            "chats.create" => self.create_chat(call),
            "chats.retrieve" => {
                let i = self.chat_index(call.param("chatId"))?;
                Ok(Reply::json(200, self.chats[i].json()))
            }
            "chats.update" => self.update_chat(call),
            "chats.leave_chat" => self.leave_chat(call),
            "chats.list_chats" => self.list_chats(call),
            "chats.mark_as_read" => self.mark_read(call),
            "chats.typing.start" => self.typing(call, true),
            "chats.typing.stop" => self.typing(call, false),
            "chats.participants.add" => self.add_member(call),
            "chats.participants.remove" => self.remove_member(call),
            "chats.messages.list" => self.list_messages(call),
            "chats.messages.send" => self.send_in_chat(call),
            "messages.create" => self.create_message(call),
            "messages.retrieve" => {
                let i = self.message_index(call.param("messageId"))?;
                let m = &self.messages[i];
                Ok(Reply::json(200, m.json(self.chat_of(m))))
            }
            "messages.update" => self.edit_message(call),
            "messages.delete" => {
                let i = self.message_index(call.param("messageId"))?;
                self.messages.remove(i);
                Ok(Reply::empty(204))
            }
            "messages.add_reaction" => self.react(call),
            "messages.list_messages_thread" => self.thread(call),
            "phonenumbers.list" => Ok(self.legacy_numbers()),
            "phone_numbers.list" => Ok(self.numbers()),
            "webhook_events.list" => Ok(Reply::json(
                200,
                json!({
                    "doc_url": "https://docs.linqapp.com/channel/imessage/guides/webhooks/events",
                    "events": spec::schema("WebhookEventType")["enum"],
                }),
            )),
            "webhook_subscriptions.create" => self.create_subscription(call),
            "webhook_subscriptions.list" => Ok(Reply::json(
                200,
                json!({"subscriptions": self.subs.iter().map(Subscription::json).collect::<Vec<_>>()}),
            )),
            "webhook_subscriptions.retrieve" => {
                let i = self.sub_index(call.param("subscriptionId"))?;
                Ok(Reply::json(200, self.subs[i].json()))
            }
            "webhook_subscriptions.update" => self.update_subscription(call),
            "webhook_subscriptions.delete" => {
                let i = self.sub_index(call.param("subscriptionId"))?;
                self.subs.remove(i);
                Ok(Reply::empty(204))
            }
            "attachments.create" => self.create_attachment(call),
            "attachments.retrieve" => {
                let i = self.attachment_index(call.param("attachmentId"))?;
                Ok(Reply::json(200, self.attachments[i].json()))
            }
            "attachments.delete" => {
                let i = self.attachment_index(call.param("attachmentId"))?;
                self.attachments.remove(i);
                Ok(Reply::empty(204))
            }
            "capability.check_i_message" => self.check(call, Service::IMessage),
            "capability.check_RCS" => self.check(call, Service::Rcs),
            _ => self.sampled(call),
        }
    }

    /// An operation without state (the request was validated already):
    /// the reply is a sample of the success schema, carrying what the
    /// request set wherever the reply has a field of that name and type.
    fn sampled(&mut self, call: &Call<'_>) -> Handled {
        match &call.op.response {
            Some(schema) => {
                let mut body = self.sample(schema);
                if let Ok(request) = call.object() {
                    echo(&mut body, &Value::Object(request), schema, 0);
                }
                // Echo the path id where the reply names the same thing.
                if let (Some(obj), Some((_, last))) = (body.as_object_mut(), call.params.last()) {
                    if obj.get("id").is_some_and(Value::is_string) && !last.contains('+') {
                        obj.insert("id".into(), Value::String(last.clone()));
                    }
                }
                // And each path id where the reply has its snake_case name
                // (`chatId` as `chat_id`).
                if let Some(obj) = body.as_object_mut() {
                    for (name, value) in &call.params {
                        let key = snake_case(name);
                        if obj.get(&key).is_some_and(Value::is_string) {
                            obj.insert(key, Value::String(value.clone()));
                        }
                    }
                }
                Ok(Reply::json(call.op.status, body))
            }
            None => Ok(Reply::empty(call.op.status)),
        }
    }

    // ---- chats -----------------------------------------------------------

    fn pick_service(
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

    fn new_chat(&mut self, line: &str, recipients: &[String], service: Service) -> usize {
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
        };
        let data = chat.created_event();
        self.emit("chat.created", Some(line.to_owned()), data);
        self.chats.push(chat);
        self.chats.len() - 1
    }

    fn recipients(&self, body: &Map<String, Value>) -> Result<Vec<String>, Fail> {
        let to = required(body, "to")?
            .as_array()
            .ok_or_else(|| bad(1005, "to must be an array of handles"))?;
        if to.is_empty() {
            return Err(bad(1005, "to must name at least one recipient"));
        }
        let mut out = Vec::new();
        for h in to {
            let h = h
                .as_str()
                .ok_or_else(|| bad(1005, "to must be an array of handles"))?;
            let h = check_handle(h)?;
            if self.is_line(&h) {
                return Err(bad(1005, "a recipient cannot be one of your own lines"));
            }
            if !out.contains(&h) {
                out.push(h);
            }
        }
        out.sort();
        Ok(out)
    }

    /// The idempotency key of a send: the header for `POST /v3/messages`,
    /// otherwise `message.idempotency_key` in the body.
    fn replay(&self, call: &Call<'_>, key: Option<&str>) -> Option<Handled> {
        let remembered = self.remembered.get(&idempotency_scope(call, key?))?;
        if remembered.request != request_value(call) {
            return Some(Err(fail(
                422,
                1005,
                "This idempotency key was used with a different request; use a new key for a new request",
            )));
        }
        if self.messages.iter().any(|m| m.id == remembered.message_id) {
            Some(Ok(Reply::json(remembered.status, remembered.body.clone())))
        } else {
            Some(Err(fail(
                404,
                2002,
                "The message sent with this idempotency key was deleted; it is not sent again",
            )))
        }
    }

    fn remember(&mut self, call: &Call<'_>, key: Option<String>, message_id: &str, reply: &Reply) {
        if let (Some(key), Some(body)) = (key, &reply.body) {
            self.remembered.insert(
                idempotency_scope(call, &key),
                Remembered {
                    message_id: message_id.to_owned(),
                    request: request_value(call),
                    status: reply.status,
                    body: body.clone(),
                },
            );
        }
    }

    fn create_chat(&mut self, call: &Call<'_>) -> Handled {
        let body = call.object()?;
        let message = required(&body, "message")?
            .as_object()
            .ok_or_else(|| bad(1004, "message must be an object"))?;
        let key = optional_str(message, "idempotency_key")?.map(str::to_owned);
        if let Some(replayed) = self.replay(call, key.as_deref()) {
            return replayed;
        }
        let from = required_str(&body, "from")?;
        let from = check_handle(from)?;
        if !self.is_line(&from) {
            return Err(fail(
                403,
                2006,
                "You don't have permission to send from this phone number",
            ));
        }
        let recipients = self.recipients(&body)?;
        let parts = self.parts(message)?;
        if parts
            .iter()
            .any(|p| p["type"] == "link" || p["value"].as_str().is_some_and(contains_url))
        {
            return Err(bad(
                1005,
                "The first message of a new chat cannot contain a link",
            ));
        }
        let service =
            self.pick_service(&recipients, optional_str(message, "preferred_service")?)?;
        let i = self.new_chat(&from, &recipients, service);
        let m = self.push_message(i, message, parts, key.clone())?;
        let chat = &self.chats[i];
        let msg = &self.messages[m];
        let reply = Reply::json(
            201,
            json!({
                "chat": {
                    "id": chat.id,
                    "display_name": chat.display_name,
                    "handles": chat.handles_json(),
                    "health_status": {
                        "doc_url": "https://docs.linqapp.com/channel/imessage/guides/chat-health",
                        "status": "HEALTHY",
                        "updated_at": chat.updated_at,
                    },
                    "is_group": chat.is_group,
                    "message": msg.sent_json(chat),
                    "service": chat.service.as_str(),
                }
            }),
        );
        let id = msg.id.clone();
        self.remember(call, key, &id, &reply);
        Ok(reply)
    }

    fn update_chat(&mut self, call: &Call<'_>) -> Handled {
        let i = self.chat_index(call.param("chatId"))?;
        let body = call.object()?;
        let name = optional_str(&body, "display_name")?;
        let icon = optional_str(&body, "group_chat_icon")?;
        let chat = &self.chats[i];
        if !chat.is_group {
            return Err(bad(
                1006,
                "Cannot update a direct message chat (only group chats)",
            ));
        }
        self.require_me(i)?;
        let chat_id = chat.id.clone();
        if let Some(name) = name {
            self.pending.push_back(Pending::Rename {
                chat: chat_id.clone(),
                name: name.to_owned(),
            });
        }
        if let Some(url) = icon {
            self.pending.push_back(Pending::Icon {
                chat: chat_id.clone(),
                url: url.to_owned(),
            });
        }
        Ok(Reply::json(
            200,
            json!({"chat_id": chat_id, "status": "accepted"}),
        ))
    }

    fn require_me(&self, i: usize) -> Result<(), Fail> {
        if self.chats[i].me_active() {
            Ok(())
        } else {
            Err(fail(409, 1005, "You have left this chat"))
        }
    }

    fn leave_chat(&mut self, call: &Call<'_>) -> Handled {
        let i = self.chat_index(call.param("chatId"))?;
        let chat = &self.chats[i];
        if !chat.is_group {
            return Err(bad(1006, "Cannot leave a direct message chat"));
        }
        self.require_me(i)?;
        let chat = &self.chats[i];
        if chat.service != Service::IMessage || chat.active_count() < 4 {
            return Err(bad(
                1005,
                "Leaving is supported for iMessage groups with 4 or more active participants",
            ));
        }
        let chat_id = chat.id.clone();
        if self
            .pending
            .iter()
            .any(|p| matches!(p, Pending::Leave { chat } if *chat == chat_id))
        {
            return Err(fail(409, 1005, "A leave is already queued for this chat"));
        }
        self.pending.push_back(Pending::Leave { chat: chat_id });
        Ok(self.accepted(200, "Leave queued"))
    }

    fn mark_read(&mut self, call: &Call<'_>) -> Handled {
        let i = self.chat_index(call.param("chatId"))?;
        self.require_me(i)?;
        let chat_id = self.chats[i].id.clone();
        let now = self.time.rfc3339();
        for m in self
            .messages
            .iter_mut()
            .filter(|m| m.chat_id == chat_id && !m.is_from_me && !m.is_read)
        {
            m.is_read = true;
            m.read_at = Some(now.clone());
            m.updated_at = now.clone();
        }
        Ok(Reply::empty(204))
    }

    fn typing(&mut self, call: &Call<'_>, on: bool) -> Handled {
        let i = self.chat_index(call.param("chatId"))?;
        self.require_me(i)?;
        let chat = &mut self.chats[i];
        chat.typing = on;
        let data = json!({"chat_id": chat.id, "actor_handle": chat.me().json(chat.service)});
        let line = chat.line.clone();
        let event = if on {
            "chat.typing_indicator.started"
        } else {
            "chat.typing_indicator.stopped"
        };
        self.emit(event, Some(line), data);
        Ok(Reply::empty(204))
    }

    fn add_member(&mut self, call: &Call<'_>) -> Handled {
        let i = self.chat_index(call.param("chatId"))?;
        let body = call.object()?;
        let handle = check_handle(required_str(&body, "handle")?)?;
        let chat = &self.chats[i];
        if !chat.is_group || chat.active_count() < 3 {
            return Err(bad(
                1006,
                "Participants can only be added to group chats (3 or more participants)",
            ));
        }
        self.require_me(i)?;
        let chat = &self.chats[i];
        if !self.capabilities(&handle).supports(chat.service) {
            return Err(bad(
                1005,
                format!(
                    "{handle} cannot be reached over {}, the service of this group; create a new chat instead",
                    chat.service
                ),
            ));
        }
        let chat_id = chat.id.clone();
        let queued = self.pending.iter().any(
            |p| matches!(p, Pending::AddMember { chat, handle: h } if *chat == chat_id && *h == handle),
        );
        if chat.active_member(&handle).is_none() && !queued {
            self.pending.push_back(Pending::AddMember {
                chat: chat_id,
                handle,
            });
        }
        Ok(self.accepted(202, "Participant addition queued"))
    }

    fn remove_member(&mut self, call: &Call<'_>) -> Handled {
        let i = self.chat_index(call.param("chatId"))?;
        let body = call.object()?;
        let handle = check_handle(required_str(&body, "handle")?)?;
        let chat = &self.chats[i];
        if !chat.is_group {
            return Err(bad(
                1006,
                "Participants can only be removed from group chats",
            ));
        }
        self.require_me(i)?;
        let chat = &self.chats[i];
        let chat_id = chat.id.clone();
        match chat.active_member(&handle) {
            None => {
                return Err(bad(
                    1005,
                    format!("{handle} is not a participant of this chat"),
                ));
            }
            Some(m) if m.is_me => {
                return Err(bad(1005, "To remove your own line, leave the chat"));
            }
            Some(_) => {}
        }
        let queued: Vec<&String> = self
            .pending
            .iter()
            .filter_map(|p| match p {
                Pending::RemoveMember { chat, handle } if *chat == chat_id => Some(handle),
                Pending::Leave { chat } if *chat == chat_id => Some(&chat_id),
                _ => None,
            })
            .collect();
        if !queued.contains(&&handle) {
            let left_after = chat.active_count() - queued.len() - 1;
            if left_after < 3 {
                return Err(bad(
                    1005,
                    format!(
                        "A group chat must keep 3 or more participants; removing {handle} would leave {left_after}"
                    ),
                ));
            }
            self.pending.push_back(Pending::RemoveMember {
                chat: chat_id,
                handle,
            });
        }
        Ok(self.accepted(202, "Participant removal queued"))
    }

    // ---- lists -----------------------------------------------------------

    fn page(
        &self,
        call: &Call<'_>,
        mut items: Vec<(u64, Value)>,
        ascending: bool,
    ) -> Result<(Vec<Value>, Option<String>), Fail> {
        let limit = match call.query("limit") {
            None => 20,
            Some(text) => match text.parse::<i64>() {
                Ok(n) if n >= 1 => n.min(100) as usize,
                _ => return Err(bad(1005, "limit must be a whole number from 1 to 100")),
            },
        };
        if ascending {
            items.sort_by_key(|(seq, _)| *seq);
        } else {
            items.sort_by_key(|(seq, _)| std::cmp::Reverse(*seq));
        }
        if let Some(cursor) = call.query("cursor").filter(|c| !c.is_empty()) {
            // In mock mode a cursor this server never gave out is the
            // first page: SDK suites send made-up ones.
            match cursor.parse::<u64>() {
                Ok(after) => items.retain(|(seq, _)| {
                    if ascending {
                        *seq > after
                    } else {
                        *seq < after
                    }
                }),
                Err(_) if self.mock => {}
                Err(_) => return Err(bad(1005, "cursor is not one this server returned")),
            }
        }
        let more = items.len() > limit;
        items.truncate(limit);
        let next = if more {
            items.last().map(|(seq, _)| seq.to_string())
        } else {
            None
        };
        Ok((items.into_iter().map(|(_, v)| v).collect(), next))
    }

    fn list_chats(&mut self, call: &Call<'_>) -> Handled {
        let from = call.query("from");
        let to = call.query("to");
        let items = self
            .chats
            .iter()
            .filter(|c| from.is_none_or(|f| c.line == f))
            .filter(|c| to.is_none_or(|t| c.active_member(t).is_some()))
            .map(|c| (c.seq, c.json()))
            .collect();
        let (chats, next) = self.page(call, items, false)?;
        Ok(Reply::json(
            200,
            json!({"chats": chats, "next_cursor": next}),
        ))
    }

    fn list_messages(&mut self, call: &Call<'_>) -> Handled {
        let i = self.chat_index(call.param("chatId"))?;
        let chat = &self.chats[i];
        let items = self
            .messages
            .iter()
            .filter(|m| m.chat_id == chat.id)
            .map(|m| (m.seq, m.json(chat)))
            .collect();
        let (messages, next) = self.page(call, items, false)?;
        Ok(Reply::json(
            200,
            json!({"messages": messages, "next_cursor": next}),
        ))
    }

    fn root_of(&self, id: &str) -> String {
        let mut current = id.to_owned();
        for _ in 0..64 {
            let parent = self
                .messages
                .iter()
                .find(|m| m.id == current)
                .and_then(|m| m.reply_to.as_ref())
                .and_then(|r| r["message_id"].as_str())
                .filter(|p| self.messages.iter().any(|m| m.id == *p));
            match parent {
                Some(p) => current = p.to_owned(),
                None => break,
            }
        }
        current
    }

    fn thread(&mut self, call: &Call<'_>) -> Handled {
        let root = self.root_of(call.param("messageId"));
        let ascending = match call.query("order") {
            None | Some("asc") => true,
            Some("desc") => false,
            Some(_) => return Err(bad(1005, "order must be asc or desc")),
        };
        let items = self
            .messages
            .iter()
            .filter(|m| m.id == root || self.root_of(&m.id) == root)
            .map(|m| (m.seq, m.json(self.chat_of(m))))
            .collect();
        let (messages, next) = self.page(call, items, ascending)?;
        Ok(Reply::json(
            200,
            json!({"messages": messages, "next_cursor": next}),
        ))
    }

    // ---- messages --------------------------------------------------------

    /// Turns the request's parts into their reply form.
    fn parts(&mut self, message: &Map<String, Value>) -> Result<Vec<Value>, Fail> {
        let parts = match message.get("parts") {
            None | Some(Value::Null) => {
                if message.get("experience").is_some_and(Value::is_object) {
                    return Ok(Vec::new());
                }
                return Err(bad(1004, "A message needs parts or an experience"));
            }
            Some(Value::Array(parts)) if !parts.is_empty() => parts,
            Some(_) => return Err(bad(1004, "parts must be a non-empty array")),
        };
        let mut out = Vec::new();
        for part in parts {
            let kind = part["type"].as_str().unwrap_or_default();
            let converted = match kind {
                "text" | "link" => {
                    let value = part["value"]
                        .as_str()
                        .ok_or_else(|| bad(1004, format!("a {kind} part needs a string value")))?;
                    let mut p = part.clone();
                    p["value"] = Value::String(value.to_owned());
                    p
                }
                "media" => {
                    let url = part["url"].as_str();
                    let attachment = part["attachment_id"].as_str();
                    if url.is_none() && attachment.is_none() {
                        return Err(bad(1004, "a media part needs url or attachment_id"));
                    }
                    if let Some(id) = attachment {
                        out.push(self.attached(id)?);
                        continue;
                    }
                    let id = self.ids.uuid();
                    let filename = url
                        .and_then(|u| u.rsplit('/').next())
                        .filter(|f| !f.is_empty())
                        .unwrap_or("attachment");
                    json!({
                        "type": "media",
                        "id": id,
                        "filename": filename,
                        "mime_type": "application/octet-stream",
                        "size_bytes": 0,
                        "url": url,
                    })
                }
                "imessage_app" | "app_clip" => part.clone(),
                _ => return Err(bad(1004, format!("unknown part type {kind:?}"))),
            };
            out.push(converted);
        }
        Ok(out)
    }

    /// The reply form of a media part naming an uploaded attachment.
    fn attached(&self, id: &str) -> Result<Value, Fail> {
        let a = self
            .attachments
            .iter()
            .find(|a| a.id == id)
            .ok_or_else(|| fail(404, 2003, "Attachment not found"))?;
        if a.data.is_none() {
            return Err(bad(
                2007,
                "The attachment's bytes have not been uploaded yet",
            ));
        }
        Ok(a.part_json())
    }

    // ---- attachments -----------------------------------------------------

    fn create_attachment(&mut self, call: &Call<'_>) -> Handled {
        let body = call.object()?;
        let content_type = required_str(&body, "content_type")?.to_owned();
        let filename = required_str(&body, "filename")?.to_owned();
        let size = required(&body, "size_bytes")?
            .as_i64()
            .ok_or_else(|| bad(1005, "size_bytes must be a whole number"))?;
        if !(1..=MAX_ATTACHMENT_BYTES).contains(&size) {
            return Err(bad(
                5005,
                format!("size_bytes must be from 1 to {MAX_ATTACHMENT_BYTES}"),
            ));
        }
        let id = self.ids.uuid();
        let now = self.time.rfc3339();
        let expires = crate::clock::rfc3339(self.time.now() + Duration::from_secs(900));
        let url = format!("{}/__files/{id}", call.origin);
        self.attachments.push(Attachment {
            id: id.clone(),
            content_type: content_type.clone(),
            filename,
            size_bytes: size,
            created_at: now,
            download_url: url.clone(),
            data: None,
        });
        Ok(Reply::json(
            200,
            json!({
                "attachment_id": id,
                "upload_url": url,
                "download_url": url,
                "expires_at": expires,
                "http_method": "PUT",
                "required_headers": {"content-type": content_type},
            }),
        ))
    }

    fn attachment_index(&self, id: &str) -> Result<usize, Fail> {
        self.attachments
            .iter()
            .position(|a| a.id == id)
            .ok_or_else(|| fail(404, 2003, "Attachment not found"))
    }

    /// `PUT` to an upload URL: the bytes must match the reservation.
    pub fn upload(
        &mut self,
        id: &str,
        content_type: Option<&str>,
        data: &[u8],
    ) -> Result<(), Fail> {
        let i = self.attachment_index(id)?;
        let a = &mut self.attachments[i];
        if content_type.is_some_and(|t| !t.eq_ignore_ascii_case(&a.content_type)) {
            return Err(bad(
                5006,
                format!("content-type must be {}, as reserved", a.content_type),
            ));
        }
        if data.len() as i64 != a.size_bytes {
            return Err(bad(
                1005,
                format!(
                    "expected {} bytes, as reserved, got {}",
                    a.size_bytes,
                    data.len()
                ),
            ));
        }
        a.data = Some(bytes::Bytes::copy_from_slice(data));
        Ok(())
    }

    /// `GET` on a download URL: content type and bytes, once uploaded.
    pub fn download(&self, id: &str) -> Result<(String, bytes::Bytes), Fail> {
        let a = &self.attachments[self.attachment_index(id)?];
        let data = a
            .data
            .clone()
            .ok_or_else(|| bad(2007, "The attachment's bytes have not been uploaded yet"))?;
        Ok((a.content_type.clone(), data))
    }

    fn push_message(
        &mut self,
        chat: usize,
        message: &Map<String, Value>,
        parts: Vec<Value>,
        key: Option<String>,
    ) -> Result<usize, Fail> {
        let reply_to = match message.get("reply_to") {
            Some(Value::Object(r)) => {
                let id = r
                    .get("message_id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad(1001, "reply_to needs message_id"))?;
                self.message_index(id)?;
                Some(
                    json!({"message_id": id, "part_index": r.get("part_index").cloned().unwrap_or(Value::Null)}),
                )
            }
            _ => None,
        };
        let now = self.time.rfc3339();
        let seq = self.next_seq();
        let c = &mut self.chats[chat];
        c.typing = false;
        c.updated_at = now.clone();
        let m = Message {
            seq,
            id: self.ids.uuid(),
            chat_id: c.id.clone(),
            parts,
            status: Status::Queued,
            is_from_me: true,
            from: c.line.clone(),
            created_at: now.clone(),
            updated_at: now,
            sent_at: None,
            delivered_at: None,
            read_at: None,
            is_read: false,
            service: c.service,
            preferred_service: message
                .get("preferred_service")
                .and_then(Value::as_str)
                .map(str::to_owned),
            reply_to,
            effect: message.get("effect").filter(|e| e.is_object()).cloned(),
            idempotency_key: key,
            reactions: Vec::new(),
        };
        self.messages.push(m);
        Ok(self.messages.len() - 1)
    }

    fn send_in_chat(&mut self, call: &Call<'_>) -> Handled {
        let i = self.chat_index(call.param("chatId"))?;
        let body = call.object()?;
        let message = required(&body, "message")?
            .as_object()
            .ok_or_else(|| bad(1004, "message must be an object"))?;
        let key = optional_str(message, "idempotency_key")?.map(str::to_owned);
        if let Some(replayed) = self.replay(call, key.as_deref()) {
            return replayed;
        }
        self.require_me(i)?;
        let parts = self.parts(message)?;
        let m = self.push_message(i, message, parts, key.clone())?;
        let chat = &self.chats[i];
        let msg = &self.messages[m];
        let reply = Reply::json(
            202,
            json!({"chat_id": chat.id, "message": msg.sent_json(chat)}),
        );
        let id = msg.id.clone();
        self.remember(call, key, &id, &reply);
        Ok(reply)
    }

    fn create_message(&mut self, call: &Call<'_>) -> Handled {
        let body = call.object()?;
        let message = required(&body, "message")?
            .as_object()
            .ok_or_else(|| bad(1004, "message must be an object"))?;
        let key = call
            .headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or(optional_str(message, "idempotency_key")?.map(str::to_owned));
        if let Some(replayed) = self.replay(call, key.as_deref()) {
            return replayed;
        }
        let recipients = self.recipients(&body)?;
        let excluded: Vec<&str> = body
            .get("exclude_from")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let parts = self.parts(message)?;
        let existing = self
            .chats
            .iter()
            .enumerate()
            .filter(|(_, c)| c.me_active() && c.recipients() == recipients)
            .max_by_key(|(_, c)| {
                (
                    !excluded.contains(&c.line.as_str()),
                    self.messages
                        .iter()
                        .filter(|m| m.chat_id == c.id)
                        .map(|m| m.seq)
                        .max()
                        .unwrap_or(c.seq),
                )
            })
            .map(|(i, _)| i);
        let (i, created) = match existing {
            Some(i) => (i, false),
            None => {
                let line = self
                    .lines
                    .iter()
                    .find(|l| !excluded.contains(&l.number.as_str()))
                    .or(self.lines.first())
                    .map(|l| l.number.clone())
                    .ok_or_else(|| fail(409, 4002, "No line is available to send from"))?;
                let service =
                    self.pick_service(&recipients, optional_str(message, "preferred_service")?)?;
                (self.new_chat(&line, &recipients, service), true)
            }
        };
        let m = self.push_message(i, message, parts, key.clone())?;
        let chat = &self.chats[i];
        let msg = &self.messages[m];
        let reply = Reply::json(
            202,
            json!({
                "chat_id": chat.id,
                "created_new_chat": created,
                "from": chat.line,
                "from_selection": {
                    "reason": if created { "new_best_number" } else { "reused_active_chat" },
                    "reused_existing_chat": !created,
                },
                "handles": chat.handles_json(),
                "is_group": chat.is_group,
                "message": msg.sent_json(chat),
                "service": chat.service.as_str(),
                "previous_chat_id": null,
            }),
        );
        let id = msg.id.clone();
        self.remember(call, key, &id, &reply);
        Ok(reply)
    }

    fn edit_message(&mut self, call: &Call<'_>) -> Handled {
        let i = self.message_index(call.param("messageId"))?;
        let body = call.object()?;
        let text = required_str(&body, "text")?.to_owned();
        let index = match body.get("part_index") {
            None | Some(Value::Null) => 0,
            Some(v) => v
                .as_u64()
                .ok_or_else(|| bad(1005, "part_index must be a whole number"))?
                as usize,
        };
        let now = self.time.rfc3339();
        let m = &mut self.messages[i];
        if !m.is_from_me {
            return Err(bad(1005, "Only your own messages can be edited"));
        }
        let Some(part) = m.parts.get_mut(index).filter(|p| p["type"] == "text") else {
            return Err(bad(1005, "part_index does not name a text part"));
        };
        part["value"] = Value::String(text);
        let part = part.clone();
        m.updated_at = now.clone();
        let m = &self.messages[i];
        let chat = self.chat_of(m);
        let data = json!({
            "id": m.id,
            "chat": chat.event_chat(),
            "direction": "outbound",
            "edited_at": now,
            "part": {"index": index, "text": part["value"]},
            "sender_handle": chat.me().json(chat.service),
            "zero_retention": false,
        });
        let (reply, line) = (m.json(chat), chat.line.clone());
        self.emit("message.edited", Some(line), data);
        Ok(Reply::json(200, reply))
    }

    fn react(&mut self, call: &Call<'_>) -> Handled {
        let i = self.message_index(call.param("messageId"))?;
        let body = call.object()?;
        let operation = required_str(&body, "operation")?;
        let kind = required_str(&body, "type")?.to_owned();
        let known = spec::schema("ReactionType")["enum"]
            .as_array()
            .is_some_and(|e| e.iter().any(|v| v == kind.as_str()));
        if !known {
            return Err(bad(1005, format!("Unknown reaction type {kind:?}")));
        }
        let custom = optional_str(&body, "custom_emoji")?.map(str::to_owned);
        if kind == "custom" && custom.is_none() {
            return Err(bad(1001, "custom_emoji is required when type is custom"));
        }
        let part_index = body.get("part_index").and_then(Value::as_u64).unwrap_or(0) as usize;
        if part_index >= self.messages[i].parts.len().max(1) {
            return Err(bad(1005, "part_index is out of range"));
        }
        let chat_idx = self.chat_index(&self.messages[i].chat_id.clone())?;
        self.require_me(chat_idx)?;
        let event = match operation {
            "add" => {
                let id = self.ids.uuid();
                let from = self.chats[chat_idx].line.clone();
                self.messages[i].reactions.push(Reaction {
                    from,
                    id: id.clone(),
                    part_index,
                    kind: kind.clone(),
                    custom_emoji: custom.clone(),
                });
                ("reaction.added", id)
            }
            "remove" => {
                if kind == "sticker" {
                    return Err(bad(1005, "Stickers cannot be removed"));
                }
                let m = &mut self.messages[i];
                let Some(pos) = m.reactions.iter().position(|r| {
                    r.kind == kind && r.part_index == part_index && r.custom_emoji == custom
                }) else {
                    return Err(bad(1005, "There is no such reaction to remove"));
                };
                let r = m.reactions.remove(pos);
                ("reaction.removed", r.id)
            }
            other => {
                return Err(bad(
                    1005,
                    format!("operation must be add or remove, not {other:?}"),
                ));
            }
        };
        let m = &self.messages[i];
        let chat = self.chat_of(m);
        let data = json!({
            "is_from_me": true,
            "reaction_type": kind,
            "chat_id": chat.id,
            "custom_emoji": custom,
            "from": chat.line,
            "from_handle": chat.me().json(chat.service),
            "message_id": m.id,
            "part_index": part_index,
            "reacted_at": self.time.rfc3339(),
            "reaction_id": event.1,
            "service": chat.service.as_str(),
        });
        let line = chat.line.clone();
        self.emit(event.0, Some(line), data);
        Ok(self.accepted(200, "Reaction processed"))
    }

    // ---- numbers and capability -------------------------------------------

    fn legacy_numbers(&self) -> Reply {
        let numbers: Vec<Value> = self
            .lines
            .iter()
            .map(|l| {
                json!({
                    "id": l.id,
                    "phone_number": l.number,
                    "capabilities": {"mms": true, "sms": true, "voice": false},
                    "country_code": "US",
                    "type": "mobile",
                })
            })
            .collect();
        Reply::json(200, json!({"phone_numbers": numbers}))
    }

    fn numbers(&self) -> Reply {
        let numbers: Vec<Value> = self
            .lines
            .iter()
            .map(|l| {
                json!({
                    "id": l.id,
                    "phone_number": l.number,
                    "reputation": {
                        "doc_url": "https://docs.linqapp.com/channel/imessage/guides/reputation",
                        "status": "HEALTHY",
                    },
                    "forwarding_number": null,
                    "line_type": "iMessage",
                })
            })
            .collect();
        Reply::json(200, json!({"phone_numbers": numbers}))
    }

    fn check(&mut self, call: &Call<'_>, service: Service) -> Handled {
        let body = call.object()?;
        let address = required_str(&body, "address")?;
        if service == Service::Rcs && address.contains('@') {
            return Err(bad(
                1002,
                "RCS has no email addressing: address must be an E.164 phone number",
            ));
        }
        let address = check_handle(address)?;
        if let Some(from) = optional_str(&body, "from")? {
            if !self.is_line(from) {
                return Err(fail(
                    403,
                    2006,
                    "You don't have permission to send from this phone number",
                ));
            }
        }
        let available = self.capabilities(&address).supports(service);
        Ok(Reply::json(
            200,
            json!({
                "address": address,
                "available": available,
                "reason": if available { Value::Null } else { json!("not_supported") },
                "selected_service": if available { json!(service.as_str()) } else { Value::Null },
            }),
        ))
    }

    // ---- webhook subscriptions -------------------------------------------

    fn sub_index(&self, id: &str) -> Result<usize, Fail> {
        self.subs
            .iter()
            .position(|s| s.id == id)
            .ok_or_else(not_found)
    }

    fn event_list(value: &Value) -> Result<Vec<String>, Fail> {
        let list = value
            .as_array()
            .ok_or_else(|| bad(1005, "subscribed_events must be an array"))?;
        if list.is_empty() {
            return Err(bad(1005, "subscribed_events must name at least one event"));
        }
        let known = spec::schema("WebhookEventType")["enum"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut out = Vec::new();
        for e in list {
            if !known.contains(e) {
                return Err(bad(1005, format!("Unknown event type {e}")));
            }
            let e = e.as_str().unwrap_or_default().to_owned();
            if !out.contains(&e) {
                out.push(e);
            }
        }
        Ok(out)
    }

    fn target_url(&self, url: &str, except: Option<&str>) -> Result<String, Fail> {
        let ok = url
            .parse::<http::Uri>()
            .ok()
            .filter(|u| matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some());
        if ok.is_none() {
            return Err(bad(1005, "target_url must be an absolute http(s) URL"));
        }
        if let Some(v) = crate::model::payload_version(url) {
            if !crate::model::PAYLOAD_VERSIONS.contains(&v.as_str()) {
                return Err(bad(
                    1005,
                    format!(
                        "?version={v} is not a webhook payload version (2025-01-01 or {WEBHOOK_VERSION})"
                    ),
                ));
            }
        }
        if !self.mock
            && self
                .subs
                .iter()
                .any(|s| s.target_url == url && Some(s.id.as_str()) != except)
        {
            return Err(fail(
                409,
                1005,
                "This target_url is already used by another subscription",
            ));
        }
        Ok(url.to_owned())
    }

    fn phone_list(value: Option<&Value>) -> Result<Vec<String>, Fail> {
        match value {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(list)) => list
                .iter()
                .map(|v| {
                    let s = v
                        .as_str()
                        .ok_or_else(|| bad(1005, "phone_numbers must be strings"))?;
                    match linq_types::Handle::parse(s) {
                        Ok(h) if h.is_phone() => Ok(s.to_owned()),
                        _ => Err(bad(1002, "Phone number must be in E.164 format")),
                    }
                })
                .collect(),
            Some(_) => Err(bad(1005, "phone_numbers must be an array")),
        }
    }

    fn create_subscription(&mut self, call: &Call<'_>) -> Handled {
        let body = call.object()?;
        let events = Self::event_list(required(&body, "subscribed_events")?)?;
        let target = self.target_url(required_str(&body, "target_url")?, None)?;
        let phone_numbers = Self::phone_list(body.get("phone_numbers"))?;
        let now = self.time.rfc3339();
        let sub = Subscription {
            id: self.ids.uuid(),
            secret: self.ids.secret(),
            target_url: target,
            events,
            phone_numbers,
            is_active: true,
            routing_id_header: optional_str(&body, "routing_id_header")?.map(str::to_owned),
            routing_key_header: optional_str(&body, "routing_key_header")?.map(str::to_owned),
            created_at: now.clone(),
            updated_at: now,
        };
        let mut reply = sub.json();
        reply["signing_secret"] = Value::String(sub.secret.clone());
        self.subs.push(sub);
        Ok(Reply::json(201, reply))
    }

    fn update_subscription(&mut self, call: &Call<'_>) -> Handled {
        let i = self.sub_index(call.param("subscriptionId"))?;
        let body = call.object()?;
        let id = self.subs[i].id.clone();
        let events = match body.get("subscribed_events") {
            None | Some(Value::Null) => None,
            Some(v) => Some(Self::event_list(v)?),
        };
        let target = match optional_str(&body, "target_url")? {
            Some(url) => Some(self.target_url(url, Some(&id))?),
            None => None,
        };
        let phones = match body.get("phone_numbers") {
            None => None,
            v => Some(Self::phone_list(v)?),
        };
        let active = match body.get("is_active") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => return Err(bad(1005, "is_active must be a boolean")),
        };
        let routing_id = body
            .get("routing_id_header")
            .map(|v| v.as_str().map(str::to_owned));
        let routing_key = body
            .get("routing_key_header")
            .map(|v| v.as_str().map(str::to_owned));
        let now = self.time.rfc3339();
        let sub = &mut self.subs[i];
        if let Some(e) = events {
            sub.events = e;
        }
        if let Some(t) = target {
            sub.target_url = t;
        }
        if let Some(p) = phones {
            sub.phone_numbers = p;
        }
        if let Some(a) = active {
            sub.is_active = a;
        }
        if let Some(r) = routing_id {
            sub.routing_id_header = r;
        }
        if let Some(r) = routing_key {
            sub.routing_key_header = r;
        }
        sub.updated_at = now;
        Ok(Reply::json(200, sub.json()))
    }
}
