//! The error envelope the API answers with on a non-2xx status.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Extra;

/// The body of an error reply: `{"error": {...}, "success": false}`.
///
/// Decoding is lenient: a status or code no Rust integer of its type holds
/// becomes `None` rather than failing, so the message and trace id are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// What went wrong.
    pub error: ErrorDetail,
    /// Always `false` on an error reply.
    #[serde(default)]
    pub success: bool,
    /// The server's trace id for this request, when it sends one here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// Fields the API description does not declare, kept as sent.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The `error` object inside an [`ErrorResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// The HTTP status, repeated by the server; `None` when absent or not
    /// an integer from 0 to 65535 (the API description does not bound it).
    #[serde(
        default,
        deserialize_with = "lenient_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<u16>,
    /// Linq's own error code; `None` when absent or not an integer from 0
    /// to 2^32 - 1.
    #[serde(
        default,
        deserialize_with = "lenient_code",
        skip_serializing_if = "Option::is_none"
    )]
    pub code: Option<ErrorCode>,
    /// A message meant for people.
    #[serde(default)]
    pub message: String,
    /// A link to documentation about this error, when the server gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_url: Option<String>,
    /// Fields the API description does not declare, kept as sent.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ErrorDetail {
    /// An error object with a status, a code and a message.
    pub fn new(status: u16, code: impl Into<ErrorCode>, message: impl Into<String>) -> Self {
        Self {
            status: Some(status),
            code: Some(code.into()),
            message: message.into(),
            doc_url: None,
            extra: Extra::new(),
        }
    }
}

impl ErrorResponse {
    /// The envelope around `error`, with `success: false`.
    pub fn new(error: ErrorDetail) -> Self {
        Self {
            error,
            success: false,
            trace_id: None,
            extra: Extra::new(),
        }
    }
}

/// Any JSON value; an integer that fits `T` becomes `Some`, anything else
/// (a float, a string, a huge or negative number, `null`) `None`.
fn lenient_int<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_u64().and_then(|n| T::try_from(n).ok()),
        _ => None,
    })
}

fn lenient_code<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ErrorCode>, D::Error> {
    lenient_int::<D, u32>(d).map(|n| n.map(ErrorCode::from_u32))
}

macro_rules! error_codes {
    ($($(#[$doc:meta])* $name:ident = $num:literal,)*) => {
        /// Linq's numeric error code. Codes this version does not know are
        /// kept as [`ErrorCode::Other`] with their number.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$doc])* $name,)*
            /// A code this version of the SDK does not name.
            Other(u32),
        }

        impl ErrorCode {
            /// The code for `number`, named when known.
            pub fn from_u32(number: u32) -> Self {
                match number {
                    $($num => Self::$name,)*
                    other => Self::Other(other),
                }
            }

            /// The number sent on the wire.
            pub fn as_u32(self) -> u32 {
                match self {
                    $(Self::$name => $num,)*
                    Self::Other(n) => n,
                }
            }

            /// The code's name, or `None` for an unknown code.
            pub fn name(self) -> Option<&'static str> {
                match self {
                    $(Self::$name => Some(stringify!($name)),)*
                    Self::Other(_) => None,
                }
            }
        }
    };
}

error_codes! {
    /// A required field is missing.
    MissingRequiredField = 1001,
    /// A phone number is not in E.164 form.
    InvalidPhoneFormat = 1002,
    /// The request body could not be understood.
    InvalidRequestBody = 1003,
    /// The message content is not acceptable.
    InvalidMessageContent = 1004,
    /// A parameter has a value the server does not accept.
    InvalidParameterValue = 1005,
    /// A direct (one-to-one) chat cannot be changed that way.
    CannotUpdateDm = 1006,
    /// Too many requests.
    RateLimitExceeded = 1007,
    /// No such chat.
    ChatNotFound = 2001,
    /// No such message.
    MessageNotFound = 2002,
    /// No such attachment.
    AttachmentNotFound = 2003,
    /// The API key is missing or wrong.
    Unauthorized = 2004,
    /// The key may not do this.
    AccessDenied = 2005,
    /// The key may not use this phone number.
    PhonePermissionDenied = 2006,
    /// The attachment is still being processed.
    AttachmentNotReady = 2007,
    /// The recipient may not be messaged.
    RecipientNotAllowed = 2008,
    /// The server lost its database connection.
    DatabaseConnection = 3001,
    /// A database query failed on the server.
    DatabaseQuery = 3002,
    /// The server lost its event stream connection.
    EventStreamConnection = 3003,
    /// The server could not publish an event.
    EventStreamPublish = 3004,
    /// A network timeout inside the server.
    NetworkTimeout = 3005,
    /// An unexpected server error.
    InternalServerError = 3006,
    /// The server gave up after its own retries.
    RetriesExhausted = 3007,
    /// The message could not be delivered.
    DeliveryFailed = 4001,
    /// The phone number is not available.
    PhoneNotAvailable = 4002,
    /// A webhook could not be delivered.
    WebhookDeliveryFailed = 4003,
    /// A service the request needs is down.
    ServiceUnavailable = 4004,
    /// A file upload failed.
    FileUploadFailed = 5001,
    /// A file download failed.
    FileDownloadFailed = 5002,
    /// No presigned URL could be made.
    PresignedUrlFailed = 5003,
    /// The file type is not supported.
    InvalidFileType = 5004,
    /// The file is too large.
    FileTooLarge = 5005,
    /// The file's content does not match its declared type.
    ContentTypeMismatch = 5006,
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{} ({name})", self.as_u32()),
            None => write!(f, "{}", self.as_u32()),
        }
    }
}

impl From<u32> for ErrorCode {
    fn from(n: u32) -> Self {
        Self::from_u32(n)
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.as_u32())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        u32::deserialize(d).map(Self::from_u32)
    }
}
