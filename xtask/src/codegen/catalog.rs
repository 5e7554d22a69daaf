//! `linq_types::catalog::OPERATIONS`: every operation as data a program
//! reads at run time (the CLI's subcommands, the MCP server's schemas), and
//! the function that builds each typed operation from flat JSON arguments.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::client::{CHECKED, Place, plan};
use super::imports::HEADER;
use super::models::{Hold, field_summary, hold, type_name};
use super::names::{field_ident, snake, words};
use super::ops::op_type;
use super::overlay;
use super::spec::{Api, Def, Field, Op, Role, Ty};

pub const PATH: &str = "crates/linq-types/src/generated/catalog.rs";

/// One argument, in the order the catalog lists them.
struct Param {
    wire: String,
    place: Place,
    required: bool,
    ty: Ty,
    doc: String,
    nullable: bool,
}

pub fn generate(api: &Api) -> String {
    let mut out = String::from(HEADER);
    out += "//! Every operation as data; see [`crate::catalog`].\n\n";
    out += "use crate::catalog::{Args, OperationInfo, ParamInfo, ParamKind, ParamLocation};\n";
    out += "use crate::operation::Effect;\n";
    out += "use crate::{AnyOperation, CheckInput, InvalidValue, ops};\n\n";
    out += "/// Every operation, in the API description's order.\n";
    out += "pub static OPERATIONS: &[OperationInfo] = &[\n";
    let mut builders = String::new();
    for op in &api.ops {
        let params = params(api, op);
        emit_info(api, &mut out, op, &params);
        emit_builder(api, &mut builders, op);
    }
    out += "];\n\n";
    out += &builders;
    out
}

fn params(api: &Api, op: &Op) -> Vec<Param> {
    let mut list: Vec<Param> = op
        .path_params
        .iter()
        .map(|p| Param {
            wire: p.wire.clone(),
            place: Place::Path,
            required: true,
            ty: p.ty.clone(),
            doc: format!(
                "The {} of the {}.",
                "id",
                words(p.wire.trim_end_matches("Id")).join(" ")
            ),
            nullable: false,
        })
        .collect();
    let plan = plan(api, op);
    let mut optional = Vec::new();
    let mut required = Vec::new();
    for (place, spec) in [(Place::Query, &op.query), (Place::Body, &op.body)] {
        let Some(spec) = spec else { continue };
        let Def::Struct { fields, .. } = &api.schemas[spec].def else {
            panic!("{}: the {spec} of an operation is not an object", op.id)
        };
        let rust = type_name(api, spec);
        for f in fields {
            assert!(
                f.konst.is_none(),
                "{}: a top-level const field ({}) needs a default in the catalog",
                op.id,
                f.wire
            );
            let h = hold(f, Role::Request, spec);
            let p = Param {
                wire: f.wire.clone(),
                place,
                required: matches!(h, Hold::Plain | Hold::OptNull),
                ty: f.ty.clone(),
                doc: field_summary(&rust, f),
                nullable: f.nullable || matches!(h, Hold::OptNull | Hold::OptOpt),
            };
            if p.required {
                required.push(p);
            } else {
                optional.push(p);
            }
        }
    }
    // Required fields in the order the resource method takes them.
    let rank = |p: &Param| {
        plan.positional
            .iter()
            .position(|a| a.wire == p.wire && a.place == p.place)
            .unwrap_or(usize::MAX)
    };
    required.sort_by_key(rank);
    let srank = |p: &Param| {
        plan.setters
            .iter()
            .position(|a| a.wire == p.wire && a.place == p.place)
            .unwrap_or(usize::MAX)
    };
    optional.sort_by_key(srank);
    list.extend(required);
    list.extend(optional);
    list
}

