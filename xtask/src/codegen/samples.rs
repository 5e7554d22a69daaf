//! Sample JSON for every type (all fields, and required fields only), and
//! the test that decodes each sample into its generated type.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::imports::HEADER;
use super::models::{Hold, hold};
use super::overlay;
use super::spec::{Api, Def, Role, Ty};

const UUID: &str = "550e8400-e29b-41d4-a716-446655440000";

struct Gen<'a> {
    api: &'a Api,
    envelope_types: BTreeMap<String, String>,
}

impl Gen<'_> {
    fn ty(&self, ty: &Ty, full: bool, depth: usize, format: Option<&str>) -> Value {
        match ty {
            Ty::Str => match format {
                Some("date-time") => json!("2026-02-03T04:05:06Z"),
                Some("uuid") => json!(UUID),
                Some("uri") => json!("https://example.com/x"),
                _ => json!("text"),
            },
            Ty::Timestamp => json!("2026-02-03T04:05:06Z"),
            Ty::Bool => json!(true),
            Ty::I32 | Ty::I64 => json!(1),
            Ty::F64 => json!(1.5),
            Ty::Any => json!({"any": ["value", 1]}),
            Ty::Object => json!({"key": "value"}),
            Ty::Map(t) => json!({"key": self.ty(t, full, depth, None)}),
            Ty::Vec(t) => {
                if depth > 6 {
                    json!([])
                } else {
                    json!([self.ty(t, full, depth, format)])
                }
            }
            Ty::Named(n) => self.schema(n, full, depth + 1),
            Ty::Id(k) if ["ChatId", "MessageId", "AttachmentId"].contains(k) => json!(UUID),
            Ty::Id(_) => json!("id_123"),
            Ty::Handle => json!("+12025550123"),
        }
    }

    fn schema(&self, name: &str, full: bool, depth: usize) -> Value {
        match &self.api.schemas[name].def {
            Def::Struct { fields, role } => {
                let mut m = Map::new();
                for f in fields {
                    let required = hold(f, *role, name) == Hold::Plain
                        || (*role == Role::Request && hold(f, *role, name) == Hold::OptNull);
                    if !full && !required {
                        continue;
                    }
                    if full && depth > 6 && !required {
                        continue;
                    }
                    let v = match &f.konst {
                        Some(k) => json!(k),
                        // An id the SDK takes as any string still gets a UUID here,
                        // so the samples read like real traffic.
                        None if overlay::id_for(name, &f.wire).is_some_and(overlay::is_uuid_id) => {
                            self.ty(&f.ty, full, depth, Some("uuid"))
                        }
                        None => self.ty(&f.ty, full, depth, f.format.as_deref()),
                    };
                    m.insert(f.wire.clone(), v);
                }
                Value::Object(m)
            }
            Def::Enum { values } => json!(values[0]),
            Def::Union { tag, variants } => {
                let (t, v) = &variants[0];
                let mut s = self.schema(v, full, depth);
                s.as_object_mut().unwrap().insert(tag.clone(), json!(t));
                s
            }
            Def::Envelope { data } => json!({
                "api_version": "v3",
                "created_at": "2026-02-03T04:05:06Z",
                "data": self.schema(data, full, depth),
                "event_id": "evt_1",
                "event_type": self.envelope_types.get(name).map(String::as_str).unwrap_or("message.sent"),
                "partner_id": "partner_1",
                "trace_id": "trace_1",
                "webhook_version": "2026-02-03",
            }),
            Def::External(_) => match name {
                "ErrorCode" => json!(2001),
                "ErrorDetail" => json!({"status": 404, "code": 2001, "message": "not found"}),
                _ => {
                    json!({"error": {"status": 404, "code": 2001, "message": "not found"}, "success": false})
                }
            },
            Def::EventUnion => self.schema("MessageReceivedWebhookEvent", full, depth),
        }
    }
}

/// A sample's type as a path from outside linq-types.
fn type_path(api: &Api, name: &str) -> String {
    if api.module.contains_key(name) {
        return format!("linq_types::{}", api.model_path(name));
    }
    let spec = api
        .classes
        .values()
        .flatten()
        .find(|m| super::names::pascal(m) == name)
        .unwrap_or_else(|| panic!("sample {name}: no schema"));
    match &api.schemas[spec].def {
        Def::External(p) => p.replace("crate::", "linq_types::"),
        Def::EventUnion | Def::Envelope { .. } => "linq_types::webhooks::Event".to_owned(),
        _ => format!("linq_types::{}", api.model_path(&api.canonical[spec])),
    }
}

