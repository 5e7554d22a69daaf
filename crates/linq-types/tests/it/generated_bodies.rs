//! Random bodies valid against the API description, for every response and
//! event schema, must decode, and encode back to the same value.
//!
//! The bodies are built from `spec/linq-api-v3.json` itself at test time (not
//! from the SDK's types): required fields always, optional ones sometimes,
//! every union branch, every enum value, strings of any form where the
//! description gives no format, and fields it does not declare. A failure
//! shrinks to a small body and names the field (`serde_path_to_error`).
//! `PROPTEST_CASES` sets the number of cases (`cargo xtask props`).

use std::fmt::Debug;
use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::strategy::Union;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

#[path = "generated/bodies.rs"]
mod bodies;

/// Decodes a body as one type; the error names the field.
pub type Decode = fn(&[u8]) -> Result<(), String>;

/// Decodes `bytes` as the client does (`from_slice`), encodes the value and
/// decodes that again: both decodes must agree, so nothing (an `extra`
/// field included) is lost on the way.
pub fn decode<T: DeserializeOwned + Serialize + PartialEq + Debug>(
    bytes: &[u8],
) -> Result<(), String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let first: T = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| format!("decoding failed at `{}`: {}", e.path(), e.inner()))?;
    let encoded = serde_json::to_vec(&first).map_err(|e| format!("encoding failed: {e}"))?;
    let mut de = serde_json::Deserializer::from_slice(&encoded);
    let second: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        format!(
            "re-decoding {} failed at `{}`: {}",
            String::from_utf8_lossy(&encoded),
            e.path(),
            e.inner()
        )
    })?;
    if first != second {
        return Err(format!(
            "changed on encode/decode:\n  first:  {first:?}\n  second: {second:?}"
        ));
    }
    Ok(())
}

static SPEC: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../../../spec/linq-api-v3.json")).unwrap()
});
static SUPPLEMENT: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../../../spec/webhooks-2025-01-01.json")).unwrap()
});

/// How deep objects nest before only required fields are generated.
const MAX_DEPTH: u32 = 5;

fn schema(name: &str) -> &'static Value {
    let find = |spec: &'static Value| spec["components"]["schemas"].get(name);
    find(&SPEC)
        .or_else(|| find(&SUPPLEMENT))
        .unwrap_or_else(|| panic!("no schema {name}"))
}

fn ref_name(v: &Value) -> Option<&str> {
    v.get("$ref")?.as_str()?.rsplit('/').next()
}

/// Any JSON value (for schemas that allow anything, and undeclared fields).
fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Value::from),
        any_string(),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A string of any form, weighted towards the ones that trip id checks.
fn any_string() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => any::<String>(),
        1 => Just(String::new()),
        1 => prop::sample::select(vec![".", "..", "%2e%2e", "a/b", "x?y#z", "\r\n", "\0"])
            .prop_map(str::to_owned),
        1 => "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    ]
    .prop_map(Value::from)
    .boxed()
}

fn is_leap(y: u32) -> bool {
    y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400))
}

