//! One test per operation family, through linq-client against the strict
//! sandbox: the state change, a reply consistent with the request, and
//! the events it causes, decoded as typed `Event`s.

use crate::common;

use common::{IMESSAGE, call, client};
use linq_sandbox::Sandbox;
use linq_types::models::chats::BackgroundSetParamsType;
use linq_types::models::messages::{
    AddOrRemove, IMessageAppLayoutParam, StickerPlacementParam, TextParam,
};
use linq_types::models::polls::PollCreateParamsPoll;
use linq_types::{EventData, MessageId};
use serde_json::{Value, json};

fn json_of<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

#[tokio::test]
async fn location_sharing_is_requested_read_as_geojson_and_stopped() {
    let sb = Sandbox::new();
    let c = client(&sb);
    let contact = "+12025550170";
    let chat = sb.create_chat(&[contact], "hi").unwrap();
    let reply = c.chats().location().request(&chat).await.unwrap();
    assert_eq!(json_of(&reply)["success"], true);
    // Nobody shares until the contact accepts, on the next step of time.
    let reply = c.chats().location().retrieve(&chat).await.unwrap();
    assert_eq!(json_of(&reply)["data"]["features"], json!([]));
    sb.advance();
    let reply = json_of(&c.chats().location().retrieve(&chat).await.unwrap());
    let feature = &reply["data"]["features"][0];
    assert_eq!(reply["data"]["type"], "FeatureCollection");
    assert_eq!(feature["properties"]["handle"], contact);
    assert_eq!(feature["geometry"]["type"], "Point");
    assert_eq!(
        feature["geometry"]["coordinates"].as_array().unwrap().len(),
        2
    );
    // A second request while sharing is a conflict.
    assert!(c.chats().location().request(&chat).await.is_err());
    c.chats().location().stop(&chat, contact).await.unwrap();
    sb.advance();
    let reply = json_of(&c.chats().location().retrieve(&chat).await.unwrap());
    assert_eq!(reply["data"]["features"], json!([]));
    let (mut started, mut stopped) = (0, 0);
    for event in sb.events() {
        match event.data {
            EventData::LocationSharingStarted(d) => {
                assert_eq!(d.shared_by, contact);
                assert_eq!(d.chat_id.as_ref(), Some(&chat));
                started += 1;
            }
            EventData::LocationSharingStopped(d) => {
                assert_eq!(d.shared_by, contact);
                stopped += 1;
            }
            _ => {}
        }
    }
    assert_eq!((started, stopped), (1, 1));
    // Groups cannot ask.
    let group = sb.create_chat(&IMESSAGE[..2], "hi").unwrap();
    assert!(c.chats().location().request(&group).await.is_err());
}

#[tokio::test]
async fn a_voice_memo_is_an_audio_message_with_its_own_lifecycle() {
    let sb = Sandbox::new();
    let c = client(&sb);
    let chat = sb.create_chat(&IMESSAGE[..1], "hi").unwrap();
    let url = "https://example.com/memos/hello.m4a";
    let reply = c
        .chats()
        .send_voice_memo(&chat)
        .voice_memo_url(url)
        .await
        .unwrap();
    let memo = &json_of(&reply)["voice_memo"];
    assert_eq!(memo["voice_memo"]["url"], url);
    assert_eq!(memo["voice_memo"]["mime_type"], "audio/x-m4a");
    assert_eq!(memo["to"], json!([IMESSAGE[0]]));
    let id = MessageId::try_from(memo["id"].as_str().unwrap()).unwrap();
    let message = sb.message(&id).unwrap();
    assert_eq!(json_of(&message)["parts"][0]["url"], url);
    sb.settle();
    let sent = sb
        .events()
        .into_iter()
        .filter_map(|e| e.message().and_then(|m| m.message_id().cloned()))
        .filter(|m| *m == id)
        .count();
    assert_eq!(sent, 3, "sent, delivered, read");
    // Not audio, or neither source: refused.
    let bad = c
        .chats()
        .send_voice_memo(&chat)
        .voice_memo_url("https://example.com/a.png");
    assert!(bad.await.is_err());
    assert!(c.chats().send_voice_memo(&chat).await.is_err());
}

