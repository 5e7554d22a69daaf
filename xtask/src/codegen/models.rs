//! `linq_types::models`: one type per schema, aliases for repeats.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::OnceLock;

use super::imports;
use super::imports::HEADER;
use super::names::{field_ident, pascal, sentence, variant_ident};
use super::overlay;
use super::spec::{Api, Def, Field, Role, Ty};

/// Rust type for a field type.
pub fn rust_ty(api: &Api, ty: &Ty) -> String {
    match ty {
        Ty::Str => "String".into(),
        Ty::Bool => "bool".into(),
        Ty::I32 => "i32".into(),
        Ty::I64 => "i64".into(),
        Ty::F64 => "f64".into(),
        Ty::Any => "serde_json::Value".into(),
        Ty::Object => "serde_json::Map<String, serde_json::Value>".into(),
        Ty::Map(t) => format!("BTreeMap<String, {}>", rust_ty(api, t)),
        Ty::Vec(t) => format!("Vec<{}>", rust_ty(api, t)),
        Ty::Named(n) => type_name(api, n),
        Ty::Id(k) => (*k).into(),
        Ty::Handle => "Handle".into(),
        Ty::Timestamp => "Timestamp".into(),
    }
}

/// The Rust name a spec schema is used under in field types.
pub fn type_name(api: &Api, spec: &str) -> String {
    match &api.schemas[spec].def {
        Def::External(path) => (*path).into(),
        _ => api.canonical[spec].clone(),
    }
}

/// Whether values of the type can derive `Eq` (no floats inside).
pub fn is_eq(api: &Api, ty: &Ty, seen: &mut BTreeSet<String>) -> bool {
    match ty {
        Ty::F64 => false,
        Ty::Vec(t) | Ty::Map(t) => is_eq(api, t, seen),
        Ty::Named(n) => schema_eq(api, n, seen),
        _ => true,
    }
}

pub fn schema_eq(api: &Api, name: &str, seen: &mut BTreeSet<String>) -> bool {
    if !seen.insert(name.to_owned()) {
        return true;
    }
    match &api.schemas[name].def {
        Def::Struct { fields, .. } => fields.iter().all(|f| is_eq(api, &f.ty, seen)),
        Def::Union { variants, .. } => variants.iter().all(|(_, v)| schema_eq(api, v, seen)),
        Def::Envelope { data } => schema_eq(api, data, seen),
        _ => true,
    }
}

/// How a field is held.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// `T`, always present.
    Plain,
    /// `Option<T>`, omitted when `None`.
    Opt,
    /// `Option<T>` that is always sent (`None` as `null`).
    OptNull,
    /// `Option<Option<T>>`: unset, `null`, or a value.
    OptOpt,
}

pub fn hold(f: &Field, role: Role, owner: &str) -> Hold {
    let required = f.required && !overlay::lenient(owner, &f.wire);
    match role {
        Role::Request => match (required, f.nullable) {
            (true, false) => Hold::Plain,
            (true, true) => Hold::OptNull,
            (false, false) => Hold::Opt,
            (false, true) => Hold::OptOpt,
        },
        Role::Response => {
            if required && !f.nullable {
                Hold::Plain
            } else {
                Hold::Opt
            }
        }
    }
}

pub struct Docs<'a> {
    /// Spec name → what uses it ("Body of `chats.create`.").
    pub roles: BTreeMap<String, Vec<String>>,
    pub api: &'a Api,
}

impl<'a> Docs<'a> {
    pub fn new(api: &'a Api) -> Self {
        let mut roles: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for op in &api.ops {
            if let Some(b) = &op.body {
                roles
                    .entry(b.clone())
                    .or_default()
                    .push(format!("Body of `{}`.", op.id));
            }
            if let Some(q) = &op.query {
                roles
                    .entry(q.clone())
                    .or_default()
                    .push(format!("Query parameters of `{}`.", op.id));
            }
            if let Some(o) = &op.output {
                roles
                    .entry(o.clone())
                    .or_default()
                    .push(format!("Reply to `{}`.", op.id));
            }
        }
        for ev in &api.events {
            if let Some(p) = &ev.payload {
                roles
                    .entry(p.clone())
                    .or_default()
                    .push(format!("Payload of `{}` webhook events.", ev.event_type));
                if let Def::Envelope { data } = &api.schemas[p].def {
                    roles
                        .entry(data.clone())
                        .or_default()
                        .push(format!("The `data` of `{}` events.", ev.event_type));
                }
            }
        }
        Self { roles, api }
    }

