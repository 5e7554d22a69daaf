//! Handles: the addresses Linq delivers to, an E.164 phone number or an email.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest email address accepted (the SMTP path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// A validated recipient or sender address.
///
/// It is either an E.164 phone number (`+` then 7 to 15 digits, the first
/// of them 1–9; under `+1`, the North American plan, exactly 10 after it)
/// or an email address. The text is kept exactly as given, so what goes on
/// the wire is what the caller wrote; [`parse_lenient`](Self::parse_lenient)
/// reads numbers as people write them (`(202) 555-0142`). A handle the
/// server sends is taken without the per-country length rule.
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
    /// The right number of digits for E.164 but not for the country code:
    /// numbers under `+1` (the North American plan) have exactly 10 digits
    /// after it.
    #[error("phone numbers under +{country_code} have {expected} digits after it, found {found}")]
    PhoneWrongLength {
        /// The country calling code.
        country_code: u16,
        /// Digits after the country code that it needs.
        expected: usize,
        /// Digits after the country code found.
        found: usize,
    },
    /// [`Handle::parse_lenient`] was given a region it does not know.
    #[error(
        "unknown region {0:?}: give an ISO 3166 code such as \"US\" or \"GB\", or the number with '+'"
    )]
    UnknownRegion(String),
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

    /// Reads a phone number as people write it and returns it in E.164:
    /// spaces, dashes, dots, slashes and parentheses are dropped; a number
    /// with `+`, `00` (or `011` in North America) is international; any other
    /// is national to `default_region` (an ISO 3166 code such as `"US"`),
    /// its trunk prefix (`1` in North America, `0` in most of Europe)
    /// dropped. An email address is checked as by [`parse`](Self::parse).
    ///
    /// ```
    /// use linq_types::Handle;
    ///
    /// for written in ["+1 (202) 555-0142", "(202) 555-0142", "202.555.0142", "1-202-555-0142"] {
    ///     assert_eq!(Handle::parse_lenient(written, "US")?.as_str(), "+12025550142");
    /// }
    /// assert_eq!(Handle::parse_lenient("020 7946 0018", "GB")?.as_str(), "+442079460018");
    /// assert!(Handle::parse_lenient("(202) 555-014", "US").is_err()); // 9 digits
    /// # Ok::<(), linq_types::HandleError>(())
    /// ```
    pub fn parse_lenient(input: &str, default_region: &str) -> Result<Self, HandleError> {
        let text = input.trim();
        if text.contains('@') {
            return Self::parse(text);
        }
        let region = REGIONS
            .iter()
            .find(|r| r.0.eq_ignore_ascii_case(default_region))
            .ok_or_else(|| HandleError::UnknownRegion(default_region.chars().take(8).collect()))?;
        let (_, country_code, trunk, international) = *region;
        let mut digits = String::with_capacity(text.len());
        let mut plus = false;
        for (index, c) in text.char_indices() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if digits.is_empty() && !plus => plus = true,
                ' ' | '-' | '.' | '/' | '(' | ')' | '\u{a0}' => {}
                found => return Err(HandleError::PhoneInvalidCharacter { found, index }),
            }
        }
        if digits.is_empty() {
            return Err(if plus {
                HandleError::PhoneTooShort { digits: 0 }
            } else {
                HandleError::Unrecognised
            });
        }
        let e164 = if plus {
            format!("+{digits}")
        } else if let Some(rest) = digits
            .strip_prefix(international)
            .or_else(|| digits.strip_prefix("00"))
        {
            format!("+{rest}")
        } else {
            let national = match digits.strip_prefix(trunk) {
                // North America's trunk `1` is a digit a national number
                // cannot start with; elsewhere the trunk `0` likewise.
                Some(rest) if !trunk.is_empty() => rest,
                _ => digits.as_str(),
            };
            format!("+{country_code}{national}")
        };
        Self::try_from(e164)
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

/// (ISO 3166 code, country calling code, trunk prefix, international
/// prefix) for [`Handle::parse_lenient`].
const REGIONS: &[(&str, u16, &str, &str)] = &[
    ("US", 1, "1", "011"),
    ("CA", 1, "1", "011"),
    ("PR", 1, "1", "011"),
    ("GB", 44, "0", "00"),
    ("IE", 353, "0", "00"),
    ("FR", 33, "0", "00"),
    ("DE", 49, "0", "00"),
    ("ES", 34, "", "00"),
    ("IT", 39, "", "00"),
    ("NL", 31, "0", "00"),
    ("AU", 61, "0", "0011"),
    ("NZ", 64, "0", "00"),
    ("IN", 91, "0", "00"),
    ("MX", 52, "", "00"),
    ("BR", 55, "0", "00"),
    ("JP", 81, "0", "010"),
];

/// Digits after the country code, where that is certain for every number
/// under it: the North American plan's 10.
const FIXED_LENGTHS: &[(&str, u16, usize)] = &[("1", 1, 10)];

fn classify(text: &str) -> Result<HandleKind, HandleError> {
    let kind = classify_lenient(text)?;
    if kind == HandleKind::Phone {
        for &(prefix, country_code, expected) in FIXED_LENGTHS {
            if let Some(rest) = text[1..].strip_prefix(prefix) {
                if rest.len() != expected {
                    return Err(HandleError::PhoneWrongLength {
                        country_code,
                        expected,
                        found: rest.len(),
                    });
                }
            }
        }
    }
    Ok(kind)
}

/// The rules without the per-country lengths: what the server sends is
/// taken even when a rule for what callers write would refuse it.
fn classify_lenient(text: &str) -> Result<HandleKind, HandleError> {
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
        let kind = classify_lenient(&text).map_err(serde::de::Error::custom)?;
        Ok(Handle {
            text: text.into_boxed_str(),
            kind,
        })
    }
}
