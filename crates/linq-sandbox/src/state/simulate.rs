//! What the control API makes happen: someone else writes, reacts or
//! types, a sent message fails, any event of the catalogue; and the dump.

use serde_json::{Map, Value, json};

use super::State;
use super::model::{Attachment, Chat, Message, Reaction, Status};
use super::polls::{Poll, PollOption};
use crate::reply::{Fail, bad, check_handle, fail, optional_str, required_str};
use crate::spec;

impl State {
    // ---- in-process helpers ----------------------------------------------

    /// A message from `from` arrives in a chat.
    pub(crate) fn receive(
        &mut self,
        chat_id: &str,
        from: &str,
        text: &str,
    ) -> Result<String, Fail> {
        let i = self.chat_index(chat_id)?;
        self.check_sender(i, from)?;
        self.receive_parts(i, from, vec![json!({"type": "text", "value": text})])
    }

    pub(crate) fn check_sender(&self, chat: usize, from: &str) -> Result<(), Fail> {
        self.blocked.refuse_inbound(from)?;
        let c = &self.chats[chat];
        if c.active_member(from).is_none() || c.me().handle == from {
            return Err(bad(
                1005,
                "the sender is not another active member of the chat",
            ));
        }
        Ok(())
    }

    pub(crate) fn receive_parts(
        &mut self,
        i: usize,
        from: &str,
        parts: Vec<Value>,
    ) -> Result<String, Fail> {
        let text: String = parts
            .iter()
            .filter_map(|p| p["value"].as_str().filter(|_| p["type"] == "text"))
            .collect();
        self.note_opt_out(i, from, &text);
        let m = self.push_received(i, from, parts, None);
        let (message, chat) = (&self.messages[m], &self.chats[i]);
        let (data, v1, line, id) = (
            message.event_json(chat),
            message.event_json_v1(chat),
            chat.line.clone(),
            message.id.clone(),
        );
        self.emit_versioned("message.received", Some(line), data, Some(v1));
        Ok(id)
    }