    /// A doc for a class: a written one (`docs.json`, then `tables`), with
    /// what uses its members when that is short; else from what uses them.
    pub fn type_doc(&self, rust: &str, members: &[String]) -> String {
        let written = written()
            .get(rust)
            .map(String::as_str)
            .or_else(|| overlay::type_doc(rust));
        let mut lines: Vec<String> = Vec::new();
        for m in members {
            for l in self.roles.get(m).into_iter().flatten() {
                if !lines.contains(l) {
                    lines.push(l.clone());
                }
            }
        }
        if let Some(w) = written {
            return match lines.len() {
                1..=3 => format!("{w}\n\n{}", lines.join(" ")),
                _ => w.to_owned(),
            };
        }
        if lines.len() > 3 {
            let n = lines.len();
            lines.truncate(2);
            lines.push(format!("And {} more.", n - 2));
        }
        if !lines.is_empty() {
            return lines.join(" ");
        }
        for m in members {
            if let Some((parent, field)) = self.api.schemas[m].used_in.first() {
                let p = type_name(self.api, parent);
                if p.starts_with("crate::") {
                    continue;
                }
                return format!("The `{field}` of [`{p}`].");
            }
        }
        format!("{} as the API describes it.", sentence(&members[0]))
    }
}

/// The project's own one-line docs (`docs.json`), keyed by canonical type
/// name (`Chat`) and `Type.wire_field` (`Chat.display_name`).
fn written() -> &'static BTreeMap<String, String> {
    static DOCS: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let mut m: BTreeMap<String, String> =
            serde_json::from_str(include_str!("docs.json")).expect("codegen/docs.json");
        m.remove("_about");
        m
    })
}

/// `docs.json` keys the generated models need but lack (every struct field;
/// every struct, enum and union without a `overlay::type_doc`), and keys
/// that match nothing. Both empty, or codegen fails.
pub fn unwritten_docs(api: &Api) -> (Vec<String>, Vec<String>) {
    let docs = written();
    let mut needed = BTreeSet::new();
    let mut missing = Vec::new();
    for (rust, members) in &api.classes {
        let (fields, variants): (&[Field], Vec<&str>) = match &api.schemas[&members[0]].def {
            Def::Struct { fields, .. } => (fields.as_slice(), Vec::new()),
            Def::Enum { values } => (&[], values.iter().map(String::as_str).collect()),
            Def::Union { variants, .. } => (&[], variants.iter().map(|v| v.0.as_str()).collect()),
            _ => continue,
        };
        for v in variants {
            let key = format!("{rust}.{v}");
            if !docs.contains_key(&key) {
                missing.push(key.clone());
            }
            needed.insert(key);
        }
        needed.insert(rust.clone());
        if !docs.contains_key(rust) && overlay::type_doc(rust).is_none() {
            missing.push(rust.clone());
        }
        for f in fields {
            let key = format!("{rust}.{}", f.wire);
            if !docs.contains_key(&key) {
                missing.push(key.clone());
            }
            needed.insert(key);
        }
    }
    let unused = docs
        .keys()
        .filter(|k| !needed.contains(*k))
        .cloned()
        .collect();
    (missing, unused)
}

/// A field's one-line doc: the written one, else its name as a sentence.
pub fn field_summary(rust: &str, f: &Field) -> String {
    written()
        .get(&format!("{rust}.{}", f.wire))
        .map(String::as_str)
        .or_else(|| overlay::field_doc(&f.wire))
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{}.", sentence(&f.wire)))
}

fn field_doc(rust: &str, owner: &str, f: &Field, role: Role, holding: Hold) -> Vec<String> {
    let mut d = field_summary(rust, f);
    if let Some(k) = &f.konst {
        d += &format!(" Always `{k}`.");
    }
    let mut out = vec![d];
    let extra = out.len();
    // not addresses: a contact card name's old/new value, a street address
    let not_handle = matches!(
        (rust, f.wire.as_str()),
        ("AccountEventFieldChange", "from" | "to")
            | ("GetChatLocationResponseDataFeatureProperties", "address")
    );
    let handle_like = matches!(f.ty, Ty::Str)
        && !not_handle
        && (overlay::is_handle(owner, &f.wire)
            || f.wire.ends_with("handle")
            || f.wire == "recipient_phone");
    if role == Role::Response && handle_like {
        out.push(
            "A plain string: the server may report senders that are not E.164 (short codes)."
                .into(),
        );
    }
    match holding {
        Hold::OptNull => out.push("`None` is sent as `null`, which clears it.".into()),
        Hold::OptOpt => out
            .push("`Some(None)` is sent as `null`, which clears it; `None` leaves it out.".into()),
        _ => {}
    }
    if out.len() > extra {
        out.insert(extra, String::new());
    }
    out
}

