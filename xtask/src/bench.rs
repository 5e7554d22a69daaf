//! `cargo xtask bench`: builds the benchmarks in release mode and runs them;
//! `--build-cost` also measures clean build times into a scratch target dir:
//! of the SDK's crates, and of the same one-call app written on linq-client,
//! on async-openai and on octocrab. `--build-cost-only` measures those alone.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::workspace_root;

pub fn run(args: &[String]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let only = args.iter().any(|a| a == "--build-cost-only");
    let build_cost = only || args.iter().any(|a| a == "--build-cost");
    if let Some(other) = args
        .iter()
        .find(|a| *a != "--build-cost" && *a != "--build-cost-only")
    {
        return Err(format!(
            "bench takes only --build-cost or --build-cost-only, got {other:?}"
        ));
    }
    if !only {
        runtime(&cargo)?;
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
    name: &'static str,
    /// The `[dependencies]` lines besides tokio (`{root}` is the workspace).
    dependencies: &'static str,
    main: &'static str,
}

const TOKIO: &str = r#"tokio = { version = "1", features = ["macros", "rt"] }"#;

const APPS: [App; 3] = [
    App {
        name: "linq-client",
        dependencies: r#"linq-client = { path = "{root}/crates/linq-client" }"#,
        main: r#"#[tokio::main(flavor = "current_thread")]
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
"#,
    },
    App {
        name: "async-openai",
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
fn one_call_apps(cargo: &str) -> Result<(), String> {
    println!();
    println!("## A one-call app, clean build (dev profile, downloads excluded)");
    println!();
    println!("| app on | units built | clean build |");
    println!("|---|---|---|");
    let mut times = Vec::new();
    for app in &APPS {
        let dir = std::env::temp_dir().join(format!("linq-build-cost-app-{}", app.name));
        let _ = std::fs::remove_dir_all(&dir);
        write_app(&dir, app)?;
        let target = dir.join("target");
        let run = |args: &[&str]| {
            Command::new(cargo)
                .args(args)
                .env("CARGO_TARGET_DIR", &target)
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
        println!("| {} | {crates} | {secs:.1} s |", app.name);
        times.push((app.name, secs));
    }
    let fastest = times
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map_or("none", |t| t.0);
    println!();
    println!(
        "fastest: {fastest} ({})",
        if fastest == "linq-client" {
            "target met: linq-client's is the lowest"
        } else {
            "target missed: linq-client's is not the lowest"
        }
    );
    Ok(())
}

fn write_app(dir: &Path, app: &App) -> Result<(), String> {
    let root = crate::workspace_root();
    let manifest = format!(
        "[package]\nname = \"one-call-{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\n{deps}\n{TOKIO}\n\n[workspace]\n",
        name = app.name,
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
