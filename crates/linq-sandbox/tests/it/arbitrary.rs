//! Whatever the body, every operation answers with a typed reply.

use crate::common;

use std::sync::OnceLock;

use common::{answer_now, request};
use linq_sandbox::Sandbox;
use proptest::prelude::*;
use serde_json::{Value, json};

/// Every operation's method and path template, from the crate's copy of
/// the API description.
fn operations() -> &'static [(String, String, String)] {
    static OPS: OnceLock<Vec<(String, String, String)>> = OnceLock::new();
    OPS.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/spec/linq-api-v3.json");
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut ops = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                if let Some(id) = op["operationId"].as_str() {
                    ops.push((id.to_owned(), method.to_uppercase(), path.clone()));
                }
            }
        }
        ops
    })
}

/// A template's `{params}` filled with `id`.
fn fill(template: &str, id: &str) -> String {
    template
        .split('/')
        .map(|s| if s.starts_with('{') { id } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// A made-up id.
const MADE_UP: &str = "550e8400-e29b-41d4-a716-446655440000";

/// `PROPTEST_CASES` when set (`cargo xtask props --cases N`), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default)
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[a-z+@.0-9 -]{0,12}".prop_map(Value::String),
        Just(json!("+12025550142")),
        Just(json!(MADE_UP)),
        Just(json!("text")),
        Just(json!("media")),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("message".to_owned()),
                        Just("parts".to_owned()),
                        Just("type".to_owned()),
                        Just("value".to_owned()),
                        Just("to".to_owned()),
                        Just("from".to_owned()),
                        "[a-z_]{1,8}",
                    ],
                    inner,
                ),
                0..5,
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    /// Whatever the body, every operation answers without panicking,
    /// and a refusal is a 4xx with the envelope.
    #[test]
    fn any_body_gets_a_typed_answer(index in 0usize..70, body in json(), mock_mode in any::<bool>()) {
        let ops = operations();
        let (id, method, template) = &ops[index % ops.len()];
        let path = fill(template, MADE_UP);
        let sb = Sandbox::builder().mock(mock_mode).build();
        let response = answer_now(&sb, request(&sb, method, &path, Some(&body)));
        let status = response.status().as_u16();
        prop_assert!(status < 500, "{id} {path}: {status}");
        if status >= 400 {
            let envelope: Value = serde_json::from_slice(response.body()).unwrap();
            prop_assert_eq!(&envelope["error"]["status"], &json!(status));
            prop_assert!(envelope["error"]["message"].is_string());
        }
    }
}
