//! Every operation as data a program can read at run time: its id, method,
//! path, parameters and a JSON Schema of its arguments.
//!
//! This is what a command line or an agent tool is generated from: each
//! names an operation by id and passes one flat JSON object of arguments
//! (path parameters, query parameters and body fields, by their API names).
//! [`OperationInfo::build`] checks them exactly as the resource methods
//! check theirs and builds the typed operation, so the request is the same
//! on the wire whichever way it was written.
//!
//! ```
//! use linq_types::{Operation, catalog};
//!
//! let info = catalog::find("chats.participants.add").unwrap();
//! assert_eq!((info.http_method, info.path), ("POST", "/v3/chats/{chatId}/participants"));
//!
//! let args = serde_json::json!({
//!     "chatId": "550e8400-e29b-41d4-a716-446655440000",
//!     "handle": "+12052499136",
//! });
//! let op = info.build(args.as_object().unwrap()).unwrap();
//! assert_eq!(op.id(), "chats.participants.add");
//!
//! let bad = serde_json::json!({"chatId": "550e8400-e29b-41d4-a716-446655440000", "handle": "12"});
//! assert!(info.build(bad.as_object().unwrap()).is_err());
//! ```

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::operation::Effect;
use crate::{AnyOperation, IntoValid, InvalidValue};

pub use crate::generated::catalog::OPERATIONS;

/// One operation, described for programs that choose it at run time.
#[derive(Debug)]
#[non_exhaustive]
pub struct OperationInfo {
    /// The official SDKs' name: `chats.participants.add`.
    pub id: &'static str,
    /// The dotted path of its resource: `chats.participants`.
    pub resource: &'static str,
    /// The method's name on that resource in this SDK: `add`.
    pub method_name: &'static str,
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    pub http_method: &'static str,
    /// The path template: `/v3/chats/{chatId}/participants`.
    pub path: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// Whether sending it twice could act twice.
    pub effect: Effect,
    /// It changes nothing.
    pub read_only: bool,
    /// It deletes, removes, cancels or revokes something.
    pub destructive: bool,
    /// Sending it again ends in the same state.
    pub idempotent: bool,
    /// The API will drop it.
    pub deprecated: bool,
    /// It lists a page at a time (`cursor` in, `next_cursor` out).
    pub paginated: bool,
    /// Path parameters, then required fields in argument order, then the
    /// optional ones.
    pub params: &'static [ParamInfo],
    /// A JSON Schema (draft 2020-12) of the flat arguments object.
    pub arguments_schema: &'static str,
    pub(crate) build: fn(&Args<'_>) -> Result<AnyOperation, InvalidValue>,
}

/// One argument of an operation.
#[derive(Debug)]
#[non_exhaustive]
pub struct ParamInfo {
    /// Its API name: `chatId`, `limit`, `handle`.
    pub name: &'static str,
    /// Where it goes in the request.
    pub location: ParamLocation,
    /// Whether the operation needs it.
    pub required: bool,
    /// What kind of value it takes.
    pub kind: ParamKind,
    /// One line on what it is.
    pub description: &'static str,
}

/// Where an argument goes in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// A segment of the path.
    Path,
    /// A query parameter.
    Query,
    /// A field of the JSON body.
    Body,
}

/// The kind of value an argument takes, for a program that reads it from
/// text (a command line flag, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// Text: ids, handles, enum values and times included.
    String,
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A list of text values.
    StringList,
    /// Anything else (an object, a list of objects, a union): JSON.
    Json,
}

/// Finds an operation by its id (`chats.create`).
pub fn find(id: &str) -> Option<&'static OperationInfo> {
    OPERATIONS.iter().find(|op| op.id == id)
}

impl OperationInfo {
    /// Checks one flat object of arguments and builds the operation.
    ///
    /// Unknown names and missing required arguments are refused; ids and
    /// handles are checked as the resource methods check them; everything
    /// else must decode into the operation's typed query and body.
    pub fn build(&self, arguments: &Map<String, Value>) -> Result<AnyOperation, InvalidValue> {
        if let Some(unknown) = arguments
            .keys()
            .find(|k| !self.params.iter().any(|p| p.name == k.as_str()))
        {
            let known: Vec<&str> = self.params.iter().map(|p| p.name).collect();
            return Err(InvalidValue::Other(format!(
                "{} takes no argument `{unknown}` (it takes: {})",
                self.id,
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )));
        }
        if let Some(missing) = self
            .params
            .iter()
            .find(|p| p.required && !arguments.contains_key(p.name))
        {
            return Err(InvalidValue::Other(format!(
                "{} needs the argument `{}`",
                self.id, missing.name
            )));
        }
        (self.build)(&Args {
            info: self,
            arguments,
        })
    }

    /// The parameters that go in a given place.
    pub fn params_in(&self, location: ParamLocation) -> impl Iterator<Item = &ParamInfo> {
        self.params.iter().filter(move |p| p.location == location)
    }
}

/// The arguments of one call, checked against its [`OperationInfo`]; the
/// generated builders read them.
pub(crate) struct Args<'a> {
    info: &'a OperationInfo,
    arguments: &'a Map<String, Value>,
}

