//! Reading the OpenAPI description into a small model of types, operations
//! and webhook events, with structurally identical schemas merged.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::names::{pascal, snake};
use super::overlay;

/// Whether a schema is sent (request bodies, query) or received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Request,
    Response,
}

/// A field's type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ty {
    Str,
    Bool,
    I32,
    I64,
    F64,
    /// The spec allows anything here.
    Any,
    /// An object the spec gives no properties for.
    Object,
    Map(Box<Ty>),
    Vec(Box<Ty>),
    /// Another schema, by its spec name.
    Named(String),
    /// One of linq-types' id types.
    Id(&'static str),
    /// An RFC 3339 instant (`format: date-time`): `Timestamp`.
    Timestamp,
    /// A validated `Handle` (request side only).
    Handle,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub wire: String,
    pub ty: Ty,
    pub required: bool,
    pub nullable: bool,
    /// The only value the spec allows (`const`).
    pub konst: Option<String>,
    pub format: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Def {
    Struct {
        fields: Vec<Field>,
        role: Role,
    },
    Enum {
        values: Vec<String>,
    },
    /// `oneOf` with a discriminator: (tag value, schema) pairs.
    Union {
        tag: String,
        variants: Vec<(String, String)>,
    },
    /// A webhook payload: the common envelope around `data`.
    Envelope {
        data: String,
    },
    /// A type linq-types already defines by hand.
    External(&'static str),
    /// The union of every webhook payload: `webhooks::Event` (hand-written).
    EventUnion,
}

#[derive(Debug, Clone)]
pub struct Schema {
    pub def: Def,
    /// Made up for an inline enum; not a spec name.
    pub synthetic: bool,
    /// Where it is used: (parent spec name, field wire name).
    pub used_in: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct PathParam {
    pub wire: String,
    pub ident: String,
    pub ty: Ty,
}

#[derive(Debug, Clone)]
pub struct Op {
    pub id: String,
    pub http: String,
    pub path: String,
    /// `chats.participants` → `["chats", "participants"]`.
    pub resource: Vec<String>,
    /// The SDK method name as the spec spells it (`check_RCS`).
    pub method: String,
    pub path_params: Vec<PathParam>,
    pub query: Option<String>,
    pub body: Option<String>,
    pub output: Option<String>,
    /// The media type of the success reply: `*/*` when it has no body.
    pub accept: String,
    pub idempotency_header: Option<String>,
    /// Path to the body's idempotency key: `["message", "idempotency_key"]`.
    pub body_key: Option<Vec<String>>,
    pub visible: bool,
}

#[derive(Debug, Clone)]
pub struct Event {
    pub event_type: String,
    /// The payload schema, `None` for types the spec lists without one.
    pub payload: Option<String>,
}

pub struct Api {
    pub schemas: BTreeMap<String, Schema>,
    /// Spec name → Rust name of the type it is (its class's canonical type).
    pub canonical: BTreeMap<String, String>,
    /// Canonical Rust name → spec names sharing the type.
    pub classes: BTreeMap<String, Vec<String>>,
    pub ops: Vec<Op>,
    pub events: Vec<Event>,
    /// Canonical Rust name → the `models` module it lives in.
    pub module: BTreeMap<String, String>,
}

impl Api {
    /// The path of a model type from a crate's root: `models::chats::Chat`.
    pub fn model_path(&self, rust: &str) -> String {
        match self.module.get(rust) {
            Some(m) => format!("models::{m}::{rust}"),
            None => rust.to_owned(),
        }
    }
}

const ENVELOPE_KEYS: &[&str] = &[
    "api_version",
    "created_at",
    "data",
    "event_id",
    "event_type",
    "partner_id",
    "trace_id",
    "webhook_version",
];

fn ref_name(v: &Value) -> Option<String> {
    v.get("$ref")
        .and_then(Value::as_str)
        .map(|r| r.rsplit('/').next().unwrap().to_owned())
}

struct Builder<'a> {
    raw: &'a serde_json::Map<String, Value>,
    named_enums: Vec<(BTreeSet<String>, String)>,
    schemas: BTreeMap<String, Schema>,
}

impl Builder<'_> {
    fn add(&mut self, name: &str, v: &Value, role: Role) {
        let def = if let Some(ext) = overlay::external(name) {
            Def::External(ext)
        } else if let Some(values) = v.get("enum") {
            Def::Enum {
                values: strings(values),
            }
        } else if let Some(one) = v.get("oneOf") {
            let variants: Vec<String> = one
                .as_array()
                .unwrap()
                .iter()
                .map(|r| ref_name(r).unwrap())
                .collect();
            let disc = &v["discriminator"];
            let tag = disc["propertyName"].as_str().unwrap_or("type").to_owned();
            if variants.iter().all(|n| n.ends_with("WebhookEvent")) {
                Def::EventUnion
            } else {
                let mapping = disc["mapping"].as_object().expect("union without mapping");
                let variants = mapping
                    .iter()
                    .map(|(t, r)| {
                        (
                            t.clone(),
                            r.as_str().unwrap().rsplit('/').next().unwrap().to_owned(),
                        )
                    })
                    .collect::<Vec<_>>();
                // keep the spec's order
                let order: Vec<String> = one
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| ref_name(r).unwrap())
                    .collect();
                let mut variants = variants;
                variants.sort_by_key(|(_, n)| order.iter().position(|o| o == n));
                Def::Union { tag, variants }
            }
        } else {
            let props = v.get("properties").and_then(Value::as_object);
            let keys: BTreeSet<&str> = props
                .map(|p| p.keys().map(String::as_str).collect())
                .unwrap_or_default();
            if keys == ENVELOPE_KEYS.iter().copied().collect()
                && props.unwrap()["data"].get("$ref").is_some()
            {
                Def::Envelope {
                    data: ref_name(&props.unwrap()["data"]).unwrap(),
                }
            } else {
                let required: BTreeSet<String> = v
                    .get("required")
                    .map(strings)
                    .unwrap_or_default()
                    .into_iter()
                    .collect();
                let mut fields = Vec::new();
                for (wire, pv) in props.into_iter().flatten() {
                    let (ty, nullable, konst) = self.prop(name, wire, pv);
                    let ty = retype(name, wire, ty, role, format_of(pv));
                    let ty = match (&ty, pv.get("format").and_then(Value::as_str)) {
                        (Ty::Str, Some("date-time")) => Ty::Timestamp,
                        (Ty::Vec(t), Some("date-time")) if **t == Ty::Str => {
                            Ty::Vec(Box::new(Ty::Timestamp))
                        }
                        _ => ty,
                    };
                    fields.push(Field {
                        wire: wire.clone(),
                        ty,
                        required: required.contains(wire),
                        nullable,
                        konst,
                        format: pv.get("format").and_then(Value::as_str).map(str::to_owned),
                    });
                }
                Def::Struct { fields, role }
            }
        };
        self.schemas.insert(
            name.to_owned(),
            Schema {
                def,
                synthetic: false,
                used_in: Vec::new(),
            },
        );
    }

    fn prop(&mut self, owner: &str, field: &str, v: &Value) -> (Ty, bool, Option<String>) {
        if let Some(any) = v.get("anyOf").and_then(Value::as_array) {
            let rest: Vec<&Value> = any
                .iter()
                .filter(|a| a.get("type") != Some(&Value::from("null")))
                .collect();
            assert_eq!(rest.len(), 1, "{owner}.{field}: anyOf other than X | null");
            let (t, _, k) = self.prop(owner, field, rest[0]);
            return (t, true, k);
        }
        if let Some(r) = ref_name(v) {
            return (Ty::Named(r), false, None);
        }
        let (ty, nullable) = match v.get("type") {
            Some(Value::String(s)) => (Some(s.as_str()), false),
            Some(Value::Array(a)) => (
                a.iter().filter_map(Value::as_str).find(|t| *t != "null"),
                a.iter().any(|t| t == "null"),
            ),
            _ => (None, false),
        };
        if let Some(c) = v.get("const") {
            return (Ty::Str, nullable, Some(c.as_str().unwrap().to_owned()));
        }
        if let Some(e) = v.get("enum") {
            let name = self.inline_enum(owner, field, strings(e));
            return (Ty::Named(name), nullable, None);
        }
        let ty = match ty {
            None => Ty::Any,
            Some("string") => Ty::Str,
            Some("boolean") => Ty::Bool,
            Some("integer") if v.get("format") == Some(&Value::from("int32")) => Ty::I32,
            Some("integer") => Ty::I64,
            Some("number") => Ty::F64,
            Some("array") => Ty::Vec(Box::new(self.prop(owner, field, &v["items"]).0)),
            Some("object") => match v.get("additionalProperties") {
                Some(Value::Bool(true)) | None => Ty::Object,
                Some(ap) => Ty::Map(Box::new(self.prop(owner, field, ap).0)),
            },
            Some(other) => panic!("{owner}.{field}: type {other}"),
        };
        (ty, nullable, None)
    }

    fn inline_enum(&mut self, owner: &str, field: &str, values: Vec<String>) -> String {
        let set: BTreeSet<String> = values.iter().cloned().collect();
        if let Some((_, n)) = self.named_enums.iter().find(|(s, _)| *s == set) {
            return n.clone();
        }
        if field == "event_type" {
            return "WebhookEventType".to_owned();
        }
        let name = format!("{owner}{}", pascal(field));
        self.schemas.insert(
            name.clone(),
            Schema {
                def: Def::Enum { values },
                synthetic: true,
                used_in: Vec::new(),
            },
        );
        let _ = self.raw;
        name
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// The `format` of a property, looking through `anyOf: [X, null]`.
fn format_of(v: &Value) -> Option<&str> {
    v.get("format").and_then(Value::as_str).or_else(|| {
        v.get("anyOf")?
            .as_array()?
            .iter()
            .find_map(|a| a.get("format").and_then(Value::as_str))
    })
}

/// Applies the project's id types and (on requests) `Handle`. On a request,
/// an id whose type checks for a UUID is used only where the description
/// says `format: uuid`; elsewhere the API takes any string, so does the SDK.
fn retype(owner: &str, wire: &str, ty: Ty, role: Role, format: Option<&str>) -> Ty {
    let base = |t: &Ty| matches!(t, Ty::Str);
    let wrap = |ty: Ty, new: Ty| match ty {
        Ty::Vec(inner) if base(&inner) => Ty::Vec(Box::new(new)),
        t if base(&t) => new,
        t => t,
    };
    if let Some(id) = overlay::id_for(owner, wire) {
        if role == Role::Request && overlay::is_uuid_id(id) && format != Some("uuid") {
            return ty;
        }
        return wrap(ty, Ty::Id(id));
    }
    if role == Role::Request && overlay::is_handle(owner, wire) {
        return wrap(ty, Ty::Handle);
    }
    ty
}

fn refs_of(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(r) = ref_name(v) {
                out.push(r);
            }
            for x in m.values() {
                refs_of(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs_of(x, out)),
        _ => {}
    }
}

pub fn load(spec: &Value, supplement: &Value) -> Api {
    let raw = spec["components"]["schemas"].as_object().unwrap();
    let sup = supplement["components"]["schemas"].as_object().unwrap();

    // Request-side schemas: everything reachable from a body or query.
    let mut request = BTreeSet::new();
    let mut stack = Vec::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            if let Some(b) = op.pointer("/requestBody/content/application~1json/schema") {
                stack.push(ref_name(b).unwrap());
            }
            if let Some(q) = op.get("x-query-schema") {
                stack.push(ref_name(q).unwrap());
            }
        }
    }
    while let Some(n) = stack.pop() {
        if request.insert(n.clone()) {
            let mut rs = Vec::new();
            refs_of(&raw[&n], &mut rs);
            stack.extend(rs);
        }
    }

    let named_enums = raw
        .iter()
        .filter_map(|(n, v)| {
            v.get("enum")
                .map(|e| (strings(e).into_iter().collect(), n.clone()))
        })
        .collect();
    let mut b = Builder {
        raw,
        named_enums,
        schemas: BTreeMap::new(),
    };
    for (name, v) in raw {
        let role = if request.contains(name) {
            Role::Request
        } else {
            Role::Response
        };
        b.add(name, v, role);
    }
    for (name, v) in sup {
        b.add(name, v, Role::Response);
    }
    let mut schemas = b.schemas;

    // A union's variants carry their tag through the union; drop the field.
    let unions: Vec<(String, Vec<String>)> = schemas
        .values()
        .filter_map(|s| match &s.def {
            Def::Union { tag, variants } => {
                Some((tag.clone(), variants.iter().map(|v| v.1.clone()).collect()))
            }
            _ => None,
        })
        .collect();
    for (tag, variants) in unions {
        for v in variants {
            if let Def::Struct { fields, .. } = &mut schemas.get_mut(&v).unwrap().def {
                fields.retain(|f| f.wire != tag);
            }
        }
    }

    // Where each schema is used, for docs.
    let mut uses: Vec<(String, String, String)> = Vec::new();
    for (name, s) in &schemas {
        match &s.def {
            Def::Struct { fields, .. } => {
                for f in fields {
                    for n in named_in(&f.ty) {
                        uses.push((n, name.clone(), f.wire.clone()));
                    }
                }
            }
            Def::Union { variants, .. } => {
                for (t, n) in variants {
                    uses.push((n.clone(), name.clone(), t.clone()));
                }
            }
            Def::Envelope { data } => uses.push((data.clone(), name.clone(), "data".into())),
            _ => {}
        }
    }
    for (child, parent, field) in uses {
        if let Some(s) = schemas.get_mut(&child) {
            s.used_in.push((parent, field));
        }
    }

    let (canonical, classes) = dedup(&schemas);
    let ops = load_ops(spec, &schemas);
    let events = load_events(spec);
    let module = place(&schemas, &classes, &ops, &events);
    Api {
        schemas,
        canonical,
        classes,
        ops,
        events,
        module,
    }
}

