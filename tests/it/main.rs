//! The workspace's cross-crate tests, one binary: each file is a module
//! (add a file, add its `mod` line here; `cargo test -p xtask` checks).
//! `support` is what they share: a scriptable loopback server, the
//! both-transports harness, and the fault-injecting server.

mod add_participant;
mod adversarial;
mod blocking;
mod client_config;
mod conformance;
mod errors;
mod everyday;
mod faults;
mod lifecycle;
mod pagination;
mod path_safety;
mod story;
mod support;
mod tower;
mod upload;
