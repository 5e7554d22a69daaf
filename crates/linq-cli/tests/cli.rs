//! End-to-end tests of the `linq` binary against a sandbox served on
//! loopback (one test binary, so one link).

#[path = "cli/bulk.rs"]
mod bulk;
#[path = "cli/everyday.rs"]
mod everyday;
#[path = "cli/mcp.rs"]
mod mcp;
#[path = "cli/profiles.rs"]
mod profiles;
#[path = "cli/support.rs"]
mod support;
#[path = "cli/webhooks.rs"]
mod webhooks;
