//! State for blocked handles (handlers in `ops/`).

/// What the account holds for blocked handles.
#[derive(Debug, Clone, Default)]
pub(crate) struct BlockedHandles {}

impl BlockedHandles {
    /// Whether `handle` is blocked: a blocked handle is refused as a
    /// recipient.
    pub(crate) fn contains(&self, _handle: &str) -> bool {
        false
    }
}
