//! `linq_client::blocking::resources`: the resource tree of
//! [`client`](super::client) again, over the blocking client, one file per
//! top-level resource.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::client::{
    LINQ_TYPES_NAMES, Place, Plan, ROOT, doc_aliases, input_as, modules_and_accessors, op_path,
    params, plan, resource_head, struct_names,
};
use super::imports;
use super::imports::HEADER;
use super::models::{Hold, type_name};
use super::names::snake;
use super::ops::{Node, tree};
use super::overlay;
use super::spec::{Api, Op};

/// Every file of `generated/blocking/`.
pub fn generate(api: &Api) -> Vec<(String, String)> {
    let root = tree(api);
    blocking(api, &root, &struct_names(&root))
}

/// `linq_client::blocking::resources`: the same tree of resources over a
/// `blocking::Client`, one file per top-level resource. Each method builds
/// the async `Call` through the async resource and wraps it, so validation
/// lives in one place; each setter forwards to the async `Call`'s.
fn blocking(api: &Api, root: &Node<'_>, names: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let mut m = String::from(HEADER);
    m += "//! The resources of [`blocking::Client`](crate::blocking::Client): the same\n";
    m += "//! tree, methods and arguments as [`crate::resources`], each returning a\n";
    m += "//! [`blocking::Call`](crate::blocking::Call) whose optional fields are the same setters.\n\n";
    modules_and_accessors(&mut m, root, names, "use crate::blocking::Client;\n\n");
    let m = m.trim_end().to_owned() + "\n";
    let mut files = vec![(format!("{ROOT}/blocking/mod.rs"), m)];
    for (top, node) in &root.children {
        let mut body = String::new();
        blocking_resource(api, &mut body, std::slice::from_ref(top), node, names);
        let mut out = String::from(HEADER);
        out += "#![allow(deprecated)]\n\n";
        out += &imports::use_line("linq_types", &imports::used(&body, LINQ_TYPES_NAMES));
        out.push('\n');
        out += "use crate::blocking::{Call, Client};\n\n";
        out += body.trim_end();
        out.push('\n');
        files.push((format!("{ROOT}/blocking/{top}.rs"), out));
    }
    files
}

fn blocking_resource(
    api: &Api,
    out: &mut String,
    path: &[String],
    node: &Node<'_>,
    names: &BTreeMap<String, String>,
) {
    let mut first = resource_head(out, path, node, names, " on a blocking client");
    let name = &names[&path.join(".")];
    let accessor: String = path.iter().map(|p| format!(".{}()", snake(p))).collect();
    let mut setters = String::new();
    for op in &node.ops {
        if !first {
            out.push('\n');
        }
        first = false;
        let op_path = op_path(op);
        let method = overlay::rust_method(&op.id, &op.method);
        let plan = plan(api, op);
        let _ = writeln!(
            out,
            "    /// Blocking [`{method}`](crate::resources::{name}::{method}): the same arguments; the\n    /// returned [`Call`] is sent with [`send`](Call::send)."
        );
        doc_aliases(out, op);
        if let Some(note) = overlay::deprecated(&op.id) {
            let _ = writeln!(out, "    #[deprecated(note = \"{note}\")]");
        }
        let params = params(api, &plan);
        if params.len() > 6 {
            out.push_str("    #[allow(clippy::too_many_arguments)]\n");
        }
        let args: Vec<&str> = plan.positional.iter().map(|a| a.ident.as_str()).collect();
        let _ = writeln!(
            out,
            "    pub fn {method}(&self{}{}) -> Call<{op_path}> {{",
            if params.is_empty() { "" } else { ", " },
            params.join(", ")
        );
        let _ = writeln!(
            out,
            "        self.client\n            .wrap(self.client.async_client(){accessor}.{method}({}))\n    }}",
            args.join(", ")
        );
        blocking_setters(api, &mut setters, op, &plan);
    }
    out.push_str("}\n\n");
    out.push_str(&setters);
    for (c, child) in &node.children {
        let mut p = path.to_vec();
        p.push(c.clone());
        blocking_resource(api, out, &p, child, names);
    }
}

fn blocking_setters(api: &Api, out: &mut String, op: &Op, plan: &Plan) {
    if plan.setters.is_empty() {
        return;
    }
    let o = overlay::get();
    let op_path = op_path(op);
    let _ = writeln!(out, "/// Optional fields of `{}`.", op.id);
    let _ = writeln!(out, "impl Call<{op_path}> {{");
    let mut first = true;
    for a in &plan.setters {
        if !first {
            out.push('\n');
        }
        first = false;
        let spec = match a.place {
            Place::Query => op.query.as_ref().unwrap(),
            _ => op.body.as_ref().unwrap(),
        };
        let owner = type_name(api, spec);
        let bare = a.ident.trim_start_matches("r#");
        let (t, _) = input_as(api, a, "v");
        let _ = writeln!(
            out,
            "    /// Sets `{}` (see [`{owner}`](linq_types::{})).",
            a.wire,
            api.model_path(&owner)
        );
        let deprecated = o.deprecated.get(&format!("{spec}.{}", a.wire));
        if let Some(note) = deprecated {
            let _ = writeln!(out, "    #[deprecated(note = \"{note}\")]");
        }
        if ["is_", "to_", "as_", "into_", "from_"]
            .iter()
            .any(|p| bare.starts_with(p))
        {
            out.push_str("    #[allow(clippy::wrong_self_convention)]\n");
        }
        let _ = writeln!(
            out,
            "    pub fn {}(self, v: {t}) -> Self {{\n        self.map(|call| call.{}(v))\n    }}",
            a.ident, a.ident
        );
        if a.hold == Hold::OptOpt {
            let _ = writeln!(
                out,
                "\n    /// Sends `{}` as `null`, which clears it.",
                a.wire
            );
            let _ = writeln!(
                out,
                "    pub fn clear_{bare}(self) -> Self {{\n        self.map(|call| call.clear_{bare}())\n    }}"
            );
        }
    }
    out.push_str("}\n\n");
}
