//! `linq_client::resources` and the per-operation setters on `Call`: thin,
//! generated code that validates arguments and builds an operation.
//!
//! Required arguments are positional (path parameters, then the body's and
//! query's required fields, in `overlay.argument_order` when given); every
//! optional field is a setter on the returned `Call`. No call needs an
//! empty params value.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::imports;
use super::imports::HEADER;
use super::models::{Hold, hold, rust_ty, type_name};
use super::names::{field_ident, pascal, snake};
use super::ops::{Node, op_type, tree};
use super::overlay;
use super::spec::{Api, Def, Field, Op, Role, Ty};

pub const ROOT: &str = "crates/linq-client/src/generated";

/// Struct names for every resource node, keyed by its dotted path.
pub(super) fn struct_names(root: &Node<'_>) -> BTreeMap<String, String> {
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

/// Where a value of a call goes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Path,
    Body,
    Query,
    /// The argument is the whole body.
    WholeBody,
}

/// One argument or setter of a resource method.
pub struct Arg {
    /// The Rust identifier (`kind` for `type`).
    pub ident: String,
    pub wire: String,
    pub place: Place,
    pub ty: Ty,
    pub hold: Hold,
}

/// How an operation's method takes its values.
pub struct Plan {
    pub positional: Vec<Arg>,
    pub setters: Vec<Arg>,
}

fn fields_of<'a>(api: &'a Api, spec: &str) -> &'a [Field] {
    match &api.schemas[spec].def {
        Def::Struct { fields, .. } => fields,
        other => panic!("{spec}: not a struct ({:?})", std::mem::discriminant(other)),
    }
}

pub fn plan(api: &Api, op: &Op) -> Plan {
    let mut positional: Vec<Arg> = op
        .path_params
        .iter()
        .map(|p| Arg {
            ident: p.ident.clone(),
            wire: p.wire.clone(),
            place: Place::Path,
            ty: p.ty.clone(),
            hold: Hold::Plain,
        })
        .collect();
    let mut required = Vec::new();
    let mut setters = Vec::new();
    let whole = overlay::get().whole_body.get(&op.id);
    for (place, spec) in [(Place::Query, &op.query), (Place::Body, &op.body)] {
        let Some(spec) = spec else { continue };
        for f in fields_of(api, spec) {
            if f.konst.is_some() {
                continue;
            }
            let h = hold(f, Role::Request, spec);
            let arg = Arg {
                ident: field_ident(&f.wire),
                wire: f.wire.clone(),
                place,
                ty: f.ty.clone(),
                hold: h,
            };
            match h {
                Hold::Plain | Hold::OptNull if place == Place::Body && whole.is_some() => {}
                Hold::Plain | Hold::OptNull => required.push(arg),
                Hold::Opt | Hold::OptOpt => setters.push(arg),
            }
        }
    }
    if let Some(order) = overlay::get().argument_order.get(&op.id) {
        let mut names: Vec<&str> = required.iter().map(|a| a.wire.as_str()).collect();
        names.sort_unstable();
        let mut given: Vec<&str> = order.iter().map(String::as_str).collect();
        given.sort_unstable();
        assert_eq!(
            names, given,
            "overlay.json argument_order for {} must name every required field",
            op.id
        );
        required.sort_by_key(|a| order.iter().position(|o| *o == a.wire));
    }
    positional.extend(required);
    if let Some(name) = whole {
        let body = op
            .body
            .as_ref()
            .expect("whole_body on an operation without a body");
        positional.push(Arg {
            ident: name.clone(),
            wire: String::new(),
            place: Place::WholeBody,
            ty: Ty::Named(body.clone()),
            hold: Hold::Plain,
        });
    }
    const CALL_METHODS: &[&str] = &[
        "timeout",
        "deadline",
        "max_retries",
        "idempotency_key",
        "header",
        "query",
        "options",
        "operation",
        "send",
        "send_with_response",
        "into_stream",
        "collect_all",
        "collect_at_most",
        "into_future",
        "into_iter",
        "into_async",
    ];
    for s in &setters {
        assert!(
            !CALL_METHODS.contains(&s.ident.as_str()),
            "{}: the setter `{}` would shadow Call::{}; rename the field in the overlay",
            op.id,
            s.ident,
            s.ident
        );
    }
    Plan {
        positional,
        setters,
    }
}

