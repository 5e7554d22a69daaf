//! `linq_client::resources`: thin methods that build an operation.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::models::rust_ty;
use super::names::{pascal, snake};
use super::ops::{HEADER, Node, body_name, op_type, query_name, tree};
use super::spec::{Api, Def, Op, Ty};
use super::tables;

/// Struct names for every resource node, keyed by its dotted path.
fn struct_names(root: &Node<'_>) -> BTreeMap<String, String> {
    fn walk(n: &Node<'_>, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        for (c, child) in &n.children {
            path.push(c.clone());
            out.push(path.clone());
            walk(child, path, out);
            path.pop();
        }
    }
    let mut paths = Vec::new();
    walk(root, &mut Vec::new(), &mut paths);
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for p in &paths {
        *count.entry(pascal(p.last().unwrap())).or_default() += 1;
    }
    paths
        .into_iter()
        .map(|p| {
            let plain = pascal(p.last().unwrap());
            let name = if p.len() > 1 && count[&plain] > 1 {
                let parent = &p[p.len() - 2];
                pascal(parent.strip_suffix('s').unwrap_or(parent)) + &plain
            } else {
                plain
            };
            (p.join("."), name)
        })
        .collect()
}

/// A body that is just one handle: the method takes the handle itself.
pub fn handle_shortcut<'a>(api: &'a Api, op: &Op) -> Option<&'a str> {
    let body = op.body.as_ref()?;
    let Def::Struct { fields, .. } = &api.schemas[body].def else {
        return None;
    };
    match fields.as_slice() {
        [f] if f.required && !f.nullable && f.ty == Ty::Handle => Some(&f.wire),
        _ => None,
    }
}

pub fn generate(api: &Api) -> Vec<(String, String)> {
    let root = tree(api);
    let names = struct_names(&root);
    let mut files = Vec::new();
    let mut m = String::from(HEADER);
    m += "//! Resource handles, named after the official SDKs' resources\n";
    m += "//! (`client.chats().participants()` is `client.chats.participants`).\n";
    m += "//! Each method validates its arguments, builds an operation and hands it\n";
    m += "//! to the client.\n\n";
    for top in root.children.keys() {
        let _ = writeln!(m, "mod {top};");
    }
    m.push('\n');
    for (top, node) in &root.children {
        let mut exported = vec![names[top].clone()];
        collect(node, top, &names, &mut exported);
        exported.sort();
        let _ = writeln!(m, "pub use {top}::{{{}}};", exported.join(", "));
    }
    m += "\nuse linq_types::IntoValid;\n\nuse crate::Error;\n\n";
    m += "/// Validates one argument, naming it in the error.\n";
    m += "pub(crate) fn valid<T>(field: &'static str, value: impl IntoValid<T>) -> Result<T, Error> {\n";
    m += "    value.into_valid().map_err(|e| Error::invalid(field, e))\n}\n";
    files.push(("crates/linq-client/src/resources/mod.rs".to_owned(), m));

    for (top, node) in &root.children {
        let mut body = String::new();
        let mut models = BTreeSet::new();
        let mut types = BTreeSet::new();
        let mut needs_valid = false;
        emit_resource(
            api,
            &mut body,
            std::slice::from_ref(top),
            node,
            &names,
            &mut models,
            &mut types,
            &mut needs_valid,
        );
        let mut out = String::from(HEADER);
        if !models.is_empty() {
            let v: Vec<String> = models.into_iter().collect();
            let _ = writeln!(out, "use linq_types::models::{{{}}};", v.join(", "));
        }
        out += "use linq_types::ops;\n";
        if !types.is_empty() {
            types.insert("IntoValid".to_owned());
            let v: Vec<String> = types.into_iter().collect();
            let _ = writeln!(out, "use linq_types::{{{}}};", v.join(", "));
        }
        out.push('\n');
        if needs_valid {
            out += "use super::valid;\n";
        }
        out += "use crate::{Call, Client};\n\n";
        out += &body;
        files.push((format!("crates/linq-client/src/resources/{top}.rs"), out));
    }
    files
}

