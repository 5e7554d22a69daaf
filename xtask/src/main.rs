//! linq-rs's own tooling, run as `cargo xtask <command>`.

use std::process::ExitCode;

mod bench;
mod ci;
mod codegen;
mod codemap;
mod conformance;
#[cfg(feature = "sdk")]
mod coverage;
#[cfg(test)]
mod features;
mod props;
mod sandbox_story;
mod sdk_suite;
mod test_tree;
mod webhook_vectors;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  bench      run the benchmarks (release); --build-cost adds clean build times
             (of the crates and of a one-call app on linq-client, async-openai
             and octocrab); --build-cost-only runs only those
  ci         run what CI runs: fmt, clippy, tests, docs
  codegen    regenerate models and operations from spec/linq-api-v3.json
  codemap    check that ARCHITECTURE.md's code map names every source file
  coverage   report operations and webhook event types covered by the SDK
  props      run every property test at N cases: props --cases N [--release]
  record-conformance
             record what the official Python SDK sends for every operation
  sandbox-story
             run the story with the official Python SDK against the sandbox
  soak       the connection pool against hostile loopback servers for a
             bounded time (--secs N, default 60); reports RSS and open
             descriptors at start and end, and fails if they grew
  sdk-suite  run the official linq-python resource suite against
             linq-sandbox --mock (needs python3 and pip)
  webhook-vectors
             sign and verify webhook vectors both ways with the official
             standardwebhooks library";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    let result = match command.as_str() {
        "bench" => bench::run(rest),
        "ci" => ci::run(rest),
        "codegen" => codegen::run(rest),
        "codemap" => codemap::run(rest),
        #[cfg(feature = "sdk")]
        "coverage" => coverage::run(rest),
        "props" => props::run(rest),
        "record-conformance" => conformance::run(rest),
        "sandbox-story" => sandbox_story::run(rest),
        "sdk-suite" => sdk_suite::run(rest),
        "soak" => bench::soak(rest),
        "webhook-vectors" => webhook_vectors::run(rest),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
pub fn workspace_root() -> std::path::PathBuf {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .expect("xtask is inside the workspace")
        .to_path_buf()
}
