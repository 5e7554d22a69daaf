//! Webhook subscriptions and the event catalogue.

use serde_json::{Value, json};

use super::call::{Call, Handler};
use crate::WEBHOOK_VERSION;
use crate::reply::{
    Fail, Handled, Reply, bad, fail, not_found, optional_str, required, required_str,
};
use crate::spec;
use crate::state::State;
use crate::state::model::{PAYLOAD_VERSIONS, Subscription, payload_version};

pub(crate) const HANDLERS: &[(&str, Handler)] = &[
    ("webhook_events.list", events),
    ("webhook_subscriptions.create", create),
    ("webhook_subscriptions.list", list),
    ("webhook_subscriptions.retrieve", retrieve),
    ("webhook_subscriptions.update", update),
    ("webhook_subscriptions.delete", delete),
];

fn events(_: &mut State, _: &Call<'_>) -> Handled {
    Ok(Reply::json(
        200,
        json!({
            "doc_url": "https://docs.linqapp.com/channel/imessage/guides/webhooks/events",
            "events": spec::schema("WebhookEventType")["enum"],
        }),
    ))
}

fn list(state: &mut State, _: &Call<'_>) -> Handled {
    Ok(Reply::json(
        200,
        json!({"subscriptions": state.subs.iter().map(Subscription::json).collect::<Vec<_>>()}),
    ))
}

fn retrieve(state: &mut State, call: &Call<'_>) -> Handled {
    let i = sub_index(state, call.param("subscriptionId"))?;
    Ok(Reply::json(200, state.subs[i].json()))
}

fn delete(state: &mut State, call: &Call<'_>) -> Handled {
    let i = sub_index(state, call.param("subscriptionId"))?;
    let sub = state.subs.remove(i);
    let data = account_event(state, &sub, "deleted", None);
    state.emit("webhook_subscription.deleted", None, data);
    Ok(Reply::empty(204))
}

pub(crate) fn sub_index(state: &State, id: &str) -> Result<usize, Fail> {
    state
        .subs
        .iter()
        .position(|s| s.id == id)
        .ok_or_else(not_found)
}

pub(crate) fn event_list(value: &Value) -> Result<Vec<String>, Fail> {
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

pub(crate) fn target_url(state: &State, url: &str, except: Option<&str>) -> Result<String, Fail> {
    let ok = url
        .parse::<http::Uri>()
        .ok()
        .filter(|u| matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some());
    if ok.is_none() {
        return Err(bad(1005, "target_url must be an absolute http(s) URL"));
    }
    if let Some(v) = payload_version(url) {
        if !PAYLOAD_VERSIONS.contains(&v.as_str()) {
            return Err(bad(
                1005,
                format!(
                    "?version={v} is not a webhook payload version (2025-01-01 or {WEBHOOK_VERSION})"
                ),
            ));
        }
    }
    if !state.mock
        && state
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

pub(crate) fn phone_list(value: Option<&Value>) -> Result<Vec<String>, Fail> {
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

pub(crate) fn create(state: &mut State, call: &Call<'_>) -> Handled {
    let body = call.object()?;
    let events = event_list(required(&body, "subscribed_events")?)?;
    let target = target_url(state, required_str(&body, "target_url")?, None)?;
    let phone_numbers = phone_list(body.get("phone_numbers"))?;
    let now = state.time.rfc3339();
    let sub = Subscription {
        id: state.ids.uuid(),
        secret: state.ids.secret(),
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
    let data = account_event(state, &sub, "created", None);
    state.subs.push(sub);
    state.emit("webhook_subscription.created", None, data);
    Ok(Reply::json(201, reply))
}

/// A `webhook_subscription.*` account event about `sub`, with the change
/// it describes, if any.
fn account_event(state: &State, sub: &Subscription, what: &str, change: Option<Value>) -> Value {
    let mut data = state.account_event(format!("Webhook subscription {} {what}", sub.id));
    data.insert(
        "webhook_subscription".into(),
        json!({"id": sub.id, "events": sub.events, "target_url": sub.target_url}),
    );
    if let Some(change) = change {
        data.insert("change".into(), change);
    }
    Value::Object(data)
}

/// The account events an update causes: one per kind of change.
fn changes(
    before: &Subscription,
    after: &Subscription,
) -> Vec<(&'static str, &'static str, Value)> {
    let mut out = Vec::new();
    let change = |from: Value, to: Value| json!({"from": from, "to": to});
    if before.target_url != after.target_url {
        let c = change(json!(before.target_url), json!(after.target_url));
        out.push((
            "webhook_subscription.target_url_changed",
            "target URL changed",
            c,
        ));
    }
    if before.is_active != after.is_active {
        let (event, what) = if after.is_active {
            ("webhook_subscription.enabled", "enabled")
        } else {
            ("webhook_subscription.disabled", "disabled")
        };
        out.push((event, what, Value::Null));
    }
    if before.events != after.events {
        let c = change(json!(before.events), json!(after.events));
        out.push(("webhook_subscription.events.updated", "events updated", c));
    }
    if before.phone_numbers != after.phone_numbers {
        let c = change(json!(before.phone_numbers), json!(after.phone_numbers));
        out.push((
            "webhook_subscription.phone_numbers.updated",
            "phone numbers updated",
            c,
        ));
    }
    let headers = |s: &Subscription| json!({"routing_id_header": s.routing_id_header, "routing_key_header": s.routing_key_header});
    if (&before.routing_id_header, &before.routing_key_header)
        != (&after.routing_id_header, &after.routing_key_header)
    {
        let cleared = after.routing_id_header.is_none() && after.routing_key_header.is_none();
        let (event, what) = if cleared {
            (
                "webhook_subscription.routing_headers_cleared",
                "routing headers cleared",
            )
        } else {
            (
                "webhook_subscription.routing_headers_set",
                "routing headers set",
            )
        };
        out.push((event, what, change(headers(before), headers(after))));
    }
    out
}

pub(crate) fn update(state: &mut State, call: &Call<'_>) -> Handled {
    let i = sub_index(state, call.param("subscriptionId"))?;
    let body = call.object()?;
    let id = state.subs[i].id.clone();
    let events = match body.get("subscribed_events") {
        None | Some(Value::Null) => None,
        Some(v) => Some(event_list(v)?),
    };
    let target = match optional_str(&body, "target_url")? {
        Some(url) => Some(target_url(state, url, Some(&id))?),
        None => None,
    };
    let phones = match body.get("phone_numbers") {
        None => None,
        v => Some(phone_list(v)?),
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
    let now = state.time.rfc3339();
    let before = state.subs[i].clone();
    let sub = &mut state.subs[i];
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
    let after = sub.clone();
    for (event, what, change) in changes(&before, &after) {
        let change = (!change.is_null()).then_some(change);
        let data = account_event(state, &after, what, change);
        state.emit(event, None, data);
    }
    Ok(Reply::json(200, after.json()))
}
