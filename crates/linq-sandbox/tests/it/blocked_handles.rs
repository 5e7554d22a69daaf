//! Blocked handles through linq-client on a strict sandbox: the blocklist
//! itself, and a blocked handle refused as a recipient of a direct send.

use crate::common;
use crate::refusals;

use common::client;
use linq_sandbox::Sandbox;
use linq_types::webhooks::EventData;
use refusals::refusal;

#[tokio::test]
async fn a_blocked_handle_is_listed_and_refused_as_a_direct_recipient() {
    let sb = Sandbox::new();
    let client = client(&sb);
    let line = sb.lines()[0].clone();
    let chat = sb.create_chat(&["+12025550142"], "hello").unwrap();

    // Block: the handle comes back normalised, the reason kept; again is a no-op.
    let blocked = client
        .blocked_handles()
        .block("Ada@Example.com")
        .reason("spam")
        .await
        .unwrap()
        .blocked_handle;
    assert_eq!(blocked.handle, "ada@example.com");
    assert_eq!(blocked.reason.as_deref(), Some("spam"));
    let again = client
        .blocked_handles()
        .block("ada@example.com")
        .await
        .unwrap()
        .blocked_handle;
    assert_eq!(again, blocked, "re-blocking returns the existing entry");
    client
        .blocked_handles()
        .block("+12025550142")
        .await
        .unwrap();
    client.blocked_handles().block("262966").await.unwrap();
    let bad = client
        .blocked_handles()
        .block("4155551234")
        .await
        .unwrap_err();
    assert_eq!(refusal(&bad).0, 400);

    let listed = client
        .blocked_handles()
        .list()
        .await
        .unwrap()
        .blocked_handles;
    let handles: Vec<_> = listed.iter().map(|b| b.handle.as_str()).collect();
    assert_eq!(handles, ["262966", "+12025550142", "ada@example.com"]);

    let events_before = sb.events().len();
    // A direct send to a blocked handle: 403, code 2026, nothing created.
    let e = client
        .chats()
        .create(line.as_str(), ["+12025550142"], "hi")
        .await
        .unwrap_err();
    assert_eq!(refusal(&e), (403, Some(2026)));
    let e = client
        .messages()
        .create(["ada@example.com"], "hi")
        .await
        .unwrap_err();
    assert_eq!(refusal(&e), (403, Some(2026)));
    let e = client
        .chats()
        .messages()
        .send(&chat, "still there?")
        .await
        .unwrap_err();
    assert_eq!(refusal(&e), (403, Some(2026)));
    // Inbound from a blocked handle is dropped: no message, no webhook.
    assert!(sb.receive(&chat, "+12025550142", "hi back").is_err());
    assert_eq!(sb.events().len(), events_before, "refusals cause no events");
    assert_eq!(sb.messages(&chat).len(), 1);

    // A group with an unblocked member is not restricted.
    let group = client
        .chats()
        .create(line.as_str(), ["+12025550142", "+12025550144"], "all of us")
        .await
        .unwrap();
    let mut handles: Vec<_> = group
        .chat
        .handles
        .iter()
        .map(|h| h.handle.to_string())
        .collect();
    handles.sort();
    assert_eq!(
        handles,
        [line.clone(), "+12025550142".into(), "+12025550144".into()]
    );
    // ... but adding a blocked handle to it is refused.
    let e = client
        .chats()
        .participants()
        .add(&group.chat.id, "ada@example.com")
        .await
        .unwrap_err();
    assert_eq!(refusal(&e), (403, Some(2026)));
    let created = sb.events()[events_before..]
        .iter()
        .filter(|e| matches!(e.data, EventData::ChatCreated(_)))
        .count();
    assert_eq!(created, 1, "only the group was created");

    // Unblock: sends go through again; unblocking twice is a 404.
    client
        .blocked_handles()
        .unblock("+12025550142")
        .await
        .unwrap();
    client
        .chats()
        .messages()
        .send(&chat, "back again")
        .await
        .unwrap();
    let e = client
        .blocked_handles()
        .unblock("+12025550142")
        .await
        .unwrap_err();
    assert_eq!(refusal(&e).0, 404);
    let left = client
        .blocked_handles()
        .list()
        .await
        .unwrap()
        .blocked_handles;
    assert_eq!(left.len(), 2);
    assert!(left.iter().all(|b| b.handle != "+12025550142"));
}
