//! `linq send --csv FILE --template TEXT`: one message per row, safe to
//! re-run.
//!
//! Every row is checked before anything is sent. Each message carries an
//! idempotency key derived from the line, the recipient and the text, so a
//! re-run after a crash cannot send a row twice: the API replays the first
//! reply. A journal (`~/.linq/bulk/<hash of the file's path>.jsonl`)
//! records the rows already sent, so a re-run skips them and reports them
//! as already sent.

use std::collections::{BTreeSet, HashMap};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::ArgMatches;
use linq_types::Handle;
use linq_types::models::Part;
use linq_types::models::messages::MessageContent;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::context::Context;
use crate::error::{CliError, Result};

/// Columns that hold the recipient, in the order they are looked for.
const RECIPIENT_COLUMNS: [&str; 3] = ["to", "phone", "handle"];

/// One row ready to send.
#[derive(Debug, Clone)]
pub struct Row {
    /// The row's line number in the file (the header is line 1).
    pub line: usize,
    /// The recipient.
    pub to: Handle,
    /// The filled-in text.
    pub text: String,
    /// The idempotency key.
    pub key: String,
}

/// A row refused before sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// The row's line number in the file.
    pub line: usize,
    /// Why.
    pub reason: String,
}

/// Reads and checks every row. Fails (usage) when the header or template
/// is unusable; returns the good rows and the bad ones.
pub fn plan(csv_text: &str, template: &str, from: &str) -> Result<(Vec<Row>, Vec<BadRow>)> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| CliError::usage(format!("--csv: reading the header row: {e}")))?
        .iter()
        .map(|h| h.to_owned())
        .collect();
    let recipient = RECIPIENT_COLUMNS
        .iter()
        .find_map(|c| headers.iter().position(|h| h.eq_ignore_ascii_case(c)))
        .ok_or_else(|| {
            CliError::usage("--csv: the header row needs a column named to, phone or handle")
        })?;
    let placeholders = placeholders(template)?;
    let unknown: Vec<&str> = placeholders
        .iter()
        .filter(|p| !headers.iter().any(|h| h == *p))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(CliError::usage(format!(
            "--template names columns the file does not have: {} (columns: {})",
            unknown.join(", "),
            headers.join(", ")
        )));
    }
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                bad.push(BadRow {
                    line,
                    reason: format!("unreadable: {e}"),
                });
                continue;
            }
        };
        let field = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .unwrap_or("")
        };
        let raw_to = record.get(recipient).unwrap_or("");
        let to = match Handle::try_from(raw_to) {
            Ok(h) => h,
            Err(e) => {
                bad.push(BadRow {
                    line,
                    reason: format!("recipient {raw_to:?}: {e}"),
                });
                continue;
            }
        };
        let text = fill(template, &field);
        if text.trim().is_empty() {
            bad.push(BadRow {
                line,
                reason: "the text is empty".into(),
            });
            continue;
        }
        let key = idempotency_key(from, to.as_str(), &text);
        if let Some(first) = seen.insert(key.clone(), line) {
            bad.push(BadRow {
                line,
                reason: format!("the same message to the same recipient as line {first}"),
            });
            continue;
        }
        rows.push(Row {
            line,
            to,
            text,
            key,
        });
    }
    Ok((rows, bad))
}

/// The `{column}` names a template uses.
fn placeholders(template: &str) -> Result<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let end = after
            .find('}')
            .ok_or_else(|| CliError::usage("--template: a { is not closed"))?;
        let name = after[..end].trim();
        if name.is_empty() {
            return Err(CliError::usage("--template: empty {} placeholder"));
        }
        names.insert(name.to_owned());
        rest = &after[end + 1..];
    }
    Ok(names)
}

fn fill<'a>(template: &str, field: &impl Fn(&str) -> &'a str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after.find('}').unwrap_or(after.len());
        out.push_str(field(after[..end].trim()));
        rest = after.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// The key for one message: the same line, recipient and text always give
/// the same key.
pub fn idempotency_key(from: &str, to: &str, text: &str) -> String {
    let mut hash = Sha256::new();
    for part in [from, to, text] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    let digest = hash.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("linq-cli-{hex}")
}

fn journal_path(csv: &Path) -> Result<PathBuf> {
    let absolute = std::fs::canonicalize(csv)
        .map_err(|e| CliError::usage(format!("--csv {}: {e}", csv.display())))?;
    let digest = Sha256::digest(absolute.to_string_lossy().as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let dir = Config::default_path()?
        .parent()
        .map(|p| p.join("bulk"))
        .unwrap_or_else(|| PathBuf::from("bulk"));
    Ok(dir.join(format!("{hex}.jsonl")))
}

fn read_journal(path: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v["key"].as_str().map(str::to_owned))
        .collect()
}

