//! `cargo xtask ci`: runs `.ci/run`, the script CI runs, so the two cannot
//! drift apart (format, lint, tests, docs, the MSRV check, builds without
//! default features, the dependency-layering checks, packaging).

use std::process::Command;

use crate::workspace_root;

pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(extra) = args.first() {
        return Err(format!("ci takes no arguments, got {extra:?}"));
    }
    let root = workspace_root();
    let status = Command::new("bash")
        .arg(root.join(".ci/run"))
        .current_dir(&root)
        .status()
        .map_err(|e| format!("could not run .ci/run: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(".ci/run failed ({status})"))
    }
}