#[tokio::test]
async fn a_contact_card_is_created_updated_read_and_shared() {
    let sb = Sandbox::new();
    let c = client(&sb);
    let line = sb.lines()[0].clone();
    let chat = sb.create_chat(&IMESSAGE[..1], "hi").unwrap();
    // Nothing to share yet.
    assert!(c.chats().share_contact_card(&chat).await.is_err());
    let card = c.contact_card().create(line.as_str(), "Ada").await.unwrap();
    assert_eq!(json_of(&card)["first_name"], "Ada");
    assert_eq!(json_of(&card)["is_active"], true);
    assert!(
        c.contact_card().create(line.as_str(), "Ada").await.is_err(),
        "one per line"
    );
    let card = c
        .contact_card()
        .update(line.as_str())
        .last_name("Lovelace")
        .await
        .unwrap();
    assert_eq!(json_of(&card)["first_name"], "Ada");
    assert_eq!(json_of(&card)["last_name"], "Lovelace");
    let cards = json_of(&c.contact_card().retrieve().await.unwrap());
    assert_eq!(cards["contact_cards"].as_array().unwrap().len(), 1);
    c.chats().share_contact_card(&chat).await.unwrap();
    // Once per chat every five minutes.
    assert!(c.chats().share_contact_card(&chat).await.is_err());
    let kinds: Vec<&str> = sb
        .events()
        .iter()
        .filter_map(|e| match &e.data {
            EventData::ContactCardCreated(_) => Some("created"),
            EventData::ContactCardUpdated(d) => {
                assert_eq!(json_of(d)["change"]["last_name"]["to"], "Lovelace");
                Some("updated")
            }
            _ => None,
        })
        .collect();
    assert_eq!(kinds, ["created", "updated"]);
}

#[tokio::test]
async fn a_poll_is_created_extended_and_voted_on() {
    let sb = Sandbox::new();
    let c = client(&sb);
    let chat = sb.create_chat(&IMESSAGE[..2], "lunch?").unwrap();
    let poll = PollCreateParamsPoll::new(vec![TextParam::new("Tacos"), TextParam::new("Ramen")]);
    let created = json_of(&c.chats().polls().create(&chat, poll).await.unwrap());
    assert_eq!(created["chat_id"], chat.as_str());
    let texts: Vec<&str> = created["poll"]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["Tacos", "Ramen"]);
    let id = MessageId::try_from(created["message_id"].as_str().unwrap()).unwrap();
    let tacos = created["poll"]["options"][0]["option_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let extended = c
        .messages()
        .poll()
        .add_options(&id, [TextParam::new("Pizza")])
        .await
        .unwrap();
    assert_eq!(
        json_of(&extended)["poll"]["options"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let voted = json_of(
        &c.messages()
            .poll()
            .vote(&id, tacos.as_str(), AddOrRemove::Add)
            .await
            .unwrap(),
    );
    assert_eq!(voted["poll"]["total_voters"], 1);
    assert_eq!(
        voted["poll"]["options"][0]["voters"][0]["handle"],
        sb.lines()[0]
    );
    let read = json_of(&c.messages().poll().retrieve(&id).await.unwrap());
    assert_eq!(read["poll"], voted["poll"]);
    c.messages()
        .poll()
        .vote(&id, tacos.as_str(), AddOrRemove::Remove)
        .await
        .unwrap();
    sb.settle();
    let mut kinds = Vec::new();
    for event in sb.events() {
        match &event.data {
            EventData::PollSent(_) => kinds.push("sent"),
            EventData::PollDelivered(_) => kinds.push("delivered"),
            EventData::PollRead(_) => kinds.push("read"),
            EventData::PollUpdated(d) => {
                assert_eq!(d.added_options.len(), 1);
                kinds.push("updated");
            }
            EventData::PollVoteAdded(d) => {
                assert_eq!(d.option_id, tacos);
                kinds.push("vote.added");
            }
            EventData::PollVoteRemoved(_) => kinds.push("vote.removed"),
            _ => {}
        }
    }
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "delivered",
            "read",
            "sent",
            "updated",
            "vote.added",
            "vote.removed"
        ]
    );
    // One option is no poll; SMS chats have none.
    let one = PollCreateParamsPoll::new(vec![TextParam::new("Only")]);
    assert!(c.chats().polls().create(&chat, one).await.is_err());
}

#[tokio::test]
async fn a_chat_background_is_set_and_removed_as_time_advances() {
    let sb = Sandbox::new();
    let c = client(&sb);
    let chat = sb.create_chat(&IMESSAGE[..2], "hi").unwrap();
    c.chats()
        .background()
        .set(&chat, BackgroundSetParamsType::Dynamic)
        .style("aurora")
        .variant("green")
        .await
        .unwrap();
    assert!(
        sb.events()
            .iter()
            .all(|e| !matches!(e.data, EventData::ChatBackgroundUpdated(_)))
    );
    sb.advance();
    c.chats().background().remove(&chat).await.unwrap();
    sb.advance();
    let backgrounds: Vec<Value> = sb
        .events()
        .into_iter()
        .filter_map(|e| match e.data {
            EventData::ChatBackgroundUpdated(d) => Some(json_of(&d.background)),
            _ => None,
        })
        .collect();
    assert_eq!(backgrounds.len(), 2);
    assert_eq!(backgrounds[0]["style"], "aurora");
    assert_eq!(backgrounds[0]["variant"], "green");
    assert!(backgrounds[1].is_null());
    // A variant of another style is refused.
    let wrong = c
        .chats()
        .background()
        .set(&chat, BackgroundSetParamsType::Dynamic)
        .style("sky")
        .variant("green");
    assert!(wrong.await.is_err());
}

