//! `linq_types::webhooks`: every event type in one enum.

use std::fmt::Write as _;

use super::models::type_name;
use super::names::variant_ident;
use super::ops::HEADER;
use super::spec::{Api, Def};

pub const PATH: &str = "crates/linq-types/src/generated/webhooks.rs";

pub fn generate(api: &Api) -> String {
    let mut out = String::from(HEADER);
    out += "//! [`WebhookEvent`]: every event type of the API description, one variant\n";
    out += "//! each (documented in `crate::webhooks`).\n\n";
    out += "use serde::{Deserialize, Deserializer, Serialize, Serializer};\n\n";
    out += "use crate::models;\n";
    out += "use crate::webhooks::RawWebhookEvent;\n\n";

    // the enum
    out += "/// Any webhook payload, dispatched on `event_type`.\n";
    out += "///\n";
    out += "/// ```\n";
    out += "/// use linq_types::webhooks::WebhookEvent;\n";
    out += "///\n";
    out += "/// let body = r#\"{\"event_type\": \"something.new\", \"event_id\": \"e1\", \"data\": {}}\"#;\n";
    out += "/// let event: WebhookEvent = serde_json::from_str(body)?;\n";
    out += "/// assert_eq!(event.event_type(), \"something.new\");\n";
    out += "/// assert!(matches!(event, WebhookEvent::Unknown { .. }));\n";
    out += "/// # Ok::<(), serde_json::Error>(())\n";
    out += "/// ```\n";
    out += "#[derive(Debug, Clone, PartialEq)]\n#[non_exhaustive]\npub enum WebhookEvent {\n";
    let mut arms = Vec::new();
    for ev in &api.events {
        let var = variant_ident(&ev.event_type);
        let ty = match &ev.payload {
            Some(p) => api.model_path(&type_name(api, p)),
            None => "RawWebhookEvent".to_owned(),
        };
        let _ = writeln!(
            out,
            "    /// `{}`{}.",
            ev.event_type,
            if ev.payload.is_none() {
                " (data kept as raw JSON: the API description has no model for it)"
            } else {
                ""
            }
        );
        let _ = writeln!(out, "    {var}({ty}),");
        arms.push((ev.event_type.clone(), var, ty));
    }
    out += "    /// An event type this version does not know, kept whole.\n";
    out += "    Unknown {\n        /// The `event_type` as sent.\n        event_type: String,\n        /// The whole payload.\n        raw: serde_json::Value,\n    },\n}\n\n";

    out += "/// Every event type [`WebhookEvent`] has a variant for.\n";
    out += "pub const EVENT_TYPES: &[&str] = &[\n";
    for (et, _, _) in &arms {
        let _ = writeln!(out, "    \"{et}\",");
    }
    out += "];\n\n";

    out += "macro_rules! each_event {\n    ($self:ident, $v:ident => $e:expr, $raw:ident => $u:expr) => {\n        match $self {\n";
    for (_, var, _) in &arms {
        let _ = writeln!(out, "            Self::{var}($v) => $e,");
    }
    out += "            Self::Unknown { raw: $raw, .. } => $u,\n        }\n    };\n}\n\n";

    out += "impl WebhookEvent {\n";
    out += "    /// The `event_type`, as sent.\n    #[must_use]\n    pub fn event_type(&self) -> &str {\n        match self {\n";
    for (et, var, _) in &arms {
        let _ = writeln!(out, "            Self::{var}(_) => \"{et}\",");
    }
    out += "            Self::Unknown { event_type, .. } => event_type,\n        }\n    }\n\n";
    out += "    /// The event's id, the same on every retry; `None` only for an unknown\n    /// event type that lacks one.\n";
    out += "    #[must_use]\n    pub fn event_id(&self) -> Option<&str> {\n        each_event!(self, e => Some(&e.event_id), raw => raw.get(\"event_id\").and_then(serde_json::Value::as_str))\n    }\n\n";
    out += "    /// The payload's `api_version` (such as `v3`).\n";
    out += "    #[must_use]\n    pub fn api_version(&self) -> Option<&str> {\n        each_event!(self, e => Some(&e.api_version), raw => raw.get(\"api_version\").and_then(serde_json::Value::as_str))\n    }\n\n";
    out += "    /// The payload format (`webhook_version`), such as `2026-02-03`.\n";
    out += "    #[must_use]\n    pub fn webhook_version(&self) -> Option<&str> {\n        each_event!(self, e => Some(&e.webhook_version), raw => raw.get(\"webhook_version\").and_then(serde_json::Value::as_str))\n    }\n\n";
    out += "    /// When the event was created; `None` only for an unknown event type\n    /// without a valid one.\n";
    out += "    #[must_use]\n    pub fn created_at(&self) -> Option<crate::Timestamp> {\n        each_event!(self, e => Some(e.created_at), raw => raw.get(\"created_at\").and_then(serde_json::Value::as_str).and_then(|s| s.parse().ok()))\n    }\n\n";
    out += "    /// True for an event type this version does not know.\n";
    out += "    #[must_use]\n    pub fn is_unknown(&self) -> bool {\n        matches!(self, Self::Unknown { .. })\n    }\n}\n\n";

    out += "impl Serialize for WebhookEvent {\n    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {\n        each_event!(self, e => e.serialize(s), raw => raw.serialize(s))\n    }\n}\n\n";

    out += "impl<'de> Deserialize<'de> for WebhookEvent {\n    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {\n        use serde::de::Error as _;\n";
    out += "        let raw = serde_json::Value::deserialize(d)?;\n";
    out += "        let event_type = raw\n            .get(\"event_type\")\n            .and_then(serde_json::Value::as_str)\n            .ok_or_else(|| D::Error::missing_field(\"event_type\"))?\n            .to_owned();\n";
    out += "        fn parse<T: serde::de::DeserializeOwned, E: serde::de::Error>(raw: serde_json::Value) -> Result<T, E> {\n            serde_json::from_value(raw).map_err(E::custom)\n        }\n";
    out += "        Ok(match event_type.as_str() {\n";
    for (et, var, _) in &arms {
        let _ = writeln!(out, "            \"{et}\" => Self::{var}(parse(raw)?),");
    }
    out += "            _ => Self::Unknown { event_type, raw },\n        })\n    }\n}\n";
    // EventData: the `data` of each event type, for `Event`.
    out +=
        "\n/// The `data` of an [`Event`](crate::webhooks::Event), one variant per event type.\n";
    out += "///\n/// Event types the API description gives no model for keep their data as\n";
    out += "/// JSON; a type this version does not know is [`EventData::Unknown`].\n";
    out += "#[derive(Debug, Clone, PartialEq)]\n#[non_exhaustive]\npub enum EventData {\n";
    let mut data_arms = Vec::new();
    for ev in &api.events {
        let var = variant_ident(&ev.event_type);
        let ty = match &ev.payload {
            Some(p) => match &api.schemas[p].def {
                Def::Envelope { data } if data == "MessageEventV2" => {
                    "crate::webhooks::MessageEventData".to_owned()
                }
                Def::Envelope { data } => api.model_path(&type_name(api, data)),
                _ => "serde_json::Value".to_owned(),
            },
            None => "serde_json::Value".to_owned(),
        };
        let doc = super::models::variant_doc("WebhookEventType", &ev.event_type);
        let _ = writeln!(out, "    /// {doc}");
        let _ = writeln!(out, "    {var}({ty}),");
        data_arms.push((ev.event_type.clone(), var));
    }
    out += "    /// An event type this version does not know: its data as sent.\n";
    out += "    Unknown(serde_json::Value),\n}\n\n";
    out += "impl EventData {\n";
    out += "    /// Decodes `data` for `event_type`; an error names the path inside `data`.\n";
    out += "    pub(crate) fn decode(event_type: &str, data: serde_json::Value) -> Result<Self, serde_path_to_error::Error<serde_json::Error>> {\n";
    out += "        fn parse<T: serde::de::DeserializeOwned>(data: serde_json::Value) -> Result<T, serde_path_to_error::Error<serde_json::Error>> {\n            serde_path_to_error::deserialize(data)\n        }\n";
    out += "        Ok(match event_type {\n";
    for (et, var) in &data_arms {
        let _ = writeln!(out, "            \"{et}\" => Self::{var}(parse(data)?),");
    }
    out += "            _ => Self::Unknown(data),\n        })\n    }\n\n";
    out += "    /// The data as JSON again.\n";
    out += "    pub(crate) fn encode(&self) -> Result<serde_json::Value, serde_json::Error> {\n        match self {\n";
    for (_, var) in &data_arms {
        let _ = writeln!(
            out,
            "            Self::{var}(d) => serde_json::to_value(d),"
        );
    }
    out += "            Self::Unknown(d) => Ok(d.clone()),\n        }\n    }\n}\n";
    out
}
