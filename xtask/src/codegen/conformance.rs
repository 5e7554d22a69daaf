//! `tests/conformance_calls.rs`: one dispatch arm per operation, so the
//! conformance test (`tests/conformance.rs`) can replay a recording of the
//! official Python SDK through linq-client's resource methods. A new
//! operation in the spec gets its arm here, and the staleness test
//! (`generated_code_is_fresh`) fails until it is regenerated.

use std::fmt::Write as _;

use super::client::handle_shortcut;
use super::names::{field_ident, snake};
use super::ops::{HEADER, body_name, op_type, query_name};
use super::spec::Api;

pub const PATH: &str = "tests/conformance_calls.rs";

pub fn generate(api: &Api) -> String {
    let mut out = String::from(HEADER);
    out += "//! One call per operation, built from a conformance recording's arguments\n";
    out += "//! (`{\"path\": {..}, \"query\": {..}, \"body\": {..}}`): path parameters go\n";
    out += "//! through the resource methods' `IntoValid` arguments as strings, the query\n";
    out += "//! and the body are deserialized into the operation's params types. Used by\n";
    out += "//! `tests/conformance.rs`.\n\n";
    out += "use linq_client::{Client, Error};\n";
    out += "use linq_types::{IdempotencyKey, Operation, models, ops};\n";
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
        let _ = writeln!(out, "        {:?} => {{", op.id);
        if op.query.is_none() {
            out += "            none(args, \"query\")?;\n";
        }
        if op.body.is_none() {
            out += "            none(args, \"body\")?;\n";
        }
        let mut call_args: Vec<String> = op
            .path_params
            .iter()
            .map(|p| format!("path(args, {:?})?", p.wire))
            .collect();
        if let Some(q) = query_name(api, op) {
            let _ = writeln!(
                out,
                "            let query: models::{q} = parse(args, \"query\")?;"
            );
            call_args.push("query".into());
        }
        if let Some(b) = body_name(api, op) {
            let _ = writeln!(
                out,
                "            let body: models::{b} = parse(args, \"body\")?;"
            );
            match handle_shortcut(api, op) {
                Some(h) => call_args.push(format!("body.{}", field_ident(h))),
                None => call_args.push("body".into()),
            }
        }
        let accessors: String = op
            .resource
            .iter()
            .map(|r| format!(".{}()", snake(r)))
            .collect();
        let _ = writeln!(
            out,
            "            Ok(client{accessors}.{}({}).await.map(drop))",
            snake(&op.method),
            call_args.join(", ")
        );
        out += "        }\n";
    }
    out += "        other => Err(format!(\"no operation {other:?}\")),\n";
    out += "    }\n}\n";
    out
}

fn op_path(op: &super::spec::Op) -> String {
    let modules: Vec<String> = op.resource.iter().map(|r| snake(r)).collect();
    format!("ops::{}::{}", modules.join("::"), op_type(op))
}