fn doc(out: &mut String, lines: &[String]) {
    for l in lines.iter().flat_map(|l| l.split('\n')) {
        if l.is_empty() {
            out.push_str("///\n");
        } else {
            let _ = writeln!(out, "/// {l}");
        }
    }
}

pub const ROOT: &str = "crates/linq-types/src/generated/models";

/// `generated/models/mod.rs` and one file per module.
pub fn generate(api: &Api) -> Vec<(String, String)> {
    let docs = Docs::new(api);
    let o = overlay::get();
    let mut bodies: BTreeMap<&str, String> = BTreeMap::new();
    for (rust, members) in &api.classes {
        let Some(module) = api.module.get(rust) else {
            continue;
        };
        let out = bodies.entry(module.as_str()).or_default();
        let first = &members[0];
        let schema = &api.schemas[first];
        let aliases: Vec<String> = members
            .iter()
            .filter(|m| !api.schemas[*m].synthetic && pascal(m) != *rust)
            .cloned()
            .collect();
        match &schema.def {
            // Payloads are `webhooks::Event`; only their `data` is a model.
            Def::External(_) | Def::EventUnion | Def::Envelope { .. } => continue,
            Def::Struct { fields, role } => emit_struct(
                api,
                out,
                rust,
                members,
                fields,
                *role,
                &docs.type_doc(rust, members),
                &aliases,
            ),
            Def::Enum { values } => {
                emit_enum(out, rust, values, &docs.type_doc(rust, members), &aliases)
            }
            Def::Union { tag, variants } => emit_union(
                api,
                out,
                rust,
                tag,
                variants,
                &docs.type_doc(rust, members),
                &aliases,
            ),
        }
    }
    let mut files = Vec::new();
    let mut root = String::from(HEADER);
    root += "//! Request and response bodies, in modules by resource.\n";
    root += "//!\n";
    root += "//! Each type is defined once; schemas the API description repeats under\n";
    root += "//! several names share it (search the docs for any of those names: they are\n";
    root += "//! doc aliases). The everyday types are re-exported here and in\n";
    root += "//! `linq_client::prelude`. Timestamps are [`Timestamp`](crate::Timestamp)s.\n";
    root += "//! Undeclared fields are kept in each model's `extra` (and encoded back),\n";
    root += "//! unknown enum values are kept (`Unknown`), and ids decode whatever their\n";
    root += "//! form, so newer servers do not break decoding.\n\n";
    for m in bodies.keys() {
        let d = o
            .module_docs
            .get(*m)
            .unwrap_or_else(|| panic!("overlay.json: no module_docs entry for {m}"));
        let _ = writeln!(root, "/// {d}");
        if let Some(feature) = overlay::module_feature(m) {
            root += &feature_gate(feature);
        }
        let _ = writeln!(root, "pub mod {m};");
    }
    root.push('\n');
    // The everyday types, one `pub use` for those always compiled and one
    // per feature for the rest.
    let mut reexports: BTreeMap<Option<&str>, Vec<String>> = BTreeMap::new();
    for r in &o.reexports {
        let m = api
            .module
            .get(r)
            .unwrap_or_else(|| panic!("overlay.json: reexport {r} is not a model type"));
        reexports
            .entry(overlay::module_feature(m))
            .or_default()
            .push(format!("{m}::{r}"));
    }
    for (feature, mut names) in reexports {
        names.sort();
        if let Some(feature) = feature {
            root += &feature_gate(feature);
        }
        let _ = writeln!(root, "pub use self::{{{}}};", names.join(", "));
    }
    root.push('\n');
    files.push((format!("{ROOT}/mod.rs"), root));
    for (m, body) in &bodies {
        let mut out = String::from(HEADER);
        let _ = writeln!(out, "//! {}\n", o.module_docs[*m]);
        out += "#![allow(clippy::doc_markdown, deprecated)]\n\n";
        out += &module_imports(api, m, body);
        out.push('\n');
        out += body;
        files.push((format!("{ROOT}/{m}.rs"), out));
    }
    files
}

