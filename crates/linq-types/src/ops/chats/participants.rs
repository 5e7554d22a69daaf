//! `chats.participants`: add and remove group members.

use http::Method;

use crate::ChatId;
use crate::models::{
    ParticipantAddParams, ParticipantAddResponse, ParticipantRemoveParams,
    ParticipantRemoveResponse,
};
use crate::operation::{Operation, PathBuilder};

/// `POST /v3/chats/{chatId}/participants`: adds a handle to a group chat.
/// The server queues the change and answers 202.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Add {
    /// The group chat.
    pub chat_id: ChatId,
    /// Who to add.
    pub params: ParticipantAddParams,
}

impl Operation for Add {
    type Output = ParticipantAddResponse;
    const ID: &'static str = "chats.participants.add";
    const METHOD: Method = Method::POST;

    fn write_path(&self, path: &mut PathBuilder) {
        path.push_str("/v3/chats/")
            .push_segment(self.chat_id.as_str())
            .push_str("/participants");
    }

    fn write_body(&self, out: &mut Vec<u8>) -> Result<bool, serde_json::Error> {
        serde_json::to_writer(out, &self.params).map(|()| true)
    }
}

/// `DELETE /v3/chats/{chatId}/participants`: removes a handle from a group
/// chat (the body names it). Queued, answered 202.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remove {
    /// The group chat.
    pub chat_id: ChatId,
    /// Who to remove.
    pub params: ParticipantRemoveParams,
}

impl Operation for Remove {
    type Output = ParticipantRemoveResponse;
    const ID: &'static str = "chats.participants.remove";
    const METHOD: Method = Method::DELETE;

    fn write_path(&self, path: &mut PathBuilder) {
        path.push_str("/v3/chats/")
            .push_segment(self.chat_id.as_str())
            .push_str("/participants");
    }

    fn write_body(&self, out: &mut Vec<u8>) -> Result<bool, serde_json::Error> {
        serde_json::to_writer(out, &self.params).map(|()| true)
    }
}
