//! The building blocks the generated models use: open string enums, tagged
//! unions that keep unknown kinds, and "absent / null / value" fields.
//!
//! Written by hand; the generated models (`generated/models/`) only call
//! these macros.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
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
                d.deserialize_str($crate::models_support::StrVisitor::<Self>::new())
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

        impl $crate::models_support::Tagged for $name {
            const TAG: &'static str = $tag;

            fn variant<'de, M: serde::de::MapAccess<'de>>(
                tag: &str,
                fields: M,
            ) -> Result<Result<Self, M>, M::Error> {
                use serde::de::value::MapAccessDeserializer as Fields;
                Ok(Ok(match tag {
                    $( $wire => Self::$variant(serde::Deserialize::deserialize(Fields::new(fields))?), )*
                    _ => return Ok(Err(fields)),
                }))
            }

            fn unknown(tag: String, raw: serde_json::Value) -> Self {
                Self::Unknown { tag, raw }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::models_support::decode_tagged(d)
            }
        }
    };
}

pub(crate) use {open_enum, tagged_union};

/// Decodes a field that may be absent (`None`), `null` (`Some(None)`) or a
/// value (`Some(Some(v))`); use with `#[serde(default)]`.
#[cfg(feature = "webhook-subscriptions")] // its one user today
pub(crate) fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Reads a string into `T` (an open enum) without allocating when the value
/// is one `T` knows.
pub(crate) struct StrVisitor<T>(PhantomData<T>);

impl<T> StrVisitor<T> {
    pub(crate) fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T: for<'a> From<&'a str> + From<String>> Visitor<'_> for StrVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E>(self, v: &str) -> Result<T, E> {
        Ok(T::from(v))
    }
    fn visit_string<E>(self, v: String) -> Result<T, E> {
        Ok(T::from(v))
    }
}

/// An object key, borrowed from the input when it can be.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// A string, or `None` for any other JSON value.
pub(crate) struct Lenient<'de>(pub(crate) Option<Cow<'de, str>>);

impl<'de> Deserialize<'de> for Lenient<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient_str(d).map(Lenient)
    }
}

/// A union over objects told apart by a tag field, as [`tagged_union!`]
/// declares it.
pub(crate) trait Tagged: Sized {
    /// The tag field's name.
    const TAG: &'static str;

    /// Decodes the variant `tag` names from `fields` (the object without its
    /// tag), or hands `fields` back when this version knows no such tag.
    fn variant<'de, M: MapAccess<'de>>(tag: &str, fields: M) -> Result<Result<Self, M>, M::Error>;

    /// The union for a tag this version does not know.
    fn unknown(tag: String, raw: Value) -> Self;
}

/// Decodes a tagged union in one pass over its object: the fields before the
/// tag are kept as values (Linq sends keys in order, so for some kinds the
/// tag comes last), then the variant is decoded from those and the rest of
/// the object as it streams by. Every tag field is left out of the variant
/// (it belongs to the union, not to the variant's `extra`); the first one
/// that is a string names the variant.
pub(crate) fn decode_tagged<'de, D: Deserializer<'de>, T: Tagged>(d: D) -> Result<T, D::Error> {
    d.deserialize_map(TaggedVisitor(PhantomData))
}

struct TaggedVisitor<T>(PhantomData<T>);

impl<'de, T: Tagged> Visitor<'de> for TaggedVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object with a `{}` field", T::TAG)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        use serde::de::Error as _;
        let mut before = Vec::new();
        let tag = loop {
            let Some(Key(key)) = map.next_key()? else {
                return Err(A::Error::missing_field(T::TAG));
            };
            if key != T::TAG {
                before.push((key, map.next_value::<Value>()?));
            } else if let Some(tag) = map.next_value::<Lenient<'de>>()?.0 {
                break tag;
            }
        };
        let fields = Fields {
            before: before.into_iter(),
            pending: None,
            map,
            skip: T::TAG,
        };
        match T::variant(&tag, fields)? {
            Ok(known) => Ok(known),
            Err(mut fields) => {
                let mut raw = Map::new();
                for (key, value) in fields.before.by_ref() {
                    raw.insert(key.into_owned(), value);
                }
                raw.insert(T::TAG.to_owned(), Value::from(&*tag));
                while let Some((key, value)) = fields.map.next_entry::<String, Value>()? {
                    raw.insert(key, value);
                }
                Ok(T::unknown(tag.into_owned(), Value::Object(raw)))
            }
        }
    }
}

/// An object's fields without its tag: those read before the tag, then the
/// rest as they come.
struct Fields<'de, A> {
    before: std::vec::IntoIter<(Cow<'de, str>, Value)>,
    /// The value of the field from `before` whose key was just handed out.
    pending: Option<Value>,
    map: A,
    skip: &'static str,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Fields<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let key = match self.before.next() {
            Some((key, value)) => {
                self.pending = Some(value);
                key
            }
            None => loop {
                match self.map.next_key()? {
                    None => return Ok(None),
                    Some(Key(key)) if key == self.skip => {
                        self.map.next_value::<IgnoredAny>()?;
                    }
                    Some(Key(key)) => break key,
                }
            },
        };
        match key {
            Cow::Borrowed(k) => seed.deserialize(BorrowedStrDeserializer::new(k)),
            Cow::Owned(k) => seed.deserialize(StringDeserializer::new(k)),
        }
        .map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        use serde::de::Error as _;
        match self.pending.take() {
            Some(value) => seed.deserialize(value).map_err(A::Error::custom),
            None => self.map.next_value_seed(seed),
        }
    }
}

/// A string, borrowed when the body allows; any other JSON value is `None`.
pub(crate) fn lenient_str<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Cow<'de, str>>, D::Error> {
    struct Lenient;

    impl<'de> Visitor<'de> for Lenient {
        type Value = Option<Cow<'de, str>>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(v)))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_owned())))
        }
        fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v)))
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }

    d.deserialize_any(Lenient)
}
