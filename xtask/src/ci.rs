//! `cargo xtask ci`: the same steps as `.ci/run`, in the same order.

use std::process::Command;

use crate::workspace_root;

/// One CI step: what to call it, cargo's arguments, extra environment.
struct Step {
    label: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
}

const STEPS: &[Step] = &[
    Step {
        label: "format",
        args: &["fmt", "--all", "--check"],
        env: &[],
    },
    Step {
        label: "lint",
        args: &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        env: &[],
    },
    Step {
        label: "test",
        args: &["test", "--workspace"],
        env: &[],
    },
    Step {
        label: "properties",
        args: &["xtask", "props", "--cases", "2000"],
        env: &[],
    },
    Step {
        label: "docs",
        args: &["doc", "--workspace", "--no-deps"],
        env: &[("RUSTDOCFLAGS", "-D warnings")],
    },
];

pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(extra) = args.first() {
        return Err(format!("ci takes no arguments, got {extra:?}"));
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for Step { label, args, env } in STEPS {
        eprintln!("==> {label}: cargo {}", args.join(" "));
        let status = Command::new(&cargo)
            .args(*args)
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
