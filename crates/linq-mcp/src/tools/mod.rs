//! The tools, one file per toolset.

pub(crate) mod account;
mod chats;
mod events;
pub(crate) mod messages;
mod operations;
mod sandbox;
mod webhooks;
