//! `linq login` / `init` and `linq whoami`.

use std::io::{BufRead, IsTerminal};

use clap::ArgMatches;
use serde_json::{Value, json};

use crate::config::{field, redact};
use crate::context::Context;
use crate::error::{CliError, Exit, Result};

/// Reads a secret: typed without echo on a terminal, else the first line
/// of stdin.
pub fn read_secret(prompt: &str) -> Result<String> {
    let text = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt)?
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line
    };
    let text = text.trim().to_owned();
    if text.is_empty() {
        return Err(CliError::usage(
            "no key given (type it at the prompt or pipe it on stdin)",
        ));
    }
    Ok(text)
}

/// Checks a key with one cheap read (`GET /v3/phonenumbers`); returns the
/// account's lines.
pub async fn check_key(ctx: &Context, key: &str) -> Result<Vec<String>> {
    let client = ctx.client_with_key(key)?;
    let lines = client.phone_numbers().list().await.map_err(|e| {
        let e = CliError::from(e);
        if e.exit == Exit::Auth {
            CliError::new(
                Exit::Auth,
                format!("the key was refused, nothing stored: {}", e.message),
            )
        } else {
            e
        }
    })?;
    Ok(lines
        .phone_numbers
        .iter()
        .map(|l| l.phone_number.clone())
        .collect())
}

/// `linq login [--from E164] [--no-check]`.
pub async fn login(ctx: &mut Context, matches: &ArgMatches) -> Result<()> {
    let key = read_secret("Linq API key: ")?;
    let lines = if matches.get_flag("no-check") {
        Vec::new()
    } else {
        check_key(ctx, &key).await?
    };
    let from = matches.get_one::<String>("from").cloned().or_else(|| {
        lines
            .first()
            .cloned()
            .filter(|_| ctx.config.get(&ctx.profile, field::FROM_PHONE).is_none())
    });
    let profile = ctx.profile.clone();
    let first = ctx.config.names().is_empty();
    ctx.config.set(&profile, field::TOKEN, &key);
    if let Some(from) = &from {
        ctx.config.set(&profile, field::FROM_PHONE, from);
    }
    if first || ctx.config.current().is_none() {
        ctx.config.use_profile(&profile);
    }
    ctx.config.save()?;
    let summary = json!({
        "profile": profile,
        "token": redact(&key),
        "fromPhone": from,
        "lines": lines,
        "path": ctx.config.path().display().to_string(),
    });
    if ctx.output.is_machine() {
        ctx.output.emit(&summary)
    } else {
        ctx.output.note(&format!(
            "Stored the key ({}) in profile {profile:?} in {}",
            redact(&key),
            ctx.config.path().display()
        ));
        Ok(())
    }
}

/// `linq whoami`: the profile, where the key and base URL come from, and
/// the account's lines (which checks the key).
pub async fn whoami(ctx: &mut Context) -> Result<()> {
    let client = ctx.client().await?;
    let key = ctx.api_key();
    let lines = client.phone_numbers().list().await?;
    let base = ctx.base_url();
    let info = json!({
        "profile": if ctx.globals.sandbox { Value::from("(sandbox)") } else { Value::from(ctx.profile.clone()) },
        "token": key.as_ref().map(|k| redact(&k.value)),
        "token_source": key.as_ref().map(|k| k.source.clone()),
        "base_url": client.base_url(),
        "base_url_source": if ctx.globals.sandbox { "--sandbox".to_owned() } else { base.source },
        "from_phone": ctx.from_phone(),
        "lines": lines.phone_numbers.iter().map(|l| l.phone_number.clone()).collect::<Vec<_>>(),
    });
    ctx.output.emit(&info)
}
