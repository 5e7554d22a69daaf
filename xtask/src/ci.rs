//! `cargo xtask ci`: the same steps as `.ci/run`, in the same order.

use std::process::Command;

use crate::workspace_root;

/// Each step: a label, the command, and extra environment.
const STEPS: &[(&str, &[&str], &[(&str, &str)])] = &[
    ("format", &["fmt", "--all", "--check"], &[]),
    (
        "lint",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    ),
    ("test", &["test", "--workspace"], &[]),
    (
        "docs",
        &["doc", "--workspace", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    ),
];

pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(extra) = args.first() {
        return Err(format!("ci takes no arguments, got {extra:?}"));
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for (label, cargo_args, env) in STEPS {
        eprintln!("==> {label}: cargo {}", cargo_args.join(" "));
        let status = Command::new(&cargo)
            .args(*cargo_args)
            .envs(env.iter().copied())
            .current_dir(workspace_root())
            .status()
            .map_err(|e| format!("could not run cargo: {e}"))?;
        if !status.success() {
            return Err(format!("step {label:?} failed ({status})"));
        }
    }
    eprintln!("==> all CI steps passed");
    Ok(())
}