    /// Stores a message from someone else; returns its index.
    fn push_received(
        &mut self,
        i: usize,
        from: &str,
        parts: Vec<Value>,
        poll: Option<Poll>,
    ) -> usize {
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
            poll,
        };
        self.messages.push(message);
        self.messages.len() - 1
    }

    // ---- simulation (the control API) -------------------------------------

    /// Someone writes, reacts or types: `from` (required) in `chat_id`, or,
    /// without one, in their direct chat with line `to` (default the first
    /// line), which is started if there is none (a stranger texting first).
    pub(crate) fn inbound(&mut self, body: &Map<String, Value>) -> Result<Value, Fail> {
        const FIELDS: [&str; 13] = [
            "kind",
            "options",
            "option_id",
            "first_name",
            "last_name",
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
                    placement: None,
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
            "poll" | "poll_vote" | "contact_card" | "location_started" | "location_stopped" => {
                self.inbound_more(kind, i, &from, body)
            }
            other => Err(bad(
                1005,
                format!(
                    "kind must be message, reaction, typing_started, typing_stopped, poll, \
                     poll_vote, contact_card, location_started or location_stopped, not {other:?}"
                ),
            )),
        }
    }

    /// The inbound kinds of the newer families: someone else creates a
    /// poll or votes on one, shares their contact card, or starts or stops
    /// sharing their location.
    fn inbound_more(
        &mut self,
        kind: &str,
        i: usize,
        from: &str,
        body: &Map<String, Value>,
    ) -> Result<Value, Fail> {
        let now = self.time.rfc3339();
        let chat_id = self.chats[i].id.clone();
        let line = self.chats[i].line.clone();
        match kind {
            "poll" => {
                let texts: Vec<String> = body
                    .get("options")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                if texts.len() < 2 {
                    return Err(bad(1005, "a poll needs options: two strings or more"));
                }
                let options = texts
                    .into_iter()
                    .map(|text| PollOption {
                        id: self.ids.uuid(),
                        text,
                        creator: from.to_owned(),
                        voters: Vec::new(),
                    })
                    .collect();
                let m = self.push_received(i, from, Vec::new(), Some(Poll { options }));
                let (message, chat) = (&self.messages[m], &self.chats[i]);
                let id = message.id.clone();
                let sender = chat.active_member(from).map(|m| m.json(chat.service));
                let data = json!({
                    "chat": chat.event_chat(),
                    "created_at": message.created_at,
                    "updated_at": message.updated_at,
                    "received_at": now,
                    "direction": "inbound",
                    "message_id": message.id,
                    "poll": message.poll.as_ref().map(|p| p.json(chat)),
                    "service": chat.service.as_str(),
                    "sender_handle": sender,
                    "zero_retention": false,
                });
                self.emit("poll.received", Some(line), data);
                Ok(json!({"chat_id": chat_id, "message_id": id}))
            }
            "poll_vote" => {
                let m = self.message_index(required_str(body, "message_id")?)?;
                let option_id = required_str(body, "option_id")?.to_owned();
                if self.messages[m].chat_id != chat_id {
                    return Err(bad(1005, "message_id is not in this chat"));
                }
                let option = self.messages[m]
                    .poll
                    .as_mut()
                    .and_then(|p| p.options.iter_mut().find(|o| o.id == option_id))
                    .ok_or_else(|| bad(1005, "message_id and option_id must name a poll option"))?;
                let event = match option.voters.iter().position(|(h, _)| h == from) {
                    Some(at) => {
                        option.voters.remove(at);
                        "poll.vote.removed"
                    }
                    None => {
                        option.voters.push((from.to_owned(), now));
                        "poll.vote.added"
                    }
                };
                let chat = &self.chats[i];
                let data = json!({
                    "chat": chat.event_chat(),
                    "direction": "inbound",
                    "message_id": self.messages[m].id,
                    "option_id": option_id,
                    "sender_handle": chat.active_member(from).map(|m| m.json(chat.service)),
                    "service": chat.service.as_str(),
                    "zero_retention": false,
                });
                self.emit(event, Some(line), data);
                Ok(json!({"chat_id": chat_id, "event": event}))
            }
            "contact_card" => {
                let first_name = required_str(body, "first_name")?;
                let last_name = optional_str(body, "last_name")?.unwrap_or_default();
                let data = json!({
                    "first_name": first_name,
                    "last_name": last_name,
                    "owner_handle": line,
                    "sender_handle": from,
                    "media_url": optional_str(body, "media_url")?,
                });
                self.emit("contact_card.received", Some(line), data);
                Ok(json!({"chat_id": chat_id}))
            }
            "location_started" => {
                self.start_sharing(&chat_id, from, &now);
                Ok(json!({"chat_id": chat_id}))
            }
            _ => {
                self.stop_sharing(&line, from, &now);
                Ok(json!({"chat_id": chat_id}))
            }
        }
    }

    /// A message you sent fails to deliver: its status becomes `failed`
    /// and `message.failed` is emitted.
    pub(crate) fn fail_message(&mut self, id: &str, code: u32, reason: &str) -> Result<(), Fail> {
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
        let line = chat.line.clone();
        if let Some(poll) = &m.poll {
            // A poll's failure is told by poll.failed.
            let data = json!({
                "chat": chat.event_chat(),
                "direction": "outbound",
                "error": {"code": code, "message": reason},
                "failed_at": now,
                "message_id": m.id,
                "poll": poll.json(chat),
                "service": m.service.as_str(),
                "sender_handle": chat.me().json(chat.service),
                "zero_retention": false,
            });
            self.emit("poll.failed", Some(line), data);
            return Ok(());
        }
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
        self.emit("message.failed", Some(line), data);
        Ok(())
    }

    /// Emits any event type of the catalogue: its `data` is a sample of the
    /// type's schema with `data` (if given) laid over it, checked against
    /// the schema. Returns the envelope.
    pub(crate) fn emit_any(
        &mut self,
        event_type: &str,
        data: Option<&Value>,
    ) -> Result<Value, Fail> {
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
    pub(crate) fn dump(&self) -> Value {
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
}
