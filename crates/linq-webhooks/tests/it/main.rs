//! linq-webhooks' integration tests, one binary: each file is a module.
//! (`flood.rs` is a binary of its own: it measures the process's RSS.)

mod echo_bot;
mod env;
mod frameworks;
mod interop;
mod legacy;
mod props;
mod redis;
mod sdk_matrix;
