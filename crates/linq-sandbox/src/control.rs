//! The control API under `/__sandbox/`: what a test in any language uses
//! to set the account up, look inside it and make things happen. Described
//! by the OpenAPI document `openapi` serves at `/__sandbox/openapi.json`.

use std::time::Duration;

use bytes::Bytes;
use http::{Method, Response};
use serde_json::{Map, Value, json};

use crate::sandbox::rejected;
use crate::{
    Capabilities, Fault, MAX_ADVANCE_STEPS, MAX_FAULT_RULES, NOT_FOUND, Rejected, Sandbox, lock,
};

/// Longest path a log entry keeps; a longer one is cut and marked.
const LOGGED_PATH_BYTES: usize = 2048;

/// At most `max` bytes of `text`, cut at a character boundary and marked.
fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}
/// Most a manual clock may move in one `POST /__sandbox/clock`, in ms
/// (about ten years).
pub const MAX_CLOCK_ADVANCE_MS: u64 = 10 * 366 * 86_400_000;

fn ok(v: Value) -> Response<Bytes> {
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(Bytes::from(v.to_string()))
        .expect("a valid response")
}

/// Refuses keys outside `allowed`.
fn only(map: &Map<String, Value>, allowed: &[&str]) -> Result<(), String> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!("unknown field {k:?}")),
        None => Ok(()),
    }
}

impl Sandbox {
    /// Goes back to the starting state (or the last
    /// [`set_baseline`](Self::set_baseline)): chats, messages, subscriptions,
    /// attachments, events, deliveries, faults and the request log are
    /// forgotten. Subscribers from [`subscribe`](Self::subscribe) stay.
    pub fn reset(&self) {
        let baseline = lock(&self.shared.baseline).clone();
        *self.state() = baseline;
        lock(&self.shared.faults).clear();
        lock(&self.shared.log).clear();
        lock(&self.shared.attempts).clear();
        lock(&self.shared.requests).clear();
    }

    /// Makes the current state the one [`reset`](Self::reset) returns to
    /// (the CLI calls it after applying its flags and fixture).
    pub fn set_baseline(&self) {
        let now = self.state().clone();
        *lock(&self.shared.baseline) = now;
    }

    /// Every API request answered so far (control requests aside), oldest
    /// first: method, path, query, operation id and status (`null` when
    /// the connection was dropped). Keeps the newest
    /// [`REQUEST_LOG_BYTES`](crate::REQUEST_LOG_BYTES) of entries; paths are cut at 2 KiB.
    pub fn requests(&self) -> Vec<Value> {
        lock(&self.shared.requests).entries()
    }

    pub(crate) fn log_request(
        &self,
        method: &Method,
        path: &str,
        query: Option<&str>,
        operation: Option<&str>,
        status: Option<u16>,
    ) {
        let entry = json!({
            "method": method.as_str(),
            "path": clip(path, LOGGED_PATH_BYTES),
            "query": query.map(|q| clip(q, LOGGED_PATH_BYTES)),
            "operation": operation,
            "at": self.state().time.rfc3339(),
            "status": status,
        });
        lock(&self.shared.requests).push(entry);
    }

    /// The whole account as JSON: lines, capabilities set, chats, messages,
    /// subscriptions (with their secrets), attachments, the time.
    pub fn dump(&self) -> Value {
        self.state().dump()
    }

    /// Someone else acts, as `POST /__sandbox/inbound` describes: a
    /// message (`text`, `media_url`), a `reaction` to `message_id`, or
    /// typing. Without `chat_id`, `from` writes to line `to` in their
    /// direct chat, which starts if it does not exist.
    pub fn inbound(&self, body: &Value) -> Result<Value, Rejected> {
        let Some(map) = body.as_object() else {
            return Err(Rejected {
                status: 400,
                code: 1003,
                message: "the body must be a JSON object".into(),
            });
        };
        let mut state = self.state();
        let reply = state.inbound(map).map_err(rejected)?;
        self.flush(state);
        Ok(reply)
    }

    /// A message you sent fails later: `message.failed` with `code`
    /// (default 4001) and `reason`.
    pub fn fail_message(&self, id: &str, code: u32, reason: &str) -> Result<(), Rejected> {
        let mut state = self.state();
        state.fail_message(id, code, reason).map_err(rejected)?;
        self.flush(state);
        Ok(())
    }

    /// Emits an event of any type in the catalogue, its `data` sampled from
    /// the type's schema with `data` laid over it. Returns the envelope.
    pub fn emit(&self, event_type: &str, data: Option<&Value>) -> Result<Value, Rejected> {
        let mut state = self.state();
        let envelope = state.emit_any(event_type, data).map_err(rejected)?;
        self.flush(state);
        Ok(envelope)
    }

