//! Properties of the inputs an agent controls: recipient patterns, the
//! arguments a send's idempotency key is derived from, and replies of any
//! shape.

use linq_mcp::policy::{Policy, matches};
use linq_mcp::reply::{MAX_REPLY_CHARS, fit};
use proptest::prelude::*;
use serde_json::{Map, Value};

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        ".{0,40}".prop_map(Value::String),
        "x{0,3000}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 200, 30, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..40).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..40)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    #[test]
    fn a_handle_matches_itself_and_star_patterns(handle in "[+]?[0-9a-zA-Z@._-]{1,30}") {
        prop_assert!(matches(&handle, &handle));
        prop_assert!(matches("*", &handle));
        let (head, tail) = handle.split_at(handle.len() / 2);
        let head_star = format!("{head}*");
        let star_tail = format!("*{tail}");
        prop_assert!(matches(&head_star, &handle));
        prop_assert!(matches(&star_tail, &handle));
    }

    #[test]
    fn patterns_never_panic(pattern in ".{0,30}", handle in ".{0,30}") {
        let _ = matches(&pattern, &handle);
    }

    #[test]
    fn a_fixed_pattern_matches_only_its_own_handle(a in "[+][0-9]{6,14}", b in "[+][0-9]{6,14}") {
        prop_assert_eq!(matches(&a, &b), a == b);
    }

    #[test]
    fn derived_keys_ignore_key_order(entries in prop::collection::vec(("[a-z]{1,8}", ".{0,20}"), 1..8)) {
        let policy = Policy::new(Vec::new(), None);
        let forward: Map<String, Value> =
            entries.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
        let backward: Map<String, Value> =
            entries.iter().rev().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
        // A later duplicate key wins in each map; compare like with like.
        prop_assume!(forward == backward);
        prop_assert_eq!(
            policy.idempotency_key("send_message", &Value::Object(forward), None),
            policy.idempotency_key("send_message", &Value::Object(backward), None)
        );
    }

    #[test]
    fn replies_always_fit(value in json()) {
        let fitted = fit(value);
        prop_assert!(fitted.to_string().len() <= MAX_REPLY_CHARS, "{}", fitted.to_string().len());
    }
}
