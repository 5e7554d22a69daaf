//! One module per hand-written command.

pub mod api;
pub mod auth;
pub mod bulk;
pub mod completion;
pub mod doctor;
pub mod follow;
pub mod mcp;
pub mod profile;
pub mod sandbox;
pub mod send;
pub mod webhooks;
