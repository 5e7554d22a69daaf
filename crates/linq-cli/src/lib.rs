//! `linq`: the Linq Partner API v3 from a terminal.
//!
//! Every API operation is a command (`linq chats create ...`), generated from
//! the operation catalogue the SDK's resource methods come from; beside them
//! are everyday verbs (`send`, `messages list --follow`, `api`), safe bulk
//! sends from a CSV file, profiles shared with the official CLI, and
//! webhooks for local development (`webhooks listen|trigger|verify`,
//! `sandbox`). Every call goes through `linq_client::Client`, so retries,
//! idempotency keys, validation and errors are the SDK's.
//!
//! The binary is `linq`; [`main`] is all it runs.

use std::process::ExitCode;

use clap::ArgMatches;

pub mod app;
pub mod commands;
pub mod config;
pub mod context;
pub mod error;
pub mod jq;
pub mod ops;
pub mod output;

use context::{Context, Globals};
use error::{CliError, Result};
use output::Output;

/// Parses the command line, runs the command, prints the error (one line)
/// and returns the exit code.
pub fn main() -> ExitCode {
    let matches = match app::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&matches)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit.into()
        }
    }
}

/// Runs the parsed command line.
pub async fn run(matches: &ArgMatches) -> Result<()> {
    let globals = Globals {
        profile: matches.get_one::<String>("profile").cloned(),
        base_url: matches.get_one::<String>("base-url").cloned(),
        sandbox: matches.get_flag("sandbox"),
    };
    let output = Output::new(
        matches.get_flag("json"),
        matches.get_one::<String>("format").map(String::as_str),
        matches.get_one::<String>("jq").map(String::as_str),
    )?;
    let (name, sub) = matches
        .subcommand()
        .ok_or_else(|| CliError::usage("a command is required (see linq --help)"))?;
    if name == "completion" {
        return commands::completion::run(sub);
    }
    let mut ctx = Context::new(globals, output)?;
    match name {
        "login" | "init" => commands::auth::login(&mut ctx, sub).await,
        "whoami" => commands::auth::whoami(&mut ctx).await,
        "doctor" => commands::doctor::run(&mut ctx).await,
        "profile" => commands::profile::run(&mut ctx, sub),
        "send" => commands::send::run(&mut ctx, sub).await,
        "sandbox" => commands::sandbox::run(&mut ctx, sub).await,
        "api" => commands::api::run(&mut ctx, sub).await,
        "mcp" => commands::mcp::run(&mut ctx, sub).await,
        _ => ops::run(&mut ctx, name, sub).await,
    }
}