fn collect(node: &Node<'_>, path: &str, names: &BTreeMap<String, String>, out: &mut Vec<String>) {
    for (c, child) in &node.children {
        let p = format!("{path}.{c}");
        out.push(names[&p].clone());
        collect(child, &p, names, out);
    }
}

#[allow(clippy::too_many_arguments)]
fn emit_resource(
    api: &Api,
    out: &mut String,
    path: &[String],
    node: &Node<'_>,
    names: &BTreeMap<String, String>,
    models: &mut BTreeSet<String>,
    types: &mut BTreeSet<String>,
    needs_valid: &mut bool,
) {
    let dotted = path.join(".");
    let name = &names[&dotted];
    let accessor: String = path.iter().map(|p| format!(".{}()", snake(p))).collect();
    let _ = writeln!(out, "/// `client{accessor}`: {}", resource_doc(&dotted));
    let _ = writeln!(
        out,
        "#[derive(Debug, Clone, Copy)]\npub struct {name}<'c> {{\n    pub(crate) client: &'c Client,\n}}\n"
    );
    if path.len() == 1 {
        let _ = writeln!(out, "impl Client {{");
        let _ = writeln!(out, "    /// {}", resource_doc(&dotted));
        let _ = writeln!(
            out,
            "    pub fn {}(&self) -> {name}<'_> {{\n        {name} {{ client: self }}\n    }}\n}}\n",
            snake(&path[0])
        );
    }
    let lifetime = if node.children.is_empty() { "'_" } else { "'c" };
    if lifetime == "'c" {
        let _ = writeln!(out, "impl<'c> {name}<'c> {{");
    } else {
        let _ = writeln!(out, "impl {name}<'_> {{");
    }
    let mut first = true;
    for c in node.children.keys() {
        let child = &names[&format!("{dotted}.{c}")];
        if !first {
            out.push('\n');
        }
        first = false;
        let _ = writeln!(out, "    /// {}", resource_doc(&format!("{dotted}.{c}")));
        let _ = writeln!(
            out,
            "    pub fn {}(&self) -> {child}<'c> {{\n        {child} {{\n            client: self.client,\n        }}\n    }}",
            snake(c)
        );
    }
    for op in &node.ops {
        if !first {
            out.push('\n');
        }
        first = false;
        emit_method(api, out, op, models, types, needs_valid);
    }
    out.push_str("}\n\n");
    for (c, child) in &node.children {
        let mut p = path.to_vec();
        p.push(c.clone());
        emit_resource(api, out, &p, child, names, models, types, needs_valid);
    }
}

