//! The command tree: hand-written commands here, one command per API
//! operation added from the operation catalogue by [`crate::ops`].

use clap::{Arg, ArgAction, Command, value_parser};

const AFTER_HELP: &str = "\
Credentials: `linq login` stores a key in ~/.linq/config.json (the official
CLI's file). The profile is --profile, else LINQ_PROFILE, else the file's.
LINQ_API_V3_API_KEY / LINQ_TOKEN, LINQ_FROM_PHONE and LINQ_API_URL override
the profile's values, except when --profile names it.

Exit codes: 0 ok, 1 failure, 2 usage (nothing sent), 3 no key or key
refused, 4 request refused (4xx), 5 API or network unavailable (5xx,
timeout), 6 webhook not verified.";

/// The whole command tree.
pub fn command() -> Command {
    let mut root = Command::new("linq")
        .version(env!("CARGO_PKG_VERSION"))
        .about("The Linq Partner API from a terminal: iMessage, RCS and SMS")
        .after_help(AFTER_HELP)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .args(globals())
        .subcommand(login(
            "login",
            "Store an API key in a profile (read from a prompt or stdin), after checking it",
        ))
        .subcommand(login(
            "init",
            "Set up a profile: an API key and the line to send from",
        ))
        .subcommand(
            Command::new("whoami")
                .about("Show the profile, key (redacted), base URL and the account's lines"),
        )
        .subcommand(
            Command::new("doctor").about("Check the key, base URL, TLS, latency and clock skew"),
        )
        .subcommand(profile())
        .subcommand(crate::commands::send::command())
        .subcommand(
            Command::new("completion")
                .about("Print a shell completion script")
                .arg(
                    Arg::new("shell")
                        .required(true)
                        .value_parser(value_parser!(clap_complete::Shell)),
                ),
        )
        .subcommand(crate::commands::sandbox::command())
        .subcommand(crate::commands::api::command())
        .subcommand(crate::commands::mcp::command());
    for resource in crate::ops::resource_commands() {
        root = root.subcommand(resource);
    }
    root
}

fn globals() -> Vec<Arg> {
    vec![
        Arg::new("profile")
            .long("profile")
            .global(true)
            .value_name("NAME")
            .help("Profile to use (default: LINQ_PROFILE, then the config file's)"),
        Arg::new("json")
            .long("json")
            .global(true)
            .action(ArgAction::SetTrue)
            .help("Print JSON (same as --format json)"),
        Arg::new("format")
            .long("format")
            .global(true)
            .value_name("FORMAT")
            .value_parser(["json", "jsonl", "table"])
            .help("Output format (default: table on a terminal, json otherwise)"),
        Arg::new("jq")
            .long("jq")
            .short('q')
            .global(true)
            .value_name("EXPR")
            .help("Filter the JSON output with a jq expression (built in)"),
        Arg::new("base-url")
            .long("base-url")
            .global(true)
            .value_name("URL")
            .help("API base URL (default: the profile's, LINQ_API_URL, or Linq's)"),
        Arg::new("sandbox")
            .long("sandbox")
            .global(true)
            .action(ArgAction::SetTrue)
            .help("Run against an embedded sandbox on loopback instead of the API"),
    ]
}

fn login(name: &'static str, about: &'static str) -> Command {
    Command::new(name)
        .about(about)
        .arg(
            Arg::new("from")
                .long("from")
                .value_name("E164")
                .help("The line to send from by default (stored as fromPhone)"),
        )
        .arg(
            Arg::new("no-check")
                .long("no-check")
                .action(ArgAction::SetTrue)
                .help("Store the key without checking it against the API"),
        )
}

fn profile() -> Command {
    let name = || Arg::new("name").required(true).value_name("NAME");
    Command::new("profile")
        .about("Manage profiles in ~/.linq/config.json")
        .subcommand_required(true)
        .subcommand(
            Command::new("get")
                .about("Show a profile's fields (secrets redacted), or one field")
                .arg(Arg::new("key").value_name("KEY")),
        )
        .subcommand(
            Command::new("set")
                .about("Set a field of the profile (token, fromPhone, baseUrl, ...)")
                .arg(Arg::new("key").required(true).value_name("KEY"))
                .arg(
                    Arg::new("value")
                        .value_name("VALUE")
                        .help("The value; read from stdin when left out"),
                ),
        )
        .subcommand(Command::new("list").about("List profiles; * marks the one in use"))
        .subcommand(
            Command::new("use")
                .about("Make a profile the default")
                .arg(name()),
        )
        .subcommand(Command::new("delete").about("Delete a profile").arg(name()))
        .subcommand(
            Command::new("create")
                .about("Create an empty profile (then `linq login --profile NAME`)")
                .arg(name()),
        )
}