/// Content types checked as a whole before sending
/// (`linq_types::CheckInput`): a blank text part is refused.
pub const CHECKED: &[&str] = &["MessageContent", "MessageSendParams"];

/// Whether a type is a model enum (open enums convert from `&str`).
fn is_named(api: &Api, ty: &Ty) -> bool {
    matches!(ty, Ty::Named(n) if !matches!(api.schemas[n].def, Def::External(_)))
}

/// The parameter type a user passes, and how it becomes the field's value
/// (`{}` is the argument). Validated types go through `valid`.
fn input(api: &Api, arg: &Arg) -> (String, String) {
    input_as(api, arg, &arg.ident)
}

/// [`input`], with the value in the variable `name`.
pub(super) fn input_as(api: &Api, arg: &Arg, name: &str) -> (String, String) {
    let path = |t: &str| {
        if api.module.contains_key(t) {
            format!("linq_types::{}", api.model_path(t))
        } else {
            t.to_owned()
        }
    };
    let label = arg.ident.trim_start_matches("r#");
    match &arg.ty {
        Ty::Id(t) => (
            format!("impl IntoValid<{t}>"),
            format!("valid(\"{label}\", {name})?"),
        ),
        Ty::Handle => (
            "impl IntoValid<Handle>".into(),
            format!("valid(\"{label}\", {name})?"),
        ),
        // A required list of handles is who a message goes to: never empty.
        Ty::Vec(inner) if **inner == Ty::Handle && arg.hold == Hold::Plain => (
            format!("impl IntoValid<Vec<{}>>", rust_ty(api, inner)),
            format!("non_empty(\"{label}\", valid(\"{label}\", {name})?)?"),
        ),
        Ty::Vec(inner) if matches!(**inner, Ty::Handle | Ty::Id(_)) => (
            format!("impl IntoValid<Vec<{}>>", rust_ty(api, inner)),
            format!("valid(\"{label}\", {name})?"),
        ),
        Ty::Named(n) if CHECKED.contains(&type_name(api, n).as_str()) => (
            format!("impl Into<{}>", path(&type_name(api, n))),
            format!("checked(\"{label}\", {name}.into())?"),
        ),
        Ty::Str => ("impl Into<String>".into(), format!("{name}.into()")),
        t @ Ty::Named(n) if arg.place == Place::WholeBody || is_named(api, t) => (
            format!("impl Into<{}>", path(&type_name(api, n))),
            format!("{name}.into()"),
        ),
        Ty::Vec(inner) if **inner == Ty::Str => (
            "impl IntoIterator<Item = impl Into<String>>".into(),
            format!("{name}.into_iter().map(Into::into).collect()"),
        ),
        Ty::Vec(inner) if is_named(api, inner) => (
            format!(
                "impl IntoIterator<Item = impl Into<{}>>",
                path(&rust_ty(api, inner))
            ),
            format!("{name}.into_iter().map(Into::into).collect()"),
        ),
        other => {
            let t = rust_ty(api, other);
            let t = if api.module.contains_key(&t) {
                path(&t)
            } else {
                t
            };
            let t = t.replace("BTreeMap<", "std::collections::BTreeMap<");
            (t, name.to_owned())
        }
    }
}

pub(super) fn op_path(op: &Op) -> String {
    format!(
        "ops::{}::{}",
        op.resource
            .iter()
            .map(|r| snake(r))
            .collect::<Vec<_>>()
            .join("::"),
        op_type(op)
    )
}

fn doc_link(api: &Api, spec: &str) -> String {
    let t = type_name(api, spec);
    match api.module.get(&t) {
        Some(_) => format!("[`{t}`](linq_types::{})", api.model_path(&t)),
        None => format!("[`{t}`]({})", t.replace("crate::", "linq_types::")),
    }
}