    pub(crate) fn control(&self, method: &Method, rest: &str, body: &[u8]) -> Response<Bytes> {
        let body: Value = if body.iter().all(u8::is_ascii_whitespace) {
            json!({})
        } else {
            match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(_) => return self.error(400, 1003, "Request body is not valid JSON"),
            }
        };
        let empty = Map::new();
        let map = match (&body, method) {
            (Value::Object(m), _) => m,
            (_, &Method::GET | &Method::DELETE) => &empty,
            _ => return self.error(400, 1003, "Request body must be a JSON object"),
        };
        match self.control_route(method.as_str(), rest, map, &body) {
            Ok(reply) => reply,
            Err(r) => self.error(r.status, r.code, &r.message),
        }
    }

    fn control_route(
        &self,
        method: &str,
        rest: &str,
        map: &Map<String, Value>,
        body: &Value,
    ) -> Result<Response<Bytes>, Rejected> {
        let refuse = |message: String| Rejected {
            status: 400,
            code: 1005,
            message,
        };
        Ok(match (method, rest) {
            ("GET", "openapi.json") => ok(openapi()),
            ("POST", "reset") => {
                only(map, &[]).map_err(refuse)?;
                self.reset();
                ok(json!({"reset": true}))
            }
            ("POST", "seed") => ok(json!({"chats": self.seed(body)?, "lines": self.lines()})),
            ("GET", "state") => ok(self.dump()),
            ("GET", "requests") => ok(Value::Array(self.requests())),
            ("DELETE", "requests") => {
                lock(&self.shared.requests).clear();
                ok(json!({"requests": 0}))
            }
            ("GET", "faults") => ok(json!({
                "queued": self.faults_pending(),
                "faults": lock(&self.shared.faults).iter().map(|r| json!({
                    "fault": format!("{:?}", r.fault),
                    "remaining": r.remaining,
                    "operation": r.matcher.operation,
                    "method": r.matcher.method.as_ref().map(Method::as_str),
                    "path": r.matcher.path,
                })).collect::<Vec<_>>(),
            })),
            ("POST", "faults") => {
                let rule = Fault::rule_from_json(body).map_err(refuse)?;
                let mut rules = lock(&self.shared.faults);
                if rules.len() >= MAX_FAULT_RULES {
                    return Err(refuse(format!(
                        "{MAX_FAULT_RULES} faults are already queued; clear some first"
                    )));
                }
                rules.push_back(rule);
                drop(rules);
                ok(json!({"queued": self.faults_pending()}))
            }
            ("DELETE", "faults") => {
                self.clear_faults();
                ok(json!({"queued": 0}))
            }
            ("POST", "advance") => {
                only(map, &["steps"]).map_err(refuse)?;
                let steps = match map.get("steps") {
                    None | Some(Value::Null) => 1,
                    Some(v) => v.as_u64().filter(|n| *n <= MAX_ADVANCE_STEPS).ok_or_else(|| {
                        refuse(format!(
                            "steps must be a whole number from 0 to {MAX_ADVANCE_STEPS}"
                        ))
                    })?,
                };
                let mut events = 0;
                for done in 0..steps {
                    // Nothing left to move: the remaining steps would only
                    // tick the clock, which one jump does as well.
                    if self.pending() == 0 {
                        self.state().idle(steps - done);
                        break;
                    }
                    events += self.advance();
                }
                ok(json!({"events": events}))
            }
            ("POST", "settle") => ok(json!({"events": self.settle()})),
            ("GET", "clock") => ok(self.clock_json()),
            ("POST", "clock") => {
                only(map, &["set", "advance_ms"]).map_err(refuse)?;
                let mut state = self.state();
                if !state.time.is_manual() {
                    return Err(Rejected {
                        status: 409,
                        code: 1005,
                        message: "the clock is the wall clock; start with --clock manual to set it"
                            .into(),
                    });
                }
                if let Some(set) = map.get("set") {
                    let t = set
                        .as_str()
                        .and_then(crate::clock::parse_rfc3339)
                        .ok_or_else(|| refuse("set must be an RFC 3339 time from 1970 on".into()))?;
                    state.time.set(t);
                }
                if let Some(ms) = map.get("advance_ms") {
                    let ms = ms
                        .as_u64()
                        .filter(|ms| *ms <= MAX_CLOCK_ADVANCE_MS)
                        .ok_or_else(|| {
                            refuse(format!(
                                "advance_ms must be a whole number from 0 to {MAX_CLOCK_ADVANCE_MS}"
                            ))
                        })?;
                    state.time.advance(Duration::from_millis(ms));
                }
                drop(state);
                ok(self.clock_json())
            }
            ("POST", "capabilities") => {
                only(map, &["handle", "imessage", "rcs", "sms"]).map_err(refuse)?;
                let Some(handle) = map.get("handle").and_then(Value::as_str) else {
                    return Err(Rejected {
                        status: 400,
                        code: 1001,
                        message: "Missing required field: handle".into(),
                    });
                };
                let mut services = map.clone();
                services.remove("handle");
                let caps = Capabilities::from_json(&Value::Object(services)).map_err(refuse)?;
                self.set_capabilities(handle, caps);
                ok(json!({"handle": handle, "imessage": caps.imessage, "rcs": caps.rcs, "sms": caps.sms}))
            }
            ("POST", "receive") => {
                only(map, &["chat_id", "from", "text"]).map_err(refuse)?;
                let (Some(chat), Some(from)) = (
                    map.get("chat_id").and_then(Value::as_str),
                    map.get("from").and_then(Value::as_str),
                ) else {
                    return Err(Rejected {
                        status: 400,
                        code: 1001,
                        message: "chat_id and from are required".into(),
                    });
                };
                let text = map.get("text").and_then(Value::as_str).unwrap_or_default();
                ok(json!({"message_id": self.receive(chat, from, text)?}))
            }
            ("POST", "inbound") => ok(self.inbound(body)?),
            ("POST", "fail-message") => {
                only(map, &["message_id", "code", "reason"]).map_err(refuse)?;
                let id = map
                    .get("message_id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| Rejected {
                        status: 400,
                        code: 1001,
                        message: "Missing required field: message_id".into(),
                    })?;
                let code = match map.get("code") {
                    None => 4001,
                    Some(v) => v
                        .as_u64()
                        .and_then(|c| u32::try_from(c).ok())
                        .ok_or_else(|| refuse("code must be a whole number".into()))?,
                };
                let reason = map
                    .get("reason")
                    .and_then(Value::as_str)
                    .unwrap_or("The message could not be delivered");
                self.fail_message(id, code, reason)?;
                ok(self.message_json(id).unwrap_or(Value::Null))
            }
            ("POST", "emit") => {
                only(map, &["event_type", "data"]).map_err(refuse)?;
                let event_type = map
                    .get("event_type")
                    .and_then(Value::as_str)
                    .ok_or_else(|| Rejected {
                        status: 400,
                        code: 1001,
                        message: "Missing required field: event_type".into(),
                    })?;
                ok(self.emit(event_type, map.get("data"))?)
            }
            ("GET", "events") => ok(Value::Array(self.events_json())),
            ("GET", "deliveries") => ok(Value::Array(
                self.deliveries()
                    .iter()
                    .map(|d| {
                        json!({
                            "subscription_id": d.subscription_id,
                            "target_url": d.target_url,
                            "event_type": d.event_type,
                            "headers": d.headers.iter().map(|(k, v)| (k.as_str().to_owned(), Value::String(v.to_str().unwrap_or_default().to_owned()))).collect::<Map<_, _>>(),
                            "body": d.json(),
                        })
                    })
                    .collect(),
            )),
            ("GET", "attempts") => ok(Value::Array(
                self.attempts()
                    .iter()
                    .map(|a| {
                        json!({
                            "webhook_id": a.webhook_id,
                            "target_url": a.target_url,
                            "attempt": a.attempt,
                            "status": a.outcome.as_ref().ok(),
                            "error": a.outcome.as_ref().err(),
                        })
                    })
                    .collect(),
            )),
            _ => {
                return Err(Rejected {
                    status: 404,
                    code: NOT_FOUND,
                    message: "No such control endpoint; see /__sandbox/openapi.json".into(),
                });
            }
        })
    }

    fn clock_json(&self) -> Value {
        let state = self.state();
        json!({
            "now": state.time.rfc3339(),
            "clock": if state.time.is_manual() { "manual" } else { "system" },
        })
    }
}

