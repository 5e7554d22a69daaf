//! Imports from what generated code really names, so no generated file
//! needs a blanket `allow(unused_imports)`.

use std::collections::BTreeSet;

/// The identifiers `code` names outside comments and string literals.
pub fn used_words(code: &str) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    for line in code.lines() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        let mut word = String::new();
        let mut in_string = false;
        let mut escaped = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if in_string {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            if c.is_alphanumeric() || c == '_' {
                word.push(c);
                continue;
            }
            if !word.is_empty() {
                words.insert(std::mem::take(&mut word));
            }
            if c == '/' && chars.peek() == Some(&'/') {
                break;
            }
            in_string = c == '"';
        }
        if !word.is_empty() {
            words.insert(word);
        }
    }
    words
}

/// The names among `candidates` that `code` uses, in their given order.
pub fn used<'a>(code: &str, candidates: &[&'a str]) -> Vec<&'a str> {
    let words = used_words(code);
    candidates
        .iter()
        .copied()
        .filter(|c| words.contains(*c))
        .collect()
}

/// `use {path}::{names};`, or nothing when `names` is empty.
pub fn use_line(path: &str, names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => format!("use {path}::{one};\n"),
        many => format!("use {path}::{{{}}};\n", many.join(", ")),
    }
}

#[test]
fn comments_and_strings_do_not_count() {
    let code = "/// Chat and Handle\nlet x: ChatId = \"Handle \\\" Timestamp\".into(); // Extra\n";
    assert_eq!(
        used(
            code,
            &["Chat", "ChatId", "Handle", "Timestamp", "Extra", "x"]
        ),
        vec!["ChatId", "x"]
    );
}
