//! What goes over the wire: forward compatibility of responses and webhooks,
//! both webhook payload formats, and how operations encode requests.

use linq_types::models::chats::LineType;
use linq_types::models::chats::{self, ChatCreateParams};
use linq_types::models::messages::{MessageSendParams, TextPartParam};
use linq_types::models::phone_numbers::{self, AvailableNumberRetrieveParams};
use linq_types::models::subscriptions::WebhookSubscriptionUpdateParams;
use linq_types::models::{Message, MessageContent, Part, ServiceType, WebhookEventType};
use linq_types::operation::{PathBuilder, QueryBuilder};
use linq_types::webhooks::{EVENT_TYPES, Event, EventData, MessageEventData};
use linq_types::{ChatId, ErrorResponse, Handle, IdempotencyKey, Operation, ops};
use proptest::prelude::*;
use serde_json::json;

fn handle(s: &str) -> Handle {
    s.parse().unwrap()
}

const CHAT: &str = "0c961e93-e7bf-4db2-bf7b-ea06826bcab4";
const MSG: &str = "347d62c2-2170-4754-8d30-c76d0c727d96";

fn chat_handle(number: &str) -> serde_json::Value {
    json!({
        "handle": number, "id": "8d79532a-f529-4244-a5cf-d443de051434", "is_me": true,
        "joined_at": "2026-01-21T21:59:45.191571Z", "left_at": null,
        "service": "iMessage", "status": "active"
    })
}

fn envelope(event_type: &str, version: &str, data: serde_json::Value) -> serde_json::Value {
    json!({
        "api_version": "v3", "webhook_version": version, "event_type": event_type,
        "event_id": "e20feb41-7f67-43f0-89c8-a985cff3b568",
        "created_at": "2026-02-05T19:52:18.101373886Z",
        "trace_id": "2eff5df5c6f688733c007523c4d61cd9", "partner_id": "partner-1",
        "data": data
    })
}

#[test]
fn message_received_decodes_in_the_2026_format() {
    let body = envelope(
        "message.received",
        "2026-02-03",
        json!({
            "chat": {"id": CHAT, "is_group": false, "owner_handle": chat_handle("+12025551234")},
            "id": MSG, "idempotency_key": null, "direction": "inbound",
            "sender_handle": chat_handle("+12025559876"),
            "parts": [
                {"type": "text", "value": "Hello"},
                {"type": "media", "id": "f13dda7d-ecac-49eb-b3fe-16fe286abf19", "filename": "a.jpg",
                 "mime_type": "image/jpeg", "size_bytes": 245678, "url": "https://cdn.example/a.jpg"}
            ],
            "effect": null, "sent_at": "2026-02-05T19:52:17.219Z", "delivered_at": null,
            "read_at": null, "service": "iMessage", "preferred_service": null
        }),
    );
    let event = Event::from_json(&serde_json::to_vec(&body).unwrap()).unwrap();
    assert_eq!(event.event_type, WebhookEventType::MessageReceived);
    assert_eq!(event.webhook_version, "2026-02-03");
    assert_eq!(event.api_version, "v3");
    let EventData::MessageReceived(message) = &event.data else {
        panic!("{event:?}")
    };
    let data = message.as_v2026().expect("2026 format");
    assert_eq!(data.chat.id.as_str(), CHAT);
    assert_eq!(data.parts.len(), 2);
    assert_eq!(message.message_id().unwrap().as_str(), MSG);
}

#[test]
fn message_received_decodes_in_the_2025_format() {
    let body = envelope(
        "message.received",
        "2025-01-01",
        json!({
            "chat_id": CHAT, "from": "+12025559876", "from_handle": chat_handle("+12025559876"),
            "idempotency_key": null, "is_from_me": false, "is_group": false,
            "message": {
                "created_at": "2026-02-05T19:31:13.1Z", "delivered_at": null, "id": MSG,
                "is_delivered": false, "is_read": false,
                "parts": [{"type": "text", "value": "Hi there"}],
                "read_at": null, "sent_at": "2026-02-05T19:31:13.2Z", "updated_at": "2026-02-05T19:31:13.3Z"
            },
            "preferred_service": null, "received_at": "2026-02-05T19:31:13.4Z",
            "recipient_handle": chat_handle("+12025551234"), "recipient_phone": "+12025551234",
            "service": "iMessage"
        }),
    );
    let event: Event = serde_json::from_value(body.clone()).unwrap();
    let EventData::MessageReceived(message) = &event.data else {
        panic!("{event:?}")
    };
    let MessageEventData::V2025(data) = message else {
        panic!("expected the 2025 format")
    };
    assert_eq!(data.is_from_me, Some(false));
    assert_eq!(data.chat_id.as_ref().unwrap().as_str(), CHAT);
    assert_eq!(
        data.message.as_ref().unwrap().parts.as_ref().unwrap().len(),
        1
    );
    assert_eq!(message.message_id().unwrap().as_str(), MSG);
    // and it encodes back to what came in (nulls aside)
    let again: Event = serde_json::from_value(serde_json::to_value(&event).unwrap()).unwrap();
    assert_eq!(again, event);
}

