//! One command per API operation, made at run time from
//! `linq_types::catalog::OPERATIONS` (the data the SDK's resource methods
//! come from): `linq <resource> [<sub-resource>] <method>`, path parameters
//! and required fields positional, every field also a `--flag`, and
//! `--data JSON|@file|-` for the whole argument object. The official CLI's
//! names are aliases or extra placements of the same operations, so both
//! spellings run the same code.

use std::collections::HashSet;
use std::io::Read;

use clap::{Arg, ArgAction, ArgMatches, Command};
use linq_client::Call;
use linq_types::AnyOperation;
use linq_types::catalog::{OPERATIONS, OperationInfo, ParamInfo, ParamKind, ParamLocation};
use serde_json::{Map, Value, json};

use crate::commands;
use crate::context::Context;
use crate::error::{CliError, Result};

/// Pages followed at most by `--paginate` and by a listing's `--all`.
const MAX_PAGES: usize = 10_000;

/// The official CLI's names for generated commands: (resource path,
/// method name, alias).
const ALIASES: &[(&str, &str, &str)] = &[
    ("chats", "list_chats", "list"),
    ("chats", "retrieve", "get"),
    ("chats", "mark_as_read", "read"),
    ("chats", "send_voicememo", "voicememo"),
    ("chats", "share_contact_card", "share-contact"),
    ("chats", "leave_chat", "leave"),
    ("messages", "retrieve", "get"),
    ("messages", "add_reaction", "react"),
    ("messages", "list_messages_thread", "thread"),
    ("attachments", "retrieve", "get"),
];

/// Operations the official CLI places under another resource: (command
/// path, operation id).
const PLACEMENTS: &[(&[&str], &str)] = &[
    (&["messages", "send"], "chats.messages.send"),
    (&["messages", "list"], "chats.messages.list"),
    (&["webhooks", "create"], "webhook_subscriptions.create"),
    (&["webhooks", "list"], "webhook_subscriptions.list"),
    (&["webhooks", "get"], "webhook_subscriptions.retrieve"),
    (&["webhooks", "update"], "webhook_subscriptions.update"),
    (&["webhooks", "delete"], "webhook_subscriptions.delete"),
    (&["webhooks", "events"], "webhook_events.list"),
];

fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c == '_' {
            out.push('-');
        } else if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('-') {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn snake(name: &str) -> String {
    name.replace('-', "_")
}

/// Resource commands before they become clap commands: sub-resources
/// and operations, in catalogue order.
#[derive(Default)]
struct Node {
    resources: Vec<(String, Node)>,
    operations: Vec<Command>,
}

impl Node {
    fn insert(&mut self, path: &[&str], leaf: Command) {
        let Some((first, rest)) = path.split_first() else {
            self.operations.push(leaf);
            return;
        };
        let name = kebab(first);
        let i = match self.resources.iter().position(|(n, _)| *n == name) {
            Some(i) => i,
            None => {
                self.resources.push((name, Node::default()));
                self.resources.len() - 1
            }
        };
        self.resources[i].1.insert(rest, leaf);
    }

    fn into_command(self, name: String) -> Command {
        let mut cmd = Command::new(name.clone()).subcommand_required(true);
        if name.contains('-') {
            cmd = cmd.alias(snake(&name));
        }
        for op in self.operations {
            cmd = cmd.subcommand(op);
        }
        for (child, node) in self.resources {
            let about = node.names().join(", ");
            cmd = cmd.subcommand(node.into_command(child).about(about));
        }
        cmd
    }

    /// Every operation under this node: `create`, `participants add|remove`.
    fn names(&self) -> Vec<String> {
        self.operations
            .iter()
            .map(|c| c.get_name().to_owned())
            .chain(
                self.resources
                    .iter()
                    .map(|(n, node)| format!("{n} {}", node.names().join("|"))),
            )
            .collect()
    }
}

/// Every resource command, with the hand-written commands that live
/// under resources merged in.
pub fn resource_commands() -> Vec<Command> {
    let mut root = Node::default();
    for op in OPERATIONS {
        let path: Vec<&str> = op.resource.split('.').collect();
        root.insert(&path, leaf_command(op, &kebab(op.method_name)));
    }
    for (path, id) in PLACEMENTS {
        let op = linq_types::catalog::find(id).expect("a catalogue id");
        let (name, resource) = path.split_last().expect("non-empty");
        root.insert(resource, leaf_command(op, name));
    }
    root.resources
        .into_iter()
        .map(|(name, node)| {
            let listed = node.names().join(", ");
            finish(node.into_command(name.clone()).about(listed), &name)
        })
        .collect()
}

/// Resource help, official aliases, and the hand-written subcommands.
fn finish(mut root: Command, name: &str) -> Command {
    root = apply_aliases(root, &[name]);
    match name {
        "chats" => root
            .mut_subcommand("typing", |t| {
                t.subcommand_required(false)
                    .args_conflicts_with_subcommands(true)
                    .about("Typing indicator: `typing CHAT_ID [--stop]`, or start|stop")
                    .arg(Arg::new("chat").value_name("CHAT_ID").help("Start (or with --stop, stop) typing in this chat"))
                    .arg(Arg::new("stop").long("stop").action(ArgAction::SetTrue).help("Stop the indicator"))
            }),
        "messages" => root
            .mut_subcommand("list", |l| {
                l.arg(Arg::new("follow").long("follow").short('f').action(ArgAction::SetTrue).help("Keep polling (politely) and print new messages until Ctrl-C"))
                    .arg(Arg::new("max").long("max").value_name("N").value_parser(clap::value_parser!(u64)).help("With --follow: stop after N messages"))
            }),
        "webhooks" => root
            .about("create, list, get, update, delete, events (subscriptions); listen, trigger, verify (local development)")
            .subcommands(commands::webhooks::commands()),
        "attachments" => root.about("upload, create, delete, retrieve (get)").subcommand(
            Command::new("upload")
                .about("Upload a file (reserve, then PUT the bytes) and print its attachment id")
                .arg(Arg::new("file").required(true).value_name("FILE")),
        ),
        "phonenumbers" => root
            .about("list (the default; the official CLI's `phonenumbers`, see also phone-numbers)")
            .subcommand_required(false),
        _ => root,
    }
}

fn apply_aliases(mut cmd: Command, path: &[&str]) -> Command {
    let resource = path.iter().map(|p| snake(p)).collect::<Vec<_>>().join(".");
    for (res, method, alias) in ALIASES {
        if *res == resource {
            let name = kebab(method);
            if cmd.find_subcommand(&name).is_some() {
                cmd = cmd.mut_subcommand(name, |c| c.visible_alias(*alias));
            }
        }
    }
    let children: Vec<String> = cmd
        .get_subcommands()
        .filter(|c| c.has_subcommands())
        .map(|c| c.get_name().to_owned())
        .collect();
    for child in children {
        let mut sub_path: Vec<&str> = path.to_vec();
        sub_path.push(&child);
        let nested = apply_aliases(
            cmd.find_subcommand(&child).expect("listed above").clone(),
            &sub_path,
        );
        cmd = cmd.mut_subcommand(child.as_str(), |_| nested);
    }
    cmd
}

/// The command for one operation.
fn leaf_command(op: &'static OperationInfo, name: &str) -> Command {
    let mut about = op.summary.trim_end_matches('.').to_owned();
    if op.deprecated {
        about.push_str(" (deprecated)");
    }
    let mut cmd = Command::new(name.to_owned())
        .about(about)
        .long_about(format!(
            "{}\n\n{} {}  (operation {})",
            op.summary, op.http_method, op.path, op.id
        ));
    if name.contains('-') {
        cmd = cmd.alias(snake(name));
    }
    for p in op.params {
        let positional = p.location == ParamLocation::Path || p.required;
        if positional {
            cmd = cmd.arg(
                Arg::new(format!("pos:{}", p.name))
                    .value_name(p.name)
                    .required(p.location == ParamLocation::Path)
                    .help(help(p)),
            );
        }
        if p.location != ParamLocation::Path {
            let mut flag = Arg::new(p.name)
                .long(kebab(p.name))
                .value_name(value_name(p))
                .help(help(p));
            if p.kind == ParamKind::Boolean {
                flag = flag
                    .num_args(0..=1)
                    .default_missing_value("true")
                    .require_equals(true);
            }
            if p.kind == ParamKind::StringList {
                flag = flag.action(ArgAction::Append).value_delimiter(',');
            }
            if positional {
                flag = flag.hide(true);
            }
            cmd = cmd.arg(flag);
        }
    }
    if op.params.iter().any(|p| p.location == ParamLocation::Body) {
        cmd = cmd.arg(
            Arg::new("data")
                .long("data")
                .short('d')
                .value_name("JSON|@FILE|-")
                .help(
                    "All arguments as one JSON object (flags and positionals override its fields)",
                ),
        );
    }
    if op.paginated {
        cmd = cmd.arg(
            Arg::new("all")
                .long("all")
                .action(ArgAction::SetTrue)
                .help("Follow next_cursor and print every page's items"),
        );
    }
    cmd
}

fn help(p: &ParamInfo) -> String {
    let mut h = p.description.trim_end_matches('.').to_owned();
    match p.kind {
        ParamKind::Json if p.name == "message" => {
            h.push_str(" (JSON, or plain text for a text message)")
        }
        ParamKind::Json => h.push_str(" (JSON)"),
        ParamKind::StringList => h.push_str(" (comma-separated)"),
        _ => {}
    }
    h
}

fn value_name(p: &ParamInfo) -> &'static str {
    match p.kind {
        ParamKind::String => "TEXT",
        ParamKind::Integer => "N",
        ParamKind::Number => "NUMBER",
        ParamKind::Boolean => "BOOL",
        ParamKind::StringList => "A,B",
        ParamKind::Json => "JSON",
    }
}

