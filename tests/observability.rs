//! Tracing events per call and attempt, exactly as `Client`'s docs list
//! them (name, level, fields), without the key.
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
        let meta = span.metadata();
        let mut line = format!("span {} {} {} ", meta.level(), meta.target(), meta.name());
        span.record(&mut Fields(&mut line));
        self.0.lock().unwrap().push(line);
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let mut line = format!("event {} {} ", meta.level(), meta.target());
        event.record(&mut Fields(&mut line));
        self.0.lock().unwrap().push(line);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// The lines with each `elapsed=…` value (which varies) replaced by `_`.
fn mask_elapsed(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| match l.find("elapsed=") {
            Some(at) => {
                let end = l[at..].find(' ').map_or(l.len(), |e| at + e);
                format!("{}elapsed=_{}", &l[..at], &l[end..])
            }
            None => l.clone(),
        })
        .collect()
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
            jitter: false,
            ..Default::default()
        })
    })
    .await;
    rig.add_seed().await.unwrap();

    let lines = capture.0.lock().unwrap().clone();
    let text = lines.join("\n");
    let elapsed = mask_elapsed(&lines);
    assert_eq!(
        elapsed,
        [
            "span DEBUG linq_client::client linq.call operation=\"chats.participants.add\" ",
            "event DEBUG linq_client::client message=linq attempt failed attempt=1 status=503 code=3006 trace_id=\"trace_9\" elapsed=_ ",
            "event INFO linq_client::client message=linq retrying operation=\"chats.participants.add\" attempt=1 wait=1ms error=chats.participants.add: HTTP 503 Service Unavailable: Linq error 3006 (InternalServerError): busy (trace id trace_9, after 1 attempt) ",
            "event DEBUG linq_client::client message=linq attempt succeeded attempt=2 status=202 elapsed=_ ",
        ],
        "{text}"
    );
    assert!(
        !text.contains(TEST_KEY),
        "the key leaked into a trace: {text}"
    );
}
