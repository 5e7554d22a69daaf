//! `Event`: every event type's sample decodes into the variant of its type
//! and encodes back to the same JSON; message events read the same through
//! the accessors in both payload formats; bad data names its path.

use linq_types::models::subscriptions::WebhookEventType;
use linq_types::webhooks::{Event, EventData};
use serde_json::{Value, json};

fn samples() -> Vec<(String, Value)> {
    let all: Value =
        serde_json::from_str(include_str!("generated/samples.json")).expect("samples.json");
    all.as_object()
        .unwrap()
        .iter()
        .filter(|(name, _)| name.ends_with("WebhookEvent") && *name != "UnwrapWebhookEvent")
        .flat_map(|(name, s)| {
            [("full", &s["full"]), ("required", &s["required"])]
                .map(|(k, v)| (format!("{name} ({k})"), v.clone()))
        })
        .collect()
}

#[test]
fn every_sample_decodes_into_its_own_variant_and_round_trips() {
    let samples = samples();
    assert!(samples.len() >= 2 * 60, "{} samples", samples.len());
    for (name, sample) in samples {
        let event: Event =
            serde_json::from_value(sample.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(event.event_type.as_str(), sample["event_type"], "{name}");
        assert!(!event.event_type.is_unknown(), "{name}");
        assert!(
            !matches!(event.data, EventData::Unknown(_)),
            "{name}: decoded as Unknown"
        );
        assert_eq!(event.id, sample["event_id"].as_str().unwrap());
        let again = serde_json::to_value(&event).unwrap();
        assert_eq!(again, sample, "{name}: re-encoded differently");
    }
}

#[test]
fn an_unknown_event_type_keeps_its_data() {
    let body = json!({
        "api_version": "v3", "created_at": "2026-02-03T04:05:06Z", "event_id": "e",
        "event_type": "spaceship.launched", "partner_id": "p", "trace_id": "t",
        "webhook_version": "2026-02-03", "data": {"fuel": 3}
    });
    let event: Event = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(
        event.event_type,
        WebhookEventType::Unknown("spaceship.launched".into())
    );
    assert_eq!(event.data, EventData::Unknown(json!({"fuel": 3})));
    assert_eq!(serde_json::to_value(&event).unwrap(), body);
}

fn envelope(event_type: &str, version: &str, data: Value) -> Value {
    json!({
        "api_version": "v3", "created_at": "2026-02-03T04:05:06.250Z", "event_id": "evt_9",
        "event_type": event_type, "partner_id": "p", "trace_id": "t",
        "webhook_version": version, "data": data
    })
}

const CHAT: &str = "550e8400-e29b-41d4-a716-446655440000";
const MSG: &str = "550e8400-e29b-41d4-a716-446655440001";
const FILE: &str = "550e8400-e29b-41d4-a716-446655440002";

fn v2026(direction: &str) -> Value {
    envelope(
        "message.received",
        "2026-02-03",
        json!({
            "id": MSG, "direction": direction, "service": "iMessage",
            "chat": {"id": CHAT},
            "sender_handle": {"handle": "+12025550147", "id": "h", "joined_at": "2026-02-03T04:00:00Z", "service": "iMessage"},
            "parts": [
                {"type": "text", "value": "lunch?"},
                {"type": "media", "id": FILE, "url": "https://cdn.example/f", "mime_type": "image/jpeg", "size_bytes": 12, "filename": "a.jpg"},
                {"type": "text", "value": "at noon"}
            ]
        }),
    )
}

fn v2025(is_from_me: Option<bool>) -> Value {
    let mut data = json!({
        "chat_id": CHAT, "message_id": MSG, "service": "iMessage",
        "from": "+12025550147",
        "message": {"id": MSG, "parts": [
            {"type": "text", "value": "lunch?"},
            {"type": "media", "id": FILE, "url": "https://cdn.example/f", "mime_type": "image/jpeg", "size_bytes": 12, "filename": "a.jpg"},
            {"type": "text", "value": "at noon"}
        ]}
    });
    if let Some(mine) = is_from_me {
        data["is_from_me"] = json!(mine);
    }
    envelope("message.received", "2025-01-01", data)
}

#[test]
fn both_payload_formats_read_the_same_in_one_if_let() {
    for body in [v2026("inbound"), v2025(Some(false))] {
        let event: Event = serde_json::from_value(body).unwrap();
        let Some(message) = event.message() else {
            panic!("not a message event")
        };
        assert_eq!(message.chat_id().unwrap().as_str(), CHAT);
        assert_eq!(message.message_id().unwrap().as_str(), MSG);
        assert_eq!(message.texts().collect::<Vec<_>>(), ["lunch?", "at noon"]);
        assert_eq!(message.sender(), Some("+12025550147"));
        assert!(message.is_inbound());
        assert_eq!(message.service().map(|s| s.as_str()), Some("iMessage"));
        let files: Vec<_> = message.attachments().collect();
        assert_eq!(files.len(), 1);
        assert_eq!(
            (
                files[0].id.as_str(),
                files[0].url,
                files[0].mime_type,
                files[0].size_bytes
            ),
            (FILE, "https://cdn.example/f", "image/jpeg", 12)
        );
        assert_eq!(event.created_at.to_string(), "2026-02-03T04:05:06.250Z");
    }
}

#[test]
fn own_messages_and_silent_payloads_are_not_inbound() {
    for body in [v2026("outbound"), v2025(Some(true)), v2025(None)] {
        let event: Event = serde_json::from_value(body).unwrap();
        assert!(!event.message().unwrap().is_inbound());
    }
}

/// The body in Linq's order: the envelope first, `data` last.
fn linq_order(body: &Value) -> Vec<u8> {
    let mut fields: Vec<_> = body.as_object().unwrap().iter().collect();
    fields.sort_by_key(|(k, _)| *k == "data");
    let inner: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{}", json!(k), v))
        .collect();
    format!("{{{}}}", inner.join(",")).into_bytes()
}

#[test]
fn bad_data_names_its_path() {
    let mut body = v2026("inbound");
    body["data"]["parts"][1]["size_bytes"] = json!("twelve");
    let err = Event::from_json(&linq_order(&body)).unwrap_err();
    // The part's kind is read first, so the path ends at the part.
    assert_eq!(err.path(), "data.parts[1]");
    assert!(
        err.to_string()
            .starts_with("data.parts[1]: invalid type: string \"twelve\""),
        "{err}"
    );
    // With `data` before `event_type` (keys sorted), the path is in the text.
    let err = Event::from_json(&serde_json::to_vec(&body).unwrap()).unwrap_err();
    assert!(err.to_string().starts_with("data.parts[1]: "), "{err}");
    let err = serde_json::from_value::<Event>(body)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("data.parts[1]: "), "{err}");
    let mut body = v2026("inbound");
    body["data"]["sender_handle"]
        .as_object_mut()
        .unwrap()
        .remove("joined_at");
    let err = serde_json::from_value::<Event>(body)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("sender_handle") && err.contains("joined_at"),
        "{err}"
    );
}