/// Puts each type in the `models` module of its nearest user: the
/// operations' resources (`overlay.model_modules`) and `events` for webhook
/// payloads. A type used at the same depth from several modules goes to the
/// one first in `overlay.module_order`; `overlay.module_of` overrides.
fn place(
    schemas: &BTreeMap<String, Schema>,
    classes: &BTreeMap<String, Vec<String>>,
    ops: &[Op],
    events: &[Event],
) -> BTreeMap<String, String> {
    let o = overlay::get();
    let rank = |m: &str| {
        o.module_order
            .iter()
            .position(|x| x == m)
            .unwrap_or_else(|| panic!("overlay.json: module {m} is not in module_order"))
    };
    let mut roots: Vec<(String, usize)> = Vec::new();
    for op in ops {
        let res = op.resource.join(".");
        let m = o
            .model_modules
            .get(&res)
            .unwrap_or_else(|| panic!("overlay.json: no model_modules entry for {res}"));
        for s in [&op.body, &op.query, &op.output].into_iter().flatten() {
            roots.push((s.clone(), rank(m)));
        }
    }
    for ev in events {
        if let Some(p) = &ev.payload {
            roots.push((p.clone(), rank("events")));
        }
    }
    // (depth, module rank) per spec schema, breadth first.
    let mut best: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut frontier = roots;
    let mut depth = 0;
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for (name, m) in frontier {
            let key = (depth, m);
            if best.get(&name).is_some_and(|b| *b <= key) {
                continue;
            }
            best.insert(name.clone(), key);
            let Some(s) = schemas.get(&name) else {
                continue;
            };
            let children: Vec<String> = match &s.def {
                Def::Struct { fields, .. } => fields.iter().flat_map(|f| named_in(&f.ty)).collect(),
                Def::Union { variants, .. } => variants.iter().map(|v| v.1.clone()).collect(),
                Def::Envelope { data } => vec![data.clone()],
                _ => Vec::new(),
            };
            next.extend(children.into_iter().map(|c| (c, m)));
        }
        frontier = next;
        depth += 1;
    }
    let mut out = BTreeMap::new();
    for (rust, members) in classes {
        if matches!(schemas[&members[0]].def, Def::External(_) | Def::EventUnion) {
            continue;
        }
        let m = o.module_of.get(rust).cloned().unwrap_or_else(|| {
            let b = members.iter().filter_map(|n| best.get(n)).min();
            match b {
                Some((_, r)) => o.module_order[*r].clone(),
                None => "events".to_owned(),
            }
        });
        out.insert(rust.clone(), m);
    }
    out
}

