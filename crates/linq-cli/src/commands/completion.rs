//! `linq completion bash|zsh|fish|powershell|elvish`.

use clap::ArgMatches;
use clap_complete::Shell;

use crate::error::Result;

/// Prints the completion script for the shell named.
pub fn run(matches: &ArgMatches) -> Result<()> {
    let shell = *matches
        .get_one::<Shell>("shell")
        .expect("clap requires the shell");
    let mut command = crate::app::command();
    clap_complete::generate(shell, &mut command, "linq", &mut std::io::stdout());
    Ok(())
}
