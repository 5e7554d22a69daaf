//! [`SigningSecret`]: a webhook subscription's secret as the API returns it,
//! kept out of `Debug`.

use std::fmt;

/// A webhook signing secret as the API shows it on creation (`whsec_…`).
///
/// `Debug` prints `SigningSecret(***)`. `linq-webhooks` turns one into its
/// verifying key with `Secret::try_from(&secret)`.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret(String);

impl SigningSecret {
    /// Wraps the secret's text.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The secret's text, to store it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret(***)")
    }
}
