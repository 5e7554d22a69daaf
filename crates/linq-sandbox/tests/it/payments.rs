//! Payments through linq-client on a strict sandbox: payment requests and
//! their `payment.*` events as the payer acts on each step of the clock,
//! providers, customer handle connections (`connection.*`) and agent
//! payments.

use crate::common;
use crate::refusals;

use common::client;
use refusals::status;
use std::collections::BTreeMap;
use std::time::Duration;

use http::{HeaderName, HeaderValue};
use linq_sandbox::Sandbox;
use linq_types::Event;
use linq_types::models::payments::{
    PaymentHandleConnectionStatus, PaymentMode, PaymentProviderStatus, PaymentRail,
    PaymentRequestStatus, PaymentStatus,
};
use linq_types::webhooks::EventData;

/// `payments.create` is idempotent on this header (its description says
/// so), though the operation does not declare it, so it is set by hand.
const KEY: HeaderName = HeaderName::from_static("idempotency-key");

fn metadata(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The payment events emitted after `from`: (type, request id, status).
fn payment_events(events: &[Event]) -> Vec<(String, String, String)> {
    events
        .iter()
        .filter_map(|e| {
            let d = match &e.data {
                EventData::PaymentSucceeded(d)
                | EventData::PaymentCanceled(d)
                | EventData::PaymentExpired(d)
                | EventData::PaymentDeclined(d)
                | EventData::PaymentAuthorized(d) => d,
                _ => return None,
            };
            Some((
                e.event_type.as_str().to_owned(),
                d.id.clone(),
                d.status.as_str().to_owned(),
            ))
        })
        .collect()
}

#[tokio::test]
async fn payment_requests_are_paid_declined_and_canceled_with_their_events() {
    let sb = Sandbox::new();
    let client = client(&sb);

    let paid = client
        .payment_requests()
        .create()
        .amount(2500)
        .currency("usd")
        .description("Lunch")
        .metadata(metadata(&[("chat_id", "c1")]))
        .await
        .unwrap();
    assert_eq!(paid.status, PaymentRequestStatus::Requested);
    assert_eq!((paid.amount, paid.currency.as_str()), (2500, "usd"));
    assert_eq!(paid.mode, PaymentMode::Payment);
    assert_eq!(paid.rail, Some(PaymentRail::Stripe));
    assert_eq!(paid.description.as_deref(), Some("Lunch"));
    assert_eq!(paid.metadata, Some(metadata(&[("chat_id", "c1")])));
    assert_eq!(paid.paid_at, None);
    let stripe = paid.stripe.clone().unwrap();
    assert!(stripe.payment_intent_id.unwrap().starts_with("pi_"));
    let lifetime = paid.expires_at.unwrap().unix_seconds() - paid.created_at.unix_seconds();
    assert_eq!(lifetime, 24 * 3600);

    let declined = client
        .payment_requests()
        .create()
        .amount(900)
        .currency("USD")
        .metadata(metadata(&[("sandbox_outcome", "decline")]))
        .await
        .unwrap();
    assert_eq!(declined.currency, "usd");
    let canceled = client
        .payment_requests()
        .create()
        .amount(100)
        .currency("usd")
        .await
        .unwrap();
    let canceled_now = client
        .payment_requests()
        .cancel(&canceled.id)
        .await
        .unwrap();
    assert_eq!(canceled_now.status, PaymentRequestStatus::Canceled);
    let e = client
        .payment_requests()
        .cancel(&canceled.id)
        .await
        .unwrap_err();
    assert_eq!(status(&e), 409);

    // The payers act on the next step of the clock.
    sb.advance();
    let after = client.payment_requests().retrieve(&paid.id).await.unwrap();
    assert_eq!(after.status, PaymentRequestStatus::Succeeded);
    assert!(after.paid_at.is_some());
    let e = client
        .payment_requests()
        .cancel(&paid.id)
        .await
        .unwrap_err();
    assert_eq!(status(&e), 409, "a paid request cannot be canceled");
    let after = client
        .payment_requests()
        .retrieve(&declined.id)
        .await
        .unwrap();
    assert_eq!(after.status.as_str(), "declined");

    let events = payment_events(&sb.events());
    assert_eq!(
        events,
        [
            (
                "payment.canceled".into(),
                canceled.id.to_string(),
                "canceled".into()
            ),
            (
                "payment.succeeded".into(),
                paid.id.to_string(),
                "succeeded".into()
            ),
            (
                "payment.declined".into(),
                declined.id.to_string(),
                "declined".into()
            ),
        ]
    );
    let succeeded = sb
        .events()
        .into_iter()
        .find_map(|e| match e.data {
            EventData::PaymentSucceeded(d) => Some(d),
            _ => None,
        })
        .unwrap();
    assert_eq!(succeeded.amount, 2500);
    assert_eq!(succeeded.metadata, Some(metadata(&[("chat_id", "c1")])));

    // Newest first, filtered, paged.
    let all = client.payment_requests().list().await.unwrap();
    let ids: Vec<_> = all.data.iter().map(|r| r.id.clone()).collect();
    assert_eq!(
        ids,
        [canceled.id.clone(), declined.id.clone(), paid.id.clone()]
    );
    assert!(!all.has_more);
    let page = client
        .payment_requests()
        .list()
        .limit(1)
        .offset(1)
        .await
        .unwrap();
    assert_eq!(page.data[0].id, declined.id);
    assert!(page.has_more);
    let only = client
        .payment_requests()
        .list()
        .status("succeeded")
        .await
        .unwrap();
    assert_eq!(only.data.len(), 1);
    assert_eq!(only.data[0].id, paid.id);
    assert!(sb.pending() == 0, "nothing left to pay");
}

#[tokio::test]
async fn payment_requests_follow_the_documented_rules() {
    let sb = Sandbox::new();
    let client = client(&sb);
    let refused = |e: linq_client::Error| status(&e);

    // Below the minimum, another currency, a subscription-only field.
    let e = client
        .payment_requests()
        .create()
        .amount(49)
        .currency("usd")
        .await;
    assert_eq!(refused(e.unwrap_err()), 400);
    let e = client
        .payment_requests()
        .create()
        .amount(500)
        .currency("eur")
        .await;
    assert_eq!(refused(e.unwrap_err()), 400);
    let e = client
        .payment_requests()
        .create()
        .amount(500)
        .currency("usd")
        .price_id("price_1")
        .await;
    assert_eq!(refused(e.unwrap_err()), 400);
    let e = client
        .payment_requests()
        .create()
        .amount(500)
        .currency("usd")
        .metadata(metadata(&[("linq_x", "1")]))
        .await;
    assert_eq!(refused(e.unwrap_err()), 400, "linq_ keys are reserved");
    // Subscription mode: the amount comes from the price.
    let e = client
        .payment_requests()
        .create()
        .mode("subscription")
        .price_id("price_1")
        .amount(500)
        .await;
    assert_eq!(refused(e.unwrap_err()), 400);
    let sub = client
        .payment_requests()
        .create()
        .mode("subscription")
        .price_id("price_1")
        .quantity(2)
        .trial_period_days(7)
        .await
        .unwrap();
    assert_eq!(sub.mode, PaymentMode::Subscription);
    assert_eq!(
        (sub.amount, sub.quantity),
        (0, Some(2)),
        "a trial's first invoice is $0"
    );
    assert!(sub.trial_end.is_some());
    assert!(sub.stripe.as_ref().unwrap().customer_id.is_some());

    // The same key and body is the same request; another body is refused.
    let first = client
        .payment_requests()
        .create()
        .amount(700)
        .currency("usd")
        .idempotency_key("order-7")
        .await
        .unwrap();
    let again = client
        .payment_requests()
        .create()
        .amount(700)
        .currency("usd")
        .idempotency_key("order-7")
        .await
        .unwrap();
    assert_eq!(again.id, first.id);
    let e = client
        .payment_requests()
        .create()
        .amount(800)
        .currency("usd")
        .idempotency_key("order-7")
        .await;
    assert_eq!(refused(e.unwrap_err()), 422);

    // The Natural rail needs its provider onboarded, and from + payer.
    let line = sb.lines()[0].clone();
    let natural = || {
        client
            .payment_requests()
            .create()
            .amount(1200)
            .currency("usd")
            .rail("natural")
            .from(line.as_str())
            .payer_handle("+12025550142")
    };
    assert_eq!(refused(natural().await.unwrap_err()), 403);
    let provider = client
        .payment_providers()
        .retrieve("natural")
        .await
        .unwrap();
    assert_eq!(provider.status, Some(PaymentProviderStatus::Disabled));
    let session = client
        .payment_providers()
        .connect("natural", "https://example.com/back")
        .await
        .unwrap();
    assert!(session.hosted_url.is_some());
    sb.advance();
    let provider = client
        .payment_providers()
        .retrieve("natural")
        .await
        .unwrap();
    assert_eq!(provider.status, Some(PaymentProviderStatus::Ready));
    let request = natural().await.unwrap();
    assert_eq!(request.rail, Some(PaymentRail::Natural));
    assert!(
        request
            .natural
            .as_ref()
            .unwrap()
            .payment_request_id
            .is_some()
    );
    let before = sb.events().len();
    sb.advance();
    sb.advance();
    let events: Vec<_> = payment_events(&sb.events()[before..])
        .into_iter()
        .filter(|(_, id, _)| *id == request.id.to_string())
        .map(|(t, _, _)| t)
        .collect();
    assert_eq!(events, ["payment.authorized", "payment.succeeded"]);
    let done = client
        .payment_requests()
        .retrieve(&request.id)
        .await
        .unwrap();
    assert!(done.natural.unwrap().transaction_id.is_some());
}

#[tokio::test]
async fn an_unpaid_request_expires_after_a_day() {
    let sb = Sandbox::builder()
        .tick(Duration::from_secs(25 * 3600))
        .build();
    let client = client(&sb);
    let request = client
        .payment_requests()
        .create()
        .amount(500)
        .currency("usd")
        .metadata(metadata(&[("sandbox_outcome", "ignore")]))
        .await
        .unwrap();
    assert_eq!(sb.pending(), 0, "an ignored request waits for its expiry");
    sb.advance();
    let expired = client
        .payment_requests()
        .retrieve(&request.id)
        .await
        .unwrap();
    assert_eq!(expired.status, PaymentRequestStatus::Expired);
    assert_eq!(
        payment_events(&sb.events()),
        [(
            "payment.expired".into(),
            request.id.to_string(),
            "expired".into()
        )]
    );
}

#[tokio::test]
async fn a_connected_customer_is_paid_for_with_a_virtual_card() {
    let sb = Sandbox::new();
    let client = client(&sb);
    let customer = "+12025550142";

    let c = client.payment_handles().connection(customer).await.unwrap();
    assert_eq!(c.status, Some(PaymentHandleConnectionStatus::NotConnected));
    let pay = || {
        client
            .payments()
            .create(customer, 1999, "usd")
            .header(KEY, HeaderValue::from_static("cart-1"))
    };
    let p = pay().await.unwrap();
    assert_eq!(p.status, Some(PaymentStatus::NeedsConnection));
    assert_eq!((p.id, p.attach_url), (None, None));

    // The ceremony: connect, then verify the code the customer got.
    let started = client.payment_handles().connect(customer).await.unwrap();
    assert_eq!(started.status, Some(PaymentHandleConnectionStatus::Pending));
    let connect_id = started.connect_id.unwrap();
    assert_eq!(pay().await.unwrap().status, Some(PaymentStatus::Connecting));
    let e = client
        .payment_handles()
        .verify(customer, connect_id.as_str(), "000000")
        .await
        .unwrap_err();
    assert_eq!(status(&e), 400);
    let done = client
        .payment_handles()
        .verify(customer, connect_id.as_str(), "123456")
        .await
        .unwrap();
    assert_eq!(done.status, Some(PaymentHandleConnectionStatus::Connected));

    // No card on file: the customer is asked to attach one ...
    let p = pay().await.unwrap();
    assert_eq!(p.status, Some(PaymentStatus::AwaitingUserAction));
    assert!(p.attach_url.is_some() && p.approval_url.is_none());
    sb.advance();
    // ... then to approve the charge with their passkey ...
    let p = pay().await.unwrap();
    assert_eq!(p.status, Some(PaymentStatus::AwaitingUserAction));
    assert!(p.approval_url.is_some() && p.attach_url.is_none());
    sb.advance();
    // ... and the card is minted.
    let ready = pay().await.unwrap();
    assert_eq!(ready.status, Some(PaymentStatus::Ready));
    assert_eq!(ready.amount_cents, Some(1999));
    assert_eq!(ready.handle.as_deref(), Some(customer));
    let id = ready.id.clone().unwrap();
    assert_eq!(
        pay().await.unwrap().id,
        Some(id.clone()),
        "the same key, the same payment"
    );
    let e = client
        .payments()
        .create(customer, 5, "usd")
        .header(KEY, HeaderValue::from_static("cart-1"))
        .await
        .unwrap_err();
    assert_eq!(status(&e), 422);

    let handoff = client
        .payments()
        .credentials(&id)
        .await
        .unwrap()
        .handoff
        .unwrap();
    assert!(handoff.user_token.is_some() && handoff.fetch_url.is_some());
    sb.advance();
    let p = client.payments().retrieve(&id).await.unwrap();
    assert_eq!(p.status, Some(PaymentStatus::Authorized));
    sb.advance();
    let p = client.payments().retrieve(&id).await.unwrap();
    assert_eq!(p.status, Some(PaymentStatus::Succeeded));
    let e = client.payments().cancel(&id).await.unwrap_err();
    assert_eq!(status(&e), 409);

    // A second card, canceled while ready: the customer approved once per flow.
    let other = || {
        client
            .payments()
            .create(customer, 500, "usd")
            .header(KEY, HeaderValue::from_static("cart-2"))
    };
    assert!(other().await.unwrap().approval_url.is_some());
    sb.advance();
    let second = other().await.unwrap().id.unwrap();
    let canceled = client.payments().cancel(&second).await.unwrap();
    assert_eq!(canceled.status, Some(PaymentStatus::Canceled));
    let e = client.payments().credentials(&second).await.unwrap_err();
    assert_eq!(status(&e), 409);

    // Revoking ends the grant.
    let revoked = client.payment_handles().revoke(customer).await.unwrap();
    assert_eq!(revoked.status, Some(PaymentHandleConnectionStatus::Revoked));
    assert_eq!(
        pay().await.unwrap().status,
        Some(PaymentStatus::Succeeded),
        "a minted card stays with its flow"
    );
    let fresh = client
        .payments()
        .create(customer, 500, "usd")
        .await
        .unwrap();
    assert_eq!(fresh.status, Some(PaymentStatus::NeedsConnection));

    let kinds: Vec<_> = sb
        .events()
        .iter()
        .filter(|e| {
            matches!(
                e.data,
                EventData::ConnectionCreated(_) | EventData::ConnectionRevoked(_)
            )
        })
        .map(|e| e.event_type.as_str().to_owned())
        .collect();
    assert_eq!(kinds, ["connection.created", "connection.revoked"]);
}

#[tokio::test]
async fn a_subscriber_receives_the_payment_events_signed_and_typed() {
    let sb = Sandbox::new();
    let client = client(&sb);
    let sub = client
        .webhook_subscriptions()
        .create(
            "https://example.com/hooks",
            ["payment.succeeded", "payment.canceled"],
        )
        .await
        .unwrap();
    let v1 = client
        .webhook_subscriptions()
        .create(
            "https://example.com/hooks?version=2025-01-01",
            ["payment.succeeded"],
        )
        .await
        .unwrap();
    let mut deliveries = sb.subscribe();
    let request = client
        .payment_requests()
        .create()
        .amount(4200)
        .currency("usd")
        .await
        .unwrap();
    let other = client
        .payment_requests()
        .create()
        .amount(100)
        .currency("usd")
        .await
        .unwrap();
    client.payment_requests().cancel(&other.id).await.unwrap();

    // Nothing else is queued, so taking deliveries lets the payer pay.
    let webhook =
        linq_webhooks::Webhook::new(linq_webhooks::Secret::parse(&sub.signing_secret).unwrap());
    let mut got = Vec::new();
    let mut older = Vec::new();
    for delivery in deliveries.by_ref().take(3) {
        if delivery.subscription_id == v1.id.to_string() {
            older.push(delivery);
            continue;
        }
        assert_eq!(delivery.subscription_id, sub.id.to_string());
        webhook
            .verify_at(&delivery.body, &delivery.headers, sb.now())
            .unwrap();
        got.push(delivery.event().expect("a typed event"));
    }
    // The older payload version carries the same data under its version.
    assert_eq!(older.len(), 1);
    let older = older[0].json();
    assert_eq!(older["webhook_version"], "2025-01-01");
    assert_eq!(older["event_type"], "payment.succeeded");
    assert_eq!(older["data"]["id"], request.id.to_string());
    assert_eq!(older["data"]["amount"], 4200);
    let kinds: Vec<_> = got
        .iter()
        .map(|e| e.event_type.as_str().to_owned())
        .collect();
    assert_eq!(kinds, ["payment.canceled", "payment.succeeded"]);
    match &got[1].data {
        EventData::PaymentSucceeded(d) => {
            assert_eq!(d.id, request.id.to_string());
            assert_eq!(d.amount, 4200);
        }
        other => panic!("not payment.succeeded: {other:?}"),
    }
}

#[tokio::test]
async fn a_ceremony_code_expires_and_connect_starts_a_fresh_one() {
    let sb = Sandbox::builder()
        .tick(Duration::from_secs(11 * 60))
        .build();
    let client = client(&sb);
    let customer = "ada@example.com";
    let stale = client.payment_handles().connect(customer).await.unwrap();
    sb.advance();
    let e = client
        .payment_handles()
        .verify(customer, stale.connect_id.clone().unwrap(), "123456")
        .await
        .unwrap_err();
    assert_eq!(status(&e), 400, "the code is short-lived");
    let fresh = client.payment_handles().connect(customer).await.unwrap();
    assert_ne!(fresh.connect_id, stale.connect_id);
    let e = client
        .payment_handles()
        .verify(customer, stale.connect_id.unwrap(), "123456")
        .await
        .unwrap_err();
    assert_eq!(status(&e), 400, "a superseded connect_id is refused");
    let done = client
        .payment_handles()
        .verify(customer, fresh.connect_id.unwrap(), "123456")
        .await
        .unwrap();
    assert_eq!(done.status, Some(PaymentHandleConnectionStatus::Connected));
    assert_eq!(done.handle.as_deref(), Some(customer));
    let connected = client.payment_handles().connection(customer).await.unwrap();
    assert_eq!(
        connected.status,
        Some(PaymentHandleConnectionStatus::Connected)
    );
    assert_eq!(
        connected.connect_id, None,
        "connect_id comes only from connect"
    );
}
