//! Phone numbers through linq-client on a strict sandbox: forwarding and
//! its event, reputation audits that complete as the clock steps, and the
//! line `available_number` suggests.

use crate::common;
use crate::refusals;

use common::client;
use linq_sandbox::Sandbox;
use linq_transport::{SendOptions, Transport};
use linq_types::models::phone_numbers::ReputationAuditStatus;
use linq_types::webhooks::EventData;
use refusals::status;

#[tokio::test]
async fn forwarding_is_set_listed_cleared_and_announced() {
    let sb = Sandbox::new();
    let client = client(&sb);
    let lines = client.phone_numbers().list().await.unwrap().phone_numbers;
    assert_eq!(lines.len(), sb.lines().len());
    let line = &lines[0];
    assert_eq!(line.forwarding_number, None);

    let set = client
        .phone_numbers()
        .update(&line.id, Some("+12025550188"))
        .await
        .unwrap();
    assert_eq!(set.id, line.id);
    assert_eq!(set.phone_number, line.phone_number);
    assert_eq!(set.forwarding_number.as_deref(), Some("+12025550188"));
    let listed = client.phone_numbers().list().await.unwrap().phone_numbers;
    assert_eq!(listed[0].forwarding_number.as_deref(), Some("+12025550188"));

    let cleared = client
        .phone_numbers()
        .update(&line.id, None::<&str>)
        .await
        .unwrap();
    assert_eq!(cleared.forwarding_number, None);
    let listed = client.phone_numbers().list().await.unwrap().phone_numbers;
    assert_eq!(listed[0].forwarding_number, None);

    // A line that is not the account's, and a line forwarding to itself.
    let e = client
        .phone_numbers()
        .update("00000000-0000-4000-8000-000000000001", Some("+12025550188"))
        .await
        .unwrap_err();
    assert_eq!(status(&e), 404);
    let e = client
        .phone_numbers()
        .update(&line.id, Some(line.phone_number.as_str()))
        .await
        .unwrap_err();
    assert_eq!(status(&e), 400);

    let changes: Vec<_> = sb
        .events()
        .into_iter()
        .filter_map(|e| match e.data {
            EventData::PhoneNumberForwardingUpdated(d) => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(changes.len(), 2, "one event per change");
    assert_eq!(
        changes[0].phone_number.as_deref(),
        Some(line.phone_number.as_str())
    );
    let change = changes[0].change.as_ref().unwrap();
    assert_eq!(change.from, None, "no forwarding before");
    assert_eq!(change.to, Some("+12025550188".into()));
    let change = changes[1].change.as_ref().unwrap();
    assert_eq!(change.to, None, "cleared");
    assert_eq!(change.from, Some("+12025550188".into()));
}

#[tokio::test]
async fn a_reputation_audit_completes_as_the_clock_steps() {
    let sb = Sandbox::new();
    let client = client(&sb);
    let line = sb.lines()[0].clone();
    let other = sb.lines()[1].clone();
    sb.create_chat(&["+12025550142"], "hello").unwrap();

    let started = client
        .phone_numbers()
        .start_reputation_audit(line.as_str())
        .await
        .unwrap();
    assert_eq!(started.status, ReputationAuditStatus::Pending);
    // Starting again while it runs hands back the same audit.
    let again = client
        .phone_numbers()
        .start_reputation_audit(line.as_str())
        .await
        .unwrap();
    assert_eq!(again.audit_id, started.audit_id);
    let pending = client
        .phone_numbers()
        .get_reputation_audit(line.as_str(), &started.audit_id)
        .await
        .unwrap();
    assert_eq!(pending.status, ReputationAuditStatus::Pending);
    assert!(pending.report.is_none());
    // Scoped to its line.
    let e = client
        .phone_numbers()
        .get_reputation_audit(other.as_str(), &started.audit_id)
        .await
        .unwrap_err();
    assert_eq!(status(&e), 404);

    sb.advance();
    let done = client
        .phone_numbers()
        .get_reputation_audit(line.as_str(), &started.audit_id)
        .await
        .unwrap();
    assert_eq!(done.status, ReputationAuditStatus::Complete);
    assert_eq!(done.phone.as_deref(), Some(line.as_str()));
    assert!(done.generated_at.is_some());
    let report = done.report.unwrap();
    assert!(report.summary_markdown.unwrap().contains("1 conversation"));

    // A finished audit blocks a new start for a while.
    let e = client
        .phone_numbers()
        .start_reputation_audit(line.as_str())
        .await
        .unwrap_err();
    assert_eq!(status(&e), 429);
    let e = client
        .phone_numbers()
        .start_reputation_audit("+12025550199")
        .await
        .unwrap_err();
    assert_eq!(status(&e), 404, "not a line of the account");
}

#[tokio::test]
async fn available_number_cycles_lines_sticks_to_chats_and_serves_a_vcard() {
    let sb = Sandbox::new();
    let client = client(&sb);
    let lines = sb.lines();
    assert!(lines.len() >= 2);

    // Successive suggestions cycle through the lines.
    let mut seen = Vec::new();
    for _ in 0..lines.len() {
        let n = client.available_number().retrieve().await.unwrap();
        seen.push(n.phone_number);
    }
    let mut sorted = seen.clone();
    sorted.sort();
    let mut expected = lines.clone();
    expected.sort();
    assert_eq!(sorted, expected, "each line once: {seen:?}");

    // An existing chat with the recipients makes the choice sticky.
    let chat_line = lines[1].clone();
    client
        .chats()
        .create(chat_line.as_str(), ["+12025550142"], "hello")
        .await
        .unwrap();
    for _ in 0..2 {
        let n = client
            .available_number()
            .retrieve()
            .to(["+12025550142"])
            .await
            .unwrap();
        assert_eq!(n.phone_number, chat_line);
    }
    // ... unless that line is excluded.
    let n = client
        .available_number()
        .retrieve()
        .to(["+12025550142"])
        .exclude_from([chat_line.as_str()])
        .await
        .unwrap();
    assert_ne!(n.phone_number, chat_line);

    // Excluding every line is a 400; an RCS line there is none of: 503.
    let e = client
        .available_number()
        .retrieve()
        .exclude_from(lines.iter().map(String::as_str).collect::<Vec<_>>())
        .await
        .unwrap_err();
    assert_eq!(status(&e), 400);
    let e = client
        .available_number()
        .retrieve()
        .kind("RCS")
        .await
        .unwrap_err();
    assert_eq!(status(&e), 503);

    // The vCard link serves the chosen line first, the others as backups.
    let n = client
        .available_number()
        .retrieve()
        .exclude_from([lines[0].as_str()])
        .await
        .unwrap();
    let request = http::Request::get(&n.vcf_url)
        .body(bytes::Bytes::new())
        .unwrap();
    let response = sb
        .transport()
        .send(request, SendOptions::default())
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let card = String::from_utf8(response.body().to_vec()).unwrap();
    assert!(
        card.contains(&format!("TEL;TYPE=CELL,PREF:{}", n.phone_number)),
        "{card}"
    );
    assert!(
        !card.contains(&lines[0]),
        "excluded lines are not backups: {card}"
    );

    // Asking again for the same card stores nothing new: one URL.
    let only = |n: usize| {
        lines
            .iter()
            .filter(|l| **l != lines[n])
            .map(String::as_str)
            .collect::<Vec<_>>()
    };
    let first = client
        .available_number()
        .retrieve()
        .exclude_from(only(0))
        .await
        .unwrap();
    let again = client
        .available_number()
        .retrieve()
        .exclude_from(only(0))
        .await
        .unwrap();
    assert_eq!(first.phone_number, lines[0]);
    assert_eq!(again.vcf_url, first.vcf_url);
    let other = client
        .available_number()
        .retrieve()
        .exclude_from(only(1))
        .await
        .unwrap();
    assert_ne!(other.vcf_url, first.vcf_url);
}

#[tokio::test]
async fn an_audit_is_readable_for_a_day_and_the_cooldown_ends() {
    let sb = Sandbox::builder()
        .tick(std::time::Duration::from_secs(13 * 3600))
        .build();
    let client = client(&sb);
    let line = sb.lines()[0].clone();
    let first = client
        .phone_numbers()
        .start_reputation_audit(line.as_str())
        .await
        .unwrap();
    sb.advance(); // 13 hours: complete, and the cooldown starts.
    let e = client
        .phone_numbers()
        .start_reputation_audit(line.as_str())
        .await
        .unwrap_err();
    assert_eq!(status(&e), 429);
    sb.advance(); // 26 hours: the cooldown is over, the first audit gone.
    let second = client
        .phone_numbers()
        .start_reputation_audit(line.as_str())
        .await
        .unwrap();
    assert_ne!(second.audit_id, first.audit_id);
    let e = client
        .phone_numbers()
        .get_reputation_audit(line.as_str(), &first.audit_id)
        .await
        .unwrap_err();
    assert_eq!(status(&e), 404);
}
