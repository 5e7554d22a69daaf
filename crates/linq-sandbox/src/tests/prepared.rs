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
        "phone_numbers.update" => {
            let (_, lines) = call(sb, "GET", "/v3/phone_numbers", None).await;
            let id = lines["phone_numbers"][0]["id"].as_str().unwrap().to_owned();
            out.params.push(("phoneNumberId", id));
            out.body = Some(json!({"forwarding_number": STRANGER}));
        }
        "phone_numbers.get_reputation_audit" => {
            let line = sb.lines()[0].replace('+', "%2B");
            let path = format!("/v3/phone_numbers/{line}/reputation_audit");
            let (status, started) = call(sb, "POST", &path, None).await;
            assert_eq!(status, 202);
            let id = started["audit_id"].as_str().unwrap().to_owned();
            out.params.push(("phoneNumber", line));
            out.params.push(("auditId", id));
        }
        "phone_numbers.start_reputation_audit" => {
            out.params
                .push(("phoneNumber", sb.lines()[0].replace('+', "%2B")));
        }
        _ => {}
    }
    out
}
