//! The API description the sandbox is built from: the operations it routes,
//! a sample generator that fills any schema with plausible values, and a
//! small conformance checker for replies.
//!
//! The description is `spec/linq-api-v3.json`, compiled into the crate.

use std::sync::OnceLock;

use http::Method;
use serde_json::{Map, Value};

const SPEC_TEXT: &str = include_str!("../../../spec/linq-api-v3.json");

/// One operation of the API, as the description lists it.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Its id, such as `chats.participants.add`.
    pub id: String,
    /// HTTP method.
    pub method: Method,
    /// Path template, such as `/v3/chats/{chatId}/participants`.
    pub path: String,
    /// The success status the description gives.
    pub status: u16,
    /// Schema of the JSON request body, if it takes one.
    pub request: Option<Value>,
    /// Schema of the success reply body, if it has one.
    pub response: Option<Value>,
    /// Query parameters: name, whether required, schema.
    pub query: Vec<(String, bool, Value)>,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone)]
enum Segment {
    Literal(String),
    Param(String),
}

impl Operation {
    /// Names of the path parameters, in order.
    pub fn path_params(&self) -> Vec<&str> {
        self.segments
            .iter()
            .filter_map(|s| match s {
                Segment::Param(name) => Some(name.as_str()),
                Segment::Literal(_) => None,
            })
            .collect()
    }

    fn literal_count(&self) -> usize {
        self.segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count()
    }

    fn matches(&self, segments: &[String]) -> Option<Vec<(String, String)>> {
        if segments.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (want, got) in self.segments.iter().zip(segments) {
            match want {
                Segment::Literal(text) if text == got => {}
                Segment::Literal(_) => return None,
                Segment::Param(name) if !got.is_empty() => params.push((name.clone(), got.clone())),
                Segment::Param(_) => return None,
            }
        }
        Some(params)
    }
}

/// The whole description, parsed once.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::from_str(SPEC_TEXT).expect("the embedded spec is JSON"))
}

/// Every operation in the description, in its order.
pub fn operations() -> &'static [Operation] {
    static OPS: OnceLock<Vec<Operation>> = OnceLock::new();
    OPS.get_or_init(|| {
        let mut ops = Vec::new();
        let paths = document()["paths"].as_object().expect("paths");
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                let Ok(method) = method.to_ascii_uppercase().parse::<Method>() else {
                    continue;
                };
                let Some(id) = op["operationId"].as_str() else {
                    continue;
                };
                let (status, response) = success(op);
                let request = op["requestBody"]["content"]["application/json"]["schema"]
                    .as_object()
                    .map(|s| Value::Object(s.clone()));
                let query = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "query")
                    .map(|p| {
                        (
                            p["name"].as_str().unwrap_or_default().to_owned(),
                            p["required"].as_bool().unwrap_or(false),
                            p["schema"].clone(),
                        )
                    })
                    .collect();
                let segments = path
                    .trim_matches('/')
                    .split('/')
                    .map(
                        |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(name) => Segment::Param(name.to_owned()),
                            None => Segment::Literal(s.to_owned()),
                        },
                    )
                    .collect();
                ops.push(Operation {
                    id: id.to_owned(),
                    method,
                    path: path.clone(),
                    status,
                    request,
                    response,
                    query,
                    segments,
                });
            }
        }
        ops
    })
}

fn success(op: &Value) -> (u16, Option<Value>) {
    let Some(responses) = op["responses"].as_object() else {
        return (200, None);
    };
    for (code, reply) in responses {
        let Ok(code) = code.parse::<u16>() else {
            continue;
        };
        if (200..300).contains(&code) {
            let schema = reply["content"]
                .as_object()
                .and_then(|c| c.values().next())
                .map(|c| c["schema"].clone())
                .filter(|s| !s.is_null());
            return (code, schema);
        }
    }
    (200, None)
}

/// How a request's path matched the description.
pub(crate) enum Route {
    /// An operation, with its path parameters.
    Found(&'static Operation, Vec<(String, String)>),
    /// No operation has this path.
    NotFound,
}

/// Finds the operation for `method` and the path segments after the prefix
/// (starting at `v3`). The template with the most literal segments wins.
pub(crate) fn route(method: &Method, segments: &[String]) -> Route {
    let mut best: Option<(&Operation, Vec<(String, String)>)> = None;
    for op in operations().iter().filter(|op| op.method == *method) {
        if let Some(params) = op.matches(segments) {
            if best
                .as_ref()
                .is_none_or(|(b, _)| op.literal_count() > b.literal_count())
            {
                best = Some((op, params));
            }
        }
    }
    match best {
        Some((op, params)) => Route::Found(op, params),
        None => Route::NotFound,
    }
}

/// A schema component by name.
pub fn schema(name: &str) -> &'static Value {
    &document()["components"]["schemas"][name]
}

/// Follows `$ref` until reaching a schema that is not a reference.
pub fn resolve(schema: &Value) -> &Value {
    let mut current = schema;
    for _ in 0..16 {
        let Some(reference) = current["$ref"].as_str() else {
            return current;
        };
        let name = reference.rsplit('/').next().unwrap_or_default();
        current = self::schema(name);
    }
    current
}

/// Where [`sample`] gets the values that must vary or look real.
pub trait Filler {
    /// A fresh UUID.
    fn uuid(&mut self) -> String;
    /// The current time, RFC 3339.
    fn now(&self) -> String;
    /// A phone number to use where the schema wants one.
    fn phone(&self) -> String;
}

