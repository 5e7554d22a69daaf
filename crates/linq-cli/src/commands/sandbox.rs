//! `linq sandbox`: the sandbox server on loopback.

use clap::{ArgMatches, Command};

use crate::context::Context;
use crate::error::{CliError, Result};

/// The `sandbox` command.
pub fn command() -> Command {
    Command::new("sandbox")
        .about("Serve a sandbox Linq account on loopback")
        .hide(true)
}

/// Runs `sandbox`.
pub async fn run(_ctx: &mut Context, _matches: &ArgMatches) -> Result<()> {
    Err(CliError::usage("linq sandbox is not available yet"))
}
