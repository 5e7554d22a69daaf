//! The account's phone numbers (lines): listing, forwarding, reputation
//! audits, and the line `available_number` suggests.

use serde_json::{Value, json};

use super::call::{Call, Handler};
use crate::reply::{Fail, Handled, Reply, bad, check_handle, fail, not_found};
use crate::state::State;
use crate::state::model::Attachment;
use crate::state::numbers::{AUDIT_COOLDOWN, AUDIT_READABLE, Audit, REPUTATION_DOC};

pub(crate) const HANDLERS: &[(&str, Handler)] = &[
    ("phonenumbers.list", |state, _| Ok(legacy_list(state))),
    ("phone_numbers.list", |state, _| Ok(list(state))),
    ("phone_numbers.update", update),
    ("phone_numbers.start_reputation_audit", start_audit),
    ("phone_numbers.get_reputation_audit", get_audit),
    ("available_number.retrieve", available),
];

/// Every sandbox line is an iMessage line.
const LINE_TYPE: &str = "iMessage";

pub(crate) fn legacy_list(state: &State) -> Reply {
    let numbers: Vec<Value> = state
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

pub(crate) fn list(state: &State) -> Reply {
    let reputation = json!({"doc_url": REPUTATION_DOC, "status": "HEALTHY"});
    let numbers: Vec<Value> = state
        .lines
        .iter()
        .map(|l| {
            json!({
                "id": l.id,
                "phone_number": l.number,
                "reputation": reputation,
                // The official TypeScript SDK still requires the older name.
                "health_status": reputation,
                "forwarding_number": state.numbers.forwarding.get(&l.id),
                "line_type": LINE_TYPE,
            })
        })
        .collect();
    Reply::json(200, json!({"phone_numbers": numbers}))
}

fn update(state: &mut State, call: &Call<'_>) -> Handled {
    let id = call.param("phoneNumberId");
    let line = state
        .lines
        .iter()
        .find(|l| l.id == id)
        .map(|l| l.number.clone())
        .ok_or_else(|| fail(404, 2001, "Phone number not found"))?;
    let body = call.object()?;
    let new = match body.get("forwarding_number") {
        None => return Err(bad(1001, "Missing required field: forwarding_number")),
        Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(forwarding_number(s, &line)?),
        Some(_) => return Err(bad(1005, "forwarding_number must be a string or null")),
    };
    let old = match &new {
        Some(n) => state.numbers.forwarding.insert(id.to_owned(), n.clone()),
        None => state.numbers.forwarding.remove(id),
    };
    if old != new {
        let now = state.time.rfc3339();
        let summary = match &new {
            Some(n) => format!("Calls to {line} are forwarded to {n}"),
            None => format!("Call forwarding for {line} was cleared"),
        };
        let data = json!({
            "actor": {"type": "api", "id": null, "email": null, "name": null},
            "occurred_at": now,
            "origin": "api",
            "summary": summary,
            "phone_number": line,
            "change": {"from": old, "to": new},
        });
        state.emit_in_both_versions("phone_number.forwarding_updated", Some(line.clone()), data);
    }
    Ok(Reply::json(
        200,
        json!({"id": id, "phone_number": line, "forwarding_number": new}),
    ))
}

fn forwarding_number(text: &str, line: &str) -> Result<String, Fail> {
    match linq_types::Handle::parse(text.trim()) {
        Ok(h) if h.is_phone() && h.as_str() == line => {
            Err(bad(1005, "A line cannot forward calls to itself"))
        }
        Ok(h) if h.is_phone() => Ok(h.as_str().to_owned()),
        _ => Err(bad(1002, "forwarding_number must be in E.164 format")),
    }
}

/// The line a `{phoneNumber}` path parameter names.
fn audited_line(state: &State, call: &Call<'_>) -> Result<String, Fail> {
    let number = call.param("phoneNumber").trim();
    if state.is_line(number) {
        Ok(number.to_owned())
    } else {
        Err(fail(
            404,
            2001,
            format!("{number} is not one of your lines"),
        ))
    }
}

fn start_audit(state: &mut State, call: &Call<'_>) -> Handled {
    let line = audited_line(state, call)?;
    let now = state.time.now();
    let latest = state.numbers.audits.iter().rev().find(|a| a.line == line);
    if let Some(audit) = latest {
        match audit.finished {
            // One at a time: a retried start picks the running audit up.
            None => {
                return Ok(Reply::json(
                    202,
                    json!({"audit_id": audit.id, "status": "pending"}),
                ));
            }
            Some(finished) => {
                let ready = finished + AUDIT_COOLDOWN;
                if now < ready {
                    let wait = ready
                        .duration_since(now)
                        .unwrap_or_default()
                        .as_secs()
                        .max(1);
                    return Err(fail(
                        429,
                        1007,
                        format!("An audit of {line} finished recently; retry in {wait} seconds"),
                    ));
                }
            }
        }
    }
    let id = state.ids.uuid();
    state.numbers.audits.push(Audit {
        id: id.clone(),
        line,
        started: now,
        finished: None,
        report: None,
    });
    Ok(Reply::json(
        202,
        json!({"audit_id": id, "status": "pending"}),
    ))
}

fn get_audit(state: &mut State, call: &Call<'_>) -> Handled {
    let line = audited_line(state, call)?;
    let id = call.param("auditId");
    let now = state.time.now();
    state
        .numbers
        .audits
        .iter()
        .find(|a| a.id == id && a.line == line && now < a.started + AUDIT_READABLE)
        .map(|a| Reply::json(200, a.json()))
        .ok_or_else(not_found)
}

/// The least-recently-used line (or the line of an existing chat with the
/// `to` recipients), with a vCard of it that the link serves.
fn available(state: &mut State, call: &Call<'_>) -> Handled {
    let values = |name: &str| -> Vec<String> {
        call.query
            .iter()
            .filter(|(n, _)| n == name || n.strip_suffix("[]") == Some(name))
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    };
    let mut excluded = Vec::new();
    for text in values("exclude_from") {
        match linq_types::Handle::parse(&text) {
            Ok(h) if h.is_phone() => excluded.push(h.as_str().to_owned()),
            _ => {
                return Err(bad(
                    1002,
                    format!("exclude_from: {text:?} is not in E.164 format"),
                ));
            }
        }
    }
    if let Some(kind) = call.query("type")
        && !kind.eq_ignore_ascii_case(LINE_TYPE)
    {
        return Err(fail(
            503,
            4004,
            format!("You have no available {kind} line"),
        ));
    }
    let candidates: Vec<String> = state
        .lines()
        .into_iter()
        .filter(|l| !excluded.contains(l))
        .collect();
    if candidates.is_empty() {
        return Err(bad(
            1005,
            "exclude_from leaves none of your lines available",
        ));
    }
    let mut to = Vec::new();
    for text in values("to") {
        to.push(check_handle(&text)?);
    }
    to.sort();
    to.dedup();
    let sticky = (!to.is_empty())
        .then(|| {
            state
                .chats
                .iter()
                .filter(|c| c.me_active() && c.recipients() == to && candidates.contains(&c.line))
                .max_by_key(|c| c.seq)
                .map(|c| c.line.clone())
        })
        .flatten();
    let chosen = match sticky {
        Some(line) => line,
        None => candidates
            .iter()
            .min_by_key(|l| state.line_last_used(l))
            .cloned()
            .expect("at least one candidate"),
    };
    let seq = state.next_seq();
    state.numbers.suggested.insert(chosen.clone(), seq);
    let vcf_url = vcard(state, call, &chosen, &candidates);
    Ok(Reply::json(
        200,
        json!({"phone_number": chosen, "vcf_url": vcf_url}),
    ))
}

/// Stores a vCard for `line` (the others as backups) where the sandbox's
/// download URLs serve it, once per card; returns its URL.
fn vcard(state: &mut State, call: &Call<'_>, line: &str, lines: &[String]) -> String {
    let mut card =
        format!("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{line}\r\nTEL;TYPE=CELL,PREF:{line}\r\n");
    for backup in lines.iter().filter(|l| *l != line) {
        card.push_str(&format!("TEL;TYPE=CELL:{backup}\r\n"));
    }
    card.push_str("END:VCARD\r\n");
    // The same card is served from one URL, so asking again stores nothing.
    let stored = state.attachments.iter().find(|a| {
        a.content_type == "text/vcard"
            && a.download_url.starts_with(call.origin)
            && a.data.as_deref() == Some(card.as_bytes())
    });
    if let Some(a) = stored {
        return a.download_url.clone();
    }
    let id = state.ids.uuid();
    let url = format!("{}/__files/{id}", call.origin);
    state.attachments.push(Attachment {
        id,
        content_type: "text/vcard".into(),
        filename: "contact.vcf".into(),
        size_bytes: card.len() as i64,
        created_at: state.time.rfc3339(),
        download_url: url.clone(),
        data: Some(bytes::Bytes::from(card)),
    });
    url
}