impl Args<'_> {
    /// A path parameter, validated into its id type.
    pub(crate) fn path<T>(&self, name: &'static str) -> Result<T, InvalidValue>
    where
        for<'s> &'s str: IntoValid<T>,
    {
        match self.arguments.get(name) {
            Some(Value::String(text)) => text.as_str().into_valid(),
            Some(other) => Err(InvalidValue::Other(format!(
                "`{name}` must be a string, not {other}"
            ))),
            None => Err(InvalidValue::Other(format!(
                "{} needs the argument `{name}`",
                self.info.id
            ))),
        }
    }

    /// The query parameters, decoded into the operation's query type.
    pub(crate) fn query<T: DeserializeOwned>(&self) -> Result<T, InvalidValue> {
        self.decode(ParamLocation::Query)
    }

    /// The body fields, decoded into the operation's body type.
    pub(crate) fn body<T: DeserializeOwned>(&self) -> Result<T, InvalidValue> {
        self.decode(ParamLocation::Body)
    }

    fn decode<T: DeserializeOwned>(&self, location: ParamLocation) -> Result<T, InvalidValue> {
        let object: Map<String, Value> = self
            .info
            .params_in(location)
            .filter_map(|p| Some((p.name.to_owned(), self.arguments.get(p.name)?.clone())))
            .collect();
        serde_path_to_error::deserialize(Value::Object(object)).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            // A refused handle or id keeps its own error, so callers can
            // tell which rule was broken.
            InvalidValue::Other(if path == "." {
                inner.to_string()
            } else {
                format!("`{path}`: {inner}")
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Operation;
    use crate::any_operation::wire;

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn every_operation_is_described_once() {
        assert_eq!(OPERATIONS.len(), crate::ops::ALL.len());
        for (info, id) in OPERATIONS.iter().zip(crate::ops::ALL) {
            assert_eq!(info.id, *id);
            let schema: Value = serde_json::from_str(info.arguments_schema).unwrap();
            let props = schema["properties"].as_object().unwrap();
            assert_eq!(props.len(), info.params.len(), "{}", info.id);
            for p in info.params {
                assert!(props.contains_key(p.name), "{}: {}", info.id, p.name);
                let required = schema["required"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|n| n == p.name));
                assert_eq!(required, p.required, "{}: {}", info.id, p.name);
            }
            let path_params = info.params_in(ParamLocation::Path).count();
            assert_eq!(path_params, info.path.matches('{').count(), "{}", info.id);
        }
    }

    #[test]
    fn built_operations_equal_the_typed_ones_on_the_wire() {
        let info = find("chats.create").unwrap();
        let op = info
            .build(&args(serde_json::json!({
                "from": "+12025550100",
                "to": ["+12025550147", "ada@example.com"],
                "message": {"parts": [{"type": "text", "value": "Lunch at noon?"}]},
            })))
            .unwrap();
        let (path, query, body) = wire(&op);
        assert_eq!((path.as_str(), query.as_str()), ("/v3/chats", ""));
        let typed = crate::ops::chats::Create {
            params: crate::models::chats::ChatCreateParams::new(
                "+12025550100".try_into().unwrap(),
                "Lunch at noon?".into(),
                vec![
                    "+12025550147".try_into().unwrap(),
                    "ada@example.com".try_into().unwrap(),
                ],
            ),
        };
        let mut expected = Vec::new();
        typed.write_body(&mut expected).unwrap();
        assert_eq!(body.as_bytes(), expected.as_slice());
        assert_eq!(op.idempotency(), crate::IdempotencyKey::Body);

        let list = find("chats.list_chats").unwrap();
        let op = list
            .build(&args(serde_json::json!({"limit": 2, "cursor": "a b"})))
            .unwrap();
        assert_eq!(wire(&op).1, "cursor=a+b&limit=2");
    }

    #[test]
    fn bad_arguments_are_refused_by_name() {
        let info = find("chats.participants.add").unwrap();
        let chat = "550e8400-e29b-41d4-a716-446655440000";
        let err = |v: Value| info.build(&args(v)).unwrap_err().to_string();
        assert!(err(serde_json::json!({"chatId": chat})).contains("`handle`"));
        assert!(err(serde_json::json!({"chatId": chat, "handle": "+1", "x": 1})).contains("`x`"));
        assert!(
            err(serde_json::json!({"chatId": "nope", "handle": "+12052499136"})).contains("UUID")
        );
        assert!(err(serde_json::json!({"chatId": 5, "handle": "+12052499136"})).contains("string"));
        assert!(err(serde_json::json!({"chatId": chat, "handle": "12"})).contains("handle"));
        let create = find("chats.create").unwrap();
        let chat = |to: Value, text: &str| {
            args(serde_json::json!({
                "from": "+12025550100",
                "to": to,
                "message": {"parts": [{"type": "text", "value": text}]},
            }))
        };
        let refused = |a| create.build(&a).unwrap_err().to_string();
        assert!(refused(chat(serde_json::json!([]), "hi")).contains("`to`"));
        assert!(refused(chat(serde_json::json!(["+12025550147"]), "  ")).contains("blank"));
        let list = find("chats.list_chats").unwrap();
        let e = list
            .build(&args(serde_json::json!({"limit": "many"})))
            .unwrap_err()
            .to_string();
        assert!(e.contains("limit"), "{e}");
    }
}