pub fn generate(api: &Api) -> Vec<(String, String)> {
    let root = tree(api);
    let names = struct_names(&root);
    let mut files = vec![(
        format!("{ROOT}/mod.rs"),
        format!(
            "{HEADER}//! Everything `cargo xtask codegen` writes for linq-client; the\n//! hand-written code sits beside this folder.\n\n#![warn(clippy::must_use_candidate, clippy::return_self_not_must_use)]\n\n#[cfg(feature = \"blocking\")]\npub mod blocking;\npub mod resources;\n"
        ),
    )];
    let mut m = String::from(HEADER);
    m += "//! Resource handles, named after the official SDKs' resources\n";
    m += "//! (`client.chats().participants()` is `client.chats.participants`).\n";
    m += "//! Each method validates its arguments, builds an operation and returns a\n";
    m += "//! [`Call`](crate::Call); its optional fields are setters on that call.\n\n";
    let uses = "use linq_types::IntoValid;\n\nuse crate::{Client, Error};\n\n";
    modules_and_accessors(&mut m, &root, &names, uses);
    m += "/// Validates one argument, naming it in the error.\n";
    m += "pub(crate) fn valid<T>(field: &'static str, value: impl IntoValid<T>) -> Result<T, Error> {\n";
    m += "    value.into_valid().map_err(|e| Error::invalid(field, e))\n}\n\n";
    m += "/// A required list that must not be empty (recipients, say).\n";
    m += "pub(crate) fn non_empty<T>(field: &'static str, list: Vec<T>) -> Result<Vec<T>, Error> {\n";
    m += "    if list.is_empty() {\n";
    m += "        return Err(Error::invalid(field, linq_types::InvalidValue::Other(\"the list is empty\".into())));\n";
    m += "    }\n    Ok(list)\n}\n\n";
    m += "/// Content the caller built, checked as a whole (no blank text part).\n";
    m += "pub(crate) fn checked<T: linq_types::CheckInput>(field: &'static str, value: T) -> Result<T, Error> {\n";
    m += "    value.check().map_err(|e| Error::invalid(field, e))?;\n    Ok(value)\n}\n";
    files.push((format!("{ROOT}/resources/mod.rs"), m));

    for (top, node) in &root.children {
        let mut body = String::new();
        emit_resource(api, &mut body, std::slice::from_ref(top), node, &names);
        let mut out = String::from(HEADER);
        out += &imports::use_line("linq_types", &imports::used(&body, LINQ_TYPES_NAMES));
        out.push('\n');
        out += &imports::use_line(
            "super",
            &imports::used(&body, &["checked", "non_empty", "valid"]),
        );
        out += "use crate::{Call, Client};\n\n";
        out += &body;
        files.push((format!("{ROOT}/resources/{top}.rs"), out));
    }
    files
}

/// A resources folder's `mod.rs` body: one module per top-level resource,
/// its types re-exported, and one accessor each on `Client`; a resource
/// whose models sit behind a feature of linq-types is compiled under the
/// same feature.
pub(super) fn modules_and_accessors(
    m: &mut String,
    root: &Node<'_>,
    names: &BTreeMap<String, String>,
    uses: &str,
) {
    let gate = |top: &str, indent: &str| {
        overlay::resource_feature(top).map_or(String::new(), |f| {
            super::models::feature_gate(f)
                .lines()
                .map(|l| format!("{indent}{l}\n"))
                .collect()
        })
    };
    for top in root.children.keys() {
        if let Some(feature) = overlay::resource_feature(top) {
            let _ = writeln!(m, "#[cfg(feature = \"{feature}\")]");
        }
        let _ = writeln!(m, "mod {top};");
    }
    m.push('\n');
    for (top, node) in &root.children {
        let mut exported = vec![names[top].clone()];
        collect(node, top, names, &mut exported);
        exported.sort();
        *m += &gate(top, "");
        let _ = writeln!(m, "pub use {top}::{{{}}};", exported.join(", "));
    }
    m.push('\n');
    *m += uses;
    let mut accessors = String::from("/// The resources, one accessor each.\nimpl Client {\n");
    let mut first = true;
    for top in root.children.keys() {
        if !first {
            accessors.push('\n');
        }
        first = false;
        let name = &names[top];
        let _ = writeln!(accessors, "    /// {}", resource_doc(top));
        accessors += &gate(top, "    ");
        let _ = writeln!(
            accessors,
            "    #[must_use]\n    pub fn {}(&self) -> {name}<'_> {{\n        {name} {{ client: self }}\n    }}",
            snake(top)
        );
    }
    accessors += "}\n\n";
    *m += &accessors;
}

