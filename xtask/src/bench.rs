//! `cargo xtask bench`: builds the benchmarks in release mode and runs them;
//! `--build-cost` also measures clean build times into a scratch target dir:
//! of the SDK's crates, and of the same one-call app written on linq-client,
//! on async-openai and on octocrab. `--build-cost-only` measures those alone.
//! The `linq` binary's figures (start-up, one call on a loopback sandbox,
//! size) are part of every run; `--cli-only` measures those alone.
//! The MCP server's start-up and tool-call latency run with the runtime
//! benchmarks; `--mcp-only` runs them alone.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::workspace_root;

pub fn run(args: &[String]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let only = args.iter().any(|a| a == "--build-cost-only");
    let cli_only = args.iter().any(|a| a == "--cli-only");
    let mcp_only = args.iter().any(|a| a == "--mcp-only");
    let build_cost = only || args.iter().any(|a| a == "--build-cost");
    if let Some(other) = args.iter().find(|a| {
        !matches!(
            a.as_str(),
            "--build-cost" | "--build-cost-only" | "--cli-only" | "--mcp-only"
        )
    }) {
        return Err(format!(
            "bench takes only --build-cost, --build-cost-only, --cli-only or --mcp-only, got {other:?}"
        ));
    }
    if cli_only {
        return cli(&cargo);
    }
    if mcp_only {
        return mcp(&cargo);
    }
    if !only {
        runtime(&cargo)?;
        cli(&cargo)?;
        mcp(&cargo)?;
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
        one_call_apps(&cargo)?;
    }
    Ok(())
}

fn runtime(cargo: &str) -> Result<(), String> {
    let status = Command::new(cargo)
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

/// One everyday call in a fresh binary crate, the same on each SDK: build
/// the client from the environment, make one request, print one field.
struct App {
    /// How the tables name it.
    name: &'static str,
    /// Its package and scratch folder name.
    slug: &'static str,
    /// The `[dependencies]` lines besides tokio (`{root}` is the workspace).
    dependencies: &'static str,
    main: &'static str,
}

const TOKIO: &str = r#"tokio = { version = "1", features = ["macros", "rt"] }"#;

/// The one call on linq-client, built with two feature sets.
const LINQ_MAIN: &str = r#"#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = linq_client::Client::from_env()?;
    let reply = client
        .chats()
        .participants()
        .add("550e8400-e29b-41d4-a716-446655440000", "+12052499136")
        .await?;
    println!("{:?}", reply.status);
    Ok(())
}
"#;

const APPS: [App; 4] = [
    App {
        name: "linq-client",
        slug: "linq",
        dependencies: r#"linq-client = { path = "{root}/crates/linq-client", default-features = false, features = ["hyper"] }"#,
        main: LINQ_MAIN,
    },
    App {
        name: "linq-client (default features: every resource group)",
        slug: "linq-all",
        dependencies: r#"linq-client = { path = "{root}/crates/linq-client" }"#,
        main: LINQ_MAIN,
    },
    App {
        name: "async-openai",
        slug: "async-openai",
        dependencies: r#"async-openai = { version = "0.43", default-features = false, features = ["rustls", "chat-completion"] }"#,
        main: r#"use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestUserMessage,
    CreateChatCompletionRequestArgs,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = async_openai::Client::new();
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o-mini")
        .messages([ChatCompletionRequestMessage::from(
            ChatCompletionRequestUserMessage::from("Lunch at noon?"),
        )])
        .build()?;
    let reply = client.chat().create(request).await?;
    println!("{:?}", reply.choices.first().map(|c| &c.message.content));
    Ok(())
}
"#,
    },
    App {
        name: "octocrab",
        slug: "octocrab",
        dependencies: r#"octocrab = "0.54""#,
        main: r#"#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let github = octocrab::Octocrab::builder().build()?;
    let repo = github.repos("rust-lang", "rust").get().await?;
    println!("{:?}", repo.stargazers_count);
    Ok(())
}
"#,
    },
];

