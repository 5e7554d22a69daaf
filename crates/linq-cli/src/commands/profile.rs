//! `linq profile get|set|list|use|delete|create`.

use clap::ArgMatches;
use serde_json::{Map, Value, json};

use crate::commands::auth::read_secret;
use crate::config::{field, is_secret_field, redact};
use crate::context::Context;
use crate::error::{CliError, Result};

/// Runs one `profile` subcommand.
pub fn run(ctx: &mut Context, matches: &ArgMatches) -> Result<()> {
    let (name, sub) = matches.subcommand().expect("clap requires a subcommand");
    let arg = |n: &str| sub.get_one::<String>(n).cloned();
    let profile = ctx.profile.clone();
    match name {
        "get" => {
            let fields = ctx.config.profile(&profile).cloned().unwrap_or_default();
            match arg("key") {
                Some(key) => {
                    let value = fields.get(&key).ok_or_else(|| {
                        CliError::usage(format!("profile {profile:?} has no field {key:?}"))
                    })?;
                    ctx.output.emit(&shown(&key, value))
                }
                None => {
                    let shown: Map<String, Value> = fields
                        .iter()
                        .map(|(k, v)| (k.clone(), shown(k, v)))
                        .collect();
                    ctx.output
                        .emit(&json!({"profile": profile, "fields": shown}))
                }
            }
        }
        "set" => {
            let key = arg("key").expect("required");
            let value = match arg("value") {
                Some(v) => v,
                None => read_secret(&format!("{key}: "))?,
            };
            if key == field::FROM_PHONE {
                linq_types::Handle::try_from(value.as_str())
                    .map_err(|e| CliError::usage(format!("fromPhone: {e}")))?;
            }
            if key == field::WEBHOOK_SECRET {
                linq_webhooks::Secret::parse(&value)
                    .map_err(|e| CliError::usage(format!("webhookSecret: {e}")))?;
            }
            ctx.config.set(&profile, &key, &value);
            ctx.config.save()?;
            ctx.output
                .note(&format!("Set {key} in profile {profile:?}"));
            Ok(())
        }
        "list" => {
            let current = ctx.profile.clone();
            let rows: Vec<Value> = ctx
                .config
                .names()
                .into_iter()
                .map(|n| {
                    json!({
                        "name": n,
                        "current": n == current,
                        "fromPhone": ctx.config.get(&n, field::FROM_PHONE),
                        "token": ctx.config.get(&n, field::TOKEN).map(|t| redact(&t)),
                    })
                })
                .collect();
            ctx.output.emit(&Value::Array(rows))
        }
        "use" => {
            let name = arg("name").expect("required");
            if ctx.config.profile(&name).is_none() {
                return Err(CliError::usage(format!(
                    "no profile {name:?} (have: {})",
                    ctx.config.names().join(", ")
                )));
            }
            ctx.config.use_profile(&name);
            ctx.config.save()?;
            ctx.output.note(&format!("Using profile {name:?}"));
            Ok(())
        }
        "delete" => {
            let name = arg("name").expect("required");
            if !ctx.config.delete(&name) {
                return Err(CliError::usage(format!("no profile {name:?}")));
            }
            ctx.config.save()?;
            ctx.output.note(&format!("Deleted profile {name:?}"));
            Ok(())
        }
        "create" => {
            let name = arg("name").expect("required");
            if !ctx.config.create(&name) {
                return Err(CliError::usage(format!("profile {name:?} exists already")));
            }
            ctx.config.save()?;
            ctx.output.note(&format!(
                "Created profile {name:?}; add a key with `linq login --profile {name}`"
            ));
            Ok(())
        }
        other => Err(CliError::usage(format!(
            "unknown profile command {other:?}"
        ))),
    }
}

fn shown(key: &str, value: &Value) -> Value {
    match value {
        Value::String(s) if is_secret_field(key) => Value::String(redact(s)),
        other => other.clone(),
    }
}
