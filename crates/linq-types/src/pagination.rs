//! Cursor pagination: which list operations page, and how to walk them.

use crate::models::chats::{Chat, ListChatsPagination};
use crate::models::messages::{ListMessagesPagination, Message};
use crate::operation::Operation;
use crate::ops;

/// A list operation whose reply is one page plus a cursor for the next.
///
/// The client walks these lazily (`Call::into_stream`): it asks for a page,
/// yields its items, and asks for the next with the reply's cursor until a
/// page comes back empty or without a cursor.
pub trait Paginated: Operation + Clone {
    /// One listed item.
    type Item;

    /// Splits a reply into its items and the cursor of the page after it.
    fn into_page(reply: Self::Output) -> (Vec<Self::Item>, Option<String>);

    /// Points the request at the page after `cursor`.
    fn set_cursor(&mut self, cursor: String);
}

impl Paginated for ops::chats::ListChats {
    type Item = Chat;

    fn into_page(reply: ListChatsPagination) -> (Vec<Chat>, Option<String>) {
        (reply.chats, reply.next_cursor)
    }

    fn set_cursor(&mut self, cursor: String) {
        self.query.cursor = Some(cursor);
    }
}

impl Paginated for ops::chats::messages::List {
    type Item = Message;

    fn into_page(reply: ListMessagesPagination) -> (Vec<Message>, Option<String>) {
        (reply.messages, reply.next_cursor)
    }

    fn set_cursor(&mut self, cursor: String) {
        self.query.cursor = Some(cursor);
    }
}

impl Paginated for ops::messages::ListMessagesThread {
    type Item = Message;

    fn into_page(reply: ListMessagesPagination) -> (Vec<Message>, Option<String>) {
        (reply.messages, reply.next_cursor)
    }

    fn set_cursor(&mut self, cursor: String) {
        self.query.cursor = Some(cursor);
    }
}