pub fn named_in(ty: &Ty) -> Vec<String> {
    match ty {
        Ty::Named(n) => vec![n.clone()],
        Ty::Vec(t) | Ty::Map(t) => named_in(t),
        _ => Vec::new(),
    }
}

/// Partition refinement: two schemas share a type when their shapes match
/// with every referenced schema replaced by its class.
fn dedup(
    schemas: &BTreeMap<String, Schema>,
) -> (BTreeMap<String, String>, BTreeMap<String, Vec<String>>) {
    let names: Vec<&String> = schemas.keys().collect();
    let mut class: BTreeMap<&String, usize> = names.iter().map(|n| (*n, 0)).collect();
    let mut count = 1;
    loop {
        let mut ids: BTreeMap<String, usize> = BTreeMap::new();
        let mut next = BTreeMap::new();
        for n in &names {
            let key = shape_key(n, &schemas[*n], &class);
            let len = ids.len();
            let id = *ids.entry(key).or_insert(len);
            next.insert(*n, id);
        }
        let new_count = ids.len();
        class = next;
        if new_count == count {
            break;
        }
        count = new_count;
    }
    let mut groups: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (n, c) in &class {
        groups.entry(*c).or_default().push((*n).clone());
    }
    let mut canonical = BTreeMap::new();
    let mut classes = BTreeMap::new();
    for members in groups.into_values() {
        let name = members
            .iter()
            .find_map(|m| overlay::class_name(m).map(str::to_owned))
            .unwrap_or_else(|| {
                let pick = |synth: bool| {
                    members
                        .iter()
                        .filter(|m| schemas[*m].synthetic == synth)
                        .min_by_key(|m| (pascal(m).len(), pascal(m)))
                        .map(|m| pascal(m))
                };
                let name = pick(false).or_else(|| pick(true)).unwrap();
                if matches!(schemas[&members[0]].def, Def::Envelope { .. }) {
                    overlay::event_payload_name(&name)
                } else {
                    name
                }
            });
        for m in &members {
            canonical.insert(m.clone(), name.clone());
        }
        assert!(
            classes.insert(name.clone(), members).is_none(),
            "two classes named {name}"
        );
    }
    (canonical, classes)
}

