//! Resource handles, named after the official SDKs' resources
//! (`client.chats().participants()` is `client.chats.participants`).
//! Each method builds an operation and hands it to the client.

mod chats;

pub use chats::{Chats, Participants};

use linq_types::IntoValid;

use crate::Error;

/// Validates one argument, naming it in the error.
pub(crate) fn valid<T>(field: &'static str, value: impl IntoValid<T>) -> Result<T, Error> {
    value.into_valid().map_err(|e| Error::invalid(field, e))
}
