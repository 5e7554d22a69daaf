//! How results are printed: a table on a terminal, JSON elsewhere, JSON
//! Lines for streams, and `--jq` applied before any of them.

use std::io::{IsTerminal, Write};

use serde_json::Value;

use crate::error::{CliError, Result};
use crate::jq::Jq;

/// An output format (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Pretty JSON, one document per result.
    Json,
    /// One compact JSON value per line; lists print one item per line.
    Jsonl,
    /// Aligned columns for people.
    Table,
}

impl Format {
    /// Parses a `--format` value.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "json" => Ok(Self::Json),
            "jsonl" | "ndjson" => Ok(Self::Jsonl),
            "table" => Ok(Self::Table),
            other => Err(CliError::usage(format!(
                "--format {other:?}: expected json, jsonl or table"
            ))),
        }
    }
}

/// Where results go, and in what shape.
#[derive(Debug)]
pub struct Output {
    /// The format chosen.
    pub format: Format,
    jq: Option<Jq>,
    /// Whether colour may be used (a terminal, and `NO_COLOR` unset).
    pub color: bool,
}

impl Output {
    /// `--json` and `--format` as given; with neither, a table on a
    /// terminal and JSON elsewhere.
    pub fn new(json: bool, format: Option<&str>, jq: Option<&str>) -> Result<Self> {
        let terminal = std::io::stdout().is_terminal();
        let format = match (json, format) {
            (_, Some(f)) => Format::parse(f)?,
            (true, None) => Format::Json,
            (false, None) if terminal => Format::Table,
            (false, None) => Format::Json,
        };
        let jq = jq.map(Jq::compile).transpose()?;
        let color = terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Ok(Self { format, jq, color })
    }

    /// True when the caller asked for machine-readable output.
    pub fn is_machine(&self) -> bool {
        self.format != Format::Table || self.jq.is_some()
    }

    /// Prints one result.
    pub fn emit(&self, value: &Value) -> Result<()> {
        let mut out = std::io::stdout().lock();
        let text = self.render(value)?;
        write_or_pipe_closed(&mut out, text.as_bytes())
    }

    /// Renders one result as it is printed.
    pub fn render(&self, value: &Value) -> Result<String> {
        if let Some(jq) = &self.jq {
            let mut text = String::new();
            for v in jq.run(value)? {
                match (&v, self.format) {
                    (Value::String(s), _) => text.push_str(s),
                    (_, Format::Json) => text.push_str(&pretty(&v)),
                    _ => text.push_str(&v.to_string()),
                }
                text.push('\n');
            }
            return Ok(text);
        }
        Ok(match self.format {
            Format::Json => format!("{}\n", pretty(value)),
            Format::Jsonl => match list_items(value) {
                Some(items) => items.iter().map(|v| format!("{v}\n")).collect(),
                None => format!("{value}\n"),
            },
            Format::Table => table(value),
        })
    }

    /// Renders one item of a stream (events, followed messages): one
    /// compact line unless --format table.
    pub fn render_stream(&self, value: &Value) -> Result<String> {
        match (self.format, &self.jq) {
            (Format::Json | Format::Jsonl, None) => Ok(format!("{value}\n")),
            _ => self.render(value),
        }
    }

    /// Prints a one-line status for people (stderr, never mixed with
    /// results).
    pub fn note(&self, text: &str) {
        let _ = writeln!(std::io::stderr(), "{text}");
    }
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// A closed pipe (`linq ... | head`) ends output quietly.
fn write_or_pipe_closed(out: &mut impl Write, bytes: &[u8]) -> Result<()> {
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::failure(format!("writing output: {e}"))),
    }
}

/// Keys a list reply may carry beside its items.
const PAGE_KEYS: [&str; 5] = ["next_cursor", "cursor", "has_more", "total", "trace_id"];

