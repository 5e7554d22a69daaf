//! Payments: providers, payment requests, customer handle connections and
//! agent payments. The state, and what the other side does as the clock
//! steps, are in `state/payments.rs`.

use serde_json::{Map, Value, json};

use super::call::{Call, Handler};
use crate::clock::{parse_rfc3339, rfc3339};
use crate::reply::{Fail, Handled, Reply, bad, check_handle, fail, optional_str, required_str};
use crate::state::State;
use crate::state::payments::{
    CODE_LIFETIME, Connection, Flow, PROVIDERS, Payment, PaymentRequest, REQUEST_LIFETIME,
    RequestStatus, SANDBOX_CODE, SANDBOX_PRICE_CENTS, payment_json,
};

pub(crate) const HANDLERS: &[(&str, Handler)] = &[
    ("payment_providers.retrieve", provider),
    ("payment_providers.connect", connect_provider),
    ("payment_requests.create", create_request),
    ("payment_requests.retrieve", retrieve_request),
    ("payment_requests.list", list_requests),
    ("payment_requests.cancel", cancel_request),
    ("payment_handles.connect", connect_handle),
    ("payment_handles.connection", connection),
    ("payment_handles.revoke", revoke_handle),
    ("payment_handles.verify", verify_handle),
    ("payments.create", create_payment),
    ("payments.retrieve", retrieve_payment),
    ("payments.cancel", cancel_payment),
    ("payments.credentials", credentials),
];

/// Where the sandbox's hosted pages would be: never reachable.
const HOSTED: &str = "https://pages.linq-sandbox.invalid";

fn compact(uuid: &str) -> String {
    uuid.replace('-', "")
}

fn idempotency_key(call: &Call<'_>) -> Option<String> {
    call.headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
}

fn key_reused() -> Fail {
    fail(
        422,
        1005,
        "This idempotency key was used with a different request; use a new key for a new request",
    )
}

// ---- providers

fn provider_name(state: &State, call: &Call<'_>) -> Result<String, Fail> {
    let name = call.param("provider").to_ascii_lowercase();
    if state.payments.providers.contains_key(&name) {
        Ok(name)
    } else {
        Err(fail(
            404,
            2001,
            format!(
                "Unknown payment provider; the sandbox knows {}",
                PROVIDERS.join(", ")
            ),
        ))
    }
}

fn provider(state: &mut State, call: &Call<'_>) -> Handled {
    let name = provider_name(state, call)?;
    let status = state.payments.providers[&name];
    Ok(Reply::json(
        200,
        json!({"provider": name, "status": status}),
    ))
}

fn connect_provider(state: &mut State, call: &Call<'_>) -> Handled {
    let name = provider_name(state, call)?;
    let body = call.object()?;
    let return_url = required_str(&body, "return_url")?;
    if !(return_url.starts_with("https://") || return_url.starts_with("http://")) {
        return Err(bad(1005, "return_url must be an absolute http(s) URL"));
    }
    if state.payments.providers[&name] == "ready" {
        return Ok(Reply::json(
            200,
            json!({"hosted_url": null, "session_id": null, "status": "ready"}),
        ));
    }
    let session = format!("ps_{}", compact(&state.ids.uuid()));
    state.payments.providers.insert(name.clone(), "onboarding");
    Ok(Reply::json(
        200,
        json!({
            "hosted_url": format!("{HOSTED}/payments/providers/{name}/authorize?session={session}"),
            "session_id": session,
            "status": "onboarding",
        }),
    ))
}

// ---- payment requests

fn create_request(state: &mut State, call: &Call<'_>) -> Handled {
    let key = idempotency_key(call);
    let request: Value = serde_json::from_slice(call.body).unwrap_or(Value::Null);
    if let Some((seen, id)) = key
        .as_ref()
        .and_then(|k| state.payments.request_keys.get(k))
    {
        if *seen != request {
            return Err(key_reused());
        }
        let i = state
            .payments
            .request_index(id)
            .expect("a keyed request exists");
        return Ok(Reply::json(200, state.payments.requests[i].json()));
    }
    let body = call.object()?;
    let (body, line) = request_body(state, &body)?;
    let created = state.time.now();
    let id = state.ids.uuid();
    let created_at = rfc3339(created);
    let mut reply = body;
    reply.insert("object".into(), "payment_request".into());
    reply.insert("created_at".into(), created_at.clone().into());
    reply.insert(
        "expires_at".into(),
        rfc3339(created + REQUEST_LIFETIME).into(),
    );
    reply.insert(
        "checkout_url".into(),
        format!(
            "https://zero.linqapp.com/pay/sandbox?session=cs_{}",
            compact(&id)
        )
        .into(),
    );
    state.payments.requests.push(PaymentRequest {
        id: id.clone(),
        status: RequestStatus::Requested,
        created,
        updated_at: created_at,
        paid_at: None,
        body: reply,
        line,
    });
    if let Some(key) = key {
        state.payments.request_keys.insert(key, (request, id));
    }
    let last = state.payments.requests.len() - 1;
    Ok(Reply::json(200, state.payments.requests[last].json()))
}