/// (fixture JSON, generated test source).
pub fn generate(api: &Api) -> (String, String) {
    let envelope_types = api
        .events
        .iter()
        .filter_map(|e| e.payload.clone().map(|p| (p, e.event_type.clone())))
        .collect();
    let g = Gen {
        api,
        envelope_types,
    };
    let mut fixtures = Map::new();
    let mut checks = Vec::new();
    for (rust, members) in &api.classes {
        let first = &members[0];
        let s = &api.schemas[first];
        if s.synthetic && !matches!(s.def, Def::Enum { .. }) {
            continue;
        }
        let name = if matches!(
            s.def,
            Def::External(_) | Def::EventUnion | Def::Envelope { .. }
        ) {
            super::names::pascal(first)
        } else {
            rust.clone()
        };
        fixtures.insert(
            name.clone(),
            json!({"full": g.schema(first, true, 0), "required": g.schema(first, false, 0)}),
        );
        checks.push(name);
    }
    let text = serde_json::to_string_pretty(&Value::Object(fixtures)).unwrap() + "\n";
    let mut src = String::from(HEADER);
    src += "//! Decodes a sample of every generated type (all fields set, and only the\n";
    src += "//! required ones), encodes it again and checks nothing was lost; and, as\n";
    src += "//! properties over every type, that arbitrary bytes never make decoding\n";
    src += "//! panic and that an unknown field never changes or breaks a decode.\n\n";
    src += "use proptest::prelude::*;\n";
    src += "use serde::Serialize;\nuse serde::de::DeserializeOwned;\nuse serde_json::Value;\n\n";
    src += "fn check<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(name: &str, sample: &serde_json::Value) {\n";
    src += "    let value: T = serde_json::from_value(sample.clone()).unwrap_or_else(|e| panic!(\"{name}: {e}\\n{sample}\"));\n";
    src += "    let again = serde_json::to_value(&value).unwrap();\n";
    src += "    let back: T = serde_json::from_value(again).unwrap_or_else(|e| panic!(\"{name} (re-encoded): {e}\"));\n";
    src += "    assert_eq!(value, back, \"{name}\");\n}\n\n";
    src += "/// Decodes arbitrary bytes (must not panic), then the full sample with one\n";
    src += "/// more field: the same value must come out, unless the type keeps extra\n";
    src += "/// fields (a map), in which case the new one must be there.\n";
    src += "fn probe<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(bytes: &[u8], sample: &Value, key: &str, extra: &Value) {\n";
    src += "    let _ = serde_json::from_slice::<T>(bytes);\n";
    src += "    let Value::Object(fields) = sample else { return };\n";
    src += "    if fields.contains_key(key) {\n        return;\n    }\n";
    src += "    let plain: T = serde_json::from_value(sample.clone()).unwrap();\n";
    src += "    let mut more = fields.clone();\n";
    src += "    more.insert(key.to_owned(), extra.clone());\n";
    src += "    let with: T = serde_json::from_value(Value::Object(more)).unwrap_or_else(|e| panic!(\"unknown field {key:?} broke decoding: {e}\"));\n";
    src += "    if plain != with {\n        assert_eq!(serde_json::to_value(&with).unwrap()[key], *extra, \"unknown field {key:?} changed the value\");\n    }\n}\n\n";
    src += "static FIXTURES: std::sync::LazyLock<Value> = std::sync::LazyLock::new(|| serde_json::from_str(include_str!(\"samples.json\")).unwrap());\n\n";
    src += "type Check = fn(&str, &serde_json::Value);\n";
    src += "type Probe = fn(&[u8], &Value, &str, &Value);\n\n";
    src += "const CHECKS: &[(&str, Check, Probe)] = &[\n";
    for c in &checks {
        let _ = writeln!(
            src,
            "    (\"{c}\", check::<{0}>, probe::<{0}>),",
            type_path(api, c)
        );
    }
    src += "];\n\n";
    src += "#[test]\nfn every_type_decodes_its_samples() {\n";
    src += "    let fixtures: serde_json::Value = serde_json::from_str(include_str!(\"samples.json\")).unwrap();\n";
    src += "    let fixtures = fixtures.as_object().unwrap();\n";
    src += "    assert_eq!(fixtures.len(), CHECKS.len());\n";
    src += "    for (name, check, _) in CHECKS {\n";
    src += "        let sample = &fixtures[*name];\n";
    src += "        check(name, &sample[\"full\"]);\n";
    src += "        check(name, &sample[\"required\"]);\n";
    src += "    }\n}\n\n";
    src += "fn json_value() -> impl Strategy<Value = Value> {\n";
    src += "    prop_oneof![Just(Value::Null), any::<bool>().prop_map(Value::from), any::<i64>().prop_map(Value::from), \".{0,12}\".prop_map(Value::from), Just(serde_json::json!({\"nested\": [1, \"x\"]}))]\n}\n\n";
    src += "/// `PROPTEST_CASES` when set (`cargo xtask props --cases N`), else `default`.\n";
    src += "fn cases(default: u32) -> u32 {\n    std::env::var(\"PROPTEST_CASES\").ok().and_then(|c| c.parse().ok()).unwrap_or(default)\n}\n\n";
    src += "proptest! {\n";
    src += "    #![proptest_config(ProptestConfig::with_cases(cases(512)))]\n";
    src += "    #[test]\n";
    src += "    fn any_type_survives_arbitrary_bytes_and_unknown_fields(\n";
    src += "        which in 0..CHECKS.len(),\n";
    src += "        bytes in proptest::collection::vec(any::<u8>(), 0..200),\n";
    src += "        key in \"[a-z_]{1,16}\",\n";
    src += "        extra in json_value(),\n";
    src += "    ) {\n";
    src += "        let (name, _, probe) = CHECKS[which];\n";
    src += "        probe(&bytes, &FIXTURES[name][\"full\"], &key, &extra);\n";
    src += "    }\n}\n";
    (text, src)
}