/// What a resource file may import from linq-types.
pub(super) const LINQ_TYPES_NAMES: &[&str] = &[
    "ops",
    "AttachmentId",
    "AuditId",
    "ChatId",
    "ExperienceId",
    "Handle",
    "IntoValid",
    "MessageId",
    "PaymentId",
    "PaymentProviderId",
    "PaymentRequestId",
    "PhoneNumberId",
    "ReactionId",
    "SubscriptionId",
    "Timestamp",
];

fn collect(node: &Node<'_>, path: &str, names: &BTreeMap<String, String>, out: &mut Vec<String>) {
    for (c, child) in &node.children {
        let p = format!("{path}.{c}");
        out.push(names[&p].clone());
        collect(child, &p, names, out);
    }
}

/// A resource handle: its struct, and the opening of its `impl` with the
/// accessors of its children. Returns whether nothing was written into the
/// `impl` yet (so the caller knows whether to separate the next item).
pub(super) fn resource_head(
    out: &mut String,
    path: &[String],
    node: &Node<'_>,
    names: &BTreeMap<String, String>,
    flavour: &str,
) -> bool {
    let dotted = path.join(".");
    let name = &names[&dotted];
    let accessor: String = path.iter().map(|p| format!(".{}()", snake(p))).collect();
    let _ = writeln!(
        out,
        "/// `client{accessor}`{flavour}: {}",
        resource_doc(&dotted)
    );
    let _ = writeln!(
        out,
        "#[derive(Debug, Clone, Copy)]\npub struct {name}<'c> {{\n    pub(crate) client: &'c Client,\n}}\n"
    );
    if node.children.is_empty() {
        let _ = writeln!(out, "impl {name}<'_> {{");
    } else {
        let _ = writeln!(out, "impl<'c> {name}<'c> {{");
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
            "    #[must_use]\n    pub fn {}(&self) -> {child}<'c> {{\n        {child} {{\n            client: self.client,\n        }}\n    }}",
            snake(c)
        );
    }
    first
}

fn emit_resource(
    api: &Api,
    out: &mut String,
    path: &[String],
    node: &Node<'_>,
    names: &BTreeMap<String, String>,
) {
    let mut first = resource_head(out, path, node, names, "");
    let mut setters = String::new();
    for op in &node.ops {
        if !first {
            out.push('\n');
        }
        first = false;
        emit_method(api, out, &mut setters, op);
    }
    out.push_str("}\n\n");
    out.push_str(&setters);
    for (c, child) in &node.children {
        let mut p = path.to_vec();
        p.push(c.clone());
        emit_resource(api, out, &p, child, names);
    }
}

fn emit_method(api: &Api, out: &mut String, setters_out: &mut String, op: &Op) {
    let op_path = op_path(op);
    let plan = plan(api, op);
    method_docs(api, out, op, &plan);
    method_body(api, out, op, &plan, &op_path);
    setters(api, setters_out, op, &plan, &op_path);
}

