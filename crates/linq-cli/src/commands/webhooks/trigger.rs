//! `linq webhooks trigger <event-type> --forward-to URL`: one schema-valid
//! event, signed and posted.
//!
//! The event comes from a sandbox, so it is shaped exactly as the sandbox
//! delivers it (either payload version). It comes from a real change where
//! the sandbox can make one: `message.received` is an inbound message,
//! `message.sent`/`delivered`/`read` a message you send, `message.failed`
//! one that fails, `reaction.added` an inbound reaction, the typing events a
//! person typing; every other type is emitted with a sampled payload. With
//! `--sandbox` that change happens in the embedded sandbox the command
//! talks to (and is reported under `state`); otherwise in a throwaway one.

use clap::ArgMatches;
use linq_client::Client;
use linq_sandbox::{Clock, Sandbox};
use serde_json::{Value, json};

use super::forward::{Forwarder, webhook_id_for};
use super::{parse_secret, stable_secret};
use crate::context::Context;
use crate::error::{CliError, Result};

/// The person who writes, reacts or types in `--sandbox` triggers.
const PERSON: &str = "+12025550199";

/// Runs `trigger`.
pub async fn run(ctx: &mut Context, m: &ArgMatches) -> Result<()> {
    let event_type = m.get_one::<String>("event-type").expect("required").clone();
    let url = m.get_one::<String>("forward-to").expect("required");
    let version = m.get_one::<String>("version").expect("has a default");
    let sets = m
        .get_many::<String>("set")
        .map(|v| v.map(|s| parse_set(s)).collect::<Result<Vec<_>>>())
        .transpose()?
        .unwrap_or_default();
    let secret = match m.get_one::<String>("secret") {
        Some(s) => {
            parse_secret(s)?;
            s.clone()
        }
        None => stable_secret(ctx)?,
    };
    let forwarder = Forwarder::new(url, &secret)?;

    let (sandbox, client) = if ctx.globals.sandbox {
        let client = ctx.client().await?;
        (
            ctx.embedded().expect("started by client()").sandbox.clone(),
            client,
        )
    } else {
        let sandbox = Sandbox::builder().clock(Clock::System).build();
        let client = Client::builder()
            .api_key(sandbox.api_key())
            .transport(sandbox.transport())
            .build()?;
        (sandbox, client)
    };
    let mut deliveries = sandbox.subscribe();
    // Port 9 (discard) on loopback: only the tap above sees the delivery.
    client
        .webhook_subscriptions()
        .create(
            format!("http://127.0.0.1:9/linq-cli-trigger?version={version}"),
            [event_type.as_str()],
        )
        .await?;
    let state = cause(&sandbox, &client, &event_type).await?;
    let mut delivery = next_of(&mut deliveries, &event_type);
    if delivery.is_none() {
        sandbox
            .emit(&event_type, None)
            .map_err(|e| CliError::failure(format!("making a {event_type} event: {e}")))?;
        delivery = next_of(&mut deliveries, &event_type);
    }
    let delivery = delivery
        .ok_or_else(|| CliError::failure(format!("the sandbox made no {event_type} delivery")))?;
    let state = if ctx.globals.sandbox { state } else { None };
    let mut body = delivery.body.clone();
    if !sets.is_empty() {
        let mut event: Value =
            serde_json::from_slice(&body).map_err(|e| CliError::failure(e.to_string()))?;
        for (path, value) in sets {
            set_path(&mut event, &path, value)?;
        }
        body = bytes::Bytes::from(event.to_string());
    }
    let webhook_id = delivery
        .headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| webhook_id_for(&body));
    let forwarded = forwarder.forward(&webhook_id, body.clone()).await;
    let event: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let result = json!({
        "event_type": event_type,
        "webhook_id": webhook_id,
        "forwarded": forwarded.json(),
        "state": state,
        "event": event,
    });
    if ctx.output.is_machine() {
        ctx.output.emit(&result)?;
    } else {
        println!("{event_type} -> {url}: {}", forwarded.text());
    }
    match forwarded.outcome {
        Ok(status) if (200..300).contains(&status) => Ok(()),
        Ok(status) => Err(CliError::failure(format!("{url} answered {status}"))),
        Err(e) => Err(CliError::new(
            crate::error::Exit::Unavailable,
            format!("{url}: {e}"),
        )),
    }
}

