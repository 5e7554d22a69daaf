//! Opt-outs: a person who sends STOP (or another opt-out keyword) as a
//! whole message is not sent to in a 1:1 chat until they write again.

use serde_json::Value;

use super::State;
use crate::reply::{Fail, fail};

impl State {
    /// Refuses a 1:1 send to someone who opted out (403, code 2024),
    /// unless the request sets `override_optout`. Groups are never blocked.
    pub(crate) fn refuse_opted_out(
        &self,
        recipients: &[String],
        body: &serde_json::Map<String, Value>,
    ) -> Result<(), Fail> {
        let overridden = body.get("override_optout") == Some(&Value::Bool(true));
        match recipients {
            [one] if !overridden && self.opted_out.contains(one) => Err(fail(
                403,
                2024,
                format!("{one} opted out; set override_optout to send this one message anyway"),
            )),
            _ => Ok(()),
        }
    }

    /// Notes an inbound text: an opt-out keyword opts its sender out (and
    /// marks a 1:1 chat), anything else from them opts them back in.
    pub(crate) fn note_opt_out(&mut self, chat: usize, from: &str, text: &str) {
        if is_opt_out_keyword(text) {
            self.opted_out.insert(from.to_owned());
            if !self.chats[chat].is_group {
                self.chats[chat].opted_out = true;
            }
        } else if self.opted_out.remove(from) {
            for c in self.chats.iter_mut().filter(|c| c.recipients() == [from]) {
                c.opted_out = false;
            }
        }
    }
}

/// Whether a whole (trimmed) message is an opt-out keyword: STOP,
/// UNSUBSCRIBE, OPTOUT, CANCEL, END or QUIT exactly, or "opt out" in any
/// casing, with or without the space or a hyphen.
fn is_opt_out_keyword(text: &str) -> bool {
    let text = text.trim();
    let squeezed: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect::<String>()
        .to_ascii_lowercase();
    ["STOP", "UNSUBSCRIBE", "OPTOUT", "CANCEL", "END", "QUIT"].contains(&text)
        || squeezed == "optout"
}
