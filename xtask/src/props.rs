//! `cargo xtask props --cases N [--release]`: every property test of the
//! workspace at `N` cases.
//!
//! The property tests are found by their source: a module of a package's
//! test binary `tests/it/main.rs` that uses `proptest!` (its tests are run
//! by module, `--test it -- module::`), a test file of its own under
//! `crates/*/tests/` that does (run as that test target), and any file
//! under `crates/*/src/` that does (its package's unit tests are run,
//! `--lib`). Each reads `PROPTEST_CASES` for its case count, or uses its
//! own when unset. Failures proptest shrinks are saved in the package's
//! `tests/proptest-regressions/<module>.txt` (`proptest-regressions/` beside
//! `src/` for unit tests); commit them.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::{test_tree, workspace_root};

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
    for target in &targets {
        let package = target.package.as_str();
        let mut runs = Vec::new();
        if target.lib || !target.tests.is_empty() {
            let mut args = Vec::new();
            let mut names = Vec::new();
            if target.lib {
                args.push("--lib".to_owned());
                names.push("unit tests (src/)".to_owned());
            }
            for t in &target.tests {
                args.extend(["--test".to_owned(), t.clone()]);
                names.push(t.clone());
            }
            runs.push((args, names));
        }
        // A filter per module: `path_safety::` runs only that module's tests
        // (filters would also apply to `--lib`, hence a run of its own).
        if !target.modules.is_empty() {
            let mut args = vec!["--test".to_owned(), "it".to_owned(), "--".to_owned()];
            args.extend(target.modules.iter().map(|m| format!("{m}::")));
            let names = target.modules.iter().map(|m| format!("it::{m}")).collect();
            runs.push((args, names));
        }
        for (args, names) in runs {
            eprintln!(
                "==> {package}: {} at {cases} cases{}",
                names.join(", "),
                if release { " (release)" } else { "" }
            );
            let mut cmd = Command::new(&cargo);
            cmd.args(["test", "-p", package]);
            if release {
                cmd.arg("--release");
            }
            let status = cmd
                .args(&args)
                .env("PROPTEST_CASES", cases.to_string())
                .current_dir(&root)
                .status()
                .map_err(|e| format!("could not run cargo: {e}"))?;
            // Run everything, so one failure does not hide another.
            if !status.success() && !failed.contains(&package) {
                failed.push(package);
            }
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

/// One package's property tests: its unit tests when a file under `src/`
/// has some, its test targets of their own that do, and the modules of its
/// `tests/it/` binary that do.
#[derive(Debug, PartialEq)]
struct Target {
    package: String,
    lib: bool,
    tests: Vec<String>,
    modules: Vec<String>,
}

fn uses_proptest(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "rs")
        && std::fs::read_to_string(path).is_ok_and(|text| text.contains("proptest!"))
}

/// Whether any `.rs` file under `dir`, at any depth, uses `proptest!`.
fn any_proptest_under(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|e| {
        let path = e.path();
        if path.is_dir() {
            any_proptest_under(&path)
        } else {
            uses_proptest(&path)
        }
    })
}

fn package_name(manifest: &Path) -> Result<String, String> {
    let text =
        std::fs::read_to_string(manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    text.lines()
        .find_map(|l| {
            let v = l.trim().strip_prefix("name")?.trim().strip_prefix('=')?;
            Some(v.trim().trim_matches('"').to_owned())
        })
        .ok_or_else(|| format!("{}: no package name", manifest.display()))
}

/// Every package with property tests, in `src/` or in test files.
fn property_tests(root: &Path) -> Result<Vec<Target>, String> {
    // (package directory, whether it is `tests/`, a package of its own)
    let mut dirs = vec![root.join("tests")];
    let crates = std::fs::read_dir(root.join("crates")).map_err(|e| format!("crates/: {e}"))?;
    for entry in crates.flatten() {
        dirs.push(entry.path());
    }
    dirs.sort();
    let mut out = Vec::new();
    for dir in dirs {
        // `tests/` is a package whose test files sit at its top.
        let tests_dir = if dir.join("src").exists() {
            dir.join("tests")
        } else {
            dir.clone()
        };
        let lib = any_proptest_under(&dir.join("src"));
        let it = tests_dir.join("it");
        let mut modules: Vec<String> = if it.is_dir() {
            test_tree::modules(&it)?
                .into_iter()
                .filter(|m| !m.path.is_empty() && uses_proptest(&m.file))
                .map(|m| m.path)
                .collect()
        } else {
            Vec::new()
        };
        modules.sort();
        let mut tests: Vec<String> = std::fs::read_dir(&tests_dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| uses_proptest(p))
                    .filter_map(|p| Some(p.file_stem()?.to_str()?.to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        if tests.is_empty() && modules.is_empty() && !lib {
            continue;
        }
        tests.sort();
        let package = package_name(&dir.join("Cargo.toml"))?;
        out.push(Target {
            package,
            lib,
            tests,
            modules,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The properties inside `src/` are found, not only those in test files.
    #[test]
    fn finds_property_tests_in_src_and_in_test_files() {
        let targets = property_tests(&workspace_root()).unwrap();
        let find = |name: &str| targets.iter().find(|t| t.package == name);
        for package in ["linq-client", "linq-transport"] {
            let target = find(package).unwrap_or_else(|| panic!("{package} missing: {targets:?}"));
            assert!(target.lib, "{package}'s src/ properties: {target:?}");
        }
        let types = find("linq-types").unwrap();
        for module in ["wire", "samples", "generated_bodies"] {
            assert!(types.modules.contains(&module.to_owned()), "{types:?}");
        }
        let tests = find("linq-tests").unwrap();
        assert!(
            tests.modules.contains(&"path_safety".to_owned()),
            "{tests:?}"
        );
        assert!(tests.tests.is_empty(), "{tests:?}");
    }
}