/// Builds each [`App`] clean (dev profile, fresh target dir, dependencies
/// fetched beforehand so downloads do not count) and prints the times.
///
/// The SDK is a path dependency here, which cargo builds incrementally as
/// if it were the user's own code; from crates.io it is built like any
/// other dependency, without incremental state. So every app is built with
/// `CARGO_INCREMENTAL=0` (the same for all: it only changes how the
/// one-file `main.rs` and the path crates build).
fn one_call_apps(cargo: &str) -> Result<(), String> {
    println!();
    println!("## A one-call app, clean build (dev profile, downloads excluded)");
    println!();
    println!("| app on | units built | clean build |");
    println!("|---|---|---|");
    let mut times = Vec::new();
    for app in &APPS {
        let (crates, secs) = build_app(cargo, app)?;
        println!("| {} | {crates} | {secs:.1} s |", app.name);
        times.push((app.name, secs));
    }
    let time_of = |name: &str| times.iter().find(|t| t.0 == name).map_or(f64::NAN, |t| t.1);
    let ratio = time_of("linq-client") / time_of("async-openai");
    println!();
    println!(
        "linq-client (chats and messages: `default-features = false, features = [\"hyper\"]`, \
         as the async-openai app picks its one API group) / async-openai: {ratio:.2} \
         (target ≤ 0.5: {})",
        if ratio <= 0.5 { "met" } else { "missed" }
    );
    Ok(())
}

/// One clean build of `app`: the units compiled and the seconds taken.
fn build_app(cargo: &str, app: &App) -> Result<(usize, f64), String> {
    let dir = std::env::temp_dir().join(format!("linq-build-cost-app-{}", app.slug));
    let _ = std::fs::remove_dir_all(&dir);
    write_app(&dir, app)?;
    let target = dir.join("target");
    let run = |args: &[&str]| {
        Command::new(cargo)
            .args(args)
            .env("CARGO_TARGET_DIR", &target)
            .env("CARGO_INCREMENTAL", "0")
            .current_dir(&dir)
            .status()
            .map_err(|e| e.to_string())
    };
    if !run(&["fetch", "--quiet"])?.success() {
        return Err(format!(
            "fetching the {} app's dependencies failed",
            app.name
        ));
    }
    let start = Instant::now();
    let built = run(&["build", "--quiet", "--offline"])?;
    let secs = start.elapsed().as_secs_f64();
    let crates = compiled_crates(&target);
    let _ = std::fs::remove_dir_all(&dir);
    if !built.success() {
        return Err(format!("building the {} app failed", app.name));
    }
    Ok((crates, secs))
}

fn write_app(dir: &Path, app: &App) -> Result<(), String> {
    let root = crate::workspace_root();
    let manifest = format!(
        "[package]\nname = \"one-call-{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\n{deps}\n{TOKIO}\n\n[workspace]\n",
        name = app.slug,
        deps = app
            .dependencies
            .replace("{root}", &root.display().to_string()),
    );
    std::fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("src/main.rs"), app.main).map_err(|e| e.to_string())
}

/// Crates compiled into a dev target dir: one `.fingerprint` entry per
/// crate target (build scripts count as their own).
fn compiled_crates(target: &Path) -> usize {
    std::fs::read_dir(target.join("debug/.fingerprint")).map_or(0, |d| d.count())
}

/// Runs of each `linq` command timed; the median is reported.
const CLI_RUNS: usize = 40;

