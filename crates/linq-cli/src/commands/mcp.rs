//! `linq mcp`: the Linq MCP server (`linq-mcp`), run from this binary.

use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};

use crate::context::Context;
use crate::error::{CliError, Result};

/// The `mcp` command: every flag after it is the server's.
pub fn command() -> Command {
    Command::new("mcp")
        .about("Run the Linq MCP server for AI agents (the same server as linq-mcp; `linq mcp --help` lists its flags)")
        .disable_help_flag(true)
        .arg(
            Arg::new("args")
                .num_args(0..)
                .trailing_var_arg(true)
                .allow_hyphen_values(true)
                .value_name("SERVER FLAGS"),
        )
}

/// Parses the server's flags (this CLI's `--profile`, `--base-url` and
/// `--sandbox` carry over) and serves until the client goes away.
pub async fn run(ctx: &mut Context, m: &ArgMatches) -> Result<()> {
    let mut argv = vec!["linq mcp".to_owned()];
    if ctx.globals.sandbox {
        argv.push("--sandbox".into());
    }
    if let Some(profile) = &ctx.globals.profile {
        argv.extend(["--profile".into(), profile.clone()]);
    }
    if let Some(url) = &ctx.globals.base_url {
        argv.extend(["--base-url".into(), url.clone()]);
    }
    argv.extend(m.get_many::<String>("args").into_iter().flatten().cloned());
    let parser = linq_mcp::Config::augment_args(Command::new("linq mcp").no_binary_name(false));
    let config = parser
        .try_get_matches_from(argv)
        .and_then(|m| linq_mcp::Config::from_arg_matches(&m))
        .unwrap_or_else(|e| e.exit());
    linq_mcp::init_logging();
    linq_mcp::serve(config)
        .await
        .map_err(|e| CliError::failure(format!("mcp: {e}")))
}
