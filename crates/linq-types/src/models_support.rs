//! The building blocks the generated models use: open string enums, tagged
//! unions that keep unknown kinds, and "absent / null / value" fields.
//!
//! Written by hand; the generated models (`generated/models/`) only call
//! these macros.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// The fields of a JSON object that its model does not declare, kept as
/// the server sent them and written back when the model is encoded.
///
/// Every model has one (`extra`), so a field a newer server adds, or one
/// the API description leaves out, is never silently lost. Empty costs no
/// allocation: the map is only created when there is something to keep.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Extra(Option<Box<Map<String, Value>>>);

impl Extra {
    /// No fields.
    pub const fn new() -> Self {
        Self(None)
    }

    /// The value of an undeclared field, if the object had it.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.as_ref().and_then(|m| m.get(name))
    }

    /// Adds or replaces a field (encoded after the declared ones).
    pub fn insert(&mut self, name: impl Into<String>, value: Value) -> Option<Value> {
        self.0
            .get_or_insert_with(Default::default)
            .insert(name.into(), value)
    }

    /// Takes a field out.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let m = self.0.as_mut()?;
        let v = m.remove(name);
        if m.is_empty() {
            self.0 = None;
        }
        v
    }

    /// True when the object had no undeclared fields.
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|m| m.is_empty())
    }

    /// How many undeclared fields there are.
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |m| m.len())
    }

    /// The fields, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().flat_map(|m| m.iter())
    }

    /// The fields as a JSON object (empty when there are none).
    pub fn into_map(self) -> Map<String, Value> {
        self.0.map(|m| *m).unwrap_or_default()
    }
}

impl From<Map<String, Value>> for Extra {
    fn from(m: Map<String, Value>) -> Self {
        Self((!m.is_empty()).then(|| Box::new(m)))
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Extra {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Extra {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Map::<String, Value>::deserialize(d).map(Self::from)
    }
}

/// A string enum that keeps values it does not know.
///
/// Each variant names one wire value; anything else decodes as
/// `Unknown(raw)` and encodes back unchanged, so a newer server adding a
/// value breaks nothing.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version of the SDK does not know, as sent.
            Unknown(String),
        }

        impl $name {
            /// Every value this version knows, in the API description's order.
            pub const KNOWN: &'static [&'static str] = &[$($wire),*];

            /// The value as sent on the wire.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Unknown(raw) => raw,
                }
            }

            /// True for a value this version does not know.
            #[must_use]
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $( $wire => Self::$variant, )*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() {
                    $( $wire => Self::$variant, )*
                    _ => Self::Unknown(s),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map(Self::from)
            }
        }
    };
}

/// An enum over JSON objects told apart by a tag field (`"type": "text"`).
///
/// The variant types do not hold the tag; it is added when encoding. A tag
/// this version does not know decodes as `Unknown { tag, raw }`, with the
/// whole object kept.
macro_rules! tagged_union {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident tag $tag:literal {
            $( $(#[$vmeta:meta])* $variant:ident($ty:ty) = $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        // Variants are held inline so they can be matched and built without
        // a Box; an app card part is the large one.
        #[allow(clippy::large_enum_variant)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant($ty), )*
            /// A kind this version of the SDK does not know.
            Unknown {
                /// The tag as sent.
                tag: String,
                /// The whole object as sent.
                raw: serde_json::Value,
            },
        }

        impl $name {
            /// The tag value for this kind.
            #[must_use]
            pub fn tag(&self) -> &str {
                match self {
                    $( Self::$variant(_) => $wire, )*
                    Self::Unknown { tag, .. } => tag,
                }
            }
        }

        $(
            impl From<$ty> for $name {
                fn from(v: $ty) -> Self {
                    Self::$variant(v)
                }
            }
        )*

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::Error as _;
                let (tag, value) = match self {
                    $( Self::$variant(v) => (
                        $wire,
                        serde_json::to_value(v).map_err(S::Error::custom)?,
                    ), )*
                    Self::Unknown { raw, .. } => return raw.serialize(s),
                };
                let serde_json::Value::Object(mut map) = value else {
                    return Err(S::Error::custom(concat!(stringify!($name), ": variant is not an object")));
                };
                map.insert($tag.to_owned(), serde_json::Value::from(tag));
                map.serialize(s)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                use serde::de::Error as _;
                let raw = serde_json::Value::deserialize(d)?;
                let tag = raw
                    .get($tag)
                    .and_then(serde_json::Value::as_str)
                    .ok_or_else(|| D::Error::missing_field($tag))?
                    .to_owned();
                match tag.as_str() {
                    $( $wire => {
                        // The tag belongs to the union, not to the variant's `extra`.
                        let mut raw = raw;
                        if let Some(map) = raw.as_object_mut() {
                            map.remove($tag);
                        }
                        serde_json::from_value(raw).map(Self::$variant).map_err(D::Error::custom)
                    } )*
                    _ => Ok(Self::Unknown { tag, raw }),
                }
            }
        }
    };
}

pub(crate) use {open_enum, tagged_union};

/// Decodes a field that may be absent (`None`), `null` (`Some(None)`) or a
/// value (`Some(Some(v))`); use with `#[serde(default)]`.
pub(crate) fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}