/// The `linq` binary: `linq --version` and `linq chats list` (against its
/// own sandbox on loopback, holding five chats) wall time, and its size.
/// Targets: under 10 ms, under 30 ms, under 15 MB.
fn cli(cargo: &str) -> Result<(), String> {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let root = workspace_root();
    let status = Command::new(cargo)
        .args(["build", "--release", "--quiet", "-p", "linq-cli"])
        .current_dir(&root)
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building linq failed ({status})"));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let linq = target.join("release").join("linq");
    let size = std::fs::metadata(&linq)
        .map_err(|e| format!("{}: {e}", linq.display()))?
        .len();
    let home = std::env::temp_dir().join(format!("linq-bench-{}", std::process::id()));
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    // The workspace's release profile keeps line tables for every crate;
    // stripped is what a user's `strip` (or `cargo install` without these
    // line tables) leaves.
    let stripped_path = home.join("linq.stripped");
    let stripped = Command::new("strip")
        .arg("-o")
        .arg(&stripped_path)
        .arg(&linq)
        .status()
        .ok()
        .filter(|s| s.success())
        .and_then(|_| std::fs::metadata(&stripped_path).ok())
        .map(|m| m.len());

    let mut sandbox = Command::new(&linq)
        .args(["sandbox"])
        .env("HOME", &home)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting linq sandbox: {e}"))?;
    let mut lines = BufReader::new(sandbox.stdout.take().expect("piped")).lines();
    let mut env = Vec::new();
    for _ in 0..2 {
        let line = lines
            .next()
            .and_then(Result::ok)
            .ok_or("linq sandbox printed no address")?;
        let (name, value) = line.split_once('=').ok_or("unexpected sandbox output")?;
        env.push((
            if name == "LINQ_API_V3_BASE_URL" {
                "LINQ_API_URL".to_owned()
            } else {
                name.to_owned()
            },
            value.to_owned(),
        ));
    }
    let run = |args: &[&str]| -> Result<std::time::Duration, String> {
        let started = Instant::now();
        let status = Command::new(&linq)
            .args(args)
            .env("HOME", &home)
            .env("LINQ_FROM_PHONE", "+12025550100")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        let took = started.elapsed();
        if !status.success() {
            return Err(format!("linq {} failed ({status})", args.join(" ")));
        }
        Ok(took)
    };
    let result = (|| {
        for i in 0..5 {
            run(&["send", &format!("+1202555019{i}"), "hello"])?;
        }
        let median = |args: &[&str]| -> Result<(f64, f64), String> {
            let mut times = (0..CLI_RUNS)
                .map(|_| run(args).map(|d| d.as_secs_f64() * 1000.0))
                .collect::<Result<Vec<_>, _>>()?;
            times.sort_by(f64::total_cmp);
            Ok((times[times.len() / 2], times[0]))
        };
        let version = median(&["--version"])?;
        let list = median(&["chats", "list", "--json"])?;
        Ok::<_, String>((version, list))
    })();
    let _ = sandbox.kill();
    let _ = sandbox.wait();
    let _ = std::fs::remove_dir_all(&home);
    let ((version, version_min), (list, list_min)) = result?;
    println!();
    println!("## The linq binary (release build, {CLI_RUNS} runs each, wall time)");
    println!();
    println!("| measure | median | best | target |");
    println!("|---|---|---|---|");
    println!("| `linq --version` | {version:.1} ms | {version_min:.1} ms | < 10 ms |");
    println!(
        "| `linq chats list` (loopback sandbox, 5 chats) | {list:.1} ms | {list_min:.1} ms | < 30 ms |"
    );
    let mb = |bytes: u64| bytes as f64 / 1_000_000.0;
    match stripped {
        Some(stripped) => println!(
            "| binary size, stripped (as built with line tables) | {:.1} MB ({:.1} MB) | | < 15 MB |",
            mb(stripped),
            mb(size)
        ),
        None => println!(
            "| binary size (with line tables; no `strip` found) | {:.1} MB | | < 15 MB |",
            mb(size)
        ),
    }
    Ok(())
}
/// Start-ups measured, and tool calls timed per tool.
const MCP_STARTS: usize = 20;
const MCP_CALLS: usize = 300;

/// The MCP server (release build) on its embedded sandbox, spoken to over
/// stdio as a desktop client does: the time from spawning it to the answer
/// to `initialize`, and one `tools/call` round trip.
fn mcp(cargo: &str) -> Result<(), String> {
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "linq-mcp",
            "--bin",
            "linq-mcp",
        ])
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building linq-mcp failed ({status})"));
    }
    let exe = workspace_root().join("target/release/linq-mcp");
    let mut starts = Vec::new();
    for _ in 0..MCP_STARTS {
        let began = Instant::now();
        let mut server = McpChild::start(&exe)?;
        starts.push(began.elapsed().as_secs_f64() * 1e3);
        server.stop();
    }
    let mut server = McpChild::start(&exe)?;
    let chat = server.call(
        "start_chat",
        serde_json::json!({"to": ["+12025550142"], "text": "bench"}),
    )?;
    let chat_id = chat["chat"]["id"].as_str().unwrap_or_default().to_owned();
    let mut rows = Vec::new();
    for (tool, args) in [
        ("list_chats", serde_json::json!({"limit": 20})),
        (
            "list_messages",
            serde_json::json!({"chat_id": chat_id, "limit": 20}),
        ),
        ("send_message", serde_json::json!({"chat_id": chat_id})),
    ] {
        let mut times = Vec::new();
        for i in 0..MCP_CALLS {
            let mut args = args.clone();
            if tool == "send_message" {
                args["text"] = serde_json::json!(format!("message {i}"));
            }
            let began = Instant::now();
            server.call(tool, args)?;
            times.push(began.elapsed().as_secs_f64() * 1e6);
        }
        rows.push((tool, times));
    }
    server.stop();
    println!();
    println!("## MCP server: linq-mcp --sandbox over stdio (release)");
    println!();
    println!("| measure | runs | min | median | max |");
    println!("|---|---|---|---|---|");
    let (min, med, max) = spread(&mut starts);
    println!(
        "| start-up (spawn to `initialize` answered) | {MCP_STARTS} | {min:.1} ms | {med:.1} ms | {max:.1} ms |"
    );
    for (tool, mut times) in rows {
        let (min, med, max) = spread(&mut times);
        println!(
            "| `tools/call {tool}` round trip | {MCP_CALLS} | {min:.0} µs | {med:.0} µs | {max:.0} µs |"
        );
    }
    Ok(())
}

