//! Payments (handlers in `ops/payments.rs`): the organisation's payment
//! providers, payment requests and their payers, customer handle
//! connections, and the agent payments (virtual cards) made for them.
//!
//! What the other side does happens as the sandbox clock steps:
//!
//! - a provider being connected (`onboarding`) becomes `ready`: the admin
//!   authorised it;
//! - a `requested` payment request is paid: `succeeded` on the Stripe rail,
//!   `authorized` then `succeeded` on the Natural rail. A request whose
//!   metadata has `sandbox_outcome: decline` is `declined` instead, and one
//!   with `sandbox_outcome: ignore` waits until it is canceled or expires
//!   ([`REQUEST_LIFETIME`] after creation). Each change emits its
//!   `payment.*` event with the request as its data;
//! - a customer asked to attach a card has one on file, and one asked to
//!   approve a charge has approved it;
//! - a virtual card whose credentials were handed off is charged by the
//!   merchant: `authorized`, then `succeeded`.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value, json};

use super::State;
use crate::clock::rfc3339;

/// How long an unpaid payment request stays payable.
pub(crate) const REQUEST_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// How long the code of a handle connection ceremony is valid.
pub(crate) const CODE_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// The one-time code every sandbox ceremony accepts.
pub(crate) const SANDBOX_CODE: &str = "123456";
/// The price of one unit of any recurring price, per month, in cents.
pub(crate) const SANDBOX_PRICE_CENTS: i64 = 1000;
/// The metadata key that chooses what the payer of a request does.
pub(crate) const OUTCOME_KEY: &str = "sandbox_outcome";

/// A payment request's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestStatus {
    Requested,
    Authorized,
    Succeeded,
    Declined,
    Canceled,
    Expired,
}

impl RequestStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Authorized => "authorized",
            Self::Succeeded => "succeeded",
            Self::Declined => "declined",
            Self::Canceled => "canceled",
            Self::Expired => "expired",
        }
    }

    /// Still payable, so it can be canceled.
    pub(crate) fn is_open(self) -> bool {
        matches!(self, Self::Requested | Self::Authorized)
    }
}

/// One payment request.
#[derive(Debug, Clone)]
pub(crate) struct PaymentRequest {
    pub id: String,
    pub status: RequestStatus,
    pub created: SystemTime,
    pub updated_at: String,
    pub paid_at: Option<String>,
    /// Everything else the reply carries, fixed at creation (`stripe` and
    /// `natural` are filled in as it is paid).
    pub body: Map<String, Value>,
    /// The line it was sent from (Natural rail), for subscription filters.
    pub line: Option<String>,
}

impl PaymentRequest {
    pub(crate) fn json(&self) -> Value {
        let mut body = self.body.clone();
        body.insert("id".into(), self.id.clone().into());
        body.insert("status".into(), self.status.as_str().into());
        body.insert("updated_at".into(), self.updated_at.clone().into());
        body.insert("paid_at".into(), self.paid_at.clone().into());
        Value::Object(body)
    }

    fn outcome(&self) -> &str {
        self.body["metadata"][OUTCOME_KEY].as_str().unwrap_or("pay")
    }

    fn is_natural(&self) -> bool {
        self.body["rail"] == "natural"
    }

    /// Whether the next step of time changes it.
    fn moves_next(&self) -> bool {
        match self.status {
            RequestStatus::Requested => self.outcome() != "ignore",
            RequestStatus::Authorized => true,
            _ => false,
        }
    }
}

/// A customer handle's connection, for agent payments.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    /// `pending`, `connected` or `revoked`.
    pub status: &'static str,
    /// The pending ceremony's id and when its code expires.
    pub ceremony: Option<(String, SystemTime)>,
    pub id: String,
    pub created_at: String,
}

/// A virtual card minted for a connected customer.
#[derive(Debug, Clone)]
pub(crate) struct Payment {
    pub id: String,
    /// `ready`, `authorized`, `succeeded`, `canceled`.
    pub status: &'static str,
    /// The create request: handle, amount, currency, merchant, metadata,
    /// description.
    pub request: Map<String, Value>,
    pub handed_off: bool,
}

impl Payment {
    pub(crate) fn json(&self) -> Value {
        payment_json(Some(&self.id), self.status, &self.request, Value::Null)
    }
}

/// A payment as the API shows it: `request` is the create request (handle
/// normalised), `urls` the hosted page the customer is sent to, if any.
pub(crate) fn payment_json(
    id: Option<&str>,
    status: &str,
    request: &Map<String, Value>,
    urls: Value,
) -> Value {
    let mut out = json!({
        "id": id,
        "status": status,
        "handle": request.get("handle"),
        "amount_cents": request.get("amount_cents"),
        "currency": request.get("currency"),
        "merchant": request.get("merchant"),
        "metadata": request.get("metadata"),
        "description": request.get("description"),
        "approval_url": null,
        "attach_url": null,
    });
    if let (Some(out), Some(urls)) = (out.as_object_mut(), urls.as_object()) {
        out.extend(urls.clone());
    }
    out
}

