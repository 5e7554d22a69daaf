//! One API request as a handler reads it ([`Call`]), the handler's
//! signature, and the schema checks the pipeline runs before dispatch.

use http::HeaderMap;
use serde_json::{Map, Value};

use crate::reply::{Fail, Handled, bad};
use crate::spec::{self, Operation};
use crate::state::State;

/// What a handler is: the state, the request, the reply.
pub(crate) type Handler = fn(&mut State, &Call<'_>) -> Handled;

/// One API request, routed.
pub(crate) struct Call<'a> {
    pub op: &'static Operation,
    pub params: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// Scheme and authority the sandbox's own URLs (uploads, downloads)
    /// start with: `http://127.0.0.1:PORT` when served.
    pub origin: &'a str,
}

impl Call<'_> {
    pub(crate) fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    pub(crate) fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as a JSON object; an absent body is an empty object.
    pub(crate) fn object(&self) -> Result<Map<String, Value>, Fail> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Map::new());
        }
        match serde_json::from_slice::<Value>(self.body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(bad(1003, "Request body must be a JSON object")),
            Err(_) => Err(bad(1003, "Request body is not valid JSON")),
        }
    }
}

/// Checks the path parameters, query and body against the operation's
/// schemas: 400 with the field path, code 1001 for a missing field, 1003
/// for a body that is not JSON, 1005 for any other mismatch.
pub(crate) fn validate(call: &Call<'_>) -> Result<(), Fail> {
    let refuse = |e: spec::Invalid| {
        if e.missing {
            bad(1001, format!("Missing required field: {}", e.path))
        } else {
            bad(1005, format!("Invalid value for {e}"))
        }
    };
    for (name, schema) in &call.op.path_schemas {
        let value = Value::String(call.param(name).to_owned());
        spec::validate(&value, schema, name).map_err(refuse)?;
    }
    for (name, required_param, schema) in &call.op.query {
        let texts: Vec<&str> = call
            .query
            .iter()
            .filter(|(n, _)| n == name || n.strip_suffix("[]") == Some(name))
            .map(|(_, v)| v.as_str())
            .collect();
        if texts.is_empty() {
            if *required_param {
                return Err(bad(
                    1001,
                    format!("Missing required query parameter: {name}"),
                ));
            }
            continue;
        }
        spec::validate(&spec::coerce(&texts, schema), schema, name).map_err(refuse)?;
    }
    if let Some(schema) = &call.op.request {
        let body = Value::Object(call.object()?);
        spec::validate(&body, schema, "").map_err(refuse)?;
    }
    Ok(())
}