fn emit_method(
    api: &Api,
    out: &mut String,
    op: &Op,
    models: &mut BTreeSet<String>,
    types: &mut BTreeSet<String>,
    needs_valid: &mut bool,
) {
    let op_path = format!(
        "ops::{}::{}",
        op.resource
            .iter()
            .map(|r| snake(r))
            .collect::<Vec<_>>()
            .join("::"),
        op_type(op)
    );
    let method = snake(&op.method);
    let shortcut = handle_shortcut(api, op);
    let mut args: Vec<String> = Vec::new();
    let mut validated: Vec<(String, String)> = Vec::new();
    for p in &op.path_params {
        let t = rust_ty(api, &p.ty);
        types.insert(t.clone());
        args.push(format!("{}: impl IntoValid<{t}>", p.ident));
        validated.push((p.ident.clone(), p.ident.clone()));
    }
    let mut fields: Vec<String> = op
        .path_params
        .iter()
        .skip(1)
        .map(|p| format!("{0}: valid(\"{0}\", {0})?", p.ident))
        .collect();
    if let Some(first) = op.path_params.first() {
        fields.insert(0, first.ident.clone());
    }
    if let Some(q) = query_name(api, op) {
        models.insert(q.clone());
        args.push(format!(
            "{}: {q}",
            if op.body.is_some() { "query" } else { "params" }
        ));
        fields.push(if op.body.is_some() {
            "query".into()
        } else {
            "query: params".into()
        });
    }
    if let Some(b) = body_name(api, op) {
        if let Some(h) = shortcut {
            types.insert("Handle".into());
            let ident = snake(h);
            args.push(format!("{ident}: impl IntoValid<Handle>"));
            models.insert(b.clone());
            fields.push(format!(
                "params: {b} {{\n {ident}: valid(\"{ident}\", {ident})?,\n }}"
            ));
        } else {
            models.insert(b.clone());
            args.push(format!("params: {b}"));
            fields.push("params".into());
        }
    }
    let _ = writeln!(out, "    /// {}", tables::op_doc(&op.id));
    let checked: Vec<String> = op
        .path_params
        .iter()
        .map(|p| format!("`{}`", p.ident))
        .chain(shortcut.map(|h| format!("`{}`", snake(h))))
        .collect();
    if !checked.is_empty() {
        let _ = writeln!(
            out,
            "    ///\n    /// Checks {} before sending anything.",
            list(&checked)
        );
    }
    let _ = writeln!(
        out,
        "    pub fn {method}(&self, {}) -> Call<{op_path}> {{",
        args.join(", ")
    );
    let literal = if fields.is_empty() {
        op_path.clone()
    } else {
        format!("{op_path} {{ {} }}", fields.join(", "))
    };
    let uses_q = op.path_params.len() > 1 || shortcut.is_some();
    if op.path_params.is_empty() && !uses_q {
        let _ = writeln!(out, "        Call::new(self.client, Ok({literal}))\n    }}");
    } else if op.path_params.is_empty() {
        *needs_valid = true;
        let _ = writeln!(
            out,
            "        let op = (|| Ok({literal}))();\n        Call::new(self.client, op)\n    }}"
        );
    } else {
        *needs_valid = true;
        let first = &op.path_params[0].ident;
        if uses_q {
            let _ = writeln!(
                out,
                "        let op = valid(\"{first}\", {first}).and_then(|{first}| Ok({literal}));"
            );
        } else {
            let _ = writeln!(
                out,
                "        let op = valid(\"{first}\", {first}).map(|{first}| {literal});"
            );
        }
        let _ = writeln!(out, "        Call::new(self.client, op)\n    }}");
    }
    let _ = validated;
}

fn list(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

fn resource_doc(dotted: &str) -> &'static str {
    match dotted {
        "chats" => "Chats: create, list and change them, and everything inside one.",
        "chats.participants" => "The members of group chats.",
        "chats.typing" => "Typing indicators.",
        "chats.messages" => "Messages inside one chat.",
        "chats.location" => "Location sharing inside a chat.",
        "chats.polls" => "Polls inside a chat.",
        "chats.background" => "A chat's transcript background.",
        "messages" => "Messages by id, and sending without naming a line.",
        "messages.poll" => "The poll a message carries.",
        "attachments" => "Files to attach to messages.",
        "phonenumbers" => "Your lines, through the deprecated `/v3/phonenumbers`.",
        "phone_numbers" => "Your lines: forwarding and reputation audits.",
        "available_number" => "Picking a line to send from.",
        "payment_requests" => "Payment requests with a checkout link.",
        "payment_providers" => "Your organization's payment providers.",
        "payment_handles" => "Customers' handles connected for agent payments.",
        "payments" => "Agent payments on behalf of connected customers.",
        "blocked_handles" => "Handles you blocked.",
        "experiences" => "Experiences enabled for your account.",
        "webhook_events" => "The webhook event types.",
        "webhook_subscriptions" => "Where webhook events are delivered.",
        "capability" => "Whether an address can be reached over iMessage or RCS.",
        "contact_card" => "Your lines' contact cards.",
        other => panic!("no doc for resource {other}"),
    }
}
