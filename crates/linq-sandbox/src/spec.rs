//! The API description the sandbox is built from: the operations it routes,
//! a sample generator that fills any schema with plausible values, and a
//! small conformance checker for replies.
//!
//! The description is a copy of the workspace's `spec/linq-api-v3.json`
//! kept inside the crate (so the published crate builds), compiled in; a
//! test checks the two are identical.

use std::sync::OnceLock;

use http::Method;
use serde_json::{Map, Value};

/// The API description's text, as compiled in.
pub const SPEC_TEXT: &str = include_str!("../spec/linq-api-v3.json");

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
    /// The success reply's media type (`application/json`, or
    /// `application/geo+json` for a location).
    pub content_type: String,
    /// Query parameters: name, whether required, schema.
    pub query: Vec<(String, bool, Value)>,
    /// Path parameters: name and schema.
    pub path_schemas: Vec<(String, Value)>,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone)]
enum Segment {
    Literal(String),
    Param(String),
}

impl Operation {
    /// Names of the path parameters, in order.
    #[cfg(test)]
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
                let (status, response, content_type) = success(op);
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
                let path_schemas = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "path")
                    .map(|p| {
                        (
                            p["name"].as_str().unwrap_or_default().to_owned(),
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
                    content_type,
                    query,
                    path_schemas,
                    segments,
                });
            }
        }
        ops
    })
}

fn success(op: &Value) -> (u16, Option<Value>, String) {
    let json = || "application/json".to_owned();
    let Some(responses) = op["responses"].as_object() else {
        return (200, None, json());
    };
    for (code, reply) in responses {
        let Ok(code) = code.parse::<u16>() else {
            continue;
        };
        if (200..300).contains(&code) {
            let content = reply["content"].as_object().and_then(|c| c.iter().next());
            let schema = content
                .map(|(_, c)| c["schema"].clone())
                .filter(|s| !s.is_null());
            let media = content.map_or_else(json, |(media, _)| media.clone());
            return (code, schema, media);
        }
    }
    (200, None, json())
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

/// Whether a schema admits `null`.
fn nullable(schema: &Value) -> bool {
    let schema = resolve(schema);
    let by_type = match &schema["type"] {
        Value::String(t) => t == "null",
        Value::Array(types) => types.iter().any(|t| t == "null"),
        _ => false,
    };
    let by_alternative = ["anyOf", "oneOf"].iter().any(|key| {
        schema[*key]
            .as_array()
            .is_some_and(|alts| alts.iter().any(|a| resolve(a)["type"] == "null"))
    });
    by_type || by_alternative
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
            // A field that may be null is there, as null: the official SDKs
            // declare many of them required (the description lost that).
            for (key, prop) in props.as_object().into_iter().flatten() {
                if !out.contains_key(key) && nullable(prop) {
                    out.insert(key.clone(), Value::Null);
                }
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
        // A reply's `success` says it worked; other flags are off.
        "boolean" => Value::Bool(name == "success"),
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
            Some("uuid") if linq_types::ChatId::parse(s).is_err() => {
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

/// The schema of an event type's `data`, from the description's
/// `UnwrapWebhookEvent` mapping; `None` for types it does not map.
pub fn event_data_schema(event_type: &str) -> Option<Value> {
    let reference =
        schema("UnwrapWebhookEvent")["discriminator"]["mapping"][event_type].as_str()?;
    let name = reference.rsplit('/').next()?;
    let data = &self::schema(name)["properties"]["data"];
    (!data.is_null()).then(|| data.clone())
}

/// Why a request value does not fit its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// Where, as a field path such as `message.parts[0].type`; empty for
    /// the whole value.
    pub path: String,
    /// What is wrong.
    pub reason: String,
    /// A required field is missing (the API's code 1001, not 1005).
    pub missing: bool,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{}: {}", self.path, self.reason)
        }
    }
}

/// Checks a request value against `schema` the way a server would: types,
/// required properties, enums, consts, formats (uuid, date-time, uri),
/// `additionalProperties`, and `anyOf`/`oneOf` (an object's discriminator
/// picks which alternative's mismatch is reported). `at` is the path of
/// `value` itself (empty for a body).
pub fn validate(value: &Value, schema: &Value, at: &str) -> Result<(), Invalid> {
    let schema = resolve(schema);
    let invalid = |reason: String| Invalid {
        path: at.to_owned(),
        reason,
        missing: false,
    };
    if let Some(c) = schema.get("const") {
        if value != c {
            return Err(invalid(format!("must be {c}")));
        }
    }
    if let Some(options) = schema["enum"].as_array() {
        if !options.contains(value) {
            let names: Vec<String> = options.iter().map(Value::to_string).collect();
            return Err(invalid(format!(
                "{value} is not one of {}",
                names.join(", ")
            )));
        }
    }
    for key in ["anyOf", "oneOf"] {
        let Some(alts) = schema[key].as_array() else {
            continue;
        };
        let mut errors = Vec::new();
        for alt in alts {
            match validate(value, alt, at) {
                Ok(()) => return Ok(()),
                Err(e) => errors.push((alt, e)),
            }
        }
        // Report the alternative the value claims to be, if it says.
        if let Some(tag) = discriminator(schema, alts, value) {
            if let Some((_, e)) = errors
                .iter()
                .find(|(alt, _)| tag_of(alt, &tag.0) == Some(tag.1))
            {
                return Err(e.clone());
            }
            return Err(Invalid {
                path: join(at, &tag.0),
                reason: format!("{} is not a known kind", tag.1),
                missing: false,
            });
        }
        let same_type: Vec<_> = errors
            .iter()
            .filter(|(alt, _)| first_type(resolve(alt)).is_none_or(|t| type_matches(t, value)))
            .collect();
        if let [(_, only)] = same_type.as_slice() {
            return Err(only.clone());
        }
        return Err(invalid("matches none of the allowed shapes".into()));
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() && !types.iter().any(|t| type_matches(t, value)) {
        let wanted: Vec<&str> = types.iter().map(|t| article(t)).collect();
        return Err(invalid(format!(
            "must be {}, not {}",
            wanted.join(" or "),
            kind_of(value)
        )));
    }
    match value {
        Value::Object(map) => {
            for key in schema["required"].as_array().into_iter().flatten() {
                let key = key.as_str().unwrap_or_default();
                if !map.contains_key(key) {
                    return Err(Invalid {
                        path: join(at, key),
                        reason: "is required".into(),
                        missing: true,
                    });
                }
            }
            let props = schema["properties"].as_object();
            for (key, child) in map {
                match props.and_then(|p| p.get(key)) {
                    Some(sub) => validate(child, sub, &join(at, key))?,
                    None => match &schema["additionalProperties"] {
                        Value::Bool(false) => {
                            return Err(Invalid {
                                path: join(at, key),
                                reason: "is not a known field".into(),
                                missing: false,
                            });
                        }
                        extra @ Value::Object(_) => validate(child, extra, &join(at, key))?,
                        _ => {}
                    },
                }
            }
        }
        Value::Array(items) if !schema["items"].is_null() => {
            for (i, item) in items.iter().enumerate() {
                validate(item, &schema["items"], &format!("{at}[{i}]"))?;
            }
        }
        Value::String(s) => match schema["format"].as_str() {
            Some("uuid") if linq_types::ChatId::parse(s).is_err() => {
                return Err(invalid(format!("{s:?} is not a UUID")));
            }
            Some("date-time") if !looks_like_date_time(s) => {
                return Err(invalid(format!("{s:?} is not an RFC 3339 date-time")));
            }
            Some("uri") if !looks_like_uri(s) => {
                return Err(invalid(format!("{s:?} is not an absolute URI")));
            }
            _ => {}
        },
        Value::Number(n) if types.contains(&"integer") && !types.contains(&"number") => {
            let fits = match schema["format"].as_str() {
                Some("int32") => n.as_i64().is_some_and(|v| i32::try_from(v).is_ok()),
                _ => n.as_i64().is_some(),
            };
            if !fits {
                return Err(invalid(format!("{n} is out of range")));
            }
        }
        _ => {}
    }
    Ok(())
}

/// The discriminating property and the value's tag, when the schema (or
/// every alternative) has one and the value carries it.
fn discriminator<'v>(
    schema: &Value,
    alts: &[Value],
    value: &'v Value,
) -> Option<(String, &'v str)> {
    let name = schema["discriminator"]["propertyName"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| {
            let first = alts.first()?;
            let props = resolve(first)["properties"].as_object()?;
            let name = props.keys().find(|k| tag_of(first, k).is_some())?;
            alts.iter()
                .all(|a| tag_of(a, name).is_some())
                .then(|| name.clone())
        })?;
    let tag = value.get(&name)?.as_str()?;
    Some((name, tag))
}

/// The const (or single enum) value an alternative fixes `field` to.
fn tag_of<'s>(alt: &'s Value, field: &str) -> Option<&'s str> {
    let prop = resolve(&resolve(alt)["properties"][field]);
    prop.get("const").and_then(Value::as_str).or_else(|| {
        match prop["enum"].as_array().map(Vec::as_slice) {
            Some([one]) => one.as_str(),
            _ => None,
        }
    })
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_owned()
    } else {
        format!("{at}.{key}")
    }
}