/// The operation behind a leaf command, by its path.
pub fn operation_for(path: &[&str]) -> Option<&'static OperationInfo> {
    if let Some((_, id)) = PLACEMENTS.iter().find(|(p, _)| *p == path) {
        return linq_types::catalog::find(id);
    }
    let (method, resource) = path.split_last()?;
    let resource = resource
        .iter()
        .map(|p| snake(p))
        .collect::<Vec<_>>()
        .join(".");
    let method = snake(method);
    OPERATIONS
        .iter()
        .find(|o| o.resource == resource && o.method_name == method)
}

/// Runs a resource command.
pub async fn run(ctx: &mut Context, name: &str, matches: &ArgMatches) -> Result<()> {
    let mut path = vec![name.to_owned()];
    let mut m = matches;
    while let Some((sub, next)) = m.subcommand() {
        path.push(sub.to_owned());
        m = next;
    }
    let path_refs: Vec<&str> = path.iter().map(String::as_str).collect();
    match path_refs.as_slice() {
        ["messages", "list"] if m.get_flag("follow") => {
            let chat = m.get_one::<String>("pos:chatId").expect("required");
            return commands::follow::run(ctx, chat, m.get_one::<u64>("max").copied()).await;
        }
        ["webhooks", "listen"] => return commands::webhooks::listen::run(ctx, m).await,
        ["webhooks", "trigger"] => return commands::webhooks::trigger::run(ctx, m).await,
        ["webhooks", "verify"] => return commands::webhooks::verify::run(ctx, m),
        ["attachments", "upload"] => {
            let file = commands::send::read_attachment(std::path::Path::new(
                m.get_one::<String>("file").expect("required"),
            ))?;
            let client = ctx.client().await?;
            let id = commands::send::upload(&client, file).await?;
            return ctx.output.emit(&json!({"attachment_id": id.to_string()}));
        }
        ["chats", "typing"] => {
            let chat = m.get_one::<String>("chat").ok_or_else(|| {
                CliError::usage("linq chats typing CHAT_ID [--stop] (or typing start|stop CHAT_ID)")
            })?;
            let id = if m.get_flag("stop") {
                "chats.typing.stop"
            } else {
                "chats.typing.start"
            };
            return call(
                ctx,
                linq_types::catalog::find(id).expect("in the catalogue"),
                json!({"chatId": chat}),
                false,
            )
            .await;
        }
        ["phonenumbers"] => path.push("list".into()),
        _ => {}
    }
    let path_refs: Vec<&str> = path.iter().map(String::as_str).collect();
    let op = operation_for(&path_refs)
        .ok_or_else(|| CliError::usage(format!("unknown command: linq {}", path.join(" "))))?;
    let arguments = arguments(op, m)?;
    let all = op.paginated
        && m.try_get_one::<bool>("all")
            .ok()
            .flatten()
            .copied()
            .unwrap_or(false);
    call(ctx, op, Value::Object(arguments), all).await
}

