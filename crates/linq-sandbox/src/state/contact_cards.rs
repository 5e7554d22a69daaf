//! The account's contact cards: a name and photo per line, shared into
//! chats through iMessage's Name and Photo Sharing.

use serde_json::{Value, json};

/// One line's contact card.
#[derive(Debug, Clone)]
pub(crate) struct ContactCard {
    pub id: String,
    pub phone_number: String,
    pub first_name: String,
    pub last_name: Option<String>,
    pub image_url: Option<String>,
}

impl ContactCard {
    /// The card as the contact card operations answer it.
    pub fn json(&self) -> Value {
        json!({
            "phone_number": self.phone_number,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "image_url": self.image_url,
            "is_active": true,
        })
    }

    /// The `contact_card` object of the `contact_card.*` account events.
    pub fn event_json(&self) -> Value {
        json!({
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "image_url": self.image_url,
        })
    }
}
