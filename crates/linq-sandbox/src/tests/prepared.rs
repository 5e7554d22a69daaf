//! What the coverage test needs made first for the operations whose rules
//! refuse a sampled request: the ids they name and a body that passes.

use serde_json::{Value, json};

use super::common::call;
use crate::Sandbox;

/// A handle that is neither one of the account's lines nor in a chat.
const STRANGER: &str = "+12025550170";

/// Path parameters to use instead of the defaults, and the body to send
/// instead of a sample.
#[derive(Default)]
pub(super) struct Prepared {
    pub params: Vec<(&'static str, String)>,
    pub body: Option<Value>,
}

impl Prepared {
    pub(super) fn param(&self, name: &str) -> Option<String> {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    }
}

pub(super) async fn prepare(sb: &Sandbox, op: &str) -> Prepared {
    let mut out = Prepared::default();
    match op {
        "blocked_handles.block" => out.body = Some(json!({"handle": STRANGER})),
        "blocked_handles.unblock" => {
            let (status, _) = call(
                sb,
                "POST",
                "/v3/blocked_handles",
                Some(json!({"handle": STRANGER})),
            )
            .await;
            assert_eq!(status, 200);
            out.body = Some(json!({"handle": STRANGER}));
        }
        "experiences.retrieve" => out.params.push(("experience", "agentpay".into())),
        _ => {}
    }
    out
}
