//! `cargo xtask codegen`: models, operations, client resources and webhook
//! events from `spec/linq-api-v3.json` (plus `spec/webhooks-2025-01-01.json`
//! for the older message event format).
//!
//! `cargo xtask codegen --check` writes nothing and fails when a committed
//! file differs from what the generator makes; the `generated_code_is_fresh`
//! test does the same inside `cargo test`.

mod blocking;
mod bodies;
mod catalog;
mod client;
mod conformance;
mod imports;
mod models;
mod names;
mod ops;
mod overlay;
mod samples;
mod spec;
mod webhooks;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::workspace_root;

pub const SPEC: &str = "spec/linq-api-v3.json";
pub const SUPPLEMENT: &str = "spec/webhooks-2025-01-01.json";

pub fn run(args: &[String]) -> Result<(), String> {
    let check = match args {
        [] => false,
        [a] if a == "--check" => true,
        other => return Err(format!("codegen takes only --check, got {other:?}")),
    };
    let root = workspace_root();
    let files = generate(&root)?;
    let mut stale = Vec::new();
    for (rel, text) in &files {
        let path = root.join(rel);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == *text {
            continue;
        }
        if check {
            stale.push(rel.clone());
        } else {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            eprintln!("wrote {rel}");
        }
    }
    if !stale.is_empty() {
        return Err(format!(
            "generated files are stale, run `cargo xtask codegen`:\n  {}",
            stale.join("\n  ")
        ));
    }
    eprintln!(
        "codegen: {} files {}",
        files.len(),
        if check { "up to date" } else { "in place" }
    );
    Ok(())
}

/// Every generated file: (path from the workspace root, formatted text).
pub fn generate(root: &Path) -> Result<Vec<(String, String)>, String> {
    let read = |rel: &str| -> Result<serde_json::Value, String> {
        let text = std::fs::read_to_string(root.join(rel)).map_err(|e| format!("{rel}: {e}"))?;
        serde_json::from_str(&text).map_err(|e| format!("{rel}: {e}"))
    };
    let api = spec::load(&read(SPEC)?, &read(SUPPLEMENT)?);
    let (missing, unused) = models::unwritten_docs(&api);
    if !missing.is_empty() || !unused.is_empty() {
        let list = |what: &str, keys: &[String]| match keys {
            [] => String::new(),
            _ => format!("\n{what}:\n  {}", keys.join("\n  ")),
        };
        return Err(format!(
            "xtask/src/codegen/docs.json is out of step with the spec{}{}",
            list("no doc line yet (write one in our own words)", &missing),
            list("entries that match nothing (remove them)", &unused),
        ));
    }
    let mut files = vec![(
        "crates/linq-types/src/generated/mod.rs".to_owned(),
        format!(
            "{}//! Everything `cargo xtask codegen` writes for linq-types; the\n//! hand-written code sits beside this folder.\n\n#![warn(clippy::must_use_candidate, clippy::return_self_not_must_use)]\n\n{}pub mod catalog;\npub mod models;\npub mod ops;\n{}pub mod webhooks;\n",
            imports::HEADER,
            models::feature_gate("catalog"),
            models::feature_gate("events"),
        ),
    )];
    files.extend(models::generate(&api));
    files.extend(ops::generate(&api));
    files.push((webhooks::PATH.to_owned(), webhooks::generate(&api)));
    files.push((catalog::PATH.to_owned(), catalog::generate(&api)));
    files.extend(client::generate(&api));
    files.extend(blocking::generate(&api));
    let (fixtures, test) = samples::generate(&api);
    files.push((
        "crates/linq-types/tests/it/generated/samples.rs".to_owned(),
        test,
    ));
    files.push((conformance::PATH.to_owned(), conformance::generate(&api)));
    files.push((bodies::PATH.to_owned(), bodies::generate(&api)));
    let mut files: Vec<(String, String)> = files
        .into_iter()
        .map(|(p, text)| {
            rustfmt(&text)
                .map(|t| (p.clone(), t))
                .map_err(|e| format!("{p}: {e}"))
        })
        .collect::<Result<_, _>>()?;
    files.push((
        "crates/linq-types/tests/it/generated/samples.json".to_owned(),
        fixtures,
    ));
    Ok(files)
}

/// Formats through `rustfmt --edition 2024`, as `cargo fmt` would.
fn rustfmt(text: &str) -> Result<String, String> {
    let mut child = Command::new(std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into()))
        .args(["--edition", "2024", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not run rustfmt: {e}"))?;
    let mut stdin = child.stdin.take().unwrap();
    let input = text.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    writer.join().unwrap().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "rustfmt failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}

/// The committed output must be what the generator makes now.
#[test]
fn generated_code_is_fresh() {
    let root = workspace_root();
    let files = generate(&root).unwrap();
    let stale: Vec<&str> = files
        .iter()
        .filter(|(rel, text)| {
            std::fs::read_to_string(root.join(rel)).ok().as_deref() != Some(text.as_str())
        })
        .map(|(rel, _)| rel.as_str())
        .collect();
    assert!(
        stale.is_empty(),
        "stale generated files (run `cargo xtask codegen`): {stale:?}"
    );
}
