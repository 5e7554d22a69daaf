//! `cargo xtask sdk-suite`: runs the official linq-python 0.65.0 resource
//! suite (`tests/api_resources`) against `linq-sandbox --mock` on loopback,
//! with only the suite's "Mock server tests are disabled" skip marks
//! removed. Needs python3 and pip; not part of `cargo test`.
//!
//! Prints how many of the server-reaching tests passed (the
//! `test_path_params_*` and webhook-signature tests finish inside the SDK
//! without a request and are counted apart) and names each failure.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::workspace_root;

const VERSION: &str = "0.65.0";
const SKIP_MARK: &str = r#"@pytest.mark.skip(reason="Mock server tests are disabled")"#;
/// The suite's test dependencies, as its requirements-dev.lock pins them.
const TEST_DEPS: [&str; 9] = [
    "pytest==9.0.2",
    "pytest-asyncio==1.3.0",
    "pytest-xdist==3.8.0",
    "respx==0.22.0",
    "dirty-equals==0.11",
    "time-machine==3.2.0",
    "aiohttp",
    "httpx-aiohttp",
    "standardwebhooks",
];

pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(extra) = args.first() {
        return Err(format!("sdk-suite takes no arguments, got {extra:?}"));
    }
    let root = workspace_root();
    let target: PathBuf = std::env::var_os("CARGO_TARGET_DIR")
        .map(Into::into)
        .unwrap_or_else(|| root.join("target"));
    let work = target.join("sdk-suite");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;

    let sdk = fetch_sdk(&work)?;
    let removed = unskip(&sdk.join("tests/api_resources"))?;
    println!("sdk-suite: removed {removed} skip marks");
    let python = venv(&work, &sdk)?;

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(&cargo)
        .args(["build", "--quiet", "-p", "linq-sandbox"])
        .current_dir(&root)
        .status()
        .map_err(|e| e.to_string())?;
    if !built.success() {
        return Err("building linq-sandbox failed".into());
    }
    let mut server = Command::new(target.join("debug").join("linq-sandbox"))
        .args(["--mock", "--addr", "127.0.0.1:0", "--tick-ms", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start the sandbox: {e}"))?;
    let mut lines = BufReader::new(server.stdout.take().expect("piped")).lines();
    let base = lines
        .next()
        .ok_or("the sandbox exited before printing its address")?
        .map_err(|e| e.to_string())?;
    let base = base
        .strip_prefix("LINQ_API_V3_BASE_URL=")
        .ok_or_else(|| format!("unexpected sandbox output {base:?}"))?
        .to_owned();
    println!("sdk-suite: linq-sandbox --mock at {base}");

    let report = work.join("report.xml");
    let pytest = Command::new(&python)
        .args([
            "-m",
            "pytest",
            "tests/api_resources",
            "-q",
            "-p",
            "no:cacheprovider",
        ])
        .arg(format!("--junitxml={}", report.display()))
        .current_dir(&sdk)
        .env("TEST_API_BASE_URL", &base)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| e.to_string());
    let _ = server.kill();
    let _ = server.wait();
    pytest?;

    let xml = std::fs::read_to_string(&report).map_err(|e| format!("{}: {e}", report.display()))?;
    let cases = cases(&xml);
    let (offline, reaching): (Vec<_>, Vec<_>) = cases.iter().partition(|c| never_reaches(c));
    let passed = reaching.iter().filter(|c| c.passed).count();
    let failed: Vec<_> = reaching.iter().filter(|c| !c.passed).collect();
    println!(
        "sdk-suite: {passed} / {} server-reaching tests passed ({} tests that never reach a server: {} passed)",
        reaching.len(),
        offline.len(),
        offline.iter().filter(|c| c.passed).count()
    );
    for case in &failed {
        println!("  FAILED {}::{}: {}", case.class, case.name, case.message);
    }
    if reaching.is_empty() {
        return Err("pytest ran no tests".into());
    }
    Ok(())
}