fn int(body: &Map<String, Value>, key: &str) -> Result<Option<i64>, Fail> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| bad(1005, format!("{key} must be an integer"))),
    }
}

/// Checks a create request by the documented rules; returns the reply's
/// fields that come from it, and the line it is sent from.
fn request_body(
    state: &mut State,
    body: &Map<String, Value>,
) -> Result<(Map<String, Value>, Option<String>), Fail> {
    let mode = optional_str(body, "mode")?.unwrap_or("payment");
    let rail = optional_str(body, "rail")?.unwrap_or("stripe");
    let subscription = mode == "subscription";
    let metadata = body.get("metadata").and_then(Value::as_object);
    if let Some(m) = metadata {
        if m.len() > 49 {
            return Err(bad(1005, "metadata holds at most 49 keys"));
        }
        if let Some(k) = m.keys().find(|k| k.starts_with("linq_")) {
            return Err(bad(
                1005,
                format!("metadata key {k:?}: keys starting with linq_ are reserved"),
            ));
        }
    }
    let customer_id = optional_str(body, "customer_id")?;
    if customer_id.is_some_and(|c| !c.starts_with("cus_")) {
        return Err(fail(
            404,
            2001,
            "customer_id names no Customer on your connected account",
        ));
    }
    let mut line = None;
    let natural = if rail == "natural" {
        if state.payments.providers["natural"] != "ready" {
            return Err(fail(
                403,
                2006,
                "The Natural rail needs Natural merchant onboarding completed",
            ));
        }
        let from = check_handle(required_str(body, "from")?)?;
        if !state.is_line(&from) {
            return Err(fail(
                403,
                2006,
                "You don't have permission to send from this phone number",
            ));
        }
        let payer = check_handle(required_str(body, "payer_handle")?)?;
        if !payer.starts_with('+') {
            return Err(bad(1002, "payer_handle must be in E.164 format"));
        }
        line = Some(from);
        json!({"payment_request_id": format!("npr_{}", compact(&state.ids.uuid())), "transaction_id": null})
    } else {
        if state.payments.providers["stripe"] != "ready" {
            return Err(fail(
                403,
                2006,
                "Your connected account is not charges_enabled",
            ));
        }
        Value::Null
    };
    let only_subscription = [
        "price_id",
        "quantity",
        "trial_end",
        "trial_period_days",
        "discount",
    ];
    let (amount, currency, price) = if subscription {
        if body.contains_key("amount") || body.contains_key("currency") {
            return Err(bad(
                1005,
                "amount and currency come from the price in subscription mode; omit them",
            ));
        }
        let price = required_str(body, "price_id")?;
        if !price.starts_with("price_") {
            return Err(fail(
                404,
                2001,
                "price_id names no recurring Price on your connected account",
            ));
        }
        let quantity = int(body, "quantity")?.unwrap_or(1);
        if quantity < 1 {
            return Err(bad(1005, "quantity must be at least 1"));
        }
        let trial = trial(state, body)?;
        let discount = discount(body)?;
        let full = SANDBOX_PRICE_CENTS * quantity;
        let amount = if trial.is_some() {
            0
        } else if discount.is_some() {
            full - full / 10
        } else {
            full
        };
        let price = json!({
            "price_id": price, "quantity": quantity, "interval": "month", "interval_count": 1,
            "trial_end": trial, "discount": discount,
        });
        (amount, "usd".to_owned(), price)
    } else {
        if let Some(k) = only_subscription.iter().find(|k| body.contains_key(**k)) {
            return Err(bad(1005, format!("{k} is for subscription mode only")));
        }
        let amount =
            int(body, "amount")?.ok_or_else(|| bad(1001, "Missing required field: amount"))?;
        let currency = required_str(body, "currency")?.to_ascii_lowercase();
        if currency != "usd" {
            return Err(bad(1005, "Only usd is supported"));
        }
        if amount < 50 {
            return Err(bad(
                1005,
                "amount must be at least 50 (the provider's minimum for usd)",
            ));
        }
        let price = json!({
            "price_id": null, "quantity": null, "interval": null, "interval_count": null,
            "trial_end": null, "discount": null,
        });
        (amount, currency, price)
    };
    let stripe = if natural.is_null() {
        let intent = (!subscription).then(|| format!("pi_{}", compact(&state.ids.uuid())));
        let customer = match customer_id {
            Some(c) => Some(c.to_owned()),
            None if subscription => Some(format!("cus_{}", compact(&state.ids.uuid()))),
            None => None,
        };
        json!({"customer_id": customer, "payment_intent_id": intent, "subscription_id": null})
    } else {
        Value::Null
    };
    let mut out = price.as_object().cloned().unwrap_or_default();
    out.insert("amount".into(), amount.into());
    out.insert("currency".into(), currency.into());
    out.insert("mode".into(), mode.into());
    out.insert("rail".into(), rail.into());
    out.insert(
        "description".into(),
        optional_str(body, "description")?.into(),
    );
    out.insert(
        "metadata".into(),
        metadata.cloned().map_or(Value::Null, Value::Object),
    );
    out.insert("stripe".into(), stripe);
    out.insert("natural".into(), natural);
    Ok((out, line))
}

