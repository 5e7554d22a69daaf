//! Short ways to write message content: `Part::text("hi")`, and `From`
//! conversions so a `&str`, a part or a list of parts is a whole message.
//! Hand-written beside the generated models.

use crate::AttachmentId;
use crate::models::Part;
use crate::models::messages::{
    AppClipPartParam, IMessageAppLayoutParam, IMessageAppParam, IMessageAppPartParam,
    LinkPartParam, MediaPartParam, Message, MessageContent, MessagePart, MessageSendParams,
    TextPartParam,
};
use crate::validate::{CheckInput, InvalidValue};

impl Part {
    /// A text part.
    ///
    /// ```
    /// use linq_types::models::Part;
    /// let part = Part::text("Today's menu");
    /// assert_eq!(serde_json::to_value(&part)?, serde_json::json!({"type": "text", "value": "Today's menu"}));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn text(value: impl Into<String>) -> Self {
        Self::Text(TextPartParam::new(value))
    }

    /// A file uploaded earlier (`client.attachments().upload(..)`), by its id.
    #[must_use]
    pub fn media(attachment_id: AttachmentId) -> Self {
        Self::Media(MediaPartParam::new().attachment_id(attachment_id))
    }

    /// A file Linq fetches from a public HTTPS URL.
    #[must_use]
    pub fn media_url(url: impl Into<String>) -> Self {
        Self::Media(MediaPartParam::new().url(url))
    }

    /// An uploaded image sent as a sticker rather than a photo.
    #[must_use]
    pub fn sticker(attachment_id: AttachmentId) -> Self {
        Self::Media(
            MediaPartParam::new()
                .attachment_id(attachment_id)
                .sticker(true),
        )
    }

    /// A link with a rich preview; it must be the message's only part.
    #[must_use]
    pub fn link(url: impl Into<String>) -> Self {
        Self::Link(LinkPartParam::new(url))
    }

    /// An App Clip card (iMessage only, alone in its message).
    #[must_use]
    pub fn app_clip(url: impl Into<String>) -> Self {
        Self::AppClip(AppClipPartParam::new(url))
    }

    /// An interactive iMessage app card.
    #[must_use]
    pub fn imessage_app(app: IMessageAppParam, layout: IMessageAppLayoutParam) -> Self {
        Self::IMessageApp(IMessageAppPartParam::new(app, layout))
    }
}

impl Message {
    /// The text of each text part, in order.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().flatten().filter_map(|p| match p {
            MessagePart::Text(t) => Some(t.value.as_str()),
            _ => None,
        })
    }
}

impl MessageContent {
    /// Content made of these parts, in order.
    #[must_use]
    pub fn from_parts(parts: impl IntoIterator<Item = Part>) -> Self {
        Self::new().parts(parts.into_iter().collect())
    }
}

/// `From` for message content and for the bodies that are only content, so
/// `send(&chat, "hi")` and `send(&chat, [Part::text(..), Part::media(..)])`
/// both read as what they send.
macro_rules! content_from {
    ($($target:ty => $wrap:expr),* $(,)?) => {$(
        impl From<&str> for $target {
            fn from(text: &str) -> Self {
                $wrap(MessageContent::from_parts([Part::text(text)]))
            }
        }
        impl From<String> for $target {
            fn from(text: String) -> Self {
                $wrap(MessageContent::from_parts([Part::text(text)]))
            }
        }
        impl From<&String> for $target {
            fn from(text: &String) -> Self {
                $wrap(MessageContent::from_parts([Part::text(text.as_str())]))
            }
        }
        impl From<Part> for $target {
            fn from(part: Part) -> Self {
                $wrap(MessageContent::from_parts([part]))
            }
        }
        impl From<Vec<Part>> for $target {
            fn from(parts: Vec<Part>) -> Self {
                $wrap(MessageContent::from_parts(parts))
            }
        }
        impl<const N: usize> From<[Part; N]> for $target {
            fn from(parts: [Part; N]) -> Self {
                $wrap(MessageContent::from_parts(parts))
            }
        }
    )*};
}

content_from!(
    MessageContent => std::convert::identity,
    MessageSendParams => MessageSendParams::new,
);

impl From<MessageContent> for MessageSendParams {
    fn from(message: MessageContent) -> Self {
        Self::new(message)
    }
}

