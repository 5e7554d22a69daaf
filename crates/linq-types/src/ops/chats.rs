//! Operations under `chats`.

pub mod participants;
