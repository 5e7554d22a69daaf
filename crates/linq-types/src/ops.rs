//! Every operation, one type each, in modules named after the official
//! SDKs' resources (`ops::chats::participants::Add` is
//! `chats.participants.add`).

pub mod chats;