/// Runs one operation through the client and prints the reply.
async fn call(
    ctx: &mut Context,
    op: &'static OperationInfo,
    arguments: Value,
    all: bool,
) -> Result<()> {
    let client = ctx.client().await?;
    if !all {
        let reply = client.call_operation(op.id, arguments).await?;
        return emit_reply(ctx, &reply);
    }
    let mut arguments = arguments;
    let pages = paginate(|cursor| {
        if let Some(c) = cursor {
            arguments["cursor"] = Value::String(c);
        }
        client.call_operation(op.id, arguments.clone())
    })
    .await?;
    let items: Vec<Value> = pages
        .iter()
        .flat_map(|p| crate::output::list_items(p).cloned().unwrap_or_default())
        .collect();
    ctx.output.emit(&Value::Array(items))
}

/// Prints a reply; an empty one (204) prints `ok` for people, nothing for
/// programs.
pub fn emit_reply(ctx: &Context, reply: &Value) -> Result<()> {
    if reply.is_null() {
        if !ctx.output.is_machine() {
            println!("ok");
        }
        return Ok(());
    }
    ctx.output.emit(reply)
}

/// Fetches pages, each with the previous page's `next_cursor`, until one
/// has none. A cursor seen before ends it with an error rather than a loop.
pub async fn paginate(
    mut next: impl FnMut(Option<String>) -> Call<AnyOperation>,
) -> Result<Vec<Value>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    let mut seen = HashSet::new();
    loop {
        let page = next(cursor.take()).await?;
        let following = page
            .get("next_cursor")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        pages.push(page);
        match following {
            None => return Ok(pages),
            Some(c) if !seen.insert(c.clone()) => {
                return Err(CliError::failure(format!(
                    "the server repeated the page cursor {c:?} after {} pages; stopped",
                    pages.len()
                )));
            }
            Some(_) if pages.len() >= MAX_PAGES => {
                return Err(CliError::failure(format!(
                    "stopped after {MAX_PAGES} pages"
                )));
            }
            Some(c) => cursor = Some(c),
        }
    }
}

/// The flat argument object from `--data`, positionals and flags.
fn arguments(op: &OperationInfo, m: &ArgMatches) -> Result<Map<String, Value>> {
    let mut args = match m.try_get_one::<String>("data").ok().flatten() {
        Some(data) => match read_data(data)? {
            Value::Object(map) => map,
            _ => return Err(CliError::usage("--data must be a JSON object")),
        },
        None => Map::new(),
    };
    for p in op.params {
        let positional = m
            .try_get_one::<String>(&format!("pos:{}", p.name))
            .ok()
            .flatten()
            .cloned();
        let flag: Option<Vec<String>> = if p.location == ParamLocation::Path {
            None
        } else {
            m.try_get_many::<String>(p.name)
                .ok()
                .flatten()
                .map(|v| v.cloned().collect())
        };
        let text: Option<Vec<String>> = match (positional, flag) {
            (Some(_), Some(_)) => {
                return Err(CliError::usage(format!(
                    "{} given both as an argument and as --{}",
                    p.name,
                    kebab(p.name)
                )));
            }
            (Some(v), None) => Some(vec![v]),
            (None, f) => f,
        };
        if let Some(text) = text {
            args.insert(p.name.to_owned(), convert(p, text)?);
        }
    }
    Ok(args)
}

/// `--data` text: JSON, `@file`, or `-` for stdin.
pub fn read_data(data: &str) -> Result<Value> {
    let text = if data == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s
    } else if let Some(path) = data.strip_prefix('@') {
        std::fs::read_to_string(path)
            .map_err(|e| CliError::usage(format!("--data @{path}: {e}")))?
    } else {
        data.to_owned()
    };
    serde_json::from_str(&text).map_err(|e| CliError::usage(format!("--data is not JSON: {e}")))
}

