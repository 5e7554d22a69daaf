//! The experiences enabled on the sandbox account (handlers in
//! `ops/experiences.rs`): the catalogue the API documents, each with its
//! actions and the fields each action accepts.

use serde_json::{Value, json};

/// What the account holds for experiences: a fixed catalogue.
#[derive(Debug, Clone, Default)]
pub(crate) struct Experiences {}

/// A field an action accepts: its type (`string`, `cents`, `int`, `url`),
/// whether it is required, and for copy its maximum length.
fn field(kind: &str, required: bool, max: Option<u32>) -> Value {
    json!({"type": kind, "required": required, "max": max})
}

fn action(name: &str, summary: &str, fields: Value) -> Value {
    json!({"name": name, "summary": summary, "fields": fields})
}

impl Experiences {
    /// Every enabled experience, in a stable order.
    pub(crate) fn all(&self) -> Vec<Value> {
        vec![
            json!({
                "experience": "agentpay",
                "display_name": "AgentPay",
                "actions": [action(
                    "request_payment",
                    "A payment request the customer pays in the app; it turns into \"Paid\" once it settles.",
                    json!({"checkout_url": field("url", true, None)}),
                )],
            }),
            json!({
                "experience": "agentcard",
                "display_name": "AgentCard",
                "actions": [
                    action(
                        "attach_card",
                        "A prompt to add a card to the customer's wallet.",
                        json!({
                            "title": field("string", false, Some(60)),
                            "subtitle": field("string", false, Some(120)),
                        }),
                    ),
                    action(
                        "approve_card",
                        "A passkey approval for a virtual card.",
                        json!({
                            "title": field("string", false, Some(60)),
                            "amount": field("cents", false, None),
                        }),
                    ),
                ],
            }),
            json!({
                "experience": "link",
                "display_name": "Link",
                "actions": [action(
                    "open",
                    "A card that opens a URL you supply.",
                    json!({
                        "url": field("url", true, None),
                        "title": field("string", false, Some(60)),
                        "subtitle": field("string", false, Some(120)),
                    }),
                )],
            }),
        ]
    }

    /// One experience by its name.
    pub(crate) fn get(&self, name: &str) -> Option<Value> {
        self.all().into_iter().find(|e| e["experience"] == name)
    }
}
