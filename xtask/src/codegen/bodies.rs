//! `crates/linq-types/tests/it/generated/bodies.rs`: which Rust type each
//! response and event schema of the API description decodes into, for the
//! generated-body property (`tests/it/generated_bodies.rs`), which builds random
//! bodies from the description itself at test time.

use std::fmt::Write as _;

use super::conformance::op_path;
use super::imports::HEADER;
use super::spec::Api;

pub const PATH: &str = "crates/linq-types/tests/it/generated/bodies.rs";

pub fn generate(api: &Api) -> String {
    let mut out = String::from(HEADER);
    out += "//! Every response and webhook event schema of the API description with\n";
    out += "//! the Rust type it decodes into: (what, spec schema, decoder).\n\n";
    out += "#![allow(deprecated)]\n\n";
    out += "use linq_types::Operation;\n\n";
    out += "use super::{Decode, decode};\n\n";
    out += "pub const BODIES: &[(&str, &str, Decode)] = &[\n";
    for op in &api.ops {
        let Some(output) = &op.output else { continue };
        let ty = format!("linq_types::{}", op_path(op));
        let _ = writeln!(
            out,
            "    (\"{}\", \"{output}\", decode::<<{ty} as Operation>::Output>),",
            op.id
        );
    }
    for ev in &api.events {
        let Some(p) = &ev.payload else { continue };
        let _ = writeln!(
            out,
            "    (\"event {}\", \"{p}\", decode::<linq_types::webhooks::Event>),",
            ev.event_type
        );
    }
    out += "    (\"error reply\", \"ErrorResponse\", decode::<linq_types::ErrorResponse>),\n";
    out += "];\n";
    out
}
