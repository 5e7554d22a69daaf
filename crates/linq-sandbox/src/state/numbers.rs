//! State for phone number settings, reputation audits and available numbers (handlers in `ops/`).

/// What the account holds for phone number settings, reputation audits and available numbers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Numbers {}
