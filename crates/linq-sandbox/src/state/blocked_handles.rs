//! The account's blocklist (handlers in `ops/blocked_handles.rs`).
//!
//! A blocked handle is refused as the recipient of a direct send (403, code
//! 2026); a group that still has an unblocked member is not restricted.
//! Inbound messages from it are dropped.

use serde_json::{Value, json};

use crate::reply::{Fail, bad, fail};

/// One blocked handle.
#[derive(Debug, Clone)]
pub(crate) struct Blocked {
    /// Normalised: E.164, lowercased email, short code or sender ID.
    pub handle: String,
    pub reason: Option<String>,
    pub blocked_at: String,
}

impl Blocked {
    pub(crate) fn json(&self) -> Value {
        json!({
            "handle": self.handle,
            "reason": self.reason,
            "blocked_at": self.blocked_at,
        })
    }
}

/// What the account holds for blocked handles, oldest block first.
#[derive(Debug, Clone, Default)]
pub(crate) struct BlockedHandles {
    pub entries: Vec<Blocked>,
}

impl BlockedHandles {
    /// Whether `handle` (normalised) is blocked.
    pub(crate) fn contains(&self, handle: &str) -> bool {
        self.entries.iter().any(|b| b.handle == handle)
    }

    /// Refuses a send whose recipients are all blocked: a direct send to a
    /// blocked handle, or a group of blocked handles only.
    pub(crate) fn refuse(&self, recipients: &[String]) -> Result<(), Fail> {
        if recipients.is_empty() || !recipients.iter().all(|h| self.contains(h)) {
            return Ok(());
        }
        Err(fail(
            403,
            2026,
            format!(
                "{} is blocked; unblock it to message it",
                recipients.join(", ")
            ),
        ))
    }

    /// Refuses an inbound message from a blocked handle: it is dropped and
    /// produces no webhook.
    pub(crate) fn refuse_inbound(&self, from: &str) -> Result<(), Fail> {
        if self.contains(from) {
            return Err(fail(
                403,
                2026,
                format!("{from} is blocked: its messages are dropped"),
            ));
        }
        Ok(())
    }

    /// Blocks a handle; a handle already blocked keeps its entry.
    pub(crate) fn block(&mut self, handle: String, reason: Option<String>, now: &str) -> &Blocked {
        let i = match self.entries.iter().position(|b| b.handle == handle) {
            Some(i) => i,
            None => {
                self.entries.push(Blocked {
                    handle,
                    reason,
                    blocked_at: now.to_owned(),
                });
                self.entries.len() - 1
            }
        };
        &self.entries[i]
    }

    /// Unblocks a handle; false if it was not blocked.
    pub(crate) fn unblock(&mut self, handle: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|b| b.handle != handle);
        self.entries.len() != before
    }
}

/// Normalises a handle the blocklist accepts: an E.164 phone number, an
/// email address (lowercased), an SMS short code (3 to 8 digits) or an
/// alphanumeric sender ID (up to 11 letters and digits, at least one letter).
pub(crate) fn normalize(text: &str) -> Result<String, Fail> {
    let text = text.trim();
    if text.contains('@') || text.starts_with('+') {
        return crate::reply::check_handle(text).map(|h| h.to_lowercase());
    }
    let digits = text.chars().all(|c| c.is_ascii_digit());
    if digits && (3..=8).contains(&text.len()) {
        return Ok(text.to_owned());
    }
    let sender_id = (1..=11).contains(&text.len())
        && text.chars().all(|c| c.is_ascii_alphanumeric())
        && text.chars().any(|c| c.is_ascii_alphabetic());
    if sender_id {
        return Ok(text.to_owned());
    }
    Err(bad(
        1002,
        "handle must be an E.164 phone number, an email address, a short code (3-8 digits) or an alphanumeric sender ID",
    ))
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the text, normalising gives a typed answer, and an
        /// accepted handle normalises to itself.
        #[test]
        fn normalising_is_total_and_stable(text in "[+@.a-zA-Z0-9 _-]{0,20}") {
            if let Ok(handle) = normalize(&text) {
                prop_assert_eq!(normalize(&handle).ok(), Some(handle.clone()));
                prop_assert!(!handle.is_empty());
            }
        }
    }

    #[test]
    fn the_four_kinds_of_handle() {
        assert_eq!(normalize(" +12025550142 ").unwrap(), "+12025550142");
        assert_eq!(normalize("Ada@Example.COM").unwrap(), "ada@example.com");
        assert_eq!(normalize("262966").unwrap(), "262966");
        assert_eq!(normalize("ACMEBANK").unwrap(), "ACMEBANK");
        for refused in ["4155551234", "12", "", "ACME BANK", "TOOLONGSENDERID"] {
            assert!(normalize(refused).is_err(), "{refused:?}");
        }
    }
}
