//! What the coverage test needs made first for the operations whose rules
//! refuse a sampled request: the ids they name and a body that passes.

use serde_json::{Value, json};

use super::common::{call, request, send};
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
        "payment_requests.create" => {
            out.body = Some(json!({"amount": 1000, "currency": "usd"}));
        }
        "payment_requests.retrieve" | "payment_requests.cancel" => {
            let body = json!({"amount": 1000, "currency": "usd"});
            let (status, made) = call(sb, "POST", "/v3/payment_requests", Some(body)).await;
            assert_eq!(status, 200);
            let id = made["id"].as_str().unwrap().to_owned();
            out.params.push(("paymentRequestId", id));
        }
        "payments.create" => {
            out.body = Some(json!({"handle": STRANGER, "amount_cents": 500, "currency": "usd"}));
        }
        "payment_handles.revoke" | "payment_handles.verify" => {
            let connect = format!(
                "/v3/payments/handles/{}/connect",
                STRANGER.replace('+', "%2B")
            );
            let (status, started) = call(sb, "POST", &connect, None).await;
            assert_eq!(status, 200);
            out.params.push(("handle", STRANGER.replace('+', "%2B")));
            let connect_id = started["connect_id"].clone();
            out.body = Some(json!({"code": "123456", "connect_id": connect_id}));
        }
        "payments.retrieve" | "payments.cancel" | "payments.credentials" => {
            out.params.push(("paymentId", ready_payment(sb).await));
        }
        _ => {}
    }
    out
}

/// Takes a customer through the pay flow to a minted card; its id.
async fn ready_payment(sb: &Sandbox) -> String {
    let handle = STRANGER.replace('+', "%2B");
    let (_, started) = call(
        sb,
        "POST",
        &format!("/v3/payments/handles/{handle}/connect"),
        None,
    )
    .await;
    let verify = json!({"code": "123456", "connect_id": started["connect_id"]});
    let path = format!("/v3/payments/handles/{handle}/verify");
    assert_eq!(call(sb, "POST", &path, Some(verify)).await.0, 200);
    let body = json!({"handle": STRANGER, "amount_cents": 500, "currency": "usd"});
    let mut last = serde_json::Value::Null;
    // Attach a card, approve the charge, then the card is minted.
    for _ in 0..3 {
        let mut req = request(sb, "POST", "/v3/payments", Some(&body));
        req.headers_mut().insert(
            "idempotency-key",
            http::HeaderValue::from_static("prepared"),
        );
        last = send(sb, req).await.unwrap().1;
        sb.advance();
    }
    assert_eq!(last["status"], "ready", "{last}");
    last["id"].as_str().unwrap().to_owned()
}