/// The items of a list reply: an array itself, or the one array of
/// objects in an object that holds nothing else but paging keys, such as
/// `{"chats": [...], "next_cursor": ..}` (a message with its `parts` is
/// not a list).
pub fn list_items(value: &Value) -> Option<&Vec<Value>> {
    match value {
        Value::Array(items) => Some(items),
        Value::Object(map) => {
            let mut arrays = map.iter().filter(|(k, _)| !PAGE_KEYS.contains(&k.as_str()));
            let (_, Value::Array(items)) = arrays.next()? else {
                return None;
            };
            (arrays.next().is_none() && items.iter().all(Value::is_object)).then_some(items)
        }
        _ => None,
    }
}

const MAX_COLUMNS: usize = 6;
const MAX_CELL: usize = 40;

/// Aligned columns for a list; `key  value` lines for one object.
pub fn table(value: &Value) -> String {
    if let Some(items) = list_items(value) {
        if items.is_empty() {
            return "(none)\n".into();
        }
        return rows(items);
    }
    match value {
        Value::Object(map) if map.is_empty() => "(empty)\n".into(),
        Value::Object(map) => {
            let width = map.keys().map(|k| k.chars().count()).max().unwrap_or(0);
            map.iter()
                .map(|(k, v)| format!("{k:<width$}  {}\n", cell(v, 100)))
                .collect()
        }
        Value::Null => String::new(),
        other => format!("{}\n", cell(other, usize::MAX)),
    }
}

fn rows(items: &[Value]) -> String {
    let mut columns: Vec<&str> = Vec::new();
    if let Some(Value::Object(first)) = items.first() {
        if first.contains_key("id") {
            columns.push("id");
        }
        for (k, v) in first {
            if columns.len() >= MAX_COLUMNS {
                break;
            }
            if k != "id" && !v.is_object() && !k.ends_with("_url") {
                columns.push(k);
            }
        }
    }
    let cells: Vec<Vec<String>> = items
        .iter()
        .map(|item| columns.iter().map(|c| cell(&item[*c], MAX_CELL)).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain([c.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |fields: Vec<String>| -> String {
        let mut s = fields
            .iter()
            .zip(&widths)
            .map(|(f, w)| format!("{f:<w$}"))
            .collect::<Vec<_>>()
            .join("  ");
        s.truncate(s.trim_end().len());
        s.push('\n');
        s
    };
    let mut out = line(columns.iter().map(|c| c.to_ascii_uppercase()).collect());
    for r in cells {
        out.push_str(&line(r));
    }
    out
}

fn cell(value: &Value, max: usize) -> String {
    let text = match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|v| v.is_string()) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    };
    let text = text.replace(['\n', '\r', '\t'], " ");
    if text.chars().count() > max {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_become_rows_with_id_first() {
        let page = json!({"chats": [{"display_name": "A", "id": "c1"}, {"display_name": "Bee", "id": "c2"}], "next_cursor": null});
        assert_eq!(table(&page), "ID  DISPLAY_NAME\nc1  A\nc2  Bee\n");
    }

    #[test]
    fn jsonl_prints_one_item_per_line() {
        let out = Output {
            format: Format::Jsonl,
            jq: None,
            color: false,
        };
        let page = json!({"chats": [{"id": "c1"}, {"id": "c2"}], "next_cursor": null});
        assert_eq!(
            out.render(&page).unwrap(),
            "{\"id\":\"c1\"}\n{\"id\":\"c2\"}\n"
        );
    }

    #[test]
    fn only_lists_are_split_into_items() {
        assert!(list_items(&json!({"id": "m1", "parts": [{"type": "text"}]})).is_none());
        assert_eq!(
            list_items(&json!({"subscriptions": [{"id": 1}]}))
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn jq_strings_print_raw() {
        let out = Output {
            format: Format::Json,
            jq: Some(Jq::compile(".chats[].id").unwrap()),
            color: false,
        };
        assert_eq!(
            out.render(&json!({"chats": [{"id": "c1"}]})).unwrap(),
            "c1\n"
        );
    }
}
