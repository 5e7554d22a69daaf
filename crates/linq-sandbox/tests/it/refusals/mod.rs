//! What a refusal carried, for the tests that drive one operation family
//! through linq-client.

use linq_client::Error;

/// The HTTP status and Linq code of a refusal (status 0 if none came).
pub fn refusal(e: &Error) -> (u16, Option<u32>) {
    (
        e.status().map(|s| s.as_u16()).unwrap_or(0),
        e.code().map(|c| c.as_u32()),
    )
}

/// The HTTP status of a refusal.
pub fn status(e: &Error) -> u16 {
    refusal(e).0
}
