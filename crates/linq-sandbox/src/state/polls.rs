//! Polls: a poll is a message of yours whose content is its options.

use serde_json::{Value, json};

use super::model::Chat;

/// One option and who voted for it.
#[derive(Debug, Clone)]
pub(crate) struct PollOption {
    pub id: String,
    pub text: String,
    /// The handle that added the option.
    pub creator: String,
    /// (handle, voted_at), in voting order.
    pub voters: Vec<(String, String)>,
}

/// A poll's options, in the order they were added.
#[derive(Debug, Clone, Default)]
pub(crate) struct Poll {
    pub options: Vec<PollOption>,
}

impl Poll {
    /// Distinct handles with at least one vote.
    pub fn total_voters(&self) -> usize {
        let mut voters: Vec<&str> = self
            .options
            .iter()
            .flat_map(|o| o.voters.iter().map(|(h, _)| h.as_str()))
            .collect();
        voters.sort_unstable();
        voters.dedup();
        voters.len()
    }

    /// The poll object of replies and `poll.*` events.
    pub fn json(&self, chat: &Chat) -> Value {
        let options: Vec<Value> = self
            .options
            .iter()
            .map(|o| {
                let creator = chat
                    .members
                    .iter()
                    .find(|m| m.handle == o.creator)
                    .unwrap_or_else(|| chat.me());
                json!({
                    "option_id": o.id,
                    "text": o.text,
                    // Options are add-only and immutable.
                    "can_be_edited": false,
                    "creator_handle": creator.json(chat.service),
                    "voters": o.voters.iter().map(|(h, at)| json!({"handle": h, "voted_at": at})).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({"options": options, "total_voters": self.total_voters()})
    }
}
