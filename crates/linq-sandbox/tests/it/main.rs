//! linq-sandbox's integration tests, one binary: each file is a module;
//! `common` and `refusals` are what they share. (`flood.rs` is a binary of
//! its own: it measures the process's RSS.)

mod api;
mod arbitrary;
mod blocked_handles;
mod common;
mod control;
mod experiences;
mod families;
mod flows;
mod hardening;
mod http;
mod idempotency;
mod limits;
mod mock;
mod payments;
mod phone_numbers;
mod refusals;
mod typed;