/// The OpenAPI 3.1 document of the control API.
pub(crate) fn openapi() -> Value {
    let object = |props: Value, required: &[&str]| json!({"type": "object", "properties": props, "required": required, "additionalProperties": false});
    let any_object = json!({"type": "object"});
    let reply = |description: &str, schema: Value| json!({"200": {"description": description, "content": {"application/json": {"schema": schema}}}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}});
    let post = |id: &str, summary: &str, body: Value, out: Value| json!({"post": {"operationId": id, "summary": summary, "requestBody": {"required": false, "content": {"application/json": {"schema": body}}}, "responses": reply("done", out)}});
    let get = |id: &str, summary: &str, out: Value| json!({"get": {"operationId": id, "summary": summary, "responses": reply("ok", out)}});
    let handle = json!({"type": "string", "description": "E.164 phone number or email address"});
    let fault = object(
        json!({
            "kind": {"enum": ["status", "rate_limit", "drop", "drop_after_apply", "delay"]},
            "count": {"type": "integer", "minimum": 1, "maximum": crate::MAX_FAULT_COUNT, "default": 1},
            "status": {"type": "integer", "minimum": 400, "maximum": 599, "description": "kind status only; the error code follows the status"},
            "retry_after": {"type": "number", "minimum": 0, "maximum": crate::MAX_RETRY_AFTER_SECS, "description": "kind rate_limit only, seconds"},
            "ms": {"type": "integer", "minimum": 0, "maximum": crate::MAX_DELAY_MS, "description": "kind delay only"},
            "operation": {"type": "string", "description": "only requests to this operation id"},
            "method": {"type": "string", "description": "only requests with this method"},
            "path": {"type": "string", "description": "only this path: template (/v3/chats/{chatId}) or as sent from /v3 on"},
        }),
        &["kind"],
    );
    let mut paths = Map::new();
    let mut add = |path: &str, item: Value| {
        let entry = paths
            .entry(format!("/__sandbox/{path}"))
            .or_insert_with(|| json!({}));
        if let (Some(e), Some(i)) = (entry.as_object_mut(), item.as_object()) {
            e.extend(i.clone());
        }
    };
    add(
        "openapi.json",
        get(
            "openapi",
            "This document (no key needed)",
            any_object.clone(),
        ),
    );
    add(
        "reset",
        post(
            "reset",
            "Back to the starting state",
            object(json!({}), &[]),
            any_object.clone(),
        ),
    );
    add(
        "seed",
        post(
            "seed",
            "Add lines, set capabilities, start chats",
            object(
                json!({
                    "lines": {"type": "array", "items": {"type": "string"}},
                    "capabilities": {"type": "object", "additionalProperties": object(json!({"imessage": {"type": "boolean"}, "rcs": {"type": "boolean"}, "sms": {"type": "boolean"}}), &[])},
                    "chats": {"type": "array", "items": object(json!({"from": {"type": "string"}, "to": {"type": "array", "items": handle.clone()}, "text": {"type": "string"}}), &["to"])},
                }),
                &[],
            ),
            object(
                json!({"chats": {"type": "array", "items": {"type": "string"}}, "lines": {"type": "array", "items": {"type": "string"}}}),
                &[],
            ),
        ),
    );
    add(
        "capabilities",
        post(
            "set_capabilities",
            "Which services reach a handle (missing ones: unreachable)",
            object(
                json!({"handle": handle.clone(), "imessage": {"type": "boolean"}, "rcs": {"type": "boolean"}, "sms": {"type": "boolean"}}),
                &["handle"],
            ),
            any_object.clone(),
        ),
    );
    add(
        "state",
        get(
            "state",
            "The whole account: lines, chats, messages, subscriptions, attachments",
            any_object.clone(),
        ),
    );
    add(
        "requests",
        get(
            "requests",
            "The request log, oldest first",
            json!({"type": "array", "items": object(json!({"method": {"type": "string"}, "path": {"type": "string"}, "query": {"type": ["string", "null"]}, "operation": {"type": ["string", "null"]}, "status": {"type": ["integer", "null"]}, "at": {"type": "string"}}), &[])}),
        ),
    );
    add(
        "requests",
        json!({"delete": {"operationId": "clear_requests", "summary": "Empty the request log", "responses": reply("ok", any_object.clone())}}),
    );
    add(
        "events",
        get(
            "events",
            "Every event emitted (webhook envelopes), oldest first",
            json!({"type": "array", "items": any_object.clone()}),
        ),
    );
    add(
        "deliveries",
        get(
            "deliveries",
            "Signed deliveries to subscriptions",
            json!({"type": "array", "items": any_object.clone()}),
        ),
    );
    add(
        "attempts",
        get(
            "attempts",
            "What became of each HTTP delivery attempt",
            json!({"type": "array", "items": object(json!({"webhook_id": {"type": "string"}, "target_url": {"type": "string"}, "attempt": {"type": "integer"}, "status": {"type": ["integer", "null"]}, "error": {"type": ["string", "null"]}}), &[])}),
        ),
    );
    add(
        "faults",
        post(
            "queue_fault",
            "Make matching API requests fail",
            fault,
            object(json!({"queued": {"type": "integer"}}), &[]),
        ),
    );
    add("faults", get("faults", "Queued faults", any_object.clone()));
    add(
        "faults",
        json!({"delete": {"operationId": "clear_faults", "summary": "Forget queued faults", "responses": reply("ok", any_object.clone())}}),
    );
    add(
        "advance",
        post(
            "advance",
            "Steps of simulated time: queued changes apply, statuses move on",
            object(
                json!({"steps": {"type": "integer", "minimum": 0, "maximum": MAX_ADVANCE_STEPS, "default": 1}}),
                &[],
            ),
            object(json!({"events": {"type": "integer"}}), &[]),
        ),
    );
    add(
        "settle",
        post(
            "settle",
            "Advance until nothing is pending",
            object(json!({}), &[]),
            object(json!({"events": {"type": "integer"}}), &[]),
        ),
    );
    let clock = object(
        json!({"now": {"type": "string", "format": "date-time"}, "clock": {"enum": ["manual", "system"]}}),
        &[],
    );
    add("clock", get("clock", "The sandbox's time", clock.clone()));
    add(
        "clock",
        post(
            "set_clock",
            "Set or move a manual clock (409 for the wall clock)",
            object(
                json!({"set": {"type": "string", "format": "date-time"}, "advance_ms": {"type": "integer", "minimum": 0, "maximum": MAX_CLOCK_ADVANCE_MS}}),
                &[],
            ),
            clock,
        ),
    );
    add(
        "receive",
        post(
            "receive",
            "A member of a chat sends a text",
            object(
                json!({"chat_id": {"type": "string"}, "from": handle.clone(), "text": {"type": "string"}}),
                &["chat_id", "from"],
            ),
            any_object.clone(),
        ),
    );
    add(
        "inbound",
        post(
            "inbound",
            "Someone writes, reacts, types, creates or votes on a poll, shares their contact card or location; without chat_id a stranger starts a direct chat with line `to`",
            object(
                json!({
                    "kind": {"enum": ["message", "reaction", "typing_started", "typing_stopped", "poll", "poll_vote", "contact_card", "location_started", "location_stopped"], "default": "message"},
                    "from": handle,
                    "chat_id": {"type": "string"},
                    "to": {"type": "string", "description": "one of your lines (default the first)"},
                    "text": {"type": "string"},
                    "media_url": {"type": "string", "format": "uri"},
                    "message_id": {"type": "string", "description": "kind reaction: the message reacted to"},
                    "reaction": {"type": "string", "description": "kind reaction: a ReactionType (default love)"},
                    "part_index": {"type": "integer", "minimum": 0},
                    "options": {"type": "array", "items": {"type": "string"}, "description": "kind poll: two option texts or more"},
                    "option_id": {"type": "string", "description": "kind poll_vote: the option (message_id names the poll); voting again takes the vote back"},
                    "first_name": {"type": "string", "description": "kind contact_card"},
                    "last_name": {"type": "string", "description": "kind contact_card"},
                }),
                &["from"],
            ),
            object(
                json!({"chat_id": {"type": "string"}, "message_id": {"type": "string"}, "reaction_id": {"type": "string"}}),
                &[],
            ),
        ),
    );
    add(
        "fail-message",
        post(
            "fail_message",
            "A message you sent fails: status failed, message.failed emitted",
            object(
                json!({"message_id": {"type": "string"}, "code": {"type": "integer", "default": 4001}, "reason": {"type": "string"}}),
                &["message_id"],
            ),
            any_object.clone(),
        ),
    );
    add(
        "emit",
        post(
            "emit",
            "Emit any catalogue event; data is sampled from its schema, with `data` laid over it",
            object(
                json!({"event_type": {"type": "string"}, "data": {"type": "object"}}),
                &["event_type"],
            ),
            any_object,
        ),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "linq-sandbox control API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Controls for the sandbox: set the account up, look inside, make things happen. Every endpoint but this document needs the API's bearer key (any key in mock mode). Paths may have any prefix before /__sandbox/. Unknown fields are refused with 400.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "The Linq error envelope", "content": {"application/json": {"schema": {"type": "object", "properties": {"error": {"type": "object", "properties": {"status": {"type": "integer"}, "code": {"type": "integer"}, "message": {"type": "string"}}}, "success": {"const": false}, "trace_id": {"type": "string"}}}}}}},
        },
        "security": [{"bearer": []}],
    })
}
