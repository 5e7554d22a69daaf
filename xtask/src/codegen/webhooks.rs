//! `linq_types::webhooks::EventData`: the `data` of every event type, one
//! variant each, decoded straight from the bytes by event type.

use std::fmt::Write as _;

use super::imports::HEADER;
use super::models::type_name;
use super::names::variant_ident;
use super::spec::{Api, Def};

pub const PATH: &str = "crates/linq-types/src/generated/webhooks.rs";

/// The data type of `message.*` events, which come in two formats.
const MESSAGE_DATA: &str = "crate::webhooks::MessageEventData";

pub fn generate(api: &Api) -> String {
    let mut out = String::from(HEADER);
    out += "//! [`EventData`]: the `data` of every event type of the API description,\n";
    out += "//! one variant each (documented in `crate::webhooks`).\n\n";
    out += "use serde::{Deserialize, Deserializer, Serialize, Serializer};\n\n";
    out += "use crate::models;\n\n";

    // (event type, variant, data type); `None`: no model, kept as JSON.
    let arms: Vec<(String, String, Option<String>)> = api
        .events
        .iter()
        .map(|ev| {
            let ty = ev.payload.as_ref().and_then(|p| match &api.schemas[p].def {
                Def::Envelope { data } if data == "MessageEventV2" => Some(MESSAGE_DATA.to_owned()),
                // Boxed: the payloads differ in size by hundreds of bytes, and
                // an unboxed enum is as large as its largest, copied whole at
                // every move of an `Event`.
                Def::Envelope { data } => {
                    Some(format!("Box<{}>", api.model_path(&type_name(api, data))))
                }
                _ => None,
            });
            (ev.event_type.clone(), variant_ident(&ev.event_type), ty)
        })
        .collect();

    out += "/// Every event type [`EventData`] has a variant for.\n";
    out += "pub const EVENT_TYPES: &[&str] = &[\n";
    for (et, _, _) in &arms {
        let _ = writeln!(out, "    \"{et}\",");
    }
    out += "];\n\n";

    out += "/// The `data` of an [`Event`](crate::webhooks::Event), one variant per event type.\n";
    out += "///\n/// Event types the API description gives no model for keep their data as\n";
    out += "/// JSON; a type this version does not know is [`EventData::Unknown`].\n";
    out += "/// Payloads are boxed, so an event is small to move whatever its type.\n";
    out += "#[derive(Debug, Clone, PartialEq)]\n#[non_exhaustive]\npub enum EventData {\n";
    for (et, var, ty) in &arms {
        let doc = super::models::variant_doc("WebhookEventType", et);
        let ty = ty.as_deref().unwrap_or("serde_json::Value");
        let _ = writeln!(out, "    /// {doc}");
        let _ = writeln!(out, "    {var}({ty}),");
    }
    out += "    /// An event type this version does not know: its data as sent.\n";
    out += "    Unknown(serde_json::Value),\n}\n\n";

    out += "impl EventData {\n";
    out += "    /// Decodes `data` as the type `event_type` names; the message events in\n";
    out += "    /// the format `webhook_version` names.\n";
    out += "    pub(crate) fn decode<'de, D: Deserializer<'de>>(\n        event_type: &str,\n        webhook_version: Option<&str>,\n        d: D,\n    ) -> Result<Self, D::Error> {\n";
    out += "        Ok(match event_type {\n";
    for (et, var, ty) in &arms {
        let decode = if ty.as_deref() == Some(MESSAGE_DATA) {
            format!("{MESSAGE_DATA}::decode(webhook_version, d)?")
        } else {
            "Deserialize::deserialize(d)?".to_owned()
        };
        let _ = writeln!(out, "            \"{et}\" => Self::{var}({decode}),");
    }
    out +=
        "            _ => Self::Unknown(Deserialize::deserialize(d)?),\n        })\n    }\n}\n\n";

    out += "impl Serialize for EventData {\n";
    out += "    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {\n        match self {\n";
    for (_, var, _) in &arms {
        let _ = writeln!(out, "            Self::{var}(d) => d.serialize(s),");
    }
    out += "            Self::Unknown(d) => d.serialize(s),\n        }\n    }\n}\n";
    out
}