fn shape_key(name: &str, s: &Schema, class: &BTreeMap<&String, usize>) -> String {
    let t = |ty: &Ty| ty_key(ty, class);
    match &s.def {
        Def::Struct { fields, role } => {
            let mut k = format!("S{role:?}");
            for f in fields {
                k += &format!(
                    "|{}:{}:{}:{}:{:?}:{:?}",
                    f.wire,
                    t(&f.ty),
                    f.required,
                    f.nullable,
                    f.konst,
                    f.format
                );
            }
            k
        }
        Def::Enum { values } => {
            let set: BTreeSet<&String> = values.iter().collect();
            format!("E{set:?}")
        }
        Def::Union { tag, variants } => {
            let mut k = format!("U{tag}");
            for (tv, n) in variants {
                k += &format!("|{tv}={}", class[&n.to_string()]);
            }
            k
        }
        _ => format!("X{name}"),
    }
}

fn ty_key(ty: &Ty, class: &BTreeMap<&String, usize>) -> String {
    match ty {
        Ty::Named(n) => format!("#{}", class[n]),
        Ty::Vec(t) => format!("[{}]", ty_key(t, class)),
        Ty::Map(t) => format!("{{{}}}", ty_key(t, class)),
        other => format!("{other:?}"),
    }
}

fn load_ops(spec: &Value, schemas: &BTreeMap<String, Schema>) -> Vec<Op> {
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (http, o) in item.as_object().unwrap() {
            let sdk = &o["x-sdk-method"];
            let id = o["operationId"].as_str().unwrap().to_owned();
            let mut path_params = Vec::new();
            for p in o
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if p["in"] == "path" {
                    let wire = p["name"].as_str().unwrap().to_owned();
                    let ty = match overlay::path_param(&wire) {
                        Some("Handle") => Ty::Handle,
                        Some(id) => Ty::Id(id),
                        None => panic!("path param {wire}"),
                    };
                    path_params.push(PathParam {
                        ident: snake(&wire),
                        wire,
                        ty,
                    });
                }
            }
            // in the order they appear in the path
            path_params.sort_by_key(|p| path.find(&format!("{{{}}}", p.wire)));
            let body = o
                .pointer("/requestBody/content/application~1json/schema")
                .map(|b| ref_name(b).unwrap());
            let query = o.get("x-query-schema").map(|q| ref_name(q).unwrap());
            let success = o["responses"]
                .as_object()
                .unwrap()
                .iter()
                .find(|(c, _)| c.starts_with('2'))
                .and_then(|(_, r)| r.get("content"))
                .and_then(|c| c.as_object().unwrap().iter().next());
            let output = success.map(|(_, m)| ref_name(&m["schema"]).unwrap());
            // What the official SDKs send as Accept: the reply's media type,
            // or anything for a reply without a body.
            let accept = success
                .map_or("*/*", |(media, _)| media.as_str())
                .to_owned();
            let idempotency_header = o
                .get("x-idempotency-header")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let body_key = if idempotency_header.is_some() {
                None
            } else {
                body.as_ref().and_then(|b| body_key_path(b, schemas))
            };
            ops.push(Op {
                visible: overlay::is_visible(&id),
                id,
                http: http.to_ascii_uppercase(),
                path: path.clone(),
                resource: sdk["resource"]
                    .as_str()
                    .unwrap()
                    .split('.')
                    .map(str::to_owned)
                    .collect(),
                method: sdk["method"].as_str().unwrap().to_owned(),
                path_params,
                query,
                body,
                output,
                accept,
                idempotency_header,
                body_key,
            });
        }
    }
    ops
}

