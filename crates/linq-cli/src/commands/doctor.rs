//! `linq doctor`: is everything in place to call the API?

use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

use crate::config::redact;
use crate::context::Context;
use crate::error::{CliError, Exit, Result};

/// Clock skew above this is reported as a problem: webhook receivers
/// refuse deliveries more than five minutes off.
const SKEW_LIMIT: Duration = Duration::from_secs(60);

struct Report {
    checks: Vec<Value>,
    worst: Option<Exit>,
}

impl Report {
    fn add(&mut self, name: &str, ok: bool, detail: String, exit: Exit) {
        self.checks.push(
            json!({"check": name, "status": if ok { "ok" } else { "fail" }, "detail": detail}),
        );
        if !ok && self.worst.is_none() {
            self.worst = Some(exit);
        }
    }
}

/// Runs every check and prints a table (or JSON); exits non-zero when one
/// fails.
pub async fn run(ctx: &mut Context) -> Result<()> {
    let mut report = Report {
        checks: Vec::new(),
        worst: None,
    };
    let path = ctx.config.path().to_owned();
    let (config_ok, detail) = config_detail(&path);
    report.add("config", config_ok, detail, Exit::Failure);
    let key = ctx.api_key();
    let key_ok = key.is_some() || ctx.globals.sandbox;
    report.add(
        "key",
        key_ok,
        match &key {
            Some(k) => format!("{} from {}", redact(&k.value), k.source),
            None if ctx.globals.sandbox => "the embedded sandbox's".into(),
            None => format!("none for profile {:?}: run `linq login`", ctx.profile),
        },
        Exit::Auth,
    );
    let base = ctx.base_url();
    match ctx.client().await {
        Err(e) if key_ok => report.add("base_url", false, e.message, e.exit),
        Err(_) => {}
        Ok(client) => {
            let url = client.base_url().to_owned();
            report.add(
                "base_url",
                true,
                format!(
                    "{url} ({})",
                    if ctx.globals.sandbox {
                        "--sandbox"
                    } else {
                        &base.source
                    }
                ),
                Exit::Usage,
            );
            let started = Instant::now();
            let reply = client
                .phone_numbers()
                .list()
                .max_retries(0)
                .send_with_response()
                .await;
            let latency = started.elapsed();
            let tls = url.starts_with("https://");
            match reply {
                Ok(reply) => {
                    report.add(
                        "connect",
                        true,
                        format!(
                            "{} reached{}",
                            host_of(&url),
                            if tls {
                                " over TLS"
                            } else {
                                " (plain http, loopback)"
                            }
                        ),
                        Exit::Unavailable,
                    );
                    report.add(
                        "auth",
                        true,
                        format!("key accepted; {} line(s)", reply.value.phone_numbers.len()),
                        Exit::Auth,
                    );
                    report.add(
                        "latency",
                        true,
                        format!("{} ms", latency.as_millis()),
                        Exit::Unavailable,
                    );
                    skew(&mut report, &reply.headers);
                }
                Err(e) => {
                    let reached = e.as_api().is_some();
                    let headers = e.as_api().map(|a| a.headers.clone());
                    let e = CliError::from(e);
                    report.add(
                        "connect",
                        reached,
                        if reached {
                            format!("{} reached", host_of(&url))
                        } else {
                            e.message.clone()
                        },
                        Exit::Unavailable,
                    );
                    if reached {
                        report.add("auth", e.exit != Exit::Auth, e.message, e.exit);
                        report.add(
                            "latency",
                            true,
                            format!("{} ms", latency.as_millis()),
                            Exit::Unavailable,
                        );
                        if let Some(h) = headers {
                            skew(&mut report, &h);
                        }
                    }
                }
            }
        }
    }
    ctx.output.emit(&Value::Array(report.checks))?;
    match report.worst {
        None => Ok(()),
        Some(exit) => Err(CliError::new(exit, "doctor found a problem (see above)")),
    }
}

fn skew(report: &mut Report, headers: &http::HeaderMap) {
    let Some(date) = headers
        .get(http::header::DATE)
        .and_then(|v| v.to_str().ok())
    else {
        report.add(
            "clock",
            true,
            "the server sent no Date header".into(),
            Exit::Failure,
        );
        return;
    };
    let Ok(server) = httpdate::parse_http_date(date) else {
        report.add(
            "clock",
            false,
            format!("unreadable Date header {date:?}"),
            Exit::Failure,
        );
        return;
    };
    let now = SystemTime::now();
    let (off, ahead) = match server.duration_since(now) {
        Ok(d) => (d, true),
        Err(e) => (e.duration(), false),
    };
    report.add(
        "clock",
        off <= SKEW_LIMIT,
        format!(
            "{} s {} the server's clock",
            off.as_secs(),
            if ahead { "behind" } else { "ahead of" }
        ),
        Exit::Failure,
    );
}

fn host_of(url: &str) -> &str {
    url.split("://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or(url)
}

fn config_detail(path: &std::path::Path) -> (bool, String) {
    match std::fs::metadata(path) {
        Err(_) => (true, format!("{} (none yet)", path.display())),
        Ok(meta) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = meta.permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    return (
                        false,
                        format!(
                            "{} is mode {mode:o}: others can read it; run chmod 600",
                            path.display()
                        ),
                    );
                }
            }
            let _ = meta;
            (true, path.display().to_string())
        }
    }
}
