//! Commands for API operations, by resource, plus the hand-written ones
//! that live under a resource (`messages list --follow`, `webhooks listen`,
//! `attachments upload`).

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::commands;
use crate::context::Context;
use crate::error::{CliError, Result};

/// One command per resource.
pub fn resource_commands() -> Vec<Command> {
    vec![
        Command::new("messages")
            .about("Messages: send, list (--follow), get, delete, react, thread")
            .subcommand_required(true)
            .subcommand(
                Command::new("list")
                    .about("List a chat's messages, newest first; --follow for new ones as they arrive")
                    .arg(Arg::new("chatId").required(true).value_name("CHAT_ID"))
                    .arg(
                        Arg::new("follow")
                            .long("follow")
                            .short('f')
                            .action(ArgAction::SetTrue)
                            .help("Keep polling (politely) and print new messages until Ctrl-C"),
                    )
                    .arg(
                        Arg::new("max")
                            .long("max")
                            .value_name("N")
                            .value_parser(clap::value_parser!(u64))
                            .help("With --follow: stop after N messages"),
                    ),
            ),
        Command::new("webhooks")
            .about("Webhook subscriptions and local development: listen, trigger, verify")
            .subcommand_required(true)
            .subcommands(commands::webhooks::commands()),
        Command::new("attachments")
            .about("Attachments: upload a file, get one")
            .subcommand_required(true)
            .subcommand(
                Command::new("upload")
                    .about("Upload a file (reserve, then PUT the bytes) and print its attachment id")
                    .arg(Arg::new("file").required(true).value_name("FILE")),
            ),
    ]
}

/// Runs a resource command.
pub async fn run(ctx: &mut Context, name: &str, matches: &ArgMatches) -> Result<()> {
    let (sub, m) = matches
        .subcommand()
        .ok_or_else(|| CliError::usage(format!("linq {name}: a subcommand is required")))?;
    match (name, sub) {
        ("messages", "list") if m.get_flag("follow") => {
            let chat = m.get_one::<String>("chatId").expect("required");
            commands::follow::run(ctx, chat, m.get_one::<u64>("max").copied()).await
        }
        ("messages", "list") => {
            let chat = m.get_one::<String>("chatId").expect("required");
            let chat = linq_types::ChatId::try_from(chat.as_str())
                .map_err(|e| CliError::usage(format!("chat id: {e}")))?;
            let client = ctx.client().await?;
            let page = client.chats().messages().list(&chat).await?;
            ctx.output.emit(&commands::send::to_json(page))
        }
        ("webhooks", "listen") => commands::webhooks::listen::run(ctx, m).await,
        ("webhooks", "trigger") => commands::webhooks::trigger::run(ctx, m).await,
        ("webhooks", "verify") => commands::webhooks::verify::run(ctx, m),
        ("attachments", "upload") => {
            let file = commands::send::read_attachment(std::path::Path::new(
                m.get_one::<String>("file").expect("required"),
            ))?;
            let client = ctx.client().await?;
            let id = commands::send::upload(&client, file).await?;
            ctx.output
                .emit(&serde_json::json!({"attachment_id": id.to_string()}))
        }
        _ => Err(CliError::usage(format!(
            "unknown command: linq {name} {sub}"
        ))),
    }
}
