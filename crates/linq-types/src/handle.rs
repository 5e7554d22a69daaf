//! Handles: the addresses Linq delivers to, an E.164 phone number or an email.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest email address accepted (the SMTP path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// A validated recipient or sender address.
///
/// It is either an E.164 phone number (`+` then 7 to 15 digits, the first
/// of them 1–9) or an email address. The text is kept exactly as given, so
/// what goes on the wire is what the caller wrote.
///
/// ```
/// use linq_types::{Handle, HandleKind};
///
/// let phone: Handle = "+12052499136".parse()?;
/// assert_eq!(phone.kind(), HandleKind::Phone);
/// assert!("+1 205 249 9136".parse::<Handle>().is_err());
/// # Ok::<(), linq_types::HandleError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Handle {
    text: Box<str>,
    kind: HandleKind,
}

/// Which kind of address a [`Handle`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HandleKind {
    /// An E.164 phone number.
    Phone,
    /// An email address.
    Email,
}

/// Why a string is not a valid [`Handle`]; each variant names the rule broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandleError {
    /// The string is empty.
    #[error("handle is empty")]
    Empty,
    /// Neither a `+` phone number nor an address with `@`.
    #[error("handle is neither an E.164 phone number (+ and digits) nor an email address")]
    Unrecognised,
    /// Looks like a phone number but does not start with `+`.
    #[error("phone number must start with '+' (E.164)")]
    PhoneMissingPlus,
    /// The first digit after `+` is 0.
    #[error("phone number must not start with 0 after '+' (E.164 country codes start 1-9)")]
    PhoneLeadingZero,
    /// Something other than a digit after the `+`.
    #[error("phone number may contain only digits after '+', found {found:?} at byte {index}")]
    PhoneInvalidCharacter {
        /// The offending character.
        found: char,
        /// Its byte offset in the input.
        index: usize,
    },
    /// Fewer than 7 digits.
    #[error("phone number has {digits} digits, fewer than the minimum of 7")]
    PhoneTooShort {
        /// Digits found.
        digits: usize,
    },
    /// More than 15 digits.
    #[error("phone number has {digits} digits, more than the E.164 maximum of 15")]
    PhoneTooLong {
        /// Digits found.
        digits: usize,
    },
    /// More than one `@`.
    #[error("email address must contain exactly one '@'")]
    EmailManyAt,
    /// Nothing before the `@`.
    #[error("email address has an empty local part before '@'")]
    EmailEmptyLocalPart,
    /// The domain has no dot, or an empty label (`a@.com`, `a@b..c`, `a@b.`).
    #[error("email domain must contain a dot and no empty labels")]
    EmailBadDomain,
    /// Whitespace or a control character somewhere in the address.
    #[error("email address contains whitespace or a control character at byte {index}")]
    EmailInvalidCharacter {
        /// Byte offset of the first offending character.
        index: usize,
    },
    /// Longer than [`MAX_EMAIL_LEN`].
    #[error("email address is {len} bytes long, more than the maximum of 254")]
    EmailTooLong {
        /// Length found.
        len: usize,
    },
}

impl Handle {
    /// Validates `text` as a handle.
    pub fn parse(text: &str) -> Result<Self, HandleError> {
        let kind = classify(text)?;
        Ok(Self {
            text: text.into(),
            kind,
        })
    }

    /// The handle exactly as it goes on the wire.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Phone number or email.
    pub fn kind(&self) -> HandleKind {
        self.kind
    }

    /// True for an E.164 phone number.
    pub fn is_phone(&self) -> bool {
        self.kind == HandleKind::Phone
    }

    /// True for an email address.
    pub fn is_email(&self) -> bool {
        self.kind == HandleKind::Email
    }
}

fn classify(text: &str) -> Result<HandleKind, HandleError> {
    if text.is_empty() {
        return Err(HandleError::Empty);
    }
    if text.contains('@') {
        check_email(text)?;
        return Ok(HandleKind::Email);
    }
    check_phone(text)?;
    Ok(HandleKind::Phone)
}

fn check_phone(text: &str) -> Result<(), HandleError> {
    let Some(digits) = text.strip_prefix('+') else {
        return Err(if text.starts_with(|c: char| c.is_ascii_digit()) {
            HandleError::PhoneMissingPlus
        } else {
            HandleError::Unrecognised
        });
    };
    if let Some((i, found)) = digits.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        return Err(HandleError::PhoneInvalidCharacter {
            found,
            index: i + 1,
        });
    }
    if digits.starts_with('0') {
        return Err(HandleError::PhoneLeadingZero);
    }
    match digits.len() {
        n if n < 7 => Err(HandleError::PhoneTooShort { digits: n }),
        n if n > 15 => Err(HandleError::PhoneTooLong { digits: n }),
        _ => Ok(()),
    }
}

fn check_email(text: &str) -> Result<(), HandleError> {
    if text.len() > MAX_EMAIL_LEN {
        return Err(HandleError::EmailTooLong { len: text.len() });
    }
    if let Some((index, _)) = text
        .char_indices()
        .find(|(_, c)| c.is_whitespace() || c.is_control())
    {
        return Err(HandleError::EmailInvalidCharacter { index });
    }
    let (local, domain) = text.split_once('@').ok_or(HandleError::Unrecognised)?;
    if domain.contains('@') {
        return Err(HandleError::EmailManyAt);
    }
    if local.is_empty() {
        return Err(HandleError::EmailEmptyLocalPart);
    }
    if !domain.contains('.') || domain.split('.').any(str::is_empty) {
        return Err(HandleError::EmailBadDomain);
    }
    Ok(())
}

impl FromStr for Handle {
    type Err = HandleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for Handle {
    type Error = HandleError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Handle {
    type Error = HandleError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let kind = classify(&s)?;
        Ok(Self {
            text: s.into_boxed_str(),
            kind,
        })
    }
}

impl AsRef<str> for Handle {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Handle({:?})", &*self.text)
    }
}

impl Serialize for Handle {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Handle {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Handle::try_from(text).map_err(serde::de::Error::custom)
    }
}
