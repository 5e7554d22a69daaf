//! `cargo xtask props --cases N [--release]`: every property test of the
//! workspace at `N` cases.
//!
//! The property tests are found by their source (a test file under
//! `crates/*/tests/` or `tests/` that uses `proptest!`); each reads
//! `PROPTEST_CASES` for its case count, or uses its own when unset. Failures
//! proptest shrinks are saved next to the test as `*.proptest-regressions`;
//! commit them.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::workspace_root;

pub fn run(args: &[String]) -> Result<(), String> {
    let mut cases = None;
    let mut release = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--cases" => {
                let n = it.next().ok_or("--cases needs a number")?;
                cases = Some(
                    n.parse::<u32>()
                        .map_err(|_| format!("--cases {n:?} is not a number"))?,
                );
            }
            "--release" => release = true,
            other => return Err(format!("props takes --cases N [--release], got {other:?}")),
        }
    }
    let cases = cases.ok_or("usage: cargo xtask props --cases N [--release]")?;
    let root = workspace_root();
    let targets = property_tests(&root)?;
    if targets.is_empty() {
        return Err("no property tests found".into());
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let started = Instant::now();
    let mut failed = Vec::new();
    for (package, tests) in &targets {
        let mut cmd = Command::new(&cargo);
        cmd.args(["test", "-p", package]);
        if release {
            cmd.arg("--release");
        }
        for t in tests {
            cmd.args(["--test", t]);
        }
        eprintln!(
            "==> {package}: {} at {cases} cases{}",
            tests.join(", "),
            if release { " (release)" } else { "" }
        );
        let status = cmd
            .env("PROPTEST_CASES", cases.to_string())
            .current_dir(&root)
            .status()
            .map_err(|e| format!("could not run cargo: {e}"))?;
        // Run every package, so one failure does not hide another.
        if !status.success() {
            failed.push(package.as_str());
        }
    }
    if !failed.is_empty() {
        return Err(format!(
            "property tests failed at {cases} cases in: {} ({:.0?})",
            failed.join(", "),
            started.elapsed()
        ));
    }
    eprintln!(
        "props: every property passed at {cases} cases in {:.0?}",
        started.elapsed()
    );
    Ok(())
}

/// (package, test targets) for every test file using `proptest!`.
fn property_tests(root: &Path) -> Result<Vec<(String, Vec<String>)>, String> {
    let mut dirs = vec![root.join("tests")];
    let crates = std::fs::read_dir(root.join("crates")).map_err(|e| format!("crates/: {e}"))?;
    for entry in crates.flatten() {
        dirs.push(entry.path().join("tests"));
    }
    dirs.sort();
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut tests: Vec<String> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .filter(|p| std::fs::read_to_string(p).is_ok_and(|text| text.contains("proptest!")))
            .filter_map(|p| Some(p.file_stem()?.to_str()?.to_owned()))
            .collect();
        if tests.is_empty() {
            continue;
        }
        tests.sort();
        // `tests/` is a package of its own; `crates/x/tests/` belongs to `x`.
        let manifest = match dir.join("Cargo.toml") {
            own if own.exists() => own,
            _ => dir.parent().unwrap().join("Cargo.toml"),
        };
        let text = std::fs::read_to_string(&manifest)
            .map_err(|e| format!("{}: {e}", manifest.display()))?;
        let package = text
            .lines()
            .find_map(|l| {
                let v = l.trim().strip_prefix("name")?.trim().strip_prefix('=')?;
                Some(v.trim().trim_matches('"').to_owned())
            })
            .ok_or_else(|| format!("{}: no package name", manifest.display()))?;
        out.push((package, tests));
    }
    Ok(out)
}
