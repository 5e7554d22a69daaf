//! Commands for API operations, by resource.

use clap::{ArgMatches, Command};

use crate::context::Context;
use crate::error::{CliError, Result};

/// One command per resource.
pub fn resource_commands() -> Vec<Command> {
    Vec::new()
}

/// Runs a resource command.
pub async fn run(_ctx: &mut Context, name: &str, _matches: &ArgMatches) -> Result<()> {
    Err(CliError::usage(format!("unknown command {name:?}")))
}