/// The doc comment and attributes of a resource method.
fn method_docs(api: &Api, out: &mut String, op: &Op, plan: &Plan) {
    let o = overlay::get();
    let _ = writeln!(out, "    /// {}", overlay::op_doc(&op.id));
    out.push_str("    ///\n");
    let reply = match &op.output {
        Some(out_spec) => format!("replies with {}", doc_link(api, out_spec)),
        None => "replies with nothing (`()`)".to_owned(),
    };
    let _ = writeln!(out, "    /// `{} {}`: {reply}.", op.http, op.path);
    let mut parts = Vec::new();
    if let Some(b) = &op.body {
        parts.push(format!("the body is {}", doc_link(api, b)));
    }
    if let Some(q) = &op.query {
        parts.push(format!("the query is {}", doc_link(api, q)));
    }
    if !parts.is_empty() {
        let mut p = parts.join("; ");
        p[..1].make_ascii_uppercase();
        let _ = writeln!(out, "    /// {p}.");
    }
    if !plan.setters.is_empty() {
        let names: Vec<String> = plan
            .setters
            .iter()
            .map(|s| format!("`.{}(..)`", s.ident.trim_start_matches("r#")))
            .collect();
        let _ = writeln!(
            out,
            "    /// Optional fields are setters on the returned [`Call`]: {}.",
            list(&names)
        );
    }
    let checked: Vec<String> = plan
        .positional
        .iter()
        .filter(|a| input(api, a).1.ends_with(")?"))
        .map(|a| format!("`{}`", a.ident))
        .collect();
    if !checked.is_empty() {
        let _ = writeln!(
            out,
            "    ///\n    /// Checks {} before sending anything.",
            list(&checked)
        );
    }
    if let Some(example) = o.examples.get(&op.id) {
        out.push_str("    ///\n    /// # Example\n    ///\n    /// ```\n");
        out.push_str("    /// # #[tokio::main(flavor = \"current_thread\")]\n");
        out.push_str("    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {\n");
        out.push_str("    /// # let sandbox = linq_sandbox::Sandbox::new();\n");
        out.push_str("    /// # let client = linq_client::Client::builder().api_key(sandbox.api_key()).transport(sandbox.transport()).build()?;\n");
        for line in example.lines() {
            if line.is_empty() {
                out.push_str("    ///\n");
            } else {
                let _ = writeln!(out, "    /// {line}");
            }
        }
        out.push_str("    /// # Ok(()) }\n    /// ```\n");
    }
    doc_aliases(out, op);
    if let Some(note) = overlay::deprecated(&op.id) {
        let _ = writeln!(out, "    #[deprecated(note = \"{note}\")]");
    }
}

/// A method is found in the docs by its operation id, and by the official
/// SDKs' method name where ours differs.
pub(super) fn doc_aliases(out: &mut String, op: &Op) {
    let _ = writeln!(out, "    #[doc(alias = \"{}\")]", op.id);
    let official = snake(&op.method);
    if overlay::rust_method(&op.id, &op.method) != official {
        let _ = writeln!(out, "    #[doc(alias = \"{official}\")]");
    }
}

/// A resource method's signature and the body that builds its operation.
fn method_body(api: &Api, out: &mut String, op: &Op, plan: &Plan, op_path: &str) {
    let method = overlay::rust_method(&op.id, &op.method);
    let params = params(api, plan);
    if params.len() > 6 {
        out.push_str("    #[allow(clippy::too_many_arguments)]\n");
    }
    let _ = writeln!(
        out,
        "    pub fn {method}(&self{}{}) -> Call<{op_path}> {{",
        if params.is_empty() { "" } else { ", " },
        params.join(", ")
    );

    let value = |a: &Arg| -> String {
        let (_, conv) = input(api, a);
        if a.hold == Hold::OptNull {
            let inner = conv.replace(&a.ident, "v");
            if inner.ends_with('?') {
                format!(
                    "match {} {{ Some(v) => Some({inner}), None => None }}",
                    a.ident
                )
            } else {
                format!("{}.map(|v| {inner})", a.ident)
            }
        } else {
            conv
        }
    };
    let mut lets = Vec::new();
    for a in &plan.positional {
        let v = value(a);
        if v != a.ident {
            lets.push(format!("let {} = {v};", a.ident));
        }
    }
    let ctor = |place: Place, spec: &str| -> String {
        let t = format!("linq_types::{}", api.model_path(&type_name(api, spec)));
        let fields = fields_of(api, spec);
        let needed: Vec<&Field> = fields
            .iter()
            .filter(|f| {
                matches!(hold(f, Role::Request, spec), Hold::Plain | Hold::OptNull)
                    && f.konst.is_none()
            })
            .collect();
        let all_default = fields
            .iter()
            .all(|f| !matches!(hold(f, Role::Request, spec), Hold::Plain));
        if needed.is_empty() && all_default {
            format!("{t}::new()")
        } else {
            let args: Vec<String> = needed
                .iter()
                .map(|f| {
                    plan.positional
                        .iter()
                        .find(|a| a.place == place && a.wire == f.wire)
                        .map(|a| a.ident.clone())
                        .unwrap_or_else(|| panic!("{}: no argument for {}", op.id, f.wire))
                })
                .collect();
            format!("{t}::new({})", args.join(", "))
        }
    };
    let mut literal_fields: Vec<String> = op.path_params.iter().map(|p| p.ident.clone()).collect();
    if let Some(q) = &op.query {
        literal_fields.push(format!("query: {}", ctor(Place::Query, q)));
    }
    if let Some(b) = &op.body {
        if let Some(a) = plan.positional.iter().find(|a| a.place == Place::WholeBody) {
            literal_fields.push(format!("params: {}", a.ident));
        } else {
            literal_fields.push(format!("params: {}", ctor(Place::Body, b)));
        }
    }
    let literal = if literal_fields.is_empty() {
        op_path.to_owned()
    } else {
        format!("{op_path} {{ {} }}", literal_fields.join(", "))
    };
    let fallible = lets
        .iter()
        .any(|l| l.ends_with("?;") || l.contains("?),") || l.contains("? }"));
    if fallible {
        let _ = writeln!(out, "        let op = (|| {{");
        for l in &lets {
            let _ = writeln!(out, "            {l}");
        }
        let _ = writeln!(out, "            Ok({literal})\n        }})();");
        let _ = writeln!(out, "        Call::new(self.client, op)\n    }}");
    } else {
        for l in &lets {
            let _ = writeln!(out, "        {l}");
        }
        let _ = writeln!(out, "        Call::new(self.client, Ok({literal}))\n    }}");
    }
}