/// A model module's imports: the types of other modules it names, and the
/// crate's and serde's items it uses.
fn module_imports(api: &Api, module: &str, body: &str) -> String {
    let words = imports::used_words(body);
    let mut by_module: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (ty, m) in &api.module {
        if m != module && words.contains(ty) {
            by_module.entry(m).or_default().push(ty);
        }
    }
    let mut out = String::new();
    for (m, types) in by_module {
        out += &imports::use_line(&format!("super::{m}"), &types);
    }
    const CRATE: &[&str] = &[
        "AttachmentId",
        "AuditId",
        "ChatId",
        "Extra",
        "Handle",
        "MessageId",
        "PaymentId",
        "PaymentRequestId",
        "PhoneNumberId",
        "ReactionId",
        "SubscriptionId",
        "Timestamp",
    ];
    out += &imports::use_line("crate", &imports::used(body, CRATE));
    // `double_option` is named inside `deserialize_with = "..."`.
    let mut support = imports::used(body, &["open_enum", "tagged_union"]);
    if body.contains("\"double_option\"") {
        support.insert(0, "double_option");
    }
    out += &imports::use_line("crate::models_support", &support);
    out += &imports::use_line("serde", &imports::used(body, &["Deserialize", "Serialize"]));
    out += &imports::use_line("std::collections", &imports::used(body, &["BTreeMap"]));
    out
}

/// `#[doc(alias)]` lines for the spec names a type also stands for.
fn alias_attrs(out: &mut String, indent: &str, aliases: &[String]) {
    for a in aliases {
        let _ = writeln!(out, "{indent}#[doc(alias = \"{a}\")]");
    }
}

#[allow(clippy::too_many_arguments)]
fn emit_struct(
    api: &Api,
    out: &mut String,
    rust: &str,
    members: &[String],
    fields: &[Field],
    role: Role,
    tdoc: &str,
    aliases: &[String],
) {
    let spec = members[0].as_str();
    let eq = schema_eq(api, spec, &mut BTreeSet::new());
    let holds: Vec<Hold> = fields.iter().map(|f| hold(f, role, spec)).collect();
    let default = holds.iter().all(|h| *h != Hold::Plain);
    doc(out, &[tdoc.to_owned()]);
    let mut derives = vec!["Debug", "Clone", "PartialEq"];
    if eq {
        derives.push("Eq");
    }
    if default {
        derives.push("Default");
    }
    derives.extend(["Serialize", "Deserialize"]);
    alias_attrs(out, "", aliases);
    let _ = writeln!(out, "#[derive({})]", derives.join(", "));
    let _ = writeln!(out, "pub struct {rust} {{");
    for (f, h) in fields.iter().zip(&holds) {
        let ident = field_ident(&f.wire);
        doc(out, &field_doc(rust, spec, f, role, *h));
        let mut serde = Vec::new();
        if ident.trim_start_matches("r#") != f.wire {
            serde.push(format!("rename = \"{}\"", f.wire));
        }
        match h {
            Hold::Plain => {}
            Hold::Opt => serde.push("default, skip_serializing_if = \"Option::is_none\"".into()),
            Hold::OptNull => serde.push("default".into()),
            Hold::OptOpt => serde.push(
                "default, skip_serializing_if = \"Option::is_none\", deserialize_with = \"double_option\"".into(),
            ),
        }
        if !serde.is_empty() {
            let _ = writeln!(out, "    #[serde({})]", serde.join(", "));
        }
        if let Some(note) = members
            .iter()
            .find_map(|m| overlay::deprecated(&format!("{m}.{}", f.wire)))
        {
            let _ = writeln!(out, "    #[deprecated(note = \"{note}\")]");
        }
        let _ = writeln!(out, "    pub {ident}: {},", held(&rust_ty(api, &f.ty), *h));
    }
    out.push_str("    /// Fields the API description does not declare, kept as sent.\n");
    out.push_str("    #[serde(flatten)]\n    pub extra: Extra,\n");
    out.push_str("}\n\n");
    if role == Role::Request {
        emit_builder(api, out, rust, fields, &holds, default);
    }
}

