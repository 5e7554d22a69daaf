//! `cargo xtask record-conformance`: records what the official Python SDK
//! (linq-python) sends for every operation, into
//! `tests/fixtures/conformance/python.json`, by running
//! `xtask/oracle/record_conformance.py` against a loopback recording server.
//! `tests/it/conformance.rs` replays the recordings through linq-client, so
//! `cargo test` itself needs no Python.
//!
//! Arguments after the command go to the script (`--out FILE`). `PYTHON`
//! names the interpreter (default `python3`).

use std::process::Command;

use crate::workspace_root;

const SCRIPT: &str = "xtask/oracle/record_conformance.py";

pub fn run(args: &[String]) -> Result<(), String> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let root = workspace_root();
    let probe = Command::new(&python)
        .args(["-c", "import linq; print(linq.__version__)"])
        .current_dir(&root)
        .output()
        .map_err(|e| {
            format!("could not run {python:?}: {e} (set PYTHON to a Python 3 interpreter)")
        })?;
    if !probe.status.success() {
        return Err(format!(
            "the official Python SDK is not importable with {python:?} (`import linq` failed); \
             install it with `pip install linq-python`\n{}",
            String::from_utf8_lossy(&probe.stderr).trim_end()
        ));
    }
    eprintln!(
        "recording with linq-python {}",
        String::from_utf8_lossy(&probe.stdout).trim()
    );
    let status = Command::new(&python)
        .arg(SCRIPT)
        .args(args)
        .current_dir(&root)
        .status()
        .map_err(|e| format!("could not run {python:?} {SCRIPT}: {e}"))?;
    if !status.success() {
        return Err(format!("{SCRIPT} failed ({status})"));
    }
    Ok(())
}
