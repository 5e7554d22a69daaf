//! `linq messages list <chat> --follow`: new messages as they arrive.

use std::collections::HashSet;
use std::time::Duration;

use linq_types::ChatId;
use serde_json::Value;

use crate::context::Context;
use crate::error::{CliError, Result};

/// Time between polls; doubled (to a minute) while nothing arrives, and
/// stretched to whatever a 429's Retry-After asks.
const FIRST_INTERVAL: Duration = Duration::from_secs(2);
const MAX_INTERVAL: Duration = Duration::from_secs(60);
/// Message ids remembered to spot new ones.
const SEEN_LIMIT: usize = 10_000;

/// Prints the newest messages, then each new one as it arrives, until
/// Ctrl-C (or `max` messages).
pub async fn run(ctx: &mut Context, chat: &str, max: Option<u64>) -> Result<()> {
    let chat =
        ChatId::try_from(chat).map_err(|e| CliError::usage(format!("chat id {chat:?}: {e}")))?;
    let client = ctx.client().await?;
    let mut seen: HashSet<String> = HashSet::new();
    let mut order: std::collections::VecDeque<String> = Default::default();
    let mut interval = FIRST_INTERVAL;
    let mut printed = 0u64;
    loop {
        let page = client.chats().messages().list(&chat).limit(50).await;
        match page {
            Ok(page) => {
                let mut fresh: Vec<Value> = page
                    .messages
                    .iter()
                    .filter(|m| !seen.contains(m.id.as_str()))
                    .map(|m| serde_json::to_value(m).unwrap_or(Value::Null))
                    .collect();
                // The page is newest first; print oldest first.
                fresh.reverse();
                interval = if fresh.is_empty() {
                    (interval * 2).min(MAX_INTERVAL)
                } else {
                    FIRST_INTERVAL
                };
                for m in page.messages.iter() {
                    if seen.insert(m.id.to_string()) {
                        order.push_back(m.id.to_string());
                        if order.len() > SEEN_LIMIT {
                            if let Some(old) = order.pop_front() {
                                seen.remove(&old);
                            }
                        }
                    }
                }
                for m in fresh {
                    line(ctx, &m)?;
                    printed += 1;
                    if max.is_some_and(|max| printed >= max) {
                        return Ok(());
                    }
                }
            }
            Err(e) => {
                if let Some(wait) = e.retry_after() {
                    interval = wait.max(interval);
                } else if !e.is_retryable() {
                    return Err(e.into());
                }
                eprintln!(
                    "warning: {}; polling again in {} s",
                    CliError::from(e),
                    interval.as_secs()
                );
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(interval.min(MAX_INTERVAL.max(interval))) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

fn line(ctx: &Context, message: &Value) -> Result<()> {
    if ctx.output.is_machine() {
        print!("{}", ctx.output.render_stream(message)?);
    } else {
        let at = message["created_at"].as_str().unwrap_or("");
        let who = if message["is_from_me"].as_bool() == Some(true) {
            "me".to_owned()
        } else {
            message["from"].as_str().unwrap_or("?").to_owned()
        };
        let text: Vec<&str> = message["parts"]
            .as_array()
            .map(|parts| {
                parts
                    .iter()
                    .map(|p| {
                        p["value"]
                            .as_str()
                            .or(p["filename"].as_str())
                            .unwrap_or("[part]")
                    })
                    .collect()
            })
            .unwrap_or_default();
        println!("{at}  {who:<16} {}", text.join(" "));
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
    Ok(())
}
