//! `linq_types::ops`: one type per operation, implementing `Operation`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::imports::HEADER;
use super::models::{Hold, hold, rust_ty, type_name};
use super::names::{field_ident, pascal, snake};
use super::overlay;
use super::spec::{Api, Def, Op, Role, Ty};

pub const ROOT: &str = "crates/linq-types/src/generated/ops";

/// A node of the resource tree: `chats`, `chats.participants`, ….
#[derive(Default)]
pub struct Node<'a> {
    pub ops: Vec<&'a Op>,
    pub children: BTreeMap<String, Node<'a>>,
}

pub fn tree(api: &Api) -> Node<'_> {
    let mut root = Node::default();
    for op in &api.ops {
        let mut n = &mut root;
        for r in &op.resource {
            n = n.children.entry(r.clone()).or_default();
        }
        n.ops.push(op);
    }
    root
}

pub fn op_type(op: &Op) -> String {
    pascal(&op.method)
}

/// Rust names of the op's parts, for use by the client generator too.
pub fn body_name(api: &Api, op: &Op) -> Option<String> {
    op.body.as_ref().map(|b| pascal_or_canonical(api, b))
}

pub fn query_name(api: &Api, op: &Op) -> Option<String> {
    op.query.as_ref().map(|q| pascal_or_canonical(api, q))
}

/// The Rust type of a spec schema, as a path from a crate root
/// (`models::chats::Chat`, or linq-types' own `crate::ErrorResponse`).
pub fn pascal_or_canonical(api: &Api, spec: &str) -> String {
    match &api.schemas[spec].def {
        Def::External(p) => (*p).to_owned(),
        _ => api.model_path(&type_name(api, spec)),
    }
}

pub fn output_name(api: &Api, op: &Op) -> String {
    op.output
        .as_ref()
        .map(|o| pascal_or_canonical(api, o))
        .unwrap_or_else(|| "()".into())
}

pub fn generate(api: &Api) -> Vec<(String, String)> {
    let root = tree(api);
    let mut files = Vec::new();
    // ops.rs
    let mut top = String::from(HEADER);
    top += "//! Every operation, one type each, in modules named after the official\n";
    top += "//! SDKs' resources (`ops::chats::participants::Add` is\n";
    top += "//! `chats.participants.add`). Each implements [`Operation`].\n\n";
    for name in root.children.keys() {
        if let Some(feature) = overlay::resource_feature(name) {
            top += &super::models::feature_gate(feature);
        }
        let _ = writeln!(top, "pub mod {name};");
    }
    top += "\nuse crate::Operation;\n\n";
    top += "/// The id of every operation compiled in (all of them with every feature),\n/// in the API description's order.\n";
    top += "pub const ALL: &[&str] = &[\n";
    for op in &api.ops {
        let path: Vec<String> = op.resource.iter().map(|r| snake(r)).collect();
        if let Some(feature) = overlay::resource_feature(&path[0]) {
            let _ = writeln!(top, "    #[cfg(feature = \"{feature}\")]");
        }
        let _ = writeln!(
            top,
            "    <{}::{} as Operation>::ID,",
            path.join("::"),
            op_type(op)
        );
    }
    top += "];\n";
    files.push((format!("{ROOT}/mod.rs"), top));
    for (name, node) in &root.children {
        emit_node(api, &mut files, std::slice::from_ref(name), node);
    }
    files
}

fn emit_node(api: &Api, files: &mut Vec<(String, String)>, path: &[String], node: &Node<'_>) {
    let mut out = String::from(HEADER);
    let _ = writeln!(out, "//! Operations under `{}`.\n", path.join("."));
    for c in node.children.keys() {
        let _ = writeln!(out, "pub mod {c};");
    }
    if !node.children.is_empty() {
        out.push('\n');
    }
    if !node.ops.is_empty() {
        let mut imports: BTreeSet<String> = BTreeSet::new();
        let mut crate_imports: BTreeSet<String> = BTreeSet::new();
        let mut uses_query = false;
        let mut body = String::new();
        for op in &node.ops {
            for p in &op.path_params {
                crate_imports.insert(rust_ty(api, &p.ty));
            }
            for n in [body_name(api, op), query_name(api, op)]
                .into_iter()
                .flatten()
            {
                imports.insert(n);
            }
            if op.output.is_some() {
                imports.insert(output_name(api, op));
            }
            uses_query |= op.query.is_some();
            emit_op(api, &mut body, op);
        }
        out += "use http::Method;\n\n";
        if imports.iter().any(|i| i.starts_with("models::")) {
            out += "use crate::models;\n";
        }
        let mut op_imports = vec!["Operation", "PathBuilder"];
        if node.ops.iter().any(|o| o.visible) {
            op_imports.insert(0, "Effect");
        }
        if node
            .ops
            .iter()
            .any(|o| o.idempotency_header.is_some() || o.body_key.is_some())
        {
            op_imports.insert(op_imports.len() - 2, "IdempotencyKey");
        }
        if uses_query {
            op_imports.push("QueryBuilder");
        }
        let _ = writeln!(out, "use crate::operation::{{{}}};", op_imports.join(", "));
        if !crate_imports.is_empty() {
            let v: Vec<String> = crate_imports.into_iter().collect();
            let _ = writeln!(out, "use crate::{{{}}};", v.join(", "));
        }
        out.push('\n');
        out += &body;
    }
    let rel = path.iter().map(|p| snake(p)).collect::<Vec<_>>().join("/");
    files.push((format!("{ROOT}/{rel}.rs"), out));
    for (c, child) in &node.children {
        let mut p = path.to_vec();
        p.push(c.clone());
        emit_node(api, files, &p, child);
    }
}