pub fn held(t: &str, h: Hold) -> String {
    match h {
        Hold::Plain => t.to_owned(),
        Hold::Opt | Hold::OptNull => format!("Option<{t}>"),
        Hold::OptOpt => format!("Option<Option<{t}>>"),
    }
}

fn emit_builder(
    api: &Api,
    out: &mut String,
    rust: &str,
    fields: &[Field],
    holds: &[Hold],
    default: bool,
) {
    let _ = writeln!(out, "impl {rust} {{");
    let args: Vec<(String, String)> = fields
        .iter()
        .zip(holds)
        .filter(|(f, h)| matches!(h, Hold::Plain | Hold::OptNull) && f.konst.is_none())
        .map(|(f, h)| (field_ident(&f.wire), held(&rust_ty(api, &f.ty), *h)))
        .collect();
    if default && args.is_empty() {
        out.push_str("    /// Nothing set; add fields with the setters.\n");
        out.push_str("    #[must_use]\n");
        out.push_str("    pub fn new() -> Self {\n        Self::default()\n    }\n");
    } else {
        let names: Vec<String> = args
            .iter()
            .map(|(n, _)| format!("`{}`", n.trim_start_matches("r#")))
            .collect();
        let _ = writeln!(
            out,
            "    /// With the required {}; the rest unset.",
            list(&names)
        );
        if args.len() > 7 {
            out.push_str("    #[allow(clippy::too_many_arguments)]\n");
        }
        let params: Vec<String> = args
            .iter()
            .map(|(n, t)| {
                if t == "String" {
                    format!("{n}: impl Into<String>")
                } else {
                    format!("{n}: {t}")
                }
            })
            .collect();
        out.push_str("    #[must_use]\n");
        let _ = writeln!(out, "    pub fn new({}) -> Self {{", params.join(", "));
        out.push_str("        Self {\n");
        for (f, h) in fields.iter().zip(holds) {
            let ident = field_ident(&f.wire);
            match (h, &f.konst) {
                (Hold::Plain, Some(k)) => {
                    let _ = writeln!(out, "            {ident}: \"{k}\".to_owned(),");
                }
                (Hold::Plain, None) if rust_ty(api, &f.ty) == "String" => {
                    let _ = writeln!(out, "            {ident}: {ident}.into(),");
                }
                (Hold::Plain | Hold::OptNull, None) => {
                    let _ = writeln!(out, "            {ident},");
                }
                _ => {
                    let _ = writeln!(out, "            {ident}: None,");
                }
            }
        }
        out.push_str("            extra: Extra::new(),\n");
        out.push_str("        }\n    }\n");
    }
    for (f, h) in fields.iter().zip(holds) {
        if !matches!(h, Hold::Opt | Hold::OptOpt) {
            continue;
        }
        let ident = field_ident(&f.wire);
        let bare = ident.trim_start_matches("r#");
        let t = rust_ty(api, &f.ty);
        let (arg_ty, conv) = if t == "String" {
            ("impl Into<String>".to_owned(), "v.into()")
        } else {
            (t.clone(), "v")
        };
        let value = if *h == Hold::OptOpt {
            format!("Some(Some({conv}))")
        } else {
            format!("Some({conv})")
        };
        out.push('\n');
        let _ = writeln!(out, "    /// Sets `{}`.", f.wire);
        if ["is_", "to_", "as_", "into_", "from_"]
            .iter()
            .any(|p| bare.starts_with(p))
        {
            out.push_str("    #[allow(clippy::wrong_self_convention)]\n");
        }
        out.push_str("    #[must_use]\n");
        let _ = writeln!(out, "    pub fn {ident}(mut self, v: {arg_ty}) -> Self {{");
        let _ = writeln!(out, "        self.{ident} = {value};\n        self\n    }}");
        if *h == Hold::OptOpt {
            let _ = writeln!(
                out,
                "\n    /// Sends `{}` as `null`, which clears it.",
                f.wire
            );
            out.push_str("    #[must_use]\n");
            let _ = writeln!(out, "    pub fn clear_{bare}(mut self) -> Self {{");
            let _ = writeln!(
                out,
                "        self.{ident} = Some(None);\n        self\n    }}"
            );
        }
    }
    out.push_str("}\n\n");
}

