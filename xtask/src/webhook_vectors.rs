//! `cargo xtask webhook-vectors`: both directions of the interop check with
//! the official `standardwebhooks` library (needs python3 and
//! `pip install standardwebhooks`; not part of `cargo test`).
//!
//! 1. Python signs deliveries; they are written to
//!    `crates/linq-webhooks/tests/fixtures/standardwebhooks_vectors.json`,
//!    which the Rust tests verify.
//! 2. The vectors our code signed (the committed
//!    `rust_signed_vectors.json`, which a Rust test keeps equal to what the
//!    code produces) are verified by Python.

use std::process::Command;

use crate::workspace_root;

const SCRIPT: &str = "xtask/oracle/webhook_vectors.py";
const RUST_SIGNED: &str = "crates/linq-webhooks/tests/fixtures/rust_signed_vectors.json";

pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(extra) = args.first() {
        return Err(format!("webhook-vectors takes no arguments, got {extra:?}"));
    }
    let root = workspace_root();
    let python = |extra: &[&str]| -> Result<(), String> {
        let status = Command::new("python3")
            .arg(SCRIPT)
            .args(extra)
            .current_dir(&root)
            .status()
            .map_err(|e| format!("could not run python3: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("{SCRIPT} {} failed ({status})", extra.join(" ")))
        }
    };
    let has_library = Command::new("python3")
        .args(["-c", "import standardwebhooks"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_library {
        return Err("the standardwebhooks library is missing: pip install standardwebhooks".into());
    }
    python(&[])?;
    python(&["--verify", RUST_SIGNED])
}
