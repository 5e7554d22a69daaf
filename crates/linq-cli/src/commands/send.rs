//! `linq send`: one message to a chat or to handles (starting a chat), with
//! files attached; with `--csv`, a bulk send (see [`super::bulk`]).

use std::path::Path;

use clap::{Arg, ArgAction, ArgMatches, Command};
use linq_client::Client;
use linq_types::models::Part;
use linq_types::models::attachments::SupportedContentType;
use linq_types::models::messages::{MessageContent, MessageEffectParam, MessageEffectType};
use linq_types::{AttachmentId, ChatId, Handle};
use serde_json::Value;

use crate::context::Context;
use crate::error::{CliError, Result};

/// The `send` command.
pub fn command() -> Command {
    Command::new("send")
        .about("Send a message to a chat, or to handles (starting a chat); --csv for a bulk send")
        .after_help(
            "Examples:\n  linq send 4a1c...-chat-id 'On my way'\n  linq send +12025550142 +12025550144 'Lunch?' --attach menu.pdf\n  linq send --csv people.csv --template 'Hi {name}, your table is ready'",
        )
        .arg(
            Arg::new("args")
                .num_args(0..)
                .value_name("CHAT_ID | HANDLE... TEXT")
                .help("A chat id or one or more handles, then the text"),
        )
        .arg(
            Arg::new("attach")
                .long("attach")
                .short('a')
                .action(ArgAction::Append)
                .value_name("FILE")
                .help("A file to attach (uploaded first); repeatable"),
        )
        .arg(
            Arg::new("from")
                .long("from")
                .value_name("E164")
                .help("The line to send from (default: the profile's fromPhone)"),
        )
        .arg(
            Arg::new("effect")
                .long("effect")
                .value_name("NAME")
                .help("An iMessage effect: confetti, fireworks, balloons, lasers, love, ... or slam, loud, gentle, invisible_ink"),
        )
        .arg(
            Arg::new("csv")
                .long("csv")
                .value_name("FILE")
                .conflicts_with_all(["args", "attach"])
                .requires("template")
                .help("Bulk send: one message per row (a to, phone or handle column)"),
        )
        .arg(
            Arg::new("template")
                .long("template")
                .value_name("TEXT")
                .requires("csv")
                .help("Bulk send: the text, with {column} filled from each row"),
        )
        .arg(
            Arg::new("concurrency")
                .long("concurrency")
                .value_name("N")
                .default_value("4")
                .value_parser(clap::value_parser!(u16).range(1..=64))
                .help("Bulk send: messages in flight at once"),
        )
}

/// Effects animating the bubble; every other name is a screen effect.
const BUBBLE_EFFECTS: [&str; 4] = ["slam", "loud", "gentle", "invisible_ink"];

/// The effect param for a name.
pub fn effect(name: &str) -> Result<MessageEffectParam> {
    let name = name.trim().replace('-', "_").to_ascii_lowercase();
    if name.is_empty() {
        return Err(CliError::usage("--effect: empty name"));
    }
    let kind = if BUBBLE_EFFECTS.contains(&name.as_str()) {
        MessageEffectType::Bubble
    } else {
        MessageEffectType::Screen
    };
    Ok(MessageEffectParam::new().name(name).kind(kind))
}

/// Runs `send`.
pub async fn run(ctx: &mut Context, matches: &ArgMatches) -> Result<()> {
    if matches.get_one::<String>("csv").is_some() {
        return super::bulk::run(ctx, matches).await;
    }
    let args: Vec<String> = matches
        .get_many::<String>("args")
        .map(|v| v.cloned().collect())
        .unwrap_or_default();
    let Some((text, targets)) = args.split_last().filter(|(_, t)| !t.is_empty()) else {
        return Err(CliError::usage(
            "usage: linq send <CHAT_ID | HANDLE...> <TEXT> (or --csv FILE --template TEXT)",
        ));
    };
    let attachments: Vec<String> = matches
        .get_many::<String>("attach")
        .map(|v| v.cloned().collect())
        .unwrap_or_default();
    if text.trim().is_empty() && attachments.is_empty() {
        return Err(CliError::usage(
            "the text is empty (give text or --attach a file)",
        ));
    }
    let effect = matches
        .get_one::<String>("effect")
        .map(|e| effect(e))
        .transpose()?;
    // A lone UUID is a chat; anything else must be handles.
    let chat = match targets {
        [one] => ChatId::try_from(one.as_str()).ok(),
        _ => None,
    };
    let handles: Vec<Handle> = if chat.is_some() {
        Vec::new()
    } else {
        targets
            .iter()
            .map(|t| {
                Handle::try_from(t.as_str()).map_err(|e| {
                    CliError::usage(format!("{t:?} is neither a chat id nor a handle: {e}"))
                })
            })
            .collect::<Result<_>>()?
    };
    let client = ctx.client().await?;
    let from = if chat.is_none() {
        Some(ctx.require_from(matches.get_one::<String>("from").map(String::as_str))?)
    } else {
        None
    };
    let files = attachments
        .iter()
        .map(|p| read_attachment(Path::new(p)))
        .collect::<Result<Vec<_>>>()?;
    let mut parts = Vec::new();
    if !text.trim().is_empty() {
        parts.push(Part::text(text.as_str()));
    }
    for file in files {
        parts.push(Part::media(upload(&client, file).await?));
    }
    let mut content = MessageContent::from_parts(parts);
    if let Some(effect) = effect {
        content = content.effect(effect);
    }
    let reply: Value = match (chat, from) {
        (Some(chat), _) => to_json(client.chats().messages().send(&chat, content).await?),
        (None, Some(from)) => to_json(
            client
                .chats()
                .create(from.as_str(), handles, content)
                .await?,
        ),
        (None, None) => unreachable!("a line is required when starting a chat"),
    };
    ctx.output.emit(&reply)
}

/// Any reply as JSON (every model serializes back to its wire form).
pub fn to_json<T: serde::Serialize>(value: T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// A file read for upload, with its name and content type.
pub struct Attachment {
    name: String,
    content_type: SupportedContentType,
    bytes: Vec<u8>,
}

/// Reads a file and picks its content type from the extension.
pub fn read_attachment(path: &Path) -> Result<Attachment> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let content_type = SupportedContentType::from_extension(&ext).ok_or_else(|| {
        CliError::usage(format!(
            "{}: unknown file type {ext:?} (jpg, png, gif, heic, webp, mp4, mov, mp3, m4a, wav, pdf, txt, vcf, ...)",
            path.display()
        ))
    })?;
    let bytes =
        std::fs::read(path).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    Ok(Attachment {
        name,
        content_type,
        bytes,
    })
}

/// Uploads through the SDK's one-call upload.
pub async fn upload(client: &Client, file: Attachment) -> Result<AttachmentId> {
    let reply = client
        .attachments()
        .upload(file.content_type, file.name, file.bytes)
        .await?;
    Ok(reply.attachment_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effects_know_bubbles_from_screens() {
        assert_eq!(
            effect("slam").unwrap().kind,
            Some(MessageEffectType::Bubble)
        );
        assert_eq!(
            effect("Invisible-Ink").unwrap().name.as_deref(),
            Some("invisible_ink")
        );
        assert_eq!(
            effect("confetti").unwrap().kind,
            Some(MessageEffectType::Screen)
        );
        assert!(effect(" ").is_err());
    }
}