/// RFC 3339 `date-time`: any case of `T`/`Z`, fractions, offsets, leap seconds.
fn date_time() -> BoxedStrategy<Value> {
    (
        (
            0u32..=9999,
            1u32..=12,
            1u32..=31,
            0u32..=23,
            0u32..=59,
            0u32..=60,
        ),
        prop::option::of("[0-9]{1,9}"),
        prop_oneof![
            Just("Z".to_owned()),
            Just("z".to_owned()),
            ("[+-]", 0u32..=23, 0u32..=59).prop_map(|(s, h, m)| format!("{s}{h:02}:{m:02}")),
        ],
        prop::sample::select(vec!['T', 't']),
    )
        .prop_map(|((y, mo, d, h, mi, s), frac, offset, t)| {
            let days = match mo {
                2 if is_leap(y) => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            let mut d = d.min(days);
            let (mut h, mut mi, mut offset) = (h, mi, offset);
            if s == 60 {
                // RFC 3339 §5.7: a leap second only ends a month, in UTC.
                (d, h, mi, offset) = (days, 23, 59, "Z".to_owned());
            }
            let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
            Value::from(format!(
                "{y:04}-{mo:02}-{d:02}{t}{h:02}:{mi:02}:{s:02}{frac}{offset}"
            ))
        })
        .boxed()
}

fn uri() -> BoxedStrategy<Value> {
    (
        prop::sample::select(vec![
            "https://", "http://", "ftp://", "urn:", "mailto:", "s3://",
        ]),
        "[A-Za-z0-9._~/?#=&%-]{0,24}",
    )
        .prop_map(|(scheme, rest)| Value::from(format!("{scheme}{rest}")))
        .boxed()
}

fn string(format: Option<&str>) -> BoxedStrategy<Value> {
    match format {
        Some("date-time") => date_time(),
        Some("uuid") => {
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
                .prop_map(Value::from)
                .boxed()
        }
        Some("uri") => uri(),
        _ => any_string(),
    }
}

/// One JSON type of a schema (`type` may list several).
fn typed(v: &'static Value, ty: &str, depth: u32) -> BoxedStrategy<Value> {
    let format = v.get("format").and_then(Value::as_str);
    match ty {
        "null" => Just(Value::Null).boxed(),
        "boolean" => any::<bool>().prop_map(Value::from).boxed(),
        "string" => string(format),
        "integer" if format == Some("int32") => any::<i32>().prop_map(Value::from).boxed(),
        "integer" => any::<i64>().prop_map(Value::from).boxed(),
        "number" => prop_oneof![
            any::<f64>()
                .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
                .prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
        ]
        .boxed(),
        "array" => {
            let items = match v.get("items") {
                Some(items) => body(items, depth + 1),
                None => any_json(),
            };
            let most = if depth >= MAX_DEPTH { 1 } else { 3 };
            prop::collection::vec(items, 0..most)
                .prop_map(Value::from)
                .boxed()
        }
        "object" => object(v, depth),
        other => panic!("type {other}"),
    }
}

fn object(v: &'static Value, depth: u32) -> BoxedStrategy<Value> {
    static EMPTY: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);
    let props = v
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&EMPTY);
    let required: Vec<&str> = v
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
    for (name, pv) in props {
        let value = body(pv, depth + 1);
        let name = name.clone();
        if required.contains(&name.as_str()) {
            fields.push(value.prop_map(move |v| Some((name.clone(), v))).boxed());
        } else if depth < MAX_DEPTH {
            fields.push(
                prop::option::of(value)
                    .prop_map(move |v| v.map(|v| (name.clone(), v)))
                    .boxed(),
            );
        }
    }
    let values = match v.get("additionalProperties") {
        Some(Value::Bool(false)) => None,
        Some(ap @ Value::Object(_)) => Some(body(ap, depth + 1)),
        _ => Some(any_json()),
    };
    let declared: Vec<String> = props.keys().cloned().collect();
    let most = if depth >= MAX_DEPTH { 1 } else { 3 };
    let extra = match values {
        Some(values) => prop::collection::vec(("[a-z_]{1,12}", values), 0..most).boxed(),
        None => Just(Vec::new()).boxed(),
    };
    (fields, extra)
        .prop_map(move |(fields, extra)| {
            let mut m: Map<String, Value> = fields.into_iter().flatten().collect();
            for (k, v) in extra {
                // An undeclared field, so never one of the declared names.
                let k = if declared.contains(&k) {
                    format!("x_{k}")
                } else {
                    k
                };
                m.entry(k).or_insert(v);
            }
            Value::Object(m)
        })
        .boxed()
}

/// A body valid against schema `v`.
fn body(v: &'static Value, depth: u32) -> BoxedStrategy<Value> {
    if let Some(name) = ref_name(v) {
        return body(schema(name), depth);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = v.get(key).and_then(Value::as_array) {
            return Union::new(branches.iter().map(|b| body(b, depth))).boxed();
        }
    }
    if let Some(c) = v.get("const") {
        return Just(c.clone()).boxed();
    }
    if let Some(values) = v.get("enum").and_then(Value::as_array) {
        return prop::sample::select(values.clone()).boxed();
    }
    match v.get("type") {
        Some(Value::String(t)) => typed(v, t, depth),
        Some(Value::Array(ts)) => {
            Union::new(ts.iter().map(|t| typed(v, t.as_str().unwrap(), depth))).boxed()
        }
        _ if v.get("properties").is_some() => object(v, depth),
        _ => any_json(),
    }
}

/// Every (what, schema) with a random body for it.
fn every_body() -> impl Strategy<Value = (usize, Value)> {
    Union::new(
        bodies::BODIES
            .iter()
            .enumerate()
            .map(|(i, (what, name, _))| {
                body(schema(name), 0).prop_map(move |mut b| {
                    // An event decodes by its `event_type`: give it its schema's.
                    if let (Some(event_type), Some(fields)) =
                        (what.strip_prefix("event "), b.as_object_mut())
                    {
                        fields.insert("event_type".into(), event_type.into());
                    }
                    (i, b)
                })
            }),
    )
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(2_000),
        max_shrink_iters: 100_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_response_and_event_decodes_any_body_the_description_allows(
        (which, body) in every_body()
    ) {
        let (what, name, decode) = bodies::BODIES[which];
        let bytes = serde_json::to_vec(&body).unwrap();
        if let Err(e) = decode(&bytes) {
            return Err(TestCaseError::fail(format!("{what} ({name}): {e}\nbody: {body}")));
        }
    }
}

#[test]
fn the_table_covers_every_operation_reply_and_event_payload() {
    let mut replies = 0;
    for item in SPEC["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let success = op["responses"]
                .as_object()
                .unwrap()
                .iter()
                .find(|(c, _)| c.starts_with('2'))
                .and_then(|(_, r)| r.get("content"));
            if success.is_some() {
                replies += 1;
            }
        }
    }
    let events = bodies::BODIES
        .iter()
        .filter(|(what, _, _)| what.starts_with("event "))
        .count();
    let described_events = SPEC["webhooks"].as_object().unwrap().len();
    assert_eq!(bodies::BODIES.len(), replies + events + 1);
    assert!(events >= described_events, "{events} < {described_events}");
}
