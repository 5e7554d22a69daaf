//! `linq api METHOD PATH [-F key=value] [--paginate] [--slurp]`: any
//! request, through the client's policy (auth, retries, errors).

use clap::{Arg, ArgAction, ArgMatches, Command};
use linq_types::AnyOperation;
use serde_json::{Map, Value};

use crate::context::Context;
use crate::error::{CliError, Result};
use crate::output::list_items;

/// The `api` command.
pub fn command() -> Command {
    Command::new("api")
        .about("Send any request: METHOD PATH, with -F fields, --paginate and --slurp")
        .after_help(
            "PATH is /v3/... (or without /v3). -F key=value sets a typed field (numbers, true/false,\nnull, JSON arrays and objects; anything else is text), -f key=value a text field; for\nGET and DELETE they go in the query, otherwise in the JSON body.\n\nExamples:\n  linq api GET /v3/chats -F limit=20 --paginate --slurp\n  linq api POST /v3/chats/ID/messages -F 'message={\"parts\":[{\"type\":\"text\",\"value\":\"hi\"}]}'",
        )
        .arg(
            Arg::new("method")
                .required(true)
                .value_name("METHOD")
                .value_parser(["GET", "POST", "PUT", "PATCH", "DELETE", "get", "post", "put", "patch", "delete"])
                .hide_possible_values(true),
        )
        .arg(Arg::new("path").required(true).value_name("PATH"))
        .arg(
            Arg::new("field")
                .short('F')
                .long("field")
                .action(ArgAction::Append)
                .value_name("KEY=VALUE")
                .help("A typed field (JSON value, else text)"),
        )
        .arg(
            Arg::new("raw-field")
                .short('f')
                .long("raw-field")
                .action(ArgAction::Append)
                .value_name("KEY=VALUE")
                .help("A text field"),
        )
        .arg(
            Arg::new("input")
                .long("input")
                .value_name("JSON|@FILE|-")
                .help("The whole JSON body (fields given with -F/-f are laid over it)"),
        )
        .arg(
            Arg::new("paginate")
                .long("paginate")
                .action(ArgAction::SetTrue)
                .help("GET: follow next_cursor until the last page"),
        )
        .arg(
            Arg::new("slurp")
                .long("slurp")
                .action(ArgAction::SetTrue)
                .requires("paginate")
                .help("With --paginate: print one array of every page's items"),
        )
}

fn field(text: &str, typed: bool) -> Result<(String, Value)> {
    let (key, raw) = text
        .split_once('=')
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| CliError::usage(format!("{text:?}: expected KEY=VALUE")))?;
    let value = if typed {
        serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()))
    } else {
        Value::String(raw.to_owned())
    };
    Ok((key.to_owned(), value))
}

/// Runs `api`.
pub async fn run(ctx: &mut Context, m: &ArgMatches) -> Result<()> {
    let method: http::Method = m
        .get_one::<String>("method")
        .expect("required")
        .to_ascii_uppercase()
        .parse()
        .map_err(|_| CliError::usage("unknown method"))?;
    let raw_path = m.get_one::<String>("path").expect("required");
    let (path, query_text) = raw_path.split_once('?').unwrap_or((raw_path.as_str(), ""));
    let path = if path.starts_with("/v3/") {
        path.to_owned()
    } else {
        format!(
            "/v3/{}",
            path.trim_start_matches('/').trim_start_matches("v3/")
        )
    };
    let mut query: Vec<(String, String)> = query_text
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    let mut fields: Vec<(String, Value)> = Vec::new();
    for f in m.get_many::<String>("field").into_iter().flatten() {
        fields.push(field(f, true)?);
    }
    for f in m.get_many::<String>("raw-field").into_iter().flatten() {
        fields.push(field(f, false)?);
    }
    let in_query = matches!(method, http::Method::GET | http::Method::DELETE)
        && m.get_one::<String>("input").is_none();
    let mut body: Option<Value> = m
        .get_one::<String>("input")
        .map(|d| crate::ops::read_data(d))
        .transpose()?;
    if in_query {
        for (k, v) in fields {
            let text = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            query.push((k, text));
        }
    } else if !fields.is_empty() || body.is_some() {
        let mut map = match body.take() {
            Some(Value::Object(map)) => map,
            None => Map::new(),
            Some(_) => {
                return Err(CliError::usage(
                    "--input must be a JSON object when fields are added",
                ));
            }
        };
        for (k, v) in fields {
            map.insert(k, v);
        }
        body = Some(Value::Object(map));
    }
    let paginated = m.get_flag("paginate");
    if paginated && method != http::Method::GET {
        return Err(CliError::usage("--paginate works with GET only"));
    }
    let client = ctx.client().await?;
    let build = |query: &[(String, String)]| {
        AnyOperation::raw(method.clone(), &path, query, body.as_ref())
            .map_err(|e| CliError::usage(format!("{path}: {e}")))
    };
    if !paginated {
        let reply = client.call_any(build(&query)?).await?;
        return crate::ops::emit_reply(ctx, &reply);
    }
    // Only the query changes from page to page, and raw() checks the path.
    build(&query)?;
    let pages = crate::ops::paginate(|cursor| {
        let mut q = query.clone();
        q.retain(|(k, _)| k != "cursor");
        if let Some(c) = cursor {
            q.push(("cursor".into(), c));
        }
        client.call_any(build(&q).expect("checked above"))
    })
    .await?;
    if m.get_flag("slurp") {
        let items: Vec<Value> = pages
            .iter()
            .flat_map(|p| list_items(p).cloned().unwrap_or_default())
            .collect();
        return ctx.output.emit(&Value::Array(items));
    }
    for page in &pages {
        ctx.output.emit(page)?;
    }
    Ok(())
}