fn next_of(
    deliveries: &mut linq_sandbox::Deliveries,
    event_type: &str,
) -> Option<linq_sandbox::Delivery> {
    deliveries.find(|d| d.event_type == event_type)
}

/// Makes the change behind an event, where the sandbox can; returns what
/// changed.
async fn cause(sandbox: &Sandbox, client: &Client, event_type: &str) -> Result<Option<Value>> {
    let refused = |e: &dyn std::fmt::Display| {
        CliError::failure(format!("the sandbox refused the {event_type}: {e}"))
    };
    let inbound = |body: Value| sandbox.inbound(&body).map_err(|e| refused(&e));
    let state = match event_type {
        "message.received" => {
            inbound(json!({"from": PERSON, "text": "Hello from linq webhooks trigger"}))?
        }
        "chat.typing_indicator.started" => {
            inbound(json!({"from": PERSON, "kind": "typing_started"}))?
        }
        "chat.typing_indicator.stopped" => {
            inbound(json!({"from": PERSON, "kind": "typing_stopped"}))?
        }
        "reaction.added" => {
            let first = inbound(json!({"from": PERSON, "text": "React to this"}))?;
            inbound(json!({
                "from": PERSON,
                "kind": "reaction",
                "chat_id": first["chat_id"],
                "message_id": first["message_id"],
            }))?
        }
        "message.sent" | "message.delivered" | "message.read" | "message.failed" => {
            let from = sandbox.lines().first().cloned().unwrap_or_default();
            let created = client
                .call_operation("chats.create", json!({"from": from, "to": [PERSON], "message": {"parts": [{"type": "text", "value": "Hello from linq webhooks trigger"}]}}))
                .await?;
            let message_id = created["chat"]["message"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if event_type == "message.failed" {
                sandbox
                    .fail_message(&message_id, 4001, "failed by linq webhooks trigger")
                    .map_err(|e| refused(&e))?;
            } else {
                sandbox.settle();
            }
            json!({"chat_id": created["chat"]["id"], "message_id": message_id})
        }
        _ => return Ok(None),
    };
    Ok(Some(state))
}

fn parse_set(text: &str) -> Result<(String, Value)> {
    let (path, raw) = text
        .split_once('=')
        .filter(|(p, _)| !p.trim().is_empty())
        .ok_or_else(|| {
            CliError::usage(format!(
                "--set {text:?}: expected PATH=VALUE, such as data.text=hi"
            ))
        })?;
    let value = serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()));
    Ok((path.trim().to_owned(), value))
}

/// Sets a dotted path (`data.chat.id`, `data.parts.0.value`), creating
/// objects on the way.
pub fn set_path(root: &mut Value, path: &str, value: Value) -> Result<()> {
    let mut node = root;
    let segments: Vec<&str> = path.split('.').collect();
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        node = match node {
            Value::Array(items) => {
                let idx: usize = seg.parse().map_err(|_| {
                    CliError::usage(format!("--set {path}: {seg:?} is not an index"))
                })?;
                items
                    .get_mut(idx)
                    .ok_or_else(|| CliError::usage(format!("--set {path}: no item {idx}")))?
            }
            Value::Object(map) => {
                map.entry(seg.to_string())
                    .or_insert(if last { Value::Null } else { json!({}) })
            }
            _ => {
                return Err(CliError::usage(format!(
                    "--set {path}: {seg:?} is inside a value that is not an object"
                )));
            }
        };
    }
    *node = value;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_paths_reach_into_objects_and_arrays() {
        let mut v = json!({"data": {"parts": [{"value": "a"}]}});
        set_path(&mut v, "data.parts.0.value", json!("b")).unwrap();
        set_path(&mut v, "data.new.deep", json!(1)).unwrap();
        assert_eq!(
            v,
            json!({"data": {"parts": [{"value": "b"}], "new": {"deep": 1}}})
        );
        assert!(set_path(&mut v, "data.parts.9", json!(1)).is_err());
        assert_eq!(parse_set("data.n=5").unwrap(), ("data.n".into(), json!(5)));
        assert_eq!(
            parse_set("data.t=hi").unwrap(),
            ("data.t".into(), json!("hi"))
        );
        assert!(parse_set("=x").is_err());
    }
}