/// A subscription's trial end: `trial_end` (in the future) or
/// `trial_period_days` from now, never both.
fn trial(state: &State, body: &Map<String, Value>) -> Result<Option<String>, Fail> {
    let now = state.time.now();
    match (
        optional_str(body, "trial_end")?,
        int(body, "trial_period_days")?,
    ) {
        (Some(_), Some(_)) => Err(bad(
            1005,
            "trial_end and trial_period_days are mutually exclusive",
        )),
        (Some(end), None) => match parse_rfc3339(end) {
            Some(t) if t > now => Ok(Some(rfc3339(t))),
            _ => Err(bad(1005, "trial_end must be a timestamp in the future")),
        },
        (None, Some(days)) if (1..=730).contains(&days) => {
            let days = u64::try_from(days).unwrap_or(1);
            Ok(Some(rfc3339(
                now + std::time::Duration::from_secs(days * 86_400),
            )))
        }
        (None, Some(_)) => Err(bad(1005, "trial_period_days must be between 1 and 730")),
        (None, None) => Ok(None),
    }
}

/// One coupon or one promotion code; the sandbox's take 10% off.
fn discount(body: &Map<String, Value>) -> Result<Option<Value>, Fail> {
    let Some(d) = body.get("discount").and_then(Value::as_object) else {
        return Ok(None);
    };
    let coupon = optional_str(d, "coupon")?;
    let code = optional_str(d, "promotion_code")?;
    if coupon.is_some() == code.is_some() {
        return Err(bad(1005, "discount takes one coupon or one promotion_code"));
    }
    let label = optional_str(d, "label")?.unwrap_or("10% off");
    Ok(Some(
        json!({"coupon": coupon, "promotion_code": code, "label": label}),
    ))
}

fn request_index(state: &State, call: &Call<'_>) -> Result<usize, Fail> {
    state
        .payments
        .request_index(call.param("paymentRequestId"))
        .ok_or_else(|| fail(404, 2001, "Payment request not found"))
}

fn retrieve_request(state: &mut State, call: &Call<'_>) -> Handled {
    let i = request_index(state, call)?;
    Ok(Reply::json(200, state.payments.requests[i].json()))
}

/// Newest first, `limit` (default 20, at most 100) after `offset`.
fn list_requests(state: &mut State, call: &Call<'_>) -> Handled {
    let number = |name: &str, default: i64| -> Result<i64, Fail> {
        call.query(name).map_or(Ok(default), |v| {
            v.parse()
                .map_err(|_| bad(1005, format!("{name} must be an integer")))
        })
    };
    let limit = number("limit", 20)?;
    let offset = number("offset", 0)?;
    if !(1..=100).contains(&limit) {
        return Err(bad(1005, "limit must be between 1 and 100"));
    }
    if offset < 0 {
        return Err(bad(1005, "offset must not be negative"));
    }
    let status = call.query("status");
    let matching: Vec<Value> = state
        .payments
        .requests
        .iter()
        .rev()
        .filter(|r| status.is_none_or(|s| r.status.as_str() == s))
        .map(PaymentRequest::json)
        .collect();
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(matching.len());
    let end = start
        .saturating_add(usize::try_from(limit).unwrap_or(100))
        .min(matching.len());
    Ok(Reply::json(
        200,
        json!({"object": "list", "data": matching[start..end], "has_more": end < matching.len()}),
    ))
}