/// Where a customer is in the pay flow that one idempotency key follows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Flow {
    pub request: Value,
    /// Asked to approve the charge with their passkey.
    pub approval_asked: bool,
    pub approved: bool,
    pub payment: Option<String>,
}

/// What the account holds for payments.
#[derive(Debug, Clone)]
pub(crate) struct Payments {
    /// Provider name to `onboarding`, `ready` or `disabled`.
    pub providers: HashMap<String, &'static str>,
    pub requests: Vec<PaymentRequest>,
    /// Idempotency key to the request's body and the payment request id.
    pub request_keys: HashMap<String, (Value, String)>,
    pub connections: HashMap<String, Connection>,
    /// Customers with a card on file, and those asked to attach one.
    pub cards: HashSet<String>,
    pub attach_asked: HashSet<String>,
    /// Idempotency key to the pay flow it follows.
    pub flows: HashMap<String, Flow>,
    pub payments: Vec<Payment>,
}

/// Providers the sandbox knows. The Stripe account is connected with
/// charges enabled from the start, so payment requests work as written.
pub(crate) const PROVIDERS: [&str; 3] = ["stripe", "agentcard", "natural"];

impl Default for Payments {
    fn default() -> Self {
        let providers = PROVIDERS
            .iter()
            .map(|p| {
                (
                    p.to_string(),
                    if *p == "stripe" { "ready" } else { "disabled" },
                )
            })
            .collect();
        Self {
            providers,
            requests: Vec::new(),
            request_keys: HashMap::new(),
            connections: HashMap::new(),
            cards: HashSet::new(),
            attach_asked: HashSet::new(),
            flows: HashMap::new(),
            payments: Vec::new(),
        }
    }
}

impl Payments {
    /// Changes the next step of time makes.
    pub(crate) fn pending(&self) -> usize {
        self.providers
            .values()
            .filter(|s| **s == "onboarding")
            .count()
            + self.requests.iter().filter(|r| r.moves_next()).count()
            + self.attach_asked.len()
            + self
                .flows
                .values()
                .filter(|f| f.approval_asked && !f.approved)
                .count()
            + self
                .payments
                .iter()
                .filter(|p| p.status == "authorized" || (p.status == "ready" && p.handed_off))
                .count()
    }

    pub(crate) fn request_index(&self, id: &str) -> Option<usize> {
        self.requests.iter().position(|r| r.id == id)
    }

    /// The connection status of a handle: `not_connected` if it never was.
    pub(crate) fn connection_status(&self, handle: &str) -> &'static str {
        self.connections
            .get(handle)
            .map_or("not_connected", |c| c.status)
    }
}

impl State {
    /// What the other side of every payment does in one step of time.
    pub(crate) fn advance_payments(&mut self) {
        let now = self.time.now();
        for status in self.payments.providers.values_mut() {
            if *status == "onboarding" {
                *status = "ready";
            }
        }
        let attached: Vec<String> = self.payments.attach_asked.drain().collect();
        self.payments.cards.extend(attached);
        for flow in self.payments.flows.values_mut() {
            flow.approved |= flow.approval_asked;
        }
        for p in &mut self.payments.payments {
            p.status = match p.status {
                "ready" if p.handed_off => "authorized",
                "authorized" => "succeeded",
                other => other,
            };
        }
        for i in 0..self.payments.requests.len() {
            let r = &self.payments.requests[i];
            let next = match r.status {
                RequestStatus::Requested if now >= r.created + REQUEST_LIFETIME => {
                    RequestStatus::Expired
                }
                RequestStatus::Requested => match r.outcome() {
                    "decline" => RequestStatus::Declined,
                    "ignore" => continue,
                    _ if r.is_natural() => RequestStatus::Authorized,
                    _ => RequestStatus::Succeeded,
                },
                RequestStatus::Authorized => RequestStatus::Succeeded,
                _ => continue,
            };
            self.move_request(i, next);
        }
    }

    /// Moves a payment request on and emits the event the change causes.
    pub(crate) fn move_request(&mut self, i: usize, next: RequestStatus) {
        let now = rfc3339(self.time.now());
        let paid_ids =
            (next == RequestStatus::Succeeded).then(|| (self.ids.uuid(), self.ids.uuid()));
        let r = &mut self.payments.requests[i];
        r.status = next;
        r.updated_at = now.clone();
        if let Some((sub, txn)) = paid_ids {
            r.paid_at = Some(now);
            if r.body["mode"] == "subscription" {
                r.body["stripe"]["subscription_id"] =
                    format!("sub_{}", sub.replace('-', "")).into();
            }
            if r.is_natural() {
                r.body["natural"]["transaction_id"] =
                    format!("txn_{}", txn.replace('-', "")).into();
            }
        }
        let event = match next {
            RequestStatus::Authorized => "payment.authorized",
            RequestStatus::Succeeded => "payment.succeeded",
            RequestStatus::Declined => "payment.declined",
            RequestStatus::Canceled => "payment.canceled",
            RequestStatus::Expired => "payment.expired",
            RequestStatus::Requested => return,
        };
        let (data, line) = (r.json(), r.line.clone());
        self.emit_in_both_versions(event, line, data);
    }
}