fn emit_info(api: &Api, out: &mut String, op: &Op, params: &[Param]) {
    let method = snake(&op.method);
    let destructive = op.http == "DELETE"
        || matches!(
            method.as_str(),
            "leave_chat" | "cancel" | "revoke" | "remove"
        );
    let read_only = op.http == "GET";
    let paginated = params
        .iter()
        .any(|p| p.place == Place::Query && p.wire == "cursor");
    let _ = writeln!(out, "    OperationInfo {{");
    let _ = writeln!(out, "        id: {:?},", op.id);
    let _ = writeln!(out, "        resource: {:?},", op.resource.join("."));
    let _ = writeln!(out, "        method_name: {method:?},");
    let _ = writeln!(out, "        http_method: {:?},", op.http);
    let _ = writeln!(out, "        path: {:?},", op.path);
    let _ = writeln!(out, "        summary: {:?},", overlay::op_doc(&op.id));
    let _ = writeln!(
        out,
        "        effect: Effect::{},",
        if op.visible { "Visible" } else { "Repeatable" }
    );
    let _ = writeln!(out, "        read_only: {read_only},");
    let _ = writeln!(out, "        destructive: {destructive},");
    let _ = writeln!(out, "        idempotent: {},", !op.visible);
    let _ = writeln!(
        out,
        "        deprecated: {},",
        overlay::deprecated(&op.id).is_some()
    );
    let _ = writeln!(out, "        paginated: {paginated},");
    out.push_str("        params: &[\n");
    for p in params {
        let location = match p.place {
            Place::Path => "Path",
            Place::Query => "Query",
            Place::Body | Place::WholeBody => "Body",
        };
        let _ = writeln!(
            out,
            "            ParamInfo {{ name: {:?}, location: ParamLocation::{location}, required: {}, kind: ParamKind::{}, description: {:?} }},",
            p.wire,
            p.required,
            kind(api, &p.ty),
            p.doc
        );
    }
    out.push_str("        ],\n");
    let schema = arguments_schema(api, params);
    let _ = writeln!(out, "        arguments_schema: r##\"{schema}\"##,");
    let _ = writeln!(out, "        build: {},", builder_name(op));
    out.push_str("    },\n");
}

fn builder_name(op: &Op) -> String {
    snake(&op.id.replace('.', "_"))
}

/// The checks the resource method makes on the whole of a value, made
/// here too: no empty recipient list, no blank text part.
fn checks(api: &Api, op: &Op) -> Vec<String> {
    let mut checks = Vec::new();
    let Some(body) = &op.body else {
        return checks;
    };
    if CHECKED.contains(&type_name(api, body).as_str()) {
        checks.push("op.params.check()?;".to_owned());
        return checks;
    }
    let Def::Struct { fields, .. } = &api.schemas[body].def else {
        return checks;
    };
    for f in fields {
        let ident = field_ident(&f.wire);
        let required = hold(f, Role::Request, body) == Hold::Plain;
        match &f.ty {
            Ty::Vec(inner) if **inner == Ty::Handle && required => checks.push(format!(
                "if op.params.{ident}.is_empty() {{ return Err(InvalidValue::Other(\"`{}` needs at least one handle\".into())); }}",
                f.wire
            )),
            Ty::Named(n) if CHECKED.contains(&type_name(api, n).as_str()) => {
                checks.push(if required {
                    format!("op.params.{ident}.check()?;")
                } else {
                    format!("if let Some(v) = &op.params.{ident} {{ v.check()?; }}")
                });
            }
            _ => {}
        }
    }
    checks
}

fn emit_builder(api: &Api, out: &mut String, op: &Op) {
    let path: Vec<String> = op.resource.iter().map(|r| snake(r)).collect();
    let ty = format!("ops::{}::{}", path.join("::"), op_type(op));
    let mut fields: Vec<String> = op
        .path_params
        .iter()
        .map(|p| format!("{}: a.path({:?})?", p.ident, p.wire))
        .collect();
    if op.query.is_some() {
        fields.push("query: a.query()?".into());
    }
    if op.body.is_some() {
        fields.push("params: a.body()?".into());
    }
    let value = if fields.is_empty() {
        ty
    } else {
        format!("{ty} {{ {} }}", fields.join(", "))
    };
    let arg = if op.path_params.is_empty() && op.query.is_none() && op.body.is_none() {
        "_a"
    } else {
        "a"
    };
    let checks = checks(api, op);
    let _ = writeln!(
        out,
        "fn {}({arg}: &Args<'_>) -> Result<AnyOperation, InvalidValue> {{\n    let op = {value};\n    {}\n    Ok(AnyOperation::new(op))\n}}\n",
        builder_name(op),
        checks.join("\n    ")
    );
}

