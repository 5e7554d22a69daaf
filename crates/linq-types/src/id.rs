//! Identifiers: checked when you give them, taken as they come from the server.
//!
//! An id you write (`ChatId::parse`, a `&str` passed to a resource method) is
//! checked: ids the API describes as UUIDs must have the 8-4-4-4-12 hex
//! shape, other ids must be non-empty and free of control characters and dot
//! segments. An id decoded from a reply or an event is kept exactly as the
//! server sent it, whatever its form, so a value the server gave can always
//! be passed back. Every id is percent-encoded when it becomes a path
//! segment, and a segment that would change the request's path (empty, `.`
//! or `..`) is refused before sending, so no id can change the shape of a
//! request.

use std::fmt;

/// Why a string is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The id is empty.
    #[error("{kind} is empty")]
    Empty {
        /// Which id type refused it.
        kind: &'static str,
    },
    /// Not a UUID (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, hex digits).
    #[error("{kind} must be a UUID (8-4-4-4-12 hex digits), got {len} bytes that are not")]
    NotUuid {
        /// Which id type refused it.
        kind: &'static str,
        /// Length of the rejected input (the input itself is not echoed).
        len: usize,
    },
    /// `.` or `..` (also percent-encoded), which would change the path.
    #[error("{kind} must not be a dot segment ('.' or '..')")]
    DotSegment {
        /// Which id type refused it.
        kind: &'static str,
    },
    /// A control character (CR, LF, NUL, …) inside the id.
    #[error("{kind} contains a control character at byte {index}")]
    ControlCharacter {
        /// Which id type refused it.
        kind: &'static str,
        /// Byte offset of the character.
        index: usize,
    },
}

/// True when `s` is a UUID in its canonical hyphenated form (any hex case).
pub(crate) fn is_uuid(s: &str) -> bool {
    let Ok(b) = <&[u8; 36]>::try_from(s.as_bytes()) else {
        return false;
    };
    // Fixed positions: the dashes, then the four groups of hex digits.
    let hex = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_hexdigit);
    b[8] == b'-'
        && b[13] == b'-'
        && b[18] == b'-'
        && b[23] == b'-'
        && hex(0..8)
        && hex(9..13)
        && hex(14..18)
        && hex(19..23)
        && hex(24..36)
}

pub(crate) fn check_uuid(kind: &'static str, s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        Err(IdError::Empty { kind })
    } else if is_uuid(s) {
        Ok(())
    } else {
        Err(IdError::NotUuid { kind, len: s.len() })
    }
}

pub(crate) fn check_opaque(kind: &'static str, s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty { kind });
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "." | ".." | "%2e" | "%2e%2e" | ".%2e" | "%2e."
    ) {
        return Err(IdError::DotSegment { kind });
    }
    match s.char_indices().find(|(_, c)| c.is_control()) {
        Some((index, _)) => Err(IdError::ControlCharacter { kind, index }),
        None => Ok(()),
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $check:path) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Box<str>);

        impl $name {
            /// Validates `s` as this kind of id (the check for input you
            /// write; decoding a reply does not check).
            pub fn parse(s: &str) -> Result<Self, IdError> {
                $check(stringify!($name), s)?;
                Ok(Self(s.into()))
            }

            /// The id as sent on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = IdError;
            fn try_from(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                $check(stringify!($name), &s)?;
                Ok(Self(s.into_boxed_str()))
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({:?})"), &*self.0)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        /// Any string: what the server sends is kept as sent, unchecked.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map(|s| Self(s.into_boxed_str()))
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0.into_string()
            }
        }

        impl From<&$name> for String {
            fn from(id: &$name) -> String {
                id.0.as_ref().to_owned()
            }
        }
    };
}

id_type!(
    /// A chat's id (a UUID).
    ChatId, check_uuid
);
id_type!(
    /// A message's id (a UUID).
    MessageId, check_uuid
);
id_type!(
    /// An attachment's id (a UUID).
    AttachmentId, check_uuid
);
id_type!(
    /// A reaction's id.
    ReactionId, check_opaque
);
id_type!(
    /// A webhook subscription's id.
    SubscriptionId, check_opaque
);
id_type!(
    /// A phone number's id (as opposed to the number itself).
    PhoneNumberId, check_opaque
);
id_type!(
    /// A payment request's id.
    PaymentRequestId, check_opaque
);
id_type!(
    /// A payment's id.
    PaymentId, check_opaque
);
id_type!(
    /// A reputation audit's id.
    AuditId, check_opaque
);
id_type!(
    /// A payment provider's name in a path, such as `stripe`.
    PaymentProviderId, check_opaque
);
id_type!(
    /// An experience's name in a path.
    ExperienceId, check_opaque
);

#[cfg(test)]
mod tests {
    use super::is_uuid;
    use proptest::prelude::*;

    /// The plain statement of the rule, to check the fast one against.
    fn reference(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 36
            && b.iter().enumerate().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => *c == b'-',
                _ => c.is_ascii_hexdigit(),
            })
    }

    #[test]
    fn uuids_are_told_from_near_misses() {
        assert!(is_uuid("550e8400-e29b-41d4-a716-446655440000"));
        assert!(is_uuid("550E8400-E29B-41D4-A716-446655440000"));
        for s in [
            "",
            "550e8400-e29b-41d4-a716-44665544000",
            "550e8400-e29b-41d4-a716-4466554400000",
            "550e8400ae29b-41d4-a716-446655440000",
            "550e8400-e29b-41d4-a716-44665544000g",
            "g50e8400-e29b-41d4-a716-446655440000",
            "550e8400-e29b-41d4-a716-44665544000é",
        ] {
            assert!(!is_uuid(s), "{s:?}");
        }
    }

    proptest! {
        #[test]
        fn fast_check_agrees_with_the_rule(s in "[0-9a-fA-Fg-][0-9a-fA-F-]{30,36}[0-9a-fA-Fé-]{0,2}") {
            prop_assert_eq!(is_uuid(&s), reference(&s));
        }
    }
}