/// A required field of the body whose object has an `idempotency_key`.
fn body_key_path(body: &str, schemas: &BTreeMap<String, Schema>) -> Option<Vec<String>> {
    let Def::Struct { fields, .. } = &schemas[body].def else {
        return None;
    };
    for f in fields {
        if let (Ty::Named(n), true) = (&f.ty, f.required) {
            if let Def::Struct { fields: inner, .. } = &schemas[n].def {
                if inner.iter().any(|i| i.wire == "idempotency_key") {
                    return Some(vec![f.wire.clone(), "idempotency_key".into()]);
                }
            }
        }
    }
    None
}

fn load_events(spec: &Value) -> Vec<Event> {
    let mut payloads = BTreeMap::new();
    for (key, item) in spec["webhooks"].as_object().unwrap() {
        let post = &item["post"];
        let et = post["x-event-type"].as_str().unwrap_or(key).to_owned();
        let schema = ref_name(
            post.pointer("/requestBody/content/application~1json/schema")
                .unwrap(),
        )
        .unwrap();
        payloads.insert(et, schema);
    }
    let all = strings(&spec["components"]["schemas"]["WebhookEventType"]["enum"]);
    all.into_iter()
        .map(|et| Event {
            payload: payloads.get(&et).cloned(),
            event_type: et,
        })
        .collect()
}
