//! The tools, one file per toolset.

pub(crate) mod account;
mod chats;
mod events;
mod messages;
mod operations;
mod webhooks;