/// Tests that fail or pass inside the SDK without a request: empty path
/// parameters, and webhook signature checks.
fn never_reaches(case: &Case) -> bool {
    case.name.starts_with("test_path_params") || case.class.contains(".test_webhooks.")
}

/// Downloads and unpacks the sdist once; returns its directory.
fn fetch_sdk(work: &Path) -> Result<PathBuf, String> {
    let sdk = work.join(format!("linq_python-{VERSION}"));
    let tarball = work.join(format!("linq_python-{VERSION}.tar.gz"));
    if !tarball.exists() {
        let status = Command::new("python3")
            .args(["-m", "pip", "download", "--no-binary", ":all:", "--no-deps"])
            .arg(format!("linq-python=={VERSION}"))
            .arg("-d")
            .arg(work)
            .status()
            .map_err(|e| format!("python3 -m pip: {e} (python3 and pip are needed)"))?;
        if !status.success() || !tarball.exists() {
            return Err("pip download of linq-python failed".into());
        }
    }
    // Unpacked afresh each run, so the skip marks are removed from the
    // pristine files and nothing else is touched.
    if sdk.exists() {
        std::fs::remove_dir_all(&sdk).map_err(|e| format!("{}: {e}", sdk.display()))?;
    }
    let status = Command::new("tar")
        .arg("xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(work)
        .status()
        .map_err(|e| format!("tar: {e}"))?;
    if !status.success() {
        return Err("unpacking the sdist failed".into());
    }
    Ok(sdk)
}

/// Deletes the lines that are exactly the suite's skip mark; returns how
/// many went.
fn unskip(dir: &Path) -> Result<usize, String> {
    let mut removed = 0;
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            removed += unskip(&path)?;
        } else if path.extension().is_some_and(|e| e == "py") {
            let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
            let kept: Vec<&str> = text.lines().filter(|l| l.trim() != SKIP_MARK).collect();
            let gone = text.lines().count() - kept.len();
            if gone > 0 {
                removed += gone;
                std::fs::write(&path, kept.join("\n") + "\n").map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(removed)
}

/// A virtualenv with the SDK and its test dependencies; its python.
fn venv(work: &Path, sdk: &Path) -> Result<PathBuf, String> {
    let env = work.join("venv");
    let python = env.join("bin").join("python");
    if !python.exists() {
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&env)
            .status()
            .map_err(|e| format!("python3 -m venv: {e}"))?;
        if !status.success() {
            return Err("creating the virtualenv failed".into());
        }
    }
    let status = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet"])
        .arg(sdk)
        .args(TEST_DEPS)
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("installing the SDK and its test dependencies failed".into());
    }
    Ok(python)
}

struct Case {
    class: String,
    name: String,
    passed: bool,
    message: String,
}

/// The test cases of a JUnit XML report: skipped cases are left out.
fn cases(xml: &str) -> Vec<Case> {
    let mut out = Vec::new();
    for chunk in xml.split("<testcase ").skip(1) {
        let head = chunk.split('>').next().unwrap_or_default();
        let body = match chunk.find("</testcase>") {
            Some(end) if !head.ends_with('/') => &chunk[..end],
            _ => head,
        };
        if body.contains("<skipped") {
            continue;
        }
        let failure = ["<failure", "<error"]
            .iter()
            .find_map(|tag| body.find(tag).map(|i| &body[i..]));
        out.push(Case {
            class: attribute(head, "classname"),
            name: attribute(head, "name"),
            passed: failure.is_none(),
            message: failure
                .map(|f| unescape(&attribute(f, "message")))
                .map(|m| {
                    m.lines()
                        .next()
                        .unwrap_or_default()
                        .chars()
                        .take(200)
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    out
}

fn attribute(tag: &str, name: &str) -> String {
    let key = format!(" {name}=\"");
    let tag = format!(" {tag}");
    tag.find(&key)
        .map(|i| &tag[i + key.len()..])
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#10;", "\n")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}
