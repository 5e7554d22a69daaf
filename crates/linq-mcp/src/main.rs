//! `linq-mcp`: serve the Linq MCP server, or install it into a client.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use linq_mcp::install::{self, ClientKind};

/// An MCP server for the Linq Partner API v3: text people from an AI agent,
/// with a recipient allow-list, a send budget and retry-safe sends.
#[derive(Parser)]
#[command(name = "linq-mcp", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: linq_mcp::Config,
}

#[derive(Subcommand)]
enum Command {
    /// Write this server into an MCP client's config (merged, never
    /// clobbered); arguments after `--` are passed to the server.
    Install {
        /// The client to configure.
        #[arg(long, required_unless_present = "path")]
        client: Option<ClientKind>,
        /// A config file to write instead (`mcpServers` format).
        #[arg(long)]
        path: Option<std::path::PathBuf>,
        /// The server's name in the client.
        #[arg(long, default_value = "linq")]
        name: String,
        /// Print the resulting file instead of writing it.
        #[arg(long)]
        dry_run: bool,
        /// Server flags, e.g. `-- --read-only --max-sends 20`.
        #[arg(last = true)]
        server_args: Vec<String>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Install {
            client,
            path,
            name,
            dry_run,
            server_args,
        }) => {
            let path = match path.map(Ok).unwrap_or_else(|| {
                install::config_path(client.expect("clap requires --client or --path"))
            }) {
                Ok(p) => p,
                Err(e) => return fail(&e),
            };
            let command = std::env::current_exe()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| "linq-mcp".into());
            let entry = install::entry(client, &command, &server_args);
            match install::install(&path, install::servers_key(client), &name, entry, dry_run) {
                Ok(text) if dry_run => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Ok(_) => {
                    eprintln!("wrote server {name:?} to {}", path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            }
        }
        None => {
            linq_mcp::init_logging();
            match linq_mcp::serve(cli.config).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e),
            }
        }
    }
}

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("linq-mcp: {e}");
    ExitCode::FAILURE
}
