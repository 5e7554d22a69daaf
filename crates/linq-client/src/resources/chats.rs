use linq_types::models::{ParticipantAddParams, ParticipantRemoveParams};
use linq_types::ops::chats::participants;
use linq_types::{ChatId, Handle, IntoValid};

use super::valid;
use crate::{Call, Client};

/// `client.chats()`: chats and everything inside one.
#[derive(Debug, Clone, Copy)]
pub struct Chats<'c> {
    client: &'c Client,
}

impl Client {
    /// Chats: create, list, and the participants, messages and more inside them.
    pub fn chats(&self) -> Chats<'_> {
        Chats { client: self }
    }
}

impl<'c> Chats<'c> {
    /// The members of group chats.
    pub fn participants(&self) -> Participants<'c> {
        Participants {
            client: self.client,
        }
    }
}

/// `client.chats().participants()`: add and remove group members.
#[derive(Debug, Clone, Copy)]
pub struct Participants<'c> {
    client: &'c Client,
}

impl Participants<'_> {
    /// Adds `handle` to the group chat `chat_id`. Only group chats (three or
    /// more members) accept it, and the new member must be reachable on the
    /// chat's service. The server queues the change and answers 202.
    ///
    /// Both arguments are validated before anything is sent.
    pub fn add(
        &self,
        chat_id: impl IntoValid<ChatId>,
        handle: impl IntoValid<Handle>,
    ) -> Call<participants::Add> {
        let op = valid("chat_id", chat_id).and_then(|chat_id| {
            Ok(participants::Add {
                chat_id,
                params: ParticipantAddParams {
                    handle: valid("handle", handle)?,
                },
            })
        });
        Call::new(self.client, op)
    }

    /// Removes `handle` from the group chat `chat_id`; the chat must keep at
    /// least three members. Queued by the server, answered 202.
    pub fn remove(
        &self,
        chat_id: impl IntoValid<ChatId>,
        handle: impl IntoValid<Handle>,
    ) -> Call<participants::Remove> {
        let op = valid("chat_id", chat_id).and_then(|chat_id| {
            Ok(participants::Remove {
                chat_id,
                params: ParticipantRemoveParams {
                    handle: valid("handle", handle)?,
                },
            })
        });
        Call::new(self.client, op)
    }
}
