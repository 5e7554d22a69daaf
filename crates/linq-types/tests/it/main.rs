//! linq-types' integration tests, one binary: each file is a module.
//! `generated/` is written by `cargo xtask codegen`.

mod events;
mod generated_bodies;
mod handles_and_ids;
mod lenient;
#[path = "generated/samples.rs"]
mod samples;
mod timestamp;
mod wire;
