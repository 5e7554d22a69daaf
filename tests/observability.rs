//! Tracing events per call and attempt, without the key.
//!
//! Alone in its test binary on purpose: tracing caches whether a callsite is
//! enabled process-wide, so another test hitting the same callsites on
//! another thread without a subscriber could hide events from this one.

use std::sync::{Arc, Mutex};

use linq_tests::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Records every span and event field as `name=value` text.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

struct Fields<'a>(&'a mut String);
impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut line = format!("span {} ", span.metadata().name());
        span.record(&mut Fields(&mut line));
        self.0.lock().unwrap().push(line);
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut line = String::from("event ");
        event.record(&mut Fields(&mut line));
        self.0.lock().unwrap().push(line);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn each_call_and_attempt_is_traced_without_the_key() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let calls = Arc::new(Mutex::new(0));
    let c = calls.clone();
    let handler: Handler = Arc::new(move |_| {
        let mut n = c.lock().unwrap();
        *n += 1;
        if *n == 1 {
            json_reply(
                503,
                r#"{"error":{"status":503,"code":3006,"message":"busy"},"success":false,"trace_id":"trace_9"}"#,
            )
        } else {
            json_reply(202, "{}")
        }
    });
    let rig = Rig::with(Over::InMemory, handler, |b| {
        b.retry_policy(linq_client::RetryPolicy {
            initial_backoff: std::time::Duration::from_millis(1),
            ..Default::default()
        })
    })
    .await;
    rig.add_seed().await.unwrap();

    let lines = capture.0.lock().unwrap().clone();
    let text = lines.join("\n");
    assert!(
        text.contains("span linq.call operation=\"chats.participants.add\""),
        "{text}"
    );
    assert!(
        lines.iter().any(|l| l.contains("attempt=1")
            && l.contains("status=503")
            && l.contains("trace_id=\"trace_9\"")),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("attempt=2") && l.contains("status=202")),
        "{text}"
    );
    assert!(text.contains("elapsed="));
    assert!(
        !text.contains(TEST_KEY),
        "the key leaked into a trace: {text}"
    );
}