fn list(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

fn emit_enum(out: &mut String, rust: &str, values: &[String], tdoc: &str, aliases: &[String]) {
    out.push_str("open_enum! {\n");
    doc(out, &[tdoc.to_owned()]);
    alias_attrs(out, "    ", aliases);
    let _ = writeln!(out, "    pub enum {rust} {{");
    let mut seen = BTreeSet::new();
    for v in values {
        let var = variant_ident(v);
        assert!(seen.insert(var.clone()), "{rust}: two values map to {var}");
        let _ = writeln!(out, "        /// {}", variant_doc(rust, v));
        let _ = writeln!(out, "        {var} = \"{v}\",");
    }
    out.push_str("    }\n}\n\n");
}

/// A variant's doc from `docs.json` (`Enum.value`); codegen refuses a missing one.
pub fn variant_doc(rust: &str, value: &str) -> &'static str {
    written()
        .get(&format!("{rust}.{value}"))
        .map(String::as_str)
        .expect("unwritten_docs checks variant docs first")
}

fn emit_union(
    api: &Api,
    out: &mut String,
    rust: &str,
    tag: &str,
    variants: &[(String, String)],
    tdoc: &str,
    aliases: &[String],
) {
    let eq = variants
        .iter()
        .all(|(_, v)| schema_eq(api, v, &mut BTreeSet::new()));
    out.push_str("tagged_union! {\n");
    doc(
        out,
        &[
            tdoc.to_owned(),
            String::new(),
            format!("Tagged by `{tag}`; a kind this version does not know decodes as `Unknown`."),
        ],
    );
    alias_attrs(out, "    ", aliases);
    let _ = writeln!(
        out,
        "    #[derive(Debug, Clone, PartialEq{})]",
        if eq { ", Eq" } else { "" }
    );
    let _ = writeln!(out, "    pub enum {rust} tag \"{tag}\" {{");
    for (t, v) in variants {
        let _ = writeln!(out, "        /// {}", variant_doc(rust, t));
        let _ = writeln!(
            out,
            "        {}({}) = \"{t}\",",
            variant_ident(t),
            type_name(api, v)
        );
    }
    out.push_str("    }\n}\n\n");
}

/// The attributes that compile an item only with `feature`, and say so in
/// the docs.
pub fn feature_gate(feature: &str) -> String {
    format!(
        "#[cfg(feature = \"{feature}\")]\n#[cfg_attr(docsrs, doc(cfg(feature = \"{feature}\")))]\n"
    )
}

#[cfg(test)]
mod tests {
    use super::super::spec::{self, Def};

    fn api() -> super::Api {
        let root = crate::workspace_root();
        let read = |rel: &str| -> serde_json::Value {
            serde_json::from_str(&std::fs::read_to_string(root.join(rel)).unwrap()).unwrap()
        };
        spec::load(&read(super::super::SPEC), &read(super::super::SUPPLEMENT))
    }

    /// Names a person can read: no schema paths, nothing past 40 characters.
    #[test]
    fn type_names_are_short_and_carry_no_schema_path() {
        for name in api().classes.keys() {
            assert!(
                name.len() <= 40 && !name.contains("Schemas"),
                "rename {name} in overlay.json class_names"
            );
        }
    }

    /// A variant's doc says what the value means, not how it is spelled.
    #[test]
    fn variant_docs_do_not_repeat_their_value() {
        let api = api();
        for (rust, members) in &api.classes {
            let values: Vec<&str> = match &api.schemas[&members[0]].def {
                Def::Enum { values } => values.iter().map(String::as_str).collect(),
                Def::Union { variants, .. } => variants.iter().map(|v| v.0.as_str()).collect(),
                _ => continue,
            };
            for v in values {
                let doc = super::variant_doc(rust, v);
                let bare = doc.trim_end_matches('.').trim_matches('`');
                assert!(
                    !doc.starts_with(&format!("`{v}`")) && !bare.eq_ignore_ascii_case(v),
                    "{rust}.{v}: the doc only repeats the value: {doc:?}"
                );
            }
        }
    }

    /// One short sentence each: codegen appends to them (" (RFC 3339)", " Always `x`.").
    #[test]
    fn written_docs_are_one_short_line() {
        for (k, v) in super::written() {
            assert!(
                v.ends_with('.') && !v.contains('\n') && v.chars().count() <= 100,
                "docs.json {k}: one line under 100 characters, ending in a period: {v:?}"
            );
        }
    }
}
