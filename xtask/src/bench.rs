//! `cargo xtask bench`: builds the benchmarks in release mode and runs them;
//! `--build-cost` also measures clean build times into a scratch target dir.

use std::process::Command;
use std::time::Instant;

use crate::workspace_root;

pub fn run(args: &[String]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build_cost = args.iter().any(|a| a == "--build-cost");
    if let Some(other) = args.iter().find(|a| *a != "--build-cost") {
        return Err(format!("bench takes only --build-cost, got {other:?}"));
    }
    let status = Command::new(&cargo)
        .args([
            "run",
            "--release",
            "--quiet",
            "-p",
            "linq-bench",
            "--",
            "all",
        ])
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("the benchmarks failed ({status})"));
    }
    if build_cost {
        println!();
        println!("## Build cost (clean, dev profile, this machine)");
        println!();
        println!("| crate | dependencies (normal, incl. itself) | clean build |");
        println!("|---|---|---|");
        for krate in ["linq-types", "linq-client"] {
            let deps = dependency_count(&cargo, krate)?;
            let secs = clean_build_seconds(&cargo, krate)?;
            println!("| {krate} | {deps} | {secs:.1} s |");
        }
    }
    Ok(())
}

fn dependency_count(cargo: &str, krate: &str) -> Result<usize, String> {
    let out = Command::new(cargo)
        .args([
            "tree",
            "-p",
            krate,
            "-e",
            "normal",
            "--prefix",
            "none",
            "--no-dedupe",
        ])
        .current_dir(workspace_root())
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    names.sort_unstable();
    names.dedup();
    Ok(names.len())
}

fn clean_build_seconds(cargo: &str, krate: &str) -> Result<f64, String> {
    let dir = std::env::temp_dir().join(format!("linq-build-cost-{krate}"));
    let _ = std::fs::remove_dir_all(&dir);
    let start = Instant::now();
    let status = Command::new(cargo)
        .args(["build", "--quiet", "-p", krate])
        .env("CARGO_TARGET_DIR", &dir)
        .current_dir(workspace_root())
        .status()
        .map_err(|e| e.to_string())?;
    let secs = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    if status.success() {
        Ok(secs)
    } else {
        Err(format!("building {krate} failed"))
    }
}
