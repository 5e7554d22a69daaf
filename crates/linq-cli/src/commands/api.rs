//! `linq api METHOD PATH`: any request, through the client's policy.

use clap::{ArgMatches, Command};

use crate::context::Context;
use crate::error::{CliError, Result};

/// The `api` command.
pub fn command() -> Command {
    Command::new("api")
        .about("Send any request (METHOD PATH), with -F fields, --paginate and --slurp")
        .hide(true)
}

/// Runs `api`.
pub async fn run(_ctx: &mut Context, _matches: &ArgMatches) -> Result<()> {
    Err(CliError::usage("linq api is not available yet"))
}
