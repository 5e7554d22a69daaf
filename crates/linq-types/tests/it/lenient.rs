//! Decoding takes whatever the server sends: ids of any form, fields the
//! description does not declare (kept in `extra` and encoded back).

use linq_types::models::{
    attachments, chats, messages, payments, phone_numbers, polls, subscriptions,
};
use linq_types::operation::PathBuilder;
use linq_types::{ChatId, Operation, ops};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

static FIXTURES: std::sync::LazyLock<Value> = std::sync::LazyLock::new(|| {
    serde_json::from_str(include_str!("generated/samples.json")).unwrap()
});

const ODD_IDS: &[&str] = &[
    "not-a-uuid",
    "",
    ".",
    "..",
    "a/b?c#d",
    "line\r\nbreak\u{0}",
    "%2e%2e",
    "ü🦀",
];

/// Puts each odd id into `field` of the type's full sample: it must decode
/// and encode back to the same string.
fn odd_ids_survive<T: DeserializeOwned + Serialize>(name: &str, field: &str) {
    for odd in ODD_IDS {
        let mut sample = FIXTURES[name]["full"].clone();
        assert!(sample.get(field).is_some(), "{name} has no {field}");
        sample[field] = json!(odd);
        let value: T = serde_json::from_value(sample.clone())
            .unwrap_or_else(|e| panic!("{name}.{field} = {odd:?}: {e}"));
        assert_eq!(serde_json::to_value(&value).unwrap()[field], json!(odd));
    }
}

#[test]
fn response_ids_decode_whatever_their_form() {
    odd_ids_survive::<attachments::AttachmentRetrieveResponse>("AttachmentRetrieveResponse", "id");
    odd_ids_survive::<chats::ChatUpdateResponse>("ChatUpdateResponse", "chat_id");
    odd_ids_survive::<messages::MessageCreateResponse>("MessageCreateResponse", "chat_id");
    odd_ids_survive::<messages::MessageCreateResponse>("MessageCreateResponse", "previous_chat_id");
    odd_ids_survive::<messages::MessageUpdateAppCardResponse>(
        "MessageUpdateAppCardResponse",
        "chat_id",
    );
    odd_ids_survive::<polls::PollEnvelope>("PollEnvelope", "chat_id");
    odd_ids_survive::<polls::PollEnvelope>("PollEnvelope", "message_id");
    odd_ids_survive::<phone_numbers::ReputationOptOutChat>("ReputationOptOutChat", "chat_id");
    odd_ids_survive::<phone_numbers::ReputationUnhealthyChat>("ReputationUnhealthyChat", "chat_id");
    odd_ids_survive::<payments::PaymentRequest>("PaymentRequest", "id");
    odd_ids_survive::<phone_numbers::ReputationAudit>("ReputationAudit", "audit_id");
    odd_ids_survive::<subscriptions::WebhookSubscription>("WebhookSubscription", "id");
    odd_ids_survive::<chats::Chat>("Chat", "id");
}

#[test]
fn user_input_is_still_checked_where_the_description_says_uuid() {
    assert!(ChatId::parse("not-a-uuid").is_err());
    assert!(ChatId::parse("").is_err());
    // Decoding the same string is fine: it came from the server.
    let id: ChatId = serde_json::from_value(json!("not-a-uuid")).unwrap();
    assert_eq!(id.as_str(), "not-a-uuid");
}

#[test]
fn the_three_request_attachment_ids_take_any_string() {
    let p = chats::ChatSendVoicememoParams::new().attachment_id("att_not_a_uuid");
    assert_eq!(
        serde_json::to_value(&p).unwrap()["attachment_id"],
        "att_not_a_uuid"
    );
    let sticker: messages::InlineStickerParam =
        serde_json::from_value(FIXTURES["InlineStickerParam"]["full"].clone()).unwrap();
    let _: Option<String> = sticker.attachment_id;
    let reaction: messages::MessageAddReactionParams =
        serde_json::from_value(FIXTURES["MessageAddReactionParams"]["full"].clone()).unwrap();
    let _: Option<String> = reaction.attachment_id;
}

#[test]
fn a_server_id_in_a_path_is_encoded_or_refused_never_reshapes_it() {
    let path = |raw: &str| {
        let op = ops::chats::Retrieve {
            chat_id: serde_json::from_value(json!(raw)).unwrap(),
        };
        let mut p = PathBuilder::new();
        op.write_path(&mut p);
        (p.as_str().to_owned(), p.has_unsafe_segment())
    };
    assert_eq!(
        path("a/b?c#d"),
        ("/v3/chats/a%2Fb%3Fc%23d".to_owned(), false)
    );
    assert_eq!(path("x\r\ny"), ("/v3/chats/x%0D%0Ay".to_owned(), false));
    assert_eq!(path("%2e%2e"), ("/v3/chats/%252e%252e".to_owned(), false));
    for unsafe_id in ["", ".", ".."] {
        assert!(path(unsafe_id).1, "{unsafe_id:?}");
    }
}

#[test]
fn undeclared_fields_survive_decode_and_encode() {
    let mut sample = FIXTURES["AttachmentRetrieveResponse"]["full"].clone();
    sample["future_field"] = json!({"nested": [1, "x"]});
    sample["another"] = json!(null);
    let value: attachments::AttachmentRetrieveResponse =
        serde_json::from_value(sample.clone()).unwrap();
    assert_eq!(value.extra.len(), 2);
    assert_eq!(
        value.extra.get("future_field"),
        Some(&json!({"nested": [1, "x"]}))
    );
    assert_eq!(serde_json::to_value(&value).unwrap(), sample);

    // Nothing undeclared: nothing kept, nothing added on encode.
    let plain: attachments::AttachmentRetrieveResponse =
        serde_json::from_value(FIXTURES["AttachmentRetrieveResponse"]["full"].clone()).unwrap();
    assert!(plain.extra.is_empty());
    assert_eq!(
        serde_json::to_value(&plain).unwrap(),
        FIXTURES["AttachmentRetrieveResponse"]["full"]
    );
}

#[test]
fn a_union_tag_is_not_mistaken_for_an_undeclared_field() {
    let part = json!({"type": "text", "value": "hi", "shiny": true});
    let decoded: messages::Part = serde_json::from_value(part.clone()).unwrap();
    let messages::Part::Text(text) = &decoded else {
        panic!("{decoded:?}")
    };
    assert_eq!(text.extra.len(), 1);
    assert_eq!(text.extra.get("shiny"), Some(&json!(true)));
    assert_eq!(serde_json::to_value(&decoded).unwrap(), part);
}
