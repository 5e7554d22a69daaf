//! State for experiences (handlers in `ops/`).

/// What the account holds for experiences.
#[derive(Debug, Clone, Default)]
pub(crate) struct Experiences {}
