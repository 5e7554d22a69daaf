//! `linq mcp`: the Linq MCP server, run as the `linq-mcp` binary installed
//! beside this one (or on `PATH`), so `linq` stays small: linking the
//! server in would double its size.

use std::path::PathBuf;
use std::process::Command as Process;

use clap::{Arg, ArgMatches, Command};

use crate::context::Context;
use crate::error::{CliError, Result};

/// The server's binary name.
const SERVER: &str = "linq-mcp";

/// The `mcp` command: every argument after it is the server's.
pub fn command() -> Command {
    Command::new("mcp")
        .about(
            "Run the Linq MCP server for AI agents (linq-mcp; `linq mcp --help` lists its flags)",
        )
        .disable_help_flag(true)
        .arg(
            Arg::new("args")
                .num_args(0..)
                .trailing_var_arg(true)
                .allow_hyphen_values(true)
                .value_name("SERVER ARGS"),
        )
}

/// Runs `linq-mcp` with the arguments given (this CLI's `--profile`,
/// `--base-url` and `--sandbox` carry over), stdin and stdout passed
/// through, and exits with its status.
pub async fn run(ctx: &mut Context, m: &ArgMatches) -> Result<()> {
    let mut args: Vec<String> = Vec::new();
    if ctx.globals.sandbox {
        args.push("--sandbox".into());
    }
    if let Some(profile) = &ctx.globals.profile {
        args.extend(["--profile".into(), profile.clone()]);
    }
    if let Some(url) = &ctx.globals.base_url {
        args.extend(["--base-url".into(), url.clone()]);
    }
    // `linq mcp install ...` is the server's own subcommand: it goes first.
    let given: Vec<String> = m
        .get_many::<String>("args")
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let args = match given.split_first() {
        Some((first, rest)) if first == "install" => {
            let mut all = vec![first.clone()];
            all.extend(rest.iter().cloned());
            all
        }
        _ => args.into_iter().chain(given).collect(),
    };
    let server = locate().ok_or_else(|| {
        CliError::failure(format!(
            "{SERVER} is not installed beside linq or on PATH: `cargo install --path crates/{SERVER}` (or `cargo install {SERVER}`)"
        ))
    })?;
    let status = Process::new(&server)
        .args(&args)
        .status()
        .map_err(|e| CliError::failure(format!("running {}: {e}", server.display())))?;
    match status.code() {
        Some(0) => Ok(()),
        code => Err(CliError::failure(format!(
            "{SERVER} exited with {}",
            code.map_or_else(|| "a signal".to_owned(), |c| c.to_string())
        ))),
    }
}

/// `linq-mcp` next to this binary (as `cargo install` and the build
/// directory place them), else the first on `PATH`.
fn locate() -> Option<PathBuf> {
    let name = format!("{SERVER}{}", std::env::consts::EXE_SUFFIX);
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join(&name)))
        .filter(|p| p.is_file());
    beside.or_else(|| {
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|dir| dir.join(&name))
            .find(|p| p.is_file())
    })
}
