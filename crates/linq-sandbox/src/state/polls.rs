//! Polls: a poll is a message of yours whose content is its options.

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
}
