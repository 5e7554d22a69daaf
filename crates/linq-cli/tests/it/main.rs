//! End-to-end tests of the `linq` binary against a sandbox served on
//! loopback: one test binary (each file a module), so one link.

mod bulk;
mod everyday;
mod mcp;
mod profiles;
mod support;
mod webhooks;