fn article(kind: &str) -> &'static str {
    match kind {
        "object" => "an object",
        "array" => "an array",
        "string" => "a string",
        "integer" => "a whole number",
        "number" => "a number",
        "boolean" => "true or false",
        "null" => "null",
        _ => "a value",
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Object(_) => "an object",
        Value::Array(_) => "an array",
        Value::String(_) => "a string",
        Value::Number(n) if n.is_f64() => "a fraction",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Null => "null",
    }
}

fn looks_like_uri(s: &str) -> bool {
    match s.split_once(':') {
        Some((scheme, rest)) => {
            !scheme.is_empty()
                && !rest.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// A query or path parameter's text as the JSON value its schema wants:
/// numbers and booleans parsed, arrays from repeats or commas. Text that
/// does not parse stays a string, so validation reports it.
pub fn coerce(texts: &[&str], schema: &Value) -> Value {
    let schema = resolve(schema);
    let one = |text: &str, schema: &Value| -> Value {
        match first_type(resolve(schema)) {
            Some("integer") => text
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::String(text.to_owned())),
            Some("number") => text
                .parse::<f64>()
                .ok()
                .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number))
                .unwrap_or_else(|| Value::String(text.to_owned())),
            Some("boolean") => match text {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::String(text.to_owned()),
            },
            _ => Value::String(text.to_owned()),
        }
    };
    if first_type(schema) == Some("array") {
        let items = &schema["items"];
        let parts: Vec<Value> = if texts.len() == 1 {
            texts[0].split(',').map(|t| one(t, items)).collect()
        } else {
            texts.iter().map(|t| one(t, items)).collect()
        };
        return Value::Array(parts);
    }
    one(texts.last().copied().unwrap_or_default(), schema)
}