#[test]
fn unknown_event_type_is_kept_whole() {
    let body = envelope(
        "call.transferred",
        "2026-02-03",
        json!({"to": "+12025550000"}),
    );
    let event: Event = serde_json::from_value(body.clone()).unwrap();
    assert!(event.event_type.is_unknown());
    assert_eq!(event.event_type.as_str(), "call.transferred");
    assert_eq!(
        event.data,
        EventData::Unknown(json!({"to": "+12025550000"}))
    );
    assert_eq!(event.id, "e20feb41-7f67-43f0-89c8-a985cff3b568");
    assert_eq!(serde_json::to_value(&event).unwrap(), body);
}

#[test]
fn call_events_keep_raw_data() {
    let body = envelope("call.ringing", "2026-02-03", json!({"call_id": "c1"}));
    let event: Event = serde_json::from_value(body).unwrap();
    let EventData::CallRinging(data) = &event.data else {
        panic!("{event:?}")
    };
    assert_eq!(data["call_id"], "c1");
}

#[test]
fn every_known_event_type_has_a_variant() {
    assert_eq!(EVENT_TYPES.len(), WebhookEventType::KNOWN.len());
    for et in EVENT_TYPES {
        assert!(!WebhookEventType::from(*et).is_unknown(), "{et}");
    }
}

#[test]
fn unknown_fields_and_enum_values_decode() {
    let chat = json!({
        "id": CHAT, "display_name": null, "handles": [chat_handle("262966")],
        "is_group": false, "service": "Carrier Pigeon", "brand_new_field": {"x": 1},
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        "health_status": {"doc_url": "https://x", "status": "GLOWING", "updated_at": "2026-01-01T00:00:00Z"},
        "is_archived": false
    });
    let chat: chats::Chat = match serde_json::from_value(chat.clone()) {
        Ok(c) => c,
        Err(e) => panic!("{e}: {chat}"),
    };
    assert_eq!(
        chat.service,
        Some(ServiceType::Unknown("Carrier Pigeon".into()))
    );
    assert_eq!(chat.health_status.status.as_str(), "GLOWING");
    // a short code sender decodes: response handles are plain strings
    assert_eq!(chat.handles[0].handle, "262966");
}

#[test]
fn unknown_part_kind_is_kept() {
    let raw = json!({"id": MSG, "chat_id": CHAT, "parts": [{"type": "hologram", "depth": 3}],
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        "is_delivered": false, "is_from_me": true, "is_read": false, "delivery_status": "teleported"});
    let msg: Message = match serde_json::from_value(raw.clone()) {
        Ok(m) => m,
        Err(e) => panic!("{e}: {raw}"),
    };
    let parts = msg.parts.unwrap();
    assert_eq!(parts[0].tag(), "hologram");
    assert_eq!(
        serde_json::to_value(&parts[0]).unwrap(),
        json!({"type": "hologram", "depth": 3})
    );
}

#[test]
fn error_envelope_examples_decode() {
    let spec: serde_json::Value =
        serde_json::from_str(include_str!("../../../../spec/linq-api-v3.json")).unwrap();
    let mut n = 0;
    for (name, resp) in spec["components"]["responses"].as_object().unwrap() {
        if let Some(example) = resp.pointer("/content/application~1json/example") {
            let e: ErrorResponse =
                serde_json::from_value(example.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!e.success);
            n += 1;
        }
    }
    assert!(n >= 4);
}

