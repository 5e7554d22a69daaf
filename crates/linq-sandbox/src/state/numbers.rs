//! Phone number settings, reputation audits and line choice (handlers in
//! `ops/phone_numbers.rs`).
//!
//! An audit is `pending` when started and completes on the next step of
//! the sandbox clock; one runs per line at a time, a finished one blocks a
//! new start for [`AUDIT_COOLDOWN`], and each stays readable for
//! [`AUDIT_READABLE`] after it started.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::State;
use crate::clock::rfc3339;

/// How long after an audit finishes a new one can be started on its line.
pub(crate) const AUDIT_COOLDOWN: Duration = Duration::from_secs(60 * 60);
/// How long an audit stays readable after it started.
pub(crate) const AUDIT_READABLE: Duration = Duration::from_secs(24 * 60 * 60);

/// Where a line's reputation status is explained.
pub(crate) const REPUTATION_DOC: &str =
    "https://docs.linqapp.com/channel/imessage/guides/phone-numbers/phone-reputation";

/// One reputation audit.
#[derive(Debug, Clone)]
pub(crate) struct Audit {
    pub id: String,
    /// The line audited, E.164.
    pub line: String,
    pub started: SystemTime,
    /// When it completed; `None` while pending.
    pub finished: Option<SystemTime>,
    pub report: Option<Value>,
}

impl Audit {
    pub(crate) fn status(&self) -> &'static str {
        if self.finished.is_some() {
            "complete"
        } else {
            "pending"
        }
    }

    pub(crate) fn json(&self) -> Value {
        json!({
            "audit_id": self.id,
            "status": self.status(),
            "phone": self.line,
            "generated_at": self.finished.map(rfc3339),
            "report": self.report,
            "error": null,
        })
    }
}

/// What the account holds for its lines beyond their numbers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Numbers {
    /// Forwarding number per line id.
    pub forwarding: HashMap<String, String>,
    pub audits: Vec<Audit>,
    /// When each line (E.164) was last suggested by `available_number`, as
    /// a state sequence number.
    pub suggested: HashMap<String, u64>,
}

impl Numbers {
    /// Audits the next step of time completes.
    pub(crate) fn pending(&self) -> usize {
        self.audits.iter().filter(|a| a.finished.is_none()).count()
    }
}

impl State {
    /// Completes every pending audit, reporting on the line's chats, and
    /// forgets those no longer readable.
    pub(crate) fn advance_audits(&mut self) {
        let now = self.time.now();
        self.numbers
            .audits
            .retain(|a| a.finished.is_none() || now < a.started + AUDIT_READABLE);
        let pending: Vec<usize> = (0..self.numbers.audits.len())
            .filter(|&i| self.numbers.audits[i].finished.is_none())
            .collect();
        for i in pending {
            let report = self.reputation_report(&self.numbers.audits[i].line);
            let audit = &mut self.numbers.audits[i];
            audit.finished = Some(now);
            audit.report = Some(report);
        }
    }

    /// The sandbox's lines are healthy: the report counts the line's
    /// conversations and finds nothing to act on.
    fn reputation_report(&self, line: &str) -> Value {
        let chats = self.chats.iter().filter(|c| c.line == line).count();
        let sent = self
            .messages
            .iter()
            .filter(|m| m.is_from_me && self.chat_of(m).line == line)
            .count();
        json!({
            "severity": "HEALTHY",
            "primary_driver": "overall_conversation_health",
            "summary_markdown": format!(
                "**Healthy.** {line} has {chats} conversation(s) and {sent} sent message(s); none shows a warning sign."
            ),
            "drivers": [{
                "key": "overall_conversation_health",
                "metric": format!("{chats} conversations, {sent} sent messages"),
                "summary": "Conversations on this line are engaged and delivered.",
            }],
            "action_items": [],
            "evidence": {"opt_out_chats": [], "unhealthy_chats": []},
        })
    }

    /// When a line (E.164) was last used, as a sequence number: suggested
    /// by `available_number` or sent from. 0 if never.
    pub(crate) fn line_last_used(&self, line: &str) -> u64 {
        let suggested = self.numbers.suggested.get(line).copied().unwrap_or(0);
        let sent = self
            .messages
            .iter()
            .filter(|m| m.is_from_me && self.chat_of(m).line == line)
            .map(|m| m.seq)
            .max()
            .unwrap_or(0);
        suggested.max(sent)
    }
}
