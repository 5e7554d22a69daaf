//! `tests/it/generated/conformance_calls.rs`: one dispatch arm per operation, so the
//! conformance test (`tests/it/conformance.rs`) can replay a recording of the
//! official Python SDK through linq-client's resource methods and setters. A new
//! operation in the spec gets its arm here, and the staleness test
//! (`generated_code_is_fresh`) fails until it is regenerated.

use std::fmt::Write as _;

use super::client::{Place, plan};
use super::imports::HEADER;
use super::models::{Hold, type_name};
use super::names::snake;
use super::ops::op_type;
use super::overlay;
use super::spec::{Api, Op};

pub const PATH: &str = "tests/it/generated/conformance_calls.rs";

pub fn generate(api: &Api) -> String {
    let mut out = String::from(HEADER);
    out += "//! One call per operation, built from a conformance recording's arguments\n";
    out += "//! (`{\"path\": {..}, \"query\": {..}, \"body\": {..}}`): path parameters go\n";
    out += "//! through the resource methods' `IntoValid` arguments as strings, the query\n";
    out += "//! and the body are deserialized into the operation's params types. Used by\n";
    out += "//! `tests/it/conformance.rs`.\n\n";
    out += "#![allow(deprecated)] // phonenumbers.list is deprecated, and still recorded\n\n";
    out += "use linq_client::{Client, Error};\n";
    out += "use linq_types::{IdempotencyKey, Operation, ops};\n";
    out += "use serde::de::DeserializeOwned;\n";
    out += "use serde_json::Value;\n\n";

    out += "/// Every operation with where it carries its idempotency key, in the API\n";
    out += "/// description's order.\n";
    out += "pub const OPERATIONS: &[(&str, IdempotencyKey)] = &[\n";
    for op in &api.ops {
        let ty = op_path(op);
        let _ = writeln!(
            out,
            "    (<{ty} as Operation>::ID, <{ty} as Operation>::IDEMPOTENCY),"
        );
    }
    out += "];\n\n";

    out += "fn path<'a>(args: &'a Value, name: &str) -> Result<&'a str, String> {\n";
    out += "    args[\"path\"][name]\n        .as_str()\n";
    out +=
        "        .ok_or_else(|| format!(\"args.path.{name} is missing or not a string\"))\n}\n\n";
    out += "fn parse<T: DeserializeOwned>(args: &Value, part: &str) -> Result<T, String> {\n";
    out += "    serde_json::from_value(args[part].clone()).map_err(|e| format!(\"args.{part}: {e}\"))\n}\n\n";
    out += "/// An operation without a query or a body must not be given one.\n";
    out += "fn none(args: &Value, part: &str) -> Result<(), String> {\n";
    out += "    match &args[part] {\n";
    out += "        Value::Null => Ok(()),\n";
    out += "        Value::Object(m) if m.is_empty() => Ok(()),\n";
    out += "        other => Err(format!(\"args.{part} given, but the operation takes none: {other}\")),\n";
    out += "    }\n}\n\n";

    out += "/// Sends `operation` through `client` with `args`. The outer error means\n";
    out += "/// the arguments do not fit (an unknown operation, a missing path\n";
    out += "/// parameter, a query or body the params types refuse); the inner result\n";
    out += "/// is the call's own, its value dropped.\n";
    out += "pub async fn send(\n    client: &Client,\n    operation: &str,\n    args: &Value,\n) -> Result<Result<(), Error>, String> {\n";
    out += "    match operation {\n";
    for op in &api.ops {
        out += &send_arm(api, op);
    }
    out += "        other => Err(format!(\"no operation {other:?}\")),\n";
    out += "    }\n}\n";
    out
}

/// The `match` arm of `send` for one operation: its arguments read from the
/// recording, then the resource method and each setter given a value.
fn send_arm(api: &Api, op: &Op) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "        {:?} => {{", op.id);
    if op.query.is_none() {
        out += "            none(args, \"query\")?;\n";
    }
    if op.body.is_none() {
        out += "            none(args, \"body\")?;\n";
    }
    let plan = plan(api, op);
    if let Some(q) = &op.query {
        let t = api.model_path(&type_name(api, q));
        let _ = writeln!(
            out,
            "            let query: linq_types::{t} = parse(args, \"query\")?;"
        );
    }
    if let Some(b) = &op.body {
        let t = api.model_path(&type_name(api, b));
        let _ = writeln!(
            out,
            "            let body: linq_types::{t} = parse(args, \"body\")?;"
        );
    }
    let call_args: Vec<String> = plan
        .positional
        .iter()
        .map(|a| match a.place {
            Place::Path => format!("path(args, {:?})?", a.wire),
            Place::Body => format!("body.{}", a.ident),
            Place::Query => format!("query.{}", a.ident),
            Place::WholeBody => "body".to_owned(),
        })
        .collect();
    let accessors: String = op
        .resource
        .iter()
        .map(|r| format!(".{}()", snake(r)))
        .collect();
    let whole = plan.positional.iter().any(|a| a.place == Place::WholeBody);
    let setters: Vec<_> = plan
        .setters
        .iter()
        .filter(|a| !(whole && a.place == Place::Body))
        .collect();
    let _ = writeln!(
        out,
        "            let {}call = client{accessors}.{}({});",
        if setters.is_empty() { "" } else { "mut " },
        overlay::rust_method(&op.id, &op.method),
        call_args.join(", ")
    );
    for a in setters {
        let from = if a.place == Place::Query {
            "query"
        } else {
            "body"
        };
        let bare = a.ident.trim_start_matches("r#");
        if a.hold == Hold::OptOpt {
            let _ = writeln!(
                out,
                "            match {from}.{0} {{\n                Some(Some(v)) => call = call.{0}(v),\n                Some(None) => call = call.clear_{bare}(),\n                None => {{}}\n            }}",
                a.ident
            );
        } else {
            let _ = writeln!(
                out,
                "            if let Some(v) = {from}.{0} {{\n                call = call.{0}(v);\n            }}",
                a.ident
            );
        }
    }
    out += "            Ok(call.await.map(drop))\n";
    out += "        }\n";
    out
}

pub fn op_path(op: &Op) -> String {
    let modules: Vec<String> = op.resource.iter().map(|r| snake(r)).collect();
    format!("ops::{}::{}", modules.join("::"), op_type(op))
}
