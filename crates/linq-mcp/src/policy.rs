//! What an agent may do before anything is sent: the recipient allow-list,
//! the send budget, and the idempotency key of each send.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;

use serde_json::Value;

/// A refusal: the tool answers with it as an error and sends nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

/// Limits shared by every call of one server run.
#[derive(Debug)]
pub struct Policy {
    allow: Vec<String>,
    max_sends: Option<u32>,
    /// A random salt per run: the same call in another run gets another key.
    salt: std::collections::hash_map::RandomState,
    run: String,
    state: Mutex<Sends>,
}

#[derive(Debug, Default)]
struct Sends {
    counted: u32,
    /// Keys already spent on the budget (a retry reuses its key); at most
    /// `max_sends` of them.
    keys: HashSet<String>,
}

impl Policy {
    /// Limits from `--allow-recipient` patterns and `--max-sends`.
    pub fn new(allow: Vec<String>, max_sends: Option<u32>) -> Self {
        Self {
            allow,
            max_sends,
            salt: Default::default(),
            run: uuid::Uuid::new_v4().simple().to_string()[..12].to_owned(),
            state: Mutex::default(),
        }
    }

    /// True when an allow-list is in force.
    pub fn restricts_recipients(&self) -> bool {
        !self.allow.is_empty()
    }

    /// Refuses when any handle matches no pattern of the allow-list.
    pub fn check_recipients<'a>(
        &self,
        handles: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), Refusal> {
        if self.allow.is_empty() {
            return Ok(());
        }
        let refused: Vec<&str> = handles
            .into_iter()
            .filter(|h| !self.allow.iter().any(|p| matches(p, h)))
            .collect();
        if refused.is_empty() {
            Ok(())
        } else {
            Err(Refusal(format!(
                "refused: {} not on this server's recipient allow-list (--allow-recipient); nothing was sent",
                refused.join(", ")
            )))
        }
    }

    /// Refuses as [`spend`](Self::spend) would, without counting.
    pub fn can_spend(&self, key: &str) -> Result<(), Refusal> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match self.max_sends {
            Some(max) if state.counted >= max && !state.keys.contains(key) => {
                Err(budget_spent(max))
            }
            _ => Ok(()),
        }
    }

    /// Counts one send against `--max-sends`, unless `key` was counted
    /// already (a retry of the same call). Refuses when the budget is spent.
    pub fn spend(&self, key: &str) -> Result<(), Refusal> {
        // Without a budget nothing is counted, so nothing is remembered.
        if self.max_sends.is_none() {
            return Ok(());
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.keys.contains(key) {
            return Ok(());
        }
        if let Some(max) = self.max_sends {
            if state.counted >= max {
                return Err(budget_spent(max));
            }
        }
        state.counted += 1;
        state.keys.insert(key.to_owned());
        Ok(())
    }

    /// The idempotency key of a send: the caller's when given, otherwise
    /// derived from the tool, its arguments (key order ignored) and this
    /// run, so a client repeating the same call sends once.
    pub fn idempotency_key(&self, tool: &str, arguments: &Value, explicit: Option<&str>) -> String {
        if let Some(key) = explicit.filter(|k| !k.trim().is_empty()) {
            return key.to_owned();
        }
        let mut hasher = self.salt.build_hasher();
        hasher.write(tool.as_bytes());
        hasher.write_u8(0);
        hash_canonical(&mut hasher, arguments);
        format!("mcp-{}-{:016x}", self.run, hasher.finish())
    }
}

fn budget_spent(max: u32) -> Refusal {
    Refusal(format!(
        "refused: this server's send budget is spent ({max} sends, --max-sends); nothing was sent"
    ))
}

fn hash_canonical(h: &mut impl Hasher, v: &Value) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            h.write_u8(b'{');
            for k in keys {
                if k == "idempotency_key" || map[k].is_null() {
                    continue;
                }
                h.write(k.as_bytes());
                h.write_u8(b':');
                hash_canonical(h, &map[k]);
            }
            h.write_u8(b'}');
        }
        Value::Array(items) => {
            h.write_u8(b'[');
            for item in items {
                hash_canonical(h, item);
            }
            h.write_u8(b']');
        }
        other => h.write(other.to_string().as_bytes()),
    }
}

/// A pattern with `*` for any run of characters; case-insensitive, since
/// email handles are. Against a phone number (a handle without `@`), both
/// sides are compared without spaces, dashes, dots or parentheses.
pub fn matches(pattern: &str, handle: &str) -> bool {
    let phone = !handle.contains('@');
    let norm = |s: &str| -> Vec<char> {
        s.chars()
            .filter(|c| !(phone && matches!(c, ' ' | '-' | '(' | ')' | '.')))
            .flat_map(char::to_lowercase)
            .collect()
    };
    glob(&norm(pattern), &norm(handle))
}

fn glob(p: &[char], s: &[char]) -> bool {
    // Iterative wildcard match with one backtrack point.
    let (mut pi, mut si) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == s[si] {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(at) = star {
            pi = at + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patterns() {
        assert!(matches("+12025550142", "+12025550142"));
        assert!(matches("+1202555*", "+12025550142"));
        assert!(matches("+1 (202) 555-0142", "+12025550142"));
        assert!(matches("*@Example.com", "ana@example.COM"));
        assert!(!matches("*@example.com", "ana@example.com.evil"));
        assert!(!matches("+1202555*", "+13105550142"));
        assert!(!matches("+12025550142", "+120255501420"));
        assert!(matches("*", "anything"));
    }

    #[test]
    fn allow_list_names_every_refused_handle() {
        let p = Policy::new(vec!["+1202555*".into()], None);
        assert!(p.check_recipients(["+12025550142"]).is_ok());
        let Refusal(why) = p
            .check_recipients(["+12025550142", "+13105550000", "x@y.z"])
            .unwrap_err();
        assert!(why.contains("+13105550000, x@y.z"), "{why}");
        assert!(Policy::new(vec![], None).check_recipients(["+1"]).is_ok());
    }

    #[test]
    fn budget_counts_each_key_once() {
        let p = Policy::new(vec![], Some(2));
        assert!(p.spend("a").is_ok());
        assert!(p.spend("a").is_ok());
        assert!(p.spend("b").is_ok());
        assert!(p.spend("c").unwrap_err().0.contains("budget is spent"));
        assert!(
            p.spend("b").is_ok(),
            "a retry of a counted send still goes through"
        );
    }

    #[test]
    fn derived_keys_ignore_key_order_and_differ_by_arguments() {
        let p = Policy::new(vec![], None);
        let a = p.idempotency_key("send_message", &json!({"chat_id": "c", "text": "hi"}), None);
        let b = p.idempotency_key("send_message", &json!({"text": "hi", "chat_id": "c"}), None);
        let c = p.idempotency_key(
            "send_message",
            &json!({"text": "hi!", "chat_id": "c"}),
            None,
        );
        let d = p.idempotency_key("start_chat", &json!({"text": "hi", "chat_id": "c"}), None);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert_ne!(
            a,
            Policy::new(vec![], None).idempotency_key(
                "send_message",
                &json!({"chat_id": "c", "text": "hi"}),
                None
            )
        );
        assert_eq!(p.idempotency_key("x", &json!({}), Some("mine")), "mine");
    }
}