fn emit_op(api: &Api, out: &mut String, op: &Op) {
    let name = op_type(op);
    let _ = writeln!(
        out,
        "/// `{} {}`: {}",
        op.http,
        op.path,
        overlay::op_doc(&op.id)
    );
    let eq = [&op.body, &op.query]
        .into_iter()
        .flatten()
        .all(|s| super::models::schema_eq(api, s, &mut BTreeSet::new()));
    let _ = writeln!(
        out,
        "#[derive(Debug, Clone, PartialEq{})]",
        if eq { ", Eq" } else { "" }
    );
    if op.path_params.is_empty() && op.query.is_none() && op.body.is_none() {
        let _ = writeln!(out, "pub struct {name};\n");
    } else {
        emit_fields(api, out, op, &name);
    }
    emit_impl(api, out, op, &name);
}

fn emit_fields(api: &Api, out: &mut String, op: &Op, name: &str) {
    let _ = writeln!(out, "pub struct {name} {{");
    for p in &op.path_params {
        let _ = writeln!(out, "    /// The `{}` path parameter.", p.wire);
        let _ = writeln!(out, "    pub {}: {},", p.ident, rust_ty(api, &p.ty));
    }
    if let Some(q) = query_name(api, op) {
        out.push_str("    /// Query parameters.\n");
        let _ = writeln!(out, "    pub query: {q},");
    }
    if let Some(b) = body_name(api, op) {
        out.push_str("    /// The JSON body.\n");
        let _ = writeln!(out, "    pub params: {b},");
    }
    out.push_str("}\n\n");
}

fn emit_impl(api: &Api, out: &mut String, op: &Op, name: &str) {
    let _ = writeln!(out, "impl Operation for {name} {{");
    let _ = writeln!(out, "    type Output = {};", output_name(api, op));
    let _ = writeln!(out, "    const ID: &'static str = \"{}\";", op.id);
    let _ = writeln!(out, "    const METHOD: Method = Method::{};", op.http);
    if op.accept != "application/json" {
        let _ = writeln!(out, "    const ACCEPT: &'static str = \"{}\";", op.accept);
    }
    if op.visible {
        out.push_str("    const EFFECT: Effect = Effect::Visible;\n");
    }
    if let Some(h) = &op.idempotency_header {
        let _ = writeln!(
            out,
            "    const IDEMPOTENCY: IdempotencyKey = IdempotencyKey::Header(\"{h}\");"
        );
    } else if op.body_key.is_some() {
        out.push_str("    const IDEMPOTENCY: IdempotencyKey = IdempotencyKey::Body;\n");
    }
    out.push('\n');

    // path
    out.push_str("    fn write_path(&self, path: &mut PathBuilder) {\n        path");
    let mut rest = op.path.as_str();
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').unwrap() + start;
        let fixed = &rest[..start];
        let param = &rest[start + 1..end];
        let p = op.path_params.iter().find(|p| p.wire == param).unwrap();
        let _ = write!(
            out,
            ".push_str(\"{fixed}\").push_segment(self.{}.as_str())",
            p.ident
        );
        rest = &rest[end + 1..];
    }
    if !rest.is_empty() {
        let _ = write!(out, ".push_str(\"{rest}\")");
    }
    out.push_str(";\n    }\n");

    // query
    if let Some(q) = &op.query {
        let Def::Struct { fields, .. } = &api.schemas[q].def else {
            panic!("query {q}")
        };
        out.push_str("\n    fn write_query(&self, query: &mut QueryBuilder) {\n");
        for f in fields {
            let ident = field_ident(&f.wire);
            let list = matches!(f.ty, Ty::Vec(_));
            match (hold(f, Role::Request, q), list) {
                (Hold::Plain, false) => {
                    let _ = writeln!(
                        out,
                        "        query.push(\"{}\", &self.query.{ident});",
                        f.wire
                    );
                }
                (Hold::Plain, true) => {
                    let _ = writeln!(
                        out,
                        "        query.push_list(\"{}\", &self.query.{ident});",
                        f.wire
                    );
                }
                (_, false) => {
                    let _ = writeln!(
                        out,
                        "        query.push_opt(\"{}\", self.query.{ident}.as_ref());",
                        f.wire
                    );
                }
                (_, true) => {
                    let _ = writeln!(
                        out,
                        "        if let Some(v) = &self.query.{ident} {{\n            query.push_list(\"{}\", v);\n        }}",
                        f.wire
                    );
                }
            }
        }
        out.push_str("    }\n");
    }

    // body
    if op.body.is_some() {
        out.push_str(
            "\n    fn write_body(&self, out: &mut Vec<u8>) -> Result<bool, serde_json::Error> {\n        serde_json::to_writer(out, &self.params).map(|()| true)\n    }\n",
        );
    }
    if let Some(keypath) = &op.body_key {
        let access: String = keypath
            .iter()
            .map(|k| format!(".{}", field_ident(k)))
            .collect();
        let _ = write!(
            out,
            "\n    fn idempotency_key(&self) -> Option<&str> {{\n        self.params{access}.as_deref()\n    }}\n\n    fn set_idempotency_key(&mut self, key: String) {{\n        self.params{access} = Some(key);\n    }}\n"
        );
    }
    out.push_str("}\n\n");
    let _ = type_name;
}
