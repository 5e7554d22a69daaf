//! Looking inside the account from a test: typed as linq-client returns
//! things and as a receiver decodes events; JSON under `*_json` names.

use http::Method;
use linq_types::Event;
use linq_types::models::{Chat, Message};
use serde_json::Value;

use crate::Sandbox;

impl Sandbox {
    /// A chat, as `client.chats().retrieve(id)` returns it.
    pub fn chat(&self, id: impl AsRef<str>) -> Option<Chat> {
        self.chat_json(id)
            .and_then(|v| serde_json::from_value(v).ok())
    }

    /// A chat as `GET /v3/chats/{id}` would answer it.
    pub fn chat_json(&self, id: impl AsRef<str>) -> Option<Value> {
        self.state().chat_json(id.as_ref())
    }

    /// A message, as `client.messages().retrieve(id)` returns it.
    pub fn message(&self, id: impl AsRef<str>) -> Option<Message> {
        self.message_json(id)
            .and_then(|v| serde_json::from_value(v).ok())
    }

    /// A message as `GET /v3/messages/{id}` would answer it.
    pub fn message_json(&self, id: impl AsRef<str>) -> Option<Value> {
        self.state().message_json(id.as_ref())
    }

    /// The messages of a chat, newest first, as linq-client lists them;
    /// empty for a chat that does not exist.
    pub fn messages(&self, chat_id: impl AsRef<str>) -> Vec<Message> {
        let path = format!("/v3/chats/{}/messages?limit=100000", chat_id.as_ref());
        match self.local(Method::GET, &path, &Value::Null) {
            Ok(page) => serde_json::from_value(page["messages"].clone()).unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    /// Every event emitted so far (subscribed to or not), oldest first,
    /// decoded as a receiver sees it.
    pub fn events(&self) -> Vec<Event> {
        self.events_json()
            .into_iter()
            .filter_map(|e| serde_json::from_value(e).ok())
            .collect()
    }

    /// Every event emitted so far, oldest first, as the JSON envelopes
    /// that were signed.
    pub fn events_json(&self) -> Vec<Value> {
        self.state().emitted.to_vec()
    }

    /// How many messages the account holds.
    pub fn message_count(&self) -> usize {
        self.state().message_count()
    }
}