#[test]
fn participants_add_encodes_path_and_body() {
    let op = ops::chats::participants::Add {
        chat_id: ChatId::parse(CHAT).unwrap(),
        params: chats::HandleParams::new(handle("+12052499136")),
    };
    let mut path = PathBuilder::new();
    op.write_path(&mut path);
    assert_eq!(path.as_str(), format!("/v3/chats/{CHAT}/participants"));
    let mut body = Vec::new();
    assert!(op.write_body(&mut body).unwrap());
    assert_eq!(body, br#"{"handle":"+12052499136"}"#);
}

#[test]
fn query_lists_are_comma_joined() {
    let op = ops::available_number::Retrieve {
        query: AvailableNumberRetrieveParams::new()
            .to(vec![handle("+12025550100"), handle("a@b.co")])
            .kind(LineType::IMessage),
    };
    let mut q = QueryBuilder::new();
    op.write_query(&mut q);
    assert_eq!(q.as_str(), "to=%2B12025550100%2Ca%40b.co&type=iMessage");
}

#[test]
fn body_idempotency_key_is_read_and_written() {
    assert_eq!(
        ops::chats::messages::Send::IDEMPOTENCY,
        IdempotencyKey::Body
    );
    assert_eq!(
        ops::messages::Create::IDEMPOTENCY,
        IdempotencyKey::Header("Idempotency-Key")
    );
    let mut op = ops::chats::messages::Send {
        chat_id: ChatId::parse(CHAT).unwrap(),
        params: MessageSendParams::new(
            MessageContent::new().parts(vec![TextPartParam::new("hi").into()]),
        ),
    };
    assert_eq!(op.idempotency_key(), None);
    op.set_idempotency_key("k1".into());
    assert_eq!(op.idempotency_key(), Some("k1"));
    let mut body = Vec::new();
    op.write_body(&mut body).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        v,
        json!({"message": {"idempotency_key": "k1", "parts": [{"type": "text", "value": "hi"}]}})
    );
}

#[test]
fn clearing_sends_null_and_unset_is_omitted() {
    let p = WebhookSubscriptionUpdateParams::new()
        .clear_routing_id_header()
        .is_active(true);
    assert_eq!(
        serde_json::to_value(&p).unwrap(),
        json!({"is_active": true, "routing_id_header": null})
    );
    let back: WebhookSubscriptionUpdateParams =
        serde_json::from_value(json!({"is_active": true, "routing_id_header": null})).unwrap();
    assert_eq!(back, p);
    let clear = phone_numbers::PhoneNumberUpdateParams::new(None);
    assert_eq!(
        serde_json::to_value(&clear).unwrap(),
        json!({"forwarding_number": null})
    );
}

#[test]
fn operation_table_is_complete() {
    assert_eq!(ops::ALL.len(), 70);
    assert!(ops::ALL.contains(&"capability.check_RCS"));
}

fn phone() -> impl Strategy<Value = Handle> {
    // Under +1 a number has exactly 10 more digits.
    prop_oneof!["\\+[2-9][0-9]{6,14}", "\\+1[2-9][0-9]{9}"].prop_map(|s| s.parse().unwrap())
}

fn service() -> impl Strategy<Value = ServiceType> {
    prop_oneof![
        Just(ServiceType::IMessage),
        Just(ServiceType::Sms),
        Just(ServiceType::Rcs),
        "[a-z]{1,8}".prop_map(ServiceType::from),
    ]
}

fn part() -> impl Strategy<Value = Part> {
    prop_oneof![
        ".{0,20}".prop_map(|t| TextPartParam::new(t).into()),
        "[a-z]{1,8}".prop_map(|tag| Part::Unknown {
            raw: json!({"type": tag.clone(), "n": 1}),
            tag,
        }),
    ]
}

fn roundtrip<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
    v: &T,
) {
    let json = serde_json::to_string(v).unwrap();
    let back: T = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, v, "{json}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(64)))]

    #[test]
    fn chat_create_params_roundtrip(
        from in phone(),
        to in prop::collection::vec(phone(), 1..4),
        parts in prop::collection::vec(part(), 0..3),
        service in prop::option::of(service()),
        optout in prop::option::of(any::<bool>()),
    ) {
        let mut message = MessageContent::new().parts(parts);
        message.preferred_service = service;
        let mut p = ChatCreateParams::new(from, message, to);
        p.override_optout = optout;
        roundtrip(&p);
    }

    #[test]
    fn open_enum_roundtrip(s in service()) {
        roundtrip(&s);
        prop_assert_eq!(ServiceType::from(s.as_str()), s);
    }

    #[test]
    fn event_type_roundtrip(i in 0..EVENT_TYPES.len(), other in "[a-z]{1,6}\\.[a-z]{1,6}") {
        roundtrip(&WebhookEventType::from(EVENT_TYPES[i]));
        roundtrip(&WebhookEventType::from(other));
    }
}

/// `PROPTEST_CASES` when set (`cargo xtask props --cases N`), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default)
}
