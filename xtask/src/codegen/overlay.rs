//! What the spec does not say and the generator has to be told, read from
//! `overlay.json`: which strings are ids or handles, names, docs for
//! operations, how resource methods take their arguments, deprecations and
//! examples. Everything here is data; this file only looks it up.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::names::snake;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overlay {
    #[serde(rename = "_about")]
    _about: String,
    /// Operations whose repetition could be seen by a recipient or move money.
    pub visible_operations: Vec<String>,
    /// Schemas linq-types defines by hand: spec name → Rust path.
    pub external_types: BTreeMap<String, String>,
    /// Path parameter → the id type (or `Handle`) it is validated as.
    pub path_params: BTreeMap<String, String>,
    /// String fields holding an id, by field name.
    pub id_fields: BTreeMap<String, String>,
    /// The id type of an `id` field, by its owner's spec name.
    pub uuid_ids: Vec<String>,
    pub id_owners: BTreeMap<String, String>,
    /// The same, by the end of the owner's spec name.
    pub id_owner_suffixes: BTreeMap<String, String>,
    /// Request fields that hold a handle.
    pub handle_fields: Vec<String>,
    /// Owners whose handle-named fields stay plain strings (short codes).
    pub handle_free_owner_prefixes: Vec<String>,
    /// `Owner.field` the spec marks required that real payloads leave out.
    pub lenient_required: Vec<String>,
    /// Rust names for types: any member spec name → the class's name.
    pub class_names: BTreeMap<String, String>,
    /// One line per operation, for the op type and the client method.
    pub op_docs: BTreeMap<String, String>,
    /// Docs for the types people meet first (by Rust name).
    pub type_docs: BTreeMap<String, String>,
    /// Docs for fields that appear everywhere (by wire name).
    pub field_docs: BTreeMap<String, String>,
    /// Resource (`chats.participants`) → the `models` module of the types it uses.
    pub model_modules: BTreeMap<String, String>,
    /// Modules in the order that wins when a type is used by several.
    pub module_order: Vec<String>,
    /// Module docs.
    pub module_docs: BTreeMap<String, String>,
    /// Modules compiled only with a cargo feature of linq-types (module →
    /// feature): models most programs never decode, kept out of their build.
    #[serde(default)]
    pub module_features: BTreeMap<String, String>,
    /// Types placed in a module by hand, overriding where use puts them.
    pub module_of: BTreeMap<String, String>,
    /// Types re-exported at `models::` (the everyday ones).
    pub reexports: Vec<String>,
    /// Operation → its Rust method name, where the official one reads unlike
    /// its siblings (`chats().list()`, not `list_chats()`). The official name
    /// stays a doc alias, and the catalog (CLI, MCP server) keeps it.
    pub method_names: BTreeMap<String, String>,
    /// Operation → the order of its required arguments, when not the body's.
    pub argument_order: BTreeMap<String, Vec<String>>,
    /// Operation → name of the one argument that takes its whole body
    /// (`impl Into<Body>`), instead of one argument per required field.
    pub whole_body: BTreeMap<String, String>,
    /// `Type.field` or an operation id → what to use instead.
    pub deprecated: BTreeMap<String, String>,
    /// Operation → the body of a runnable example for its method.
    pub examples: BTreeMap<String, String>,
    /// How webhook payload types are named from their spec names.
    pub event_payload_names: EventPayloadNames,
    /// Resource (`chats.participants`) → its doc line.
    pub resource_docs: BTreeMap<String, String>,
}

/// `MessageReceivedWebhookEvent` → `MessageReceivedEvent`, and shorter
/// prefixes where the result would still run long.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventPayloadNames {
    pub strip_suffix: String,
    pub add_suffix: String,
    pub prefixes: BTreeMap<String, String>,
}

/// The Rust name of a webhook payload (an envelope) from its spec name.
pub fn event_payload_name(pascal: &str) -> String {
    let n = &get().event_payload_names;
    let stem = pascal
        .strip_suffix(n.strip_suffix.as_str())
        .unwrap_or(pascal);
    let stem = n
        .prefixes
        .iter()
        .find_map(|(long, short)| {
            stem.strip_prefix(long.as_str())
                .map(|rest| format!("{short}{rest}"))
        })
        .unwrap_or_else(|| stem.to_owned());
    format!("{stem}{}", n.add_suffix)
}

pub fn get() -> &'static Overlay {
    static OVERLAY: OnceLock<Overlay> = OnceLock::new();
    OVERLAY.get_or_init(|| {
        serde_json::from_str(include_str!("overlay.json"))
            .unwrap_or_else(|e| panic!("xtask/src/codegen/overlay.json: {e}"))
    })
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

/// The cargo feature of linq-types a `models` module is compiled under,
/// if any.
pub fn module_feature(module: &str) -> Option<&'static str> {
    get().module_features.get(module).map(|f| leak(f))
}

/// The cargo feature a top-level resource (`payment_requests`) is compiled
/// under: its models module's.
pub fn resource_feature(resource: &str) -> Option<&'static str> {
    get()
        .model_modules
        .get(resource)
        .and_then(|m| module_feature(m))
}

pub fn is_visible(op: &str) -> bool {
    get().visible_operations.iter().any(|v| v == op)
}

pub fn external(name: &str) -> Option<&'static str> {
    get().external_types.get(name).map(String::as_str)
}

/// The type a path parameter holds, as the overlay names it: `Handle` or
/// an id type.
pub fn path_param(wire: &str) -> Option<&'static str> {
    get().path_params.get(wire).map(String::as_str)
}

/// The id type a string field holds, if any.
pub fn id_for(owner: &str, wire: &str) -> Option<&'static str> {
    let o = get();
    if let Some(t) = o.id_fields.get(wire) {
        return Some(t);
    }
    if wire != "id" {
        return None;
    }
    o.id_owners.get(owner).map(String::as_str).or_else(|| {
        o.id_owner_suffixes
            .iter()
            .find(|(suffix, _)| owner.ends_with(suffix.as_str()))
            .map(|(_, t)| t.as_str())
    })
}

/// Whether an id type checks user input for the UUID shape.
pub fn is_uuid_id(id: &str) -> bool {
    get().uuid_ids.iter().any(|u| u == id)
}

/// Whether a request field holds a handle (E.164 number or email address).
pub fn is_handle(owner: &str, wire: &str) -> bool {
    let o = get();
    !o.handle_free_owner_prefixes
        .iter()
        .any(|p| owner.starts_with(p.as_str()))
        && o.handle_fields.iter().any(|f| f == wire)
}

pub fn class_name(member: &str) -> Option<&'static str> {
    get().class_names.get(member).map(String::as_str)
}

pub fn op_doc(id: &str) -> &'static str {
    get()
        .op_docs
        .get(id)
        .unwrap_or_else(|| panic!("overlay.json: no op_docs entry for {id}"))
}

pub fn type_doc(rust: &str) -> Option<&'static str> {
    get().type_docs.get(rust).map(String::as_str)
}

pub fn field_doc(wire: &str) -> Option<&'static str> {
    get().field_docs.get(wire).map(String::as_str)
}

pub fn lenient(owner: &str, wire: &str) -> bool {
    get()
        .lenient_required
        .iter()
        .any(|k| k.split_once('.') == Some((owner, wire)))
}

/// The Rust method name of an operation whose official name is `official`.
pub fn rust_method(id: &str, official: &str) -> String {
    get()
        .method_names
        .get(id)
        .cloned()
        .unwrap_or_else(|| snake(official))
}

pub fn deprecated(key: &str) -> Option<&'static str> {
    get().deprecated.get(key).map(String::as_str)
}