#[test]
fn a_broken_envelope_names_its_field() {
    for (field, value) in [
        ("event_id", json!(7)),
        ("event_type", json!(null)),
        ("created_at", json!("yesterday")),
    ] {
        let mut body = v2026("inbound");
        body[field] = value;
        let err = Event::from_json(&serde_json::to_vec(&body).unwrap()).unwrap_err();
        assert!(err.to_string().contains(field), "{err}");
    }
    let err = Event::from_json(b"[1, 2]").unwrap_err();
    assert_eq!(err.path(), ".");
    let err = Event::from_json(b"{\"event_id\": ").unwrap_err();
    assert!(err.to_string().contains("EOF"), "{err}");
}

#[test]
fn the_format_follows_webhook_version_and_else_the_shape() {
    // The version decides, whatever the shape.
    let mut body = v2026("inbound");
    body["webhook_version"] = json!("2025-01-01");
    let event = Event::from_json(&serde_json::to_vec(&body).unwrap()).unwrap();
    assert!(event.message().unwrap().as_v2025().is_some());
    // A version that names neither format: the shape decides.
    for (mut body, legacy) in [(v2026("inbound"), false), (v2025(Some(false)), true)] {
        body["webhook_version"] = json!("2027-01-01");
        let event = Event::from_json(&serde_json::to_vec(&body).unwrap()).unwrap();
        assert_eq!(event.message().unwrap().as_v2025().is_some(), legacy);
    }
}