fn kind(api: &Api, ty: &Ty) -> &'static str {
    match ty {
        Ty::Str | Ty::Id(_) | Ty::Handle | Ty::Timestamp => "String",
        Ty::Named(n) if matches!(api.schemas[n].def, Def::Enum { .. }) => "String",
        Ty::I32 | Ty::I64 => "Integer",
        Ty::F64 => "Number",
        Ty::Bool => "Boolean",
        Ty::Vec(inner) if kind(api, inner) == "String" => "StringList",
        _ => "Json",
    }
}

fn arguments_schema(api: &Api, params: &[Param]) -> String {
    let mut defs = BTreeMap::new();
    let mut props = Map::new();
    let mut required = Vec::new();
    for p in params {
        let mut s = schema_of(api, &p.ty, &mut defs);
        if p.nullable {
            s = json!({"anyOf": [s, {"type": "null"}]});
        }
        describe(&mut s, &p.doc);
        props.insert(p.wire.clone(), s);
        if p.required {
            required.push(Value::String(p.wire.clone()));
        }
    }
    let mut schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": props,
        "additionalProperties": false,
    });
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    if !defs.is_empty() {
        schema["$defs"] = Value::Object(defs.into_iter().collect());
    }
    serde_json::to_string(&schema).unwrap()
}

fn describe(schema: &mut Value, doc: &str) {
    if !doc.is_empty() {
        if let Some(obj) = schema.as_object_mut() {
            obj.insert("description".into(), Value::String(doc.to_owned()));
        }
    }
}

fn schema_of(api: &Api, ty: &Ty, defs: &mut BTreeMap<String, Value>) -> Value {
    match ty {
        Ty::Str | Ty::Id(_) => json!({"type": "string"}),
        Ty::Handle => json!({
            "type": "string",
            "description": "A phone number in E.164 form (+12025550147) or an email address.",
        }),
        Ty::Timestamp => json!({"type": "string", "format": "date-time"}),
        Ty::Bool => json!({"type": "boolean"}),
        Ty::I32 | Ty::I64 => json!({"type": "integer"}),
        Ty::F64 => json!({"type": "number"}),
        Ty::Any => json!({}),
        Ty::Object => json!({"type": "object"}),
        Ty::Map(inner) => {
            json!({"type": "object", "additionalProperties": schema_of(api, inner, defs)})
        }
        Ty::Vec(inner) => json!({"type": "array", "items": schema_of(api, inner, defs)}),
        Ty::Named(n) => {
            let rust = type_name(api, n);
            if !defs.contains_key(&rust) {
                // Claim the name first: a type can refer to itself.
                defs.insert(rust.clone(), Value::Null);
                let def = def_schema(api, n, &rust, defs);
                defs.insert(rust.clone(), def);
            }
            json!({"$ref": format!("#/$defs/{rust}")})
        }
    }
}

fn def_schema(api: &Api, spec: &str, rust: &str, defs: &mut BTreeMap<String, Value>) -> Value {
    match &api.schemas[spec].def {
        Def::Struct { fields, .. } => {
            let mut props = Map::new();
            let mut required = Vec::new();
            for f in fields {
                props.insert(f.wire.clone(), field_schema(api, rust, f, defs));
                if f.required {
                    required.push(Value::String(f.wire.clone()));
                }
            }
            let mut s = json!({"type": "object", "properties": props});
            if !required.is_empty() {
                s["required"] = Value::Array(required);
            }
            s
        }
        Def::Enum { values } => json!({"type": "string", "enum": values}),
        Def::Union { variants, .. } => {
            let one_of: Vec<Value> = variants
                .iter()
                .map(|(_, v)| schema_of(api, &Ty::Named(v.clone()), defs))
                .collect();
            json!({"oneOf": one_of})
        }
        _ => json!({}),
    }
}

fn field_schema(api: &Api, rust: &str, f: &Field, defs: &mut BTreeMap<String, Value>) -> Value {
    let mut s = match &f.konst {
        Some(k) => json!({"const": k}),
        None => schema_of(api, &f.ty, defs),
    };
    if f.nullable {
        s = json!({"anyOf": [s, {"type": "null"}]});
    }
    describe(&mut s, &field_summary(rust, f));
    s
}
