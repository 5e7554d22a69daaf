//! Experiences through linq-client on a strict sandbox: the catalogue the
//! API documents, listed and retrieved alike, and nothing else.

use crate::common;
use crate::refusals;

use common::client;
use linq_sandbox::Sandbox;
use linq_types::models::experiences::ExperienceFieldKind;
use refusals::status;

#[tokio::test]
async fn experiences_are_listed_and_retrieved_alike() {
    let sb = Sandbox::new();
    let client = client(&sb);
    let events_before = sb.events().len();

    let listed = client
        .experiences()
        .list()
        .await
        .unwrap()
        .experiences
        .unwrap();
    let names: Vec<_> = listed
        .iter()
        .filter_map(|e| e.experience.as_deref())
        .collect();
    assert_eq!(names, ["agentpay", "agentcard", "link"]);
    for experience in &listed {
        let name = experience.experience.as_deref().unwrap();
        let one = client.experiences().retrieve(name).await.unwrap();
        assert_eq!(&one, experience, "{name}: retrieve agrees with list");
        assert!(!one.actions.as_deref().unwrap_or_default().is_empty());
    }

    // agentpay's request_payment takes exactly a required checkout_url.
    let agentpay = client.experiences().retrieve("agentpay").await.unwrap();
    let action = &agentpay.actions.unwrap()[0];
    assert_eq!(action.name.as_deref(), Some("request_payment"));
    let fields = action.fields.as_ref().unwrap();
    assert_eq!(fields.keys().collect::<Vec<_>>(), ["checkout_url"]);
    assert_eq!(fields["checkout_url"].kind, Some(ExperienceFieldKind::Url));
    assert_eq!(fields["checkout_url"].required, Some(true));

    let e = client.experiences().retrieve("teleport").await.unwrap_err();
    assert_eq!(status(&e), 404);
    assert_eq!(sb.events().len(), events_before, "reading causes no events");
}