#[tokio::test]
async fn an_app_card_is_redrawn_by_a_new_message_and_a_sticker_moves() {
    let sb = Sandbox::new();
    let c = client(&sb);
    let chat = sb.create_chat(&IMESSAGE[..1], "hi").unwrap();
    let card = json!({"message": {"parts": [{
        "type": "imessage_app",
        "app": {"bundle_id": "com.example.game", "name": "Game", "team_id": "ABCDE12345"},
        "layout": {"caption": "Your move"},
        "url": "https://example.com/game/1",
    }]}});
    let (_, sent) = call(
        &sb,
        "POST",
        &format!("/v3/chats/{chat}/messages"),
        Some(card),
    )
    .await;
    let card_id = MessageId::try_from(sent["message"]["id"].as_str().unwrap()).unwrap();
    let layout = IMessageAppLayoutParam {
        caption: Some("Their move".into()),
        ..Default::default()
    };
    // Not sent yet: 409, retry after message.sent.
    assert!(
        c.messages()
            .update_app_card(&card_id, layout.clone())
            .await
            .is_err()
    );
    sb.advance();
    let reply = json_of(
        &c.messages()
            .update_app_card(&card_id, layout)
            .await
            .unwrap(),
    );
    assert_eq!(reply["chat_id"], chat.as_str());
    let new_id = reply["message"]["id"].as_str().unwrap();
    assert_ne!(new_id, card_id.as_str());
    let part = &reply["message"]["parts"][0];
    assert_eq!(part["layout"]["caption"], "Their move");
    assert_eq!(
        part["app"]["bundle_id"], "com.example.game",
        "the app is kept"
    );
    assert_eq!(sb.messages(&chat).len(), 3);
    sb.settle();
    let new_id = MessageId::try_from(new_id).unwrap();
    assert!(
        sb.events()
            .iter()
            .any(|e| e.message().and_then(|m| m.message_id()) == Some(&new_id))
    );

    // A sticker on the card moves; a tapback cannot.
    for kind in ["sticker", "like"] {
        let body = json!({"operation": "add", "type": kind});
        call(
            &sb,
            "POST",
            &format!("/v3/messages/{card_id}/reactions"),
            Some(body),
        )
        .await;
    }
    let reactions = sb.message_json(&card_id).unwrap()["parts"][0]["reactions"].clone();
    let id_of = |kind: &str| {
        reactions
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["type"] == kind)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let placement = StickerPlacementParam {
        x: Some(0.25),
        rotation: Some(0.5),
        ..Default::default()
    };
    c.messages()
        .update_sticker_placement(&card_id, id_of("sticker").as_str(), placement.clone())
        .await
        .unwrap();
    let shown = sb.message_json(&card_id).unwrap()["parts"][0]["reactions"].clone();
    let sticker = shown
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "sticker")
        .unwrap();
    assert_eq!(sticker["placement"]["x"], 0.25);
    assert_eq!(sticker["placement"]["y"], 0.5, "unset fields keep theirs");
    let tapback =
        c.messages()
            .update_sticker_placement(&card_id, id_of("like").as_str(), placement);
    assert!(tapback.await.is_err());
}

#[tokio::test]
async fn an_opt_out_keyword_blocks_sends_until_the_person_writes_again() {
    let sb = Sandbox::new();
    let c = client(&sb);
    let person = IMESSAGE[0];
    let chat = sb.create_chat(&[person], "hi").unwrap();
    let group = sb.create_chat(&IMESSAGE[..2], "hi all").unwrap();
    // Not a keyword: the whole trimmed message must be one.
    sb.receive(&chat, person, "please stop").unwrap();
    c.chats().messages().send(&chat, "ok").await.unwrap();
    sb.receive(&chat, person, " STOP ").unwrap();
    let health = json_of(&sb.chat(&chat).unwrap().health_status);
    assert_eq!(health["status"], "OPTED_OUT");
    let refused = c
        .chats()
        .messages()
        .send(&chat, "are you sure?")
        .await
        .unwrap_err();
    assert_eq!(refused.status().unwrap().as_u16(), 403);
    assert_eq!(refused.code().map(|c| c.as_u32()), Some(2024), "{refused}");
    let line = sb.lines()[0].clone();
    assert!(
        c.chats()
            .create(line.as_str(), [person], "hello?")
            .await
            .is_err()
    );
    // One message may go anyway; the opt-out stays.
    c.chats()
        .messages()
        .send(&chat, "Goodbye")
        .override_optout(true)
        .await
        .unwrap();
    assert!(c.chats().messages().send(&chat, "again").await.is_err());
    // Groups are never blocked.
    c.chats().messages().send(&group, "lunch?").await.unwrap();
    // Writing again opts back in.
    sb.receive(&chat, person, "sorry, I'm back").unwrap();
    c.chats()
        .messages()
        .send(&chat, "welcome back")
        .await
        .unwrap();
    assert_eq!(
        json_of(&sb.chat(&chat).unwrap().health_status)["status"],
        "HEALTHY"
    );
    // "Opt-Out" counts in any casing.
    sb.receive(&chat, person, "Opt-Out").unwrap();
    assert!(c.chats().messages().send(&chat, "x").await.is_err());
}
