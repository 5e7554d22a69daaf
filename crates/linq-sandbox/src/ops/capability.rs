//! Capability checks: does iMessage or RCS reach an address.

use serde_json::{Value, json};

use super::call::{Call, Handler};
use crate::reply::{Handled, Reply, bad, check_handle, fail, optional_str, required_str};
use crate::state::State;
use crate::state::model::Service;

pub(crate) const HANDLERS: &[(&str, Handler)] = &[
    ("capability.check_i_message", |state, call| {
        check(state, call, Service::IMessage)
    }),
    ("capability.check_RCS", |state, call| {
        check(state, call, Service::Rcs)
    }),
];

pub(crate) fn check(state: &mut State, call: &Call<'_>, service: Service) -> Handled {
    let body = call.object()?;
    let address = required_str(&body, "address")?;
    if service == Service::Rcs && address.contains('@') {
        return Err(bad(
            1002,
            "RCS has no email addressing: address must be an E.164 phone number",
        ));
    }
    let address = check_handle(address)?;
    if let Some(from) = optional_str(&body, "from")? {
        if !state.is_line(from) {
            return Err(fail(
                403,
                2006,
                "You don't have permission to send from this phone number",
            ));
        }
    }
    let available = state.capabilities(&address).supports(service);
    Ok(Reply::json(
        200,
        json!({
            "address": address,
            "available": available,
            "reason": if available { Value::Null } else { json!("not_supported") },
            "selected_service": if available { json!(service.as_str()) } else { Value::Null },
        }),
    ))
}
