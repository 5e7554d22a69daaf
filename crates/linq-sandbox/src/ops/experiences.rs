//! Experiences: the catalogue enabled on the account (`state/experiences.rs`).

use serde_json::json;

use super::call::{Call, Handler};
use crate::reply::{Handled, Reply, fail};
use crate::state::State;

pub(crate) const HANDLERS: &[(&str, Handler)] = &[
    ("experiences.list", list),
    ("experiences.retrieve", retrieve),
];

fn list(state: &mut State, _: &Call<'_>) -> Handled {
    Ok(Reply::json(
        200,
        json!({"experiences": state.experiences.all()}),
    ))
}

fn retrieve(state: &mut State, call: &Call<'_>) -> Handled {
    let name = call.param("experience");
    match state.experiences.get(name) {
        Some(experience) => Ok(Reply::json(200, experience)),
        None => Err(fail(
            404,
            2001,
            format!("No experience named {name:?} is enabled for this account"),
        )),
    }
}