/// A value that satisfies `schema`: objects carry their required
/// properties, strings honour `format` (uuid, date-time, uri) and enums
/// take their first value.
pub fn sample(schema: &Value, fill: &mut dyn Filler) -> Value {
    sample_named(schema, "", fill, 0)
}

fn first_type(schema: &Value) -> Option<&str> {
    match &schema["type"] {
        Value::String(t) => Some(t.as_str()),
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .or(Some("null")),
        _ => None,
    }
}

fn sample_named(schema: &Value, name: &str, fill: &mut dyn Filler, depth: usize) -> Value {
    let schema = resolve(schema);
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(alts) = schema[key].as_array() {
            let pick = alts
                .iter()
                .find(|a| resolve(a)["type"] != "null")
                .or(alts.first());
            return match pick {
                Some(alt) => sample_named(alt, name, fill, depth + 1),
                None => Value::Null,
            };
        }
    }
    let kind = first_type(schema).unwrap_or(if schema["properties"].is_object() {
        "object"
    } else {
        "string"
    });
    match kind {
        "object" => {
            let mut out = Map::new();
            if depth > 10 {
                return Value::Object(out);
            }
            let props = &schema["properties"];
            for key in schema["required"].as_array().into_iter().flatten() {
                let Some(key) = key.as_str() else { continue };
                out.insert(
                    key.to_owned(),
                    sample_named(&props[key], key, fill, depth + 1),
                );
            }
            Value::Object(out)
        }
        "array" => {
            if depth > 6 || schema["items"].is_null() {
                Value::Array(Vec::new())
            } else {
                Value::Array(vec![sample_named(&schema["items"], name, fill, depth + 1)])
            }
        }
        "integer" => Value::from(1),
        "number" => Value::from(1.0),
        "boolean" => Value::Bool(false),
        "null" => Value::Null,
        _ => Value::String(sample_string(schema, name, fill)),
    }
}

fn sample_string(schema: &Value, name: &str, fill: &mut dyn Filler) -> String {
    match schema["format"].as_str() {
        Some("uuid") => return fill.uuid(),
        Some("date-time") => return fill.now(),
        Some("uri") => {
            return format!("https://sandbox.linq.invalid/{}", name_or(name, "resource"));
        }
        Some("email") => return "person@example.com".into(),
        _ => {}
    }
    match name {
        "phone_number" | "from" | "handle" | "address" | "to" | "forwarding_number" | "phone" => {
            fill.phone()
        }
        "id" => fill.uuid(),
        n if n.ends_with("_id") => fill.uuid(),
        n if n.ends_with("_at") => fill.now(),
        n if n.ends_with("url") => format!("https://sandbox.linq.invalid/{n}"),
        "" => "sample".into(),
        n => format!("sample {n}"),
    }
}

fn name_or<'a>(name: &'a str, fallback: &'a str) -> &'a str {
    if name.is_empty() { fallback } else { name }
}

/// Checks `value` against `schema`: types, required properties, enums,
/// consts and the uuid / date-time formats. Returns the first mismatch,
/// with its JSON path.
pub fn check(value: &Value, schema: &Value) -> Result<(), String> {
    check_at(value, schema, "$")
}

fn check_at(value: &Value, schema: &Value, at: &str) -> Result<(), String> {
    let schema = resolve(schema);
    if let Some(c) = schema.get("const") {
        if value != c {
            return Err(format!("{at}: expected {c}, found {value}"));
        }
    }
    if let Some(options) = schema["enum"].as_array() {
        if !options.contains(value) {
            return Err(format!("{at}: {value} is not one of {options:?}"));
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(alts) = schema[key].as_array() {
            let mut errors = Vec::new();
            for alt in alts {
                match check_at(value, alt, at) {
                    Ok(()) => return Ok(()),
                    Err(e) => errors.push(e),
                }
            }
            return Err(format!(
                "{at}: matches no alternative ({})",
                errors.join("; ")
            ));
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() && !types.iter().any(|t| type_matches(t, value)) {
        return Err(format!("{at}: expected {types:?}, found {value}"));
    }
    match value {
        Value::Object(map) => {
            for key in schema["required"].as_array().into_iter().flatten() {
                let key = key.as_str().unwrap_or_default();
                if !map.contains_key(key) {
                    return Err(format!("{at}: missing required property {key:?}"));
                }
            }
            if let Some(props) = schema["properties"].as_object() {
                for (key, child) in map {
                    if let Some(sub) = props.get(key) {
                        check_at(child, sub, &format!("{at}.{key}"))?;
                    }
                }
            }
        }
        Value::Array(items) if !schema["items"].is_null() => {
            for (i, item) in items.iter().enumerate() {
                check_at(item, &schema["items"], &format!("{at}[{i}]"))?;
            }
        }
        Value::String(s) => match schema["format"].as_str() {
            Some("uuid") if !linq_types::is_uuid(s) => {
                return Err(format!("{at}: {s:?} is not a UUID"));
            }
            Some("date-time") if !looks_like_date_time(s) => {
                return Err(format!("{at}: {s:?} is not an RFC 3339 date-time"));
            }
            _ => {}
        },
        _ => {}
    }
    Ok(())
}

fn type_matches(kind: &str, value: &Value) -> bool {
    match kind {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => true,
    }
}

fn looks_like_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b't')
        && b[13] == b':'
        && (s.ends_with('Z') || s[19..].contains(['+', '-']))
}
