//! State for payment providers, handles, payment requests and payments (handlers in `ops/`).

/// What the account holds for payment providers, handles, payment requests and payments.
#[derive(Debug, Clone, Default)]
pub(crate) struct Payments {}
