//! A linq-client over a sandbox, for the tests that drive one operation
//! family through it.
#![allow(dead_code)]

use linq_client::{Client, Error};
use linq_sandbox::Sandbox;

/// A client over the sandbox's in-memory transport that never retries, so
/// each call is one request.
pub fn client(sb: &Sandbox) -> Client {
    Client::builder()
        .api_key(sb.api_key())
        .transport(sb.transport())
        .max_retries(0)
        .build()
        .unwrap()
}

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