/// `impl Call<Op>` with a setter per optional field.
fn setters(api: &Api, setters_out: &mut String, op: &Op, plan: &Plan, op_path: &str) {
    let o = overlay::get();
    if plan.setters.is_empty() {
        return;
    }
    let _ = writeln!(setters_out, "/// Optional fields of `{}`.", op.id);
    let _ = writeln!(setters_out, "impl Call<{op_path}> {{");
    let mut first = true;
    for a in &plan.setters {
        if !first {
            setters_out.push('\n');
        }
        first = false;
        let container = match a.place {
            Place::Query => "query",
            _ => "params",
        };
        let spec = match a.place {
            Place::Query => op.query.as_ref().unwrap(),
            _ => op.body.as_ref().unwrap(),
        };
        let owner = type_name(api, spec);
        let bare = a.ident.trim_start_matches("r#");
        let (t, conv) = input_as(api, a, "v");
        let wrapped = if a.hold == Hold::OptOpt {
            format!("Some(Some({conv}))")
        } else {
            format!("Some({conv})")
        };
        let _ = writeln!(
            setters_out,
            "    /// Sets `{}` (see [`{owner}`](linq_types::{})).",
            a.wire,
            api.model_path(&owner)
        );
        if let Some(note) = o.deprecated.get(&format!("{spec}.{}", a.wire)) {
            let _ = writeln!(setters_out, "    #[deprecated(note = \"{note}\")]");
        }
        if ["is_", "to_", "as_", "into_", "from_"]
            .iter()
            .any(|p| bare.starts_with(p))
        {
            setters_out.push_str("    #[allow(clippy::wrong_self_convention)]\n");
        }
        let _ = writeln!(
            setters_out,
            "    pub fn {}(self, v: {t}) -> Self {{",
            a.ident
        );
        let _ = writeln!(
            setters_out,
            "        self.map_op(|op| {{\n            op.{container}.{} = {wrapped};\n            Ok(())\n        }})\n    }}",
            a.ident
        );
        if a.hold == Hold::OptOpt {
            let _ = writeln!(
                setters_out,
                "\n    /// Sends `{}` as `null`, which clears it.\n    pub fn clear_{bare}(self) -> Self {{\n        self.map_op(|op| {{\n            op.{container}.{} = Some(None);\n            Ok(())\n        }})\n    }}",
                a.wire, a.ident
            );
        }
    }
    setters_out.push_str("}\n\n");
}

/// `name: Type` for each positional argument of a method.
pub(super) fn params(api: &Api, plan: &Plan) -> Vec<String> {
    plan.positional
        .iter()
        .map(|a| {
            let (t, _) = input(api, a);
            let t = if a.hold == Hold::OptNull {
                format!("Option<{t}>")
            } else {
                t
            };
            format!("{}: {t}", a.ident)
        })
        .collect()
}

fn list(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

fn resource_doc(dotted: &str) -> &'static str {
    overlay::get()
        .resource_docs
        .get(dotted)
        .unwrap_or_else(|| panic!("overlay.json: no resource_docs entry for {dotted}"))
}
