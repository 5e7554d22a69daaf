//! The one import for everyday code: `use linq_client::prelude::*;`.
//!
//! It brings the client, its errors, the types you pass (handles, ids,
//! message parts, content types) and the ones you read back most (chats,
//! messages, timestamps). Everything else is one path away in
//! [`linq_types::models`].

pub use crate::{ApiResponse, Call, Client, Error};
#[cfg(feature = "webhook-subscriptions")]
pub use linq_types::models::WebhookEventType;
pub use linq_types::models::messages::MessageSendParams;
pub use linq_types::models::{
    Chat, Message, MessageContent, Part, ReactionType, ServiceType, SupportedContentType,
};
pub use linq_types::{AttachmentId, ChatId, Handle, IntoValid, MessageId, Timestamp};