impl CheckInput for MessageContent {
    /// Refuses a text part that is empty or only whitespace (it would send
    /// a blank bubble), and a list of parts given empty without an
    /// experience. (Content with no `parts` field at all is the API's
    /// minimal shape and is left to the server.)
    fn check(&self) -> Result<(), InvalidValue> {
        let parts = self.parts.as_deref().unwrap_or_default();
        if self.parts.is_some() && parts.is_empty() && self.experience.is_none() {
            return Err(InvalidValue::Other(
                "a message needs at least one part".into(),
            ));
        }
        for (i, part) in parts.iter().enumerate() {
            if let Part::Text(text) = part {
                if text.value.trim().is_empty() {
                    return Err(InvalidValue::Other(format!(
                        "text part {i} is empty or blank"
                    )));
                }
            }
        }
        Ok(())
    }
}

impl CheckInput for MessageSendParams {
    fn check(&self) -> Result<(), InvalidValue> {
        self.message.check()
    }
}

impl crate::models::SupportedContentType {
    /// The content type of a file with this extension (case-insensitive,
    /// without the dot), when the API takes such files: `"jpg"` is
    /// `image/jpeg`.
    ///
    /// ```
    /// use linq_types::models::SupportedContentType;
    /// assert_eq!(SupportedContentType::from_extension("JPG").unwrap().as_str(), "image/jpeg");
    /// assert!(SupportedContentType::from_extension("exe").is_none());
    /// ```
    pub fn from_extension(ext: &str) -> Option<Self> {
        let mime = match ext.to_ascii_lowercase().as_str() {
            "jpg" | "jpeg" => "image/jpeg",
            "png" => "image/png",
            "gif" => "image/gif",
            "heic" => "image/heic",
            "heif" => "image/heif",
            "tif" | "tiff" => "image/tiff",
            "bmp" => "image/bmp",
            "svg" => "image/svg+xml",
            "webp" => "image/webp",
            "ico" => "image/x-icon",
            "mp4" => "video/mp4",
            "mov" => "video/quicktime",
            "mpg" | "mpeg" => "video/mpeg",
            "m4v" => "video/x-m4v",
            "avi" => "video/x-msvideo",
            "3gp" => "video/3gpp",
            "mp3" => "audio/mpeg",
            "m4a" => "audio/x-m4a",
            "caf" => "audio/x-caf",
            "wav" => "audio/x-wav",
            "aif" | "aiff" => "audio/aiff",
            "aac" => "audio/aac",
            "mid" | "midi" => "audio/midi",
            "amr" => "audio/amr",
            "pdf" => "application/pdf",
            "pkpass" => "application/vnd.apple.pkpass",
            "txt" => "text/plain",
            "md" => "text/markdown",
            "vcf" => "text/vcard",
            "rtf" => "text/rtf",
            "csv" => "text/csv",
            _ => return None,
        };
        Some(Self::from(mime))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_is_one_text_part() {
        let body = MessageSendParams::from("On my way");
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"message": {"parts": [{"type": "text", "value": "On my way"}]}})
        );
        assert_eq!(
            MessageContent::from(String::from("x")),
            MessageContent::from("x")
        );
    }

    #[test]
    fn parts_keep_their_order() {
        let id: AttachmentId = "550e8400-e29b-41d4-a716-446655440000".parse().unwrap();
        let content = MessageContent::from([Part::text("menu"), Part::media(id.clone())]);
        assert_eq!(
            serde_json::to_value(&content).unwrap(),
            json!({"parts": [
                {"type": "text", "value": "menu"},
                {"type": "media", "attachment_id": id.as_str()},
            ]})
        );
        assert_eq!(
            MessageSendParams::from(vec![Part::link("https://example.com")]).message,
            MessageContent::from(Part::link("https://example.com"))
        );
        assert_eq!(
            serde_json::to_value(Part::media_url("https://example.com/a.jpg")).unwrap(),
            json!({"type": "media", "url": "https://example.com/a.jpg"})
        );
        assert_eq!(
            serde_json::to_value(Part::sticker(id.clone())).unwrap(),
            json!({"type": "media", "attachment_id": id.as_str(), "sticker": true})
        );
    }
}