/// Runs the bulk send and prints the summary.
pub async fn run(ctx: &mut Context, matches: &ArgMatches) -> Result<()> {
    let csv_path = PathBuf::from(
        matches
            .get_one::<String>("csv")
            .expect("checked by the caller"),
    );
    let template = matches
        .get_one::<String>("template")
        .expect("clap requires it");
    let concurrency = usize::from(
        *matches
            .get_one::<u16>("concurrency")
            .expect("has a default"),
    );
    let text = std::fs::read_to_string(&csv_path)
        .map_err(|e| CliError::usage(format!("--csv {}: {e}", csv_path.display())))?;
    let client = ctx.client().await?;
    let from = ctx.require_from(matches.get_one::<String>("from").map(String::as_str))?;
    Handle::try_from(from.as_str())
        .map_err(|e| CliError::usage(format!("--from {from:?}: {e}")))?;
    let (rows, bad) = plan(&text, template, &from)?;
    if !bad.is_empty() {
        for b in &bad {
            eprintln!("line {}: {}", b.line, b.reason);
        }
        return Err(CliError::usage(format!(
            "{} bad row{} in {}; nothing was sent",
            bad.len(),
            if bad.len() == 1 { "" } else { "s" },
            csv_path.display()
        )));
    }
    let journal = journal_path(&csv_path)?;
    if let Some(dir) = journal.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let done = read_journal(&journal);
    let mut writer = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&journal)?;

    let total = rows.len();
    let (already, todo): (Vec<Row>, Vec<Row>) =
        rows.into_iter().partition(|r| done.contains(&r.key));
    let progress = Progress::new(total, already.len());
    let limit = Arc::new(Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    for row in todo {
        let client = client.clone();
        let from = from.clone();
        let limit = Arc::clone(&limit);
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await.expect("never closed");
            let mut content = MessageContent::from_parts([Part::text(row.text.as_str())]);
            content.idempotency_key = Some(row.key.clone());
            let result = client
                .chats()
                .create(from.as_str(), [row.to.clone()], content)
                .await;
            (row, result)
        });
    }
    let mut sent = 0usize;
    let mut failed = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (row, result) =
            joined.map_err(|e| CliError::failure(format!("a send task failed: {e}")))?;
        match result {
            Ok(reply) => {
                sent += 1;
                let entry = json!({"key": row.key, "line": row.line, "chat_id": reply.chat.id.to_string()});
                writeln!(writer, "{entry}")?;
                writer.flush()?;
            }
            Err(e) => failed.push(json!({"line": row.line, "to": row.to.as_str(), "reason": CliError::from(e).message})),
        }
        progress.update(sent, failed.len());
    }
    progress.finish();
    let summary = json!({
        "rows": total,
        "sent": sent,
        "already_sent": already.len(),
        "failed": failed.len(),
        "failures": failed,
    });
    if ctx.output.is_machine() {
        ctx.output.emit(&summary)?;
    } else {
        println!(
            "{sent} sent, {} already sent, {} failed (of {total})",
            already.len(),
            failed.len()
        );
        for f in &failed {
            println!(
                "  line {}: {} ({})",
                f["line"],
                f["reason"].as_str().unwrap_or(""),
                f["to"].as_str().unwrap_or("")
            );
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::failure(format!(
            "{} row(s) failed; re-run the same command to retry them (rows sent are never sent twice)",
            failed.len()
        )))
    }
}

/// A one-line progress bar on stderr, only when stderr is a terminal.
struct Progress {
    total: usize,
    already: usize,
    on: bool,
}

impl Progress {
    fn new(total: usize, already: usize) -> Self {
        Self {
            total,
            already,
            on: std::io::stderr().is_terminal() && total > 0,
        }
    }

    fn update(&self, sent: usize, failed: usize) {
        if !self.on {
            return;
        }
        let done = sent + failed + self.already;
        let width = 30;
        let filled = done * width / self.total.max(1);
        eprint!(
            "\r[{}{}] {done}/{} sent {sent}, already {}, failed {failed}",
            "#".repeat(filled),
            " ".repeat(width - filled),
            self.total,
            self.already
        );
    }

    fn finish(&self) {
        if self.on {
            eprintln!();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_rows_are_found_before_sending() {
        let csv =
            "name,phone\nAda,+12025550142\nBob,not-a-phone\n,+12025550143\nAda,+12025550142\n";
        let (rows, bad) = plan(csv, "{name}", "+12025550100").unwrap();
        assert_eq!(rows.len(), 1);
        let lines: Vec<usize> = bad.iter().map(|b| b.line).collect();
        assert_eq!(lines, vec![3, 4, 5]);
        assert!(bad[1].reason.contains("empty"));
        assert!(bad[2].reason.contains("line 2"));
    }

    #[test]
    fn templates_fill_every_column_and_refuse_unknown_ones() {
        let (rows, _) = plan(
            "to,name,time\n+12025550142,Ada,noon\n",
            "Hi {name}, at {time}",
            "+12025550100",
        )
        .unwrap();
        assert_eq!(rows[0].text, "Hi Ada, at noon");
        let e = plan("to,name\n+12025550142,Ada\n", "Hi {nmae}", "+1").unwrap_err();
        assert!(e.message.contains("nmae"), "{}", e.message);
        assert!(plan("name\nAda\n", "Hi", "+1").is_err());
    }

    #[test]
    fn keys_depend_on_line_recipient_and_text_only() {
        let a = idempotency_key("+1", "+2", "hi");
        assert_eq!(a, idempotency_key("+1", "+2", "hi"));
        assert_ne!(a, idempotency_key("+1", "+2", "hi!"));
        assert_ne!(
            idempotency_key("+1", "+23", "x"),
            idempotency_key("+12", "+3", "x")
        );
    }
}
