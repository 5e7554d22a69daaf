//! Request and response bodies, named as in the API description.

use serde::{Deserialize, Serialize};

use crate::Handle;

/// Body of `chats.participants.add`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantAddParams {
    /// Who to add.
    pub handle: Handle,
}

/// Reply to `chats.participants.add`: the change is queued, not yet applied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantAddResponse {
    /// A human-readable note about what was queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Processing state, such as `accepted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The server's trace id for this request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}

/// Body of `chats.participants.remove`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantRemoveParams {
    /// Who to remove.
    pub handle: Handle,
}

/// Reply to `chats.participants.remove`: the change is queued, not yet applied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantRemoveResponse {
    /// A human-readable note about what was queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Processing state, such as `accepted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The server's trace id for this request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}