fn cancel_request(state: &mut State, call: &Call<'_>) -> Handled {
    let i = request_index(state, call)?;
    let status = state.payments.requests[i].status;
    if !status.is_open() {
        return Err(fail(
            409,
            1005,
            format!(
                "This payment request is {} and cannot be canceled",
                status.as_str()
            ),
        ));
    }
    state.move_request(i, RequestStatus::Canceled);
    Ok(Reply::json(200, state.payments.requests[i].json()))
}

// ---- customer handle connections

fn handle(call: &Call<'_>) -> Result<String, Fail> {
    check_handle(call.param("handle").trim()).map(|h| h.to_lowercase())
}

fn connection_json(handle: &str, status: &str, connect_id: Option<&str>) -> Value {
    json!({"handle": handle, "status": status, "connect_id": connect_id})
}

/// The data of a `connection.*` event. The published schema of these
/// events is the payment request's, so its required fields are given
/// (nothing is charged); the connection's own fields come with them.
fn connection_event(state: &State, handle: &str) -> Value {
    let c = &state.payments.connections[handle];
    json!({
        "id": c.id,
        "object": "payment_handle_connection",
        "handle": handle,
        "status": c.status,
        "created_at": c.created_at,
        "updated_at": state.time.rfc3339(),
        "amount": 0,
        "currency": "usd",
        "checkout_url": "",
    })
}

fn connect_handle(state: &mut State, call: &Call<'_>) -> Handled {
    let handle = handle(call)?;
    if state.payments.connection_status(&handle) == "connected" {
        return Ok(Reply::json(
            200,
            connection_json(&handle, "connected", None),
        ));
    }
    let connect_id = format!("conn_{}", compact(&state.ids.uuid()));
    let expires = state.time.now() + CODE_LIFETIME;
    let id = state.ids.uuid();
    let created_at = state.time.rfc3339();
    state.payments.connections.insert(
        handle.clone(),
        Connection {
            status: "pending",
            ceremony: Some((connect_id.clone(), expires)),
            id,
            created_at,
        },
    );
    Ok(Reply::json(
        200,
        connection_json(&handle, "pending", Some(&connect_id)),
    ))
}

fn connection(state: &mut State, call: &Call<'_>) -> Handled {
    let handle = handle(call)?;
    let status = state.payments.connection_status(&handle);
    Ok(Reply::json(200, connection_json(&handle, status, None)))
}

fn revoke_handle(state: &mut State, call: &Call<'_>) -> Handled {
    let handle = handle(call)?;
    let Some(c) = state.payments.connections.get_mut(&handle) else {
        return Err(fail(
            404,
            2001,
            format!("{handle} has no connection to revoke"),
        ));
    };
    let was = std::mem::replace(&mut c.status, "revoked");
    c.ceremony = None;
    if was == "connected" {
        let data = connection_event(state, &handle);
        state.emit_in_both_versions("connection.revoked", None, data);
    }
    Ok(Reply::json(200, connection_json(&handle, "revoked", None)))
}

fn verify_handle(state: &mut State, call: &Call<'_>) -> Handled {
    let handle = handle(call)?;
    let body = call.object()?;
    let code = required_str(&body, "code")?.trim();
    let connect_id = required_str(&body, "connect_id")?;
    let now = state.time.now();
    let Some(c) = state.payments.connections.get_mut(&handle) else {
        return Err(bad(
            1005,
            "No connection ceremony is pending for this handle; call connect first",
        ));
    };
    match &c.ceremony {
        Some((id, expires)) if id == connect_id && now < *expires => {}
        Some((id, _)) if id == connect_id => {
            return Err(bad(
                1005,
                "This code has expired; call connect again for a fresh connect_id",
            ));
        }
        _ => {
            return Err(bad(
                1005,
                "Unknown connect_id; call connect again for a fresh one",
            ));
        }
    }
    if code != SANDBOX_CODE {
        return Err(bad(1005, "The code is not valid for this connect_id"));
    }
    c.status = "connected";
    c.ceremony = None;
    let data = connection_event(state, &handle);
    state.emit_in_both_versions("connection.created", None, data);
    Ok(Reply::json(
        200,
        connection_json(&handle, "connected", None),
    ))
}

// ---- agent payments (virtual cards)

