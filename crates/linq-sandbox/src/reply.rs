//! What a handler answers: a [`Reply`] or a [`Fail`] (status, Linq code,
//! message), and the checks on request JSON that refuse with a `Fail`.
//! Handlers, the state's shared rules and mock mode all answer this way.

use serde_json::{Map, Value};

/// An error reply: status, Linq code and message.
#[derive(Debug, Clone)]
pub(crate) struct Fail {
    pub status: u16,
    pub code: u32,
    pub message: String,
}

/// A success reply.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    /// Made up from the reply's schema, not from state: marked with the
    /// `x-sandbox-sampled` header.
    pub sampled: bool,
}

impl Reply {
    pub(crate) fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            sampled: false,
        }
    }

    pub(crate) fn empty(status: u16) -> Self {
        Self {
            status,
            body: None,
            sampled: false,
        }
    }

    pub(crate) fn sampled(mut self) -> Self {
        self.sampled = true;
        self
    }
}

pub(crate) type Handled = Result<Reply, Fail>;

pub(crate) fn fail(status: u16, code: u32, message: impl Into<String>) -> Fail {
    Fail {
        status,
        code,
        message: message.into(),
    }
}

pub(crate) fn bad(code: u32, message: impl Into<String>) -> Fail {
    fail(400, code, message)
}

pub(crate) fn chat_not_found() -> Fail {
    fail(404, 2001, "Chat not found")
}

pub(crate) fn message_not_found() -> Fail {
    fail(404, 2002, "Message not found")
}

pub(crate) fn not_found() -> Fail {
    fail(404, 2001, "Resource not found")
}

pub(crate) fn required<'m>(map: &'m Map<String, Value>, key: &str) -> Result<&'m Value, Fail> {
    match map.get(key) {
        Some(v) if !v.is_null() => Ok(v),
        _ => Err(bad(1001, format!("Missing required field: {key}"))),
    }
}

pub(crate) fn required_str<'m>(map: &'m Map<String, Value>, key: &str) -> Result<&'m str, Fail> {
    required(map, key)?
        .as_str()
        .ok_or_else(|| bad(1005, format!("{key} must be a string")))
}

pub(crate) fn optional_str<'m>(
    map: &'m Map<String, Value>,
    key: &str,
) -> Result<Option<&'m str>, Fail> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(1005, format!("{key} must be a string"))),
    }
}

/// Checks a handle the way the API does: E.164 phone number or email.
pub(crate) fn check_handle(text: &str) -> Result<String, Fail> {
    match linq_types::Handle::parse(text) {
        Ok(h) => Ok(h.as_str().to_owned()),
        Err(e) if text.contains('@') => Err(bad(1002, format!("Invalid email address: {e}"))),
        Err(_) => Err(bad(1002, "Phone number must be in E.164 format")),
    }
}
