//! Tests that need the crate's insides: its copy of the API description.

#[path = "../../tests/it/common/mod.rs"]
mod common;

mod coverage;
mod events;
mod prepared;