fn create_payment(state: &mut State, call: &Call<'_>) -> Handled {
    let body = call.object()?;
    let handle = check_handle(required_str(&body, "handle")?)?.to_lowercase();
    let amount = int(&body, "amount_cents")?
        .ok_or_else(|| bad(1001, "Missing required field: amount_cents"))?;
    if amount <= 0 {
        return Err(bad(1005, "amount_cents must be positive"));
    }
    let currency = required_str(&body, "currency")?.to_ascii_lowercase();
    if currency != "usd" {
        return Err(bad(1005, "Only usd is supported"));
    }
    let mut request = body.clone();
    request.insert("handle".into(), handle.clone().into());
    request.insert("currency".into(), currency.into());
    let reply =
        |status: &str, urls: Value| Reply::json(200, payment_json(None, status, &request, urls));
    // A flow whose card is minted answers with it, connected or not.
    let raw: Value = serde_json::from_slice(call.body).unwrap_or(Value::Null);
    let key = idempotency_key(call);
    let flow = key.as_ref().and_then(|k| state.payments.flows.get(k));
    if let Some(flow) = flow {
        if flow.request != raw {
            return Err(key_reused());
        }
        if let Some(id) = &flow.payment {
            let p = state.payments.payments.iter().find(|p| &p.id == id);
            return Ok(Reply::json(200, p.expect("a minted payment").json()));
        }
    }
    match state.payments.connection_status(&handle) {
        "connected" => {}
        "pending" => return Ok(reply("connecting", Value::Null)),
        _ => return Ok(reply("needs_connection", Value::Null)),
    }
    if !state.payments.cards.contains(&handle) {
        state.payments.attach_asked.insert(handle.clone());
        let url = format!(
            "{HOSTED}/agentcard/attach?handle={}",
            handle.replace('+', "%2B")
        );
        return Ok(reply("awaiting_user_action", json!({"attach_url": url})));
    }
    // The customer approves one flow, which only a key can come back to.
    let approved = flow.is_some_and(|f| f.approved);
    if !approved {
        let id = format!("apr_{}", compact(&state.ids.uuid()));
        if let Some(key) = key {
            let flow = state.payments.flows.entry(key).or_insert_with(|| Flow {
                request: raw,
                ..Flow::default()
            });
            flow.approval_asked = true;
        }
        let url = format!("{HOSTED}/agentcard/approve?request={id}");
        return Ok(reply("awaiting_user_action", json!({"approval_url": url})));
    }
    let id = state.ids.uuid();
    if let Some(flow) = key.and_then(|k| state.payments.flows.get_mut(&k)) {
        flow.payment = Some(id.clone());
    }
    let payment = Payment {
        id,
        status: "ready",
        request,
        handed_off: false,
    };
    let minted = payment.json();
    state.payments.payments.push(payment);
    Ok(Reply::json(200, minted))
}

fn payment_mut<'s>(state: &'s mut State, call: &Call<'_>) -> Result<&'s mut Payment, Fail> {
    let id = call.param("paymentId");
    state
        .payments
        .payments
        .iter_mut()
        .find(|p| p.id == id)
        .ok_or_else(|| fail(404, 2001, "Payment not found"))
}

fn retrieve_payment(state: &mut State, call: &Call<'_>) -> Handled {
    Ok(Reply::json(200, payment_mut(state, call)?.json()))
}

fn cancel_payment(state: &mut State, call: &Call<'_>) -> Handled {
    let p = payment_mut(state, call)?;
    if !matches!(p.status, "ready" | "authorized") {
        return Err(fail(
            409,
            1005,
            format!("This payment is {} and cannot be canceled", p.status),
        ));
    }
    p.status = "canceled";
    Ok(Reply::json(200, p.json()))
}

fn credentials(state: &mut State, call: &Call<'_>) -> Handled {
    let token = format!("ut_{}", compact(&state.ids.uuid()));
    let p = payment_mut(state, call)?;
    if p.status != "ready" {
        return Err(fail(
            409,
            1005,
            format!(
                "Credentials are handed off for a ready payment; this one is {}",
                p.status
            ),
        ));
    }
    p.handed_off = true;
    let card_ref = format!("card_{}", compact(&p.id));
    Ok(Reply::json(
        200,
        json!({"handoff": {
            "provider": "agentcard",
            "card_ref": card_ref,
            "fetch_url": format!("{HOSTED}/agentcard/cards/{card_ref}"),
            "user_token": token,
        }}),
    ))
}