fn spread(values: &mut [f64]) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    (
        values[0],
        values[values.len() / 2],
        values[values.len() - 1],
    )
}

/// A `linq-mcp --sandbox` child speaking newline-delimited JSON-RPC.
struct McpChild {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: std::io::BufReader<std::process::ChildStdout>,
    next_id: u64,
}

impl McpChild {
    /// Spawns the server and completes the MCP handshake.
    fn start(exe: &Path) -> Result<Self, String> {
        use std::process::Stdio;
        let mut child = Command::new(exe)
            .arg("--sandbox")
            .env("LINQ_MCP_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", exe.display()))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = std::io::BufReader::new(child.stdout.take().ok_or("no stdout")?);
        let mut server = Self {
            child,
            stdin,
            stdout,
            next_id: 0,
        };
        server.request(
            "initialize",
            serde_json::json!({"protocolVersion": "2025-06-18", "capabilities": {},
                               "clientInfo": {"name": "linq-bench", "version": "0"}}),
        )?;
        server
            .send(&serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))?;
        Ok(server)
    }

    fn send(&mut self, message: &serde_json::Value) -> Result<(), String> {
        use std::io::Write;
        writeln!(self.stdin, "{message}").map_err(|e| format!("writing to linq-mcp: {e}"))
    }

    fn request(
        &mut self,
        method: &str,
        params: serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        use std::io::BufRead;
        self.next_id += 1;
        let id = self.next_id;
        self.send(
            &serde_json::json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        )?;
        let mut line = String::new();
        loop {
            line.clear();
            if self
                .stdout
                .read_line(&mut line)
                .map_err(|e| e.to_string())?
                == 0
            {
                return Err("linq-mcp closed its output".into());
            }
            let reply: serde_json::Value =
                serde_json::from_str(&line).map_err(|e| e.to_string())?;
            if reply["id"] == id {
                if reply.get("error").is_some() {
                    return Err(format!("{method}: {}", reply["error"]));
                }
                return Ok(reply["result"].clone());
            }
        }
    }

    /// Calls a tool; its JSON reply, or an error when it is a tool error.
    fn call(
        &mut self,
        tool: &str,
        arguments: serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        let result = self.request(
            "tools/call",
            serde_json::json!({"name": tool, "arguments": arguments}),
        )?;
        let text = result["content"][0]["text"].as_str().unwrap_or_default();
        if result["isError"] == true {
            return Err(format!("{tool}: {text}"));
        }
        serde_json::from_str(text).map_err(|e| format!("{tool}: {e}"))
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `cargo xtask soak [--secs N]`: `linq-bench soak N` (dev build, as CI
/// builds), which stops by itself after N seconds (60 unless given) and
/// then reports.
pub fn soak(args: &[String]) -> Result<(), String> {
    let secs = match args {
        [] => 60,
        [flag, n] if flag == "--secs" => {
            n.parse::<u64>()
                .ok()
                .filter(|n| (1..=3600).contains(n))
                .ok_or_else(|| format!("--secs {n:?} is not a number of seconds from 1 to 3600"))?
        }
        other => return Err(format!("soak takes [--secs N], got {other:?}")),
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["run", "--quiet", "-p", "linq-bench", "--", "soak"])
        .arg(secs.to_string())
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the soak failed ({status})"))
    }
}