/// One argument's text as the JSON value of its kind.
pub fn convert(p: &ParamInfo, text: Vec<String>) -> Result<Value> {
    let bad = |what: &str, v: &str| CliError::usage(format!("{}: {v:?} is not {what}", p.name));
    let one = text.last().cloned().unwrap_or_default();
    Ok(match p.kind {
        ParamKind::String => Value::String(one),
        ParamKind::Integer => Value::from(
            one.trim()
                .parse::<i64>()
                .map_err(|_| bad("a whole number", &one))?,
        ),
        ParamKind::Number => json!(
            one.trim()
                .parse::<f64>()
                .map_err(|_| bad("a number", &one))?
        ),
        ParamKind::Boolean => Value::Bool(
            one.trim()
                .parse::<bool>()
                .map_err(|_| bad("true or false", &one))?,
        ),
        ParamKind::StringList => Value::Array(
            text.iter()
                .flat_map(|t| t.split(','))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        ),
        ParamKind::Json => match serde_json::from_str::<Value>(&one) {
            Ok(v) if v.is_object() || v.is_array() => v,
            _ if p.name == "message" => json!({"parts": [{"type": "text", "value": one}]}),
            _ => return Err(bad("JSON", &one)),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_a_command_that_finds_it_again() {
        let roots = resource_commands();
        let mut found = 0;
        for op in OPERATIONS {
            let mut path: Vec<String> = op.resource.split('.').map(kebab).collect();
            path.push(kebab(op.method_name));
            let mut cmd = roots
                .iter()
                .find(|c| c.get_name() == path[0])
                .unwrap_or_else(|| panic!("{}", op.id));
            for seg in &path[1..] {
                cmd = cmd
                    .find_subcommand(seg)
                    .unwrap_or_else(|| panic!("{} at {seg}", op.id));
            }
            let refs: Vec<&str> = path.iter().map(String::as_str).collect();
            assert_eq!(operation_for(&refs).map(|o| o.id), Some(op.id));
            found += 1;
        }
        assert_eq!(found, 70);
    }

    #[test]
    fn official_names_reach_the_same_operations() {
        assert_eq!(
            operation_for(&["messages", "send"]).unwrap().id,
            "chats.messages.send"
        );
        assert_eq!(
            operation_for(&["webhooks", "events"]).unwrap().id,
            "webhook_events.list"
        );
        let chats = resource_commands()
            .into_iter()
            .find(|c| c.get_name() == "chats")
            .unwrap();
        for alias in ["list", "get", "read", "voicememo", "share-contact"] {
            assert!(
                chats
                    .get_subcommands()
                    .any(|c| c.get_all_aliases().any(|a| a == alias)),
                "{alias}"
            );
        }
        let participants = chats.find_subcommand("participants").unwrap();
        assert!(
            participants.find_subcommand("add").is_some()
                && participants.find_subcommand("remove").is_some()
        );
    }

    fn param(id: &str, name: &str) -> &'static ParamInfo {
        let op = linq_types::catalog::find(id).unwrap();
        op.params.iter().find(|p| p.name == name).unwrap()
    }

    #[test]
    fn text_becomes_the_kind_of_value_asked_for() {
        let limit = param("chats.messages.list", "limit");
        assert_eq!(convert(limit, vec!["5".into()]).unwrap(), json!(5));
        assert!(convert(limit, vec!["five".into()]).is_err());
        let to = param("chats.create", "to");
        assert_eq!(
            convert(to, vec!["+1,+2".into(), "+3".into()]).unwrap(),
            json!(["+1", "+2", "+3"])
        );
        let message = param("chats.create", "message");
        assert_eq!(
            convert(message, vec!["hi".into()]).unwrap(),
            json!({"parts": [{"type": "text", "value": "hi"}]})
        );
        let json_param = OPERATIONS
            .iter()
            .flat_map(|o| o.params)
            .find(|p| p.kind == ParamKind::Json && p.name != "message")
            .unwrap();
        assert!(convert(json_param, vec!["hi".into()]).is_err());
    }
}
