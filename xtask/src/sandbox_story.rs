//! `cargo xtask sandbox-story`: serves the sandbox on loopback and runs the
//! story with the official Python SDK against it (needs python3 and
//! `pip install linq-python`; not part of `cargo test`).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::workspace_root;

pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(extra) = args.first() {
        return Err(format!("sandbox-story takes no arguments, got {extra:?}"));
    }
    let root = workspace_root();
    let has_sdk = Command::new("python3")
        .args(["-c", "import linq"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_sdk {
        return Err("the official Python SDK is missing: pip install linq-python".into());
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(&cargo)
        .args(["build", "--quiet", "-p", "linq-sandbox"])
        .current_dir(&root)
        .status()
        .map_err(|e| e.to_string())?;
    if !built.success() {
        return Err("building linq-sandbox failed".into());
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(Into::into)
        .unwrap_or_else(|| root.join("target"));
    let mut server = Command::new(target.join("debug").join("linq-sandbox"))
        .args(["--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start the sandbox: {e}"))?;
    let mut env = Vec::new();
    let mut lines = BufReader::new(server.stdout.take().expect("piped")).lines();
    for _ in 0..2 {
        let line = lines
            .next()
            .ok_or("the sandbox exited before printing its address")?
            .map_err(|e| e.to_string())?;
        let (name, value) = line
            .split_once('=')
            .ok_or_else(|| format!("unexpected sandbox output {line:?}"))?;
        env.push((name.to_owned(), value.to_owned()));
    }
    let story = Command::new("python3")
        .arg(root.join("crates/linq-sandbox/oracle/python_story.py"))
        .envs(env)
        .status()
        .map_err(|e| e.to_string());
    let _ = server.kill();
    let _ = server.wait();
    match story? {
        s if s.success() => Ok(()),
        s => Err(format!("the Python story failed ({s})")),
    }
}
