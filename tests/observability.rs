//! Tracing per call and attempt, exactly as `Client`'s docs list it (name,
//! level, fields, OpenTelemetry's HTTP client conventions), without the key
//! or any other secret.
//!
//! One test in its own binary on purpose (not a module of `it/`): tracing
//! caches whether a callsite is enabled process-wide, so another test
//! hitting the same callsites on another thread without a subscriber could
//! hide events from this one.

#[allow(dead_code)] // the support the `it` tests share; this test uses a part
#[path = "it/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use support::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Records every span, record and event as `name=value` text, and the
/// span's fields as they stand after every record (one span at a time).
#[derive(Clone, Default)]
struct Capture {
    lines: Arc<Mutex<Vec<String>>>,
    span: Arc<Mutex<BTreeMap<String, String>>>,
    /// The span's metadata and how deep it is entered, for `current_span`
    /// (the client records a call's outcome on the current span).
    entered: Arc<Mutex<(Option<&'static Metadata<'static>>, usize)>>,
}

impl Capture {
    fn take(&self) -> (Vec<String>, BTreeMap<String, String>) {
        (
            std::mem::take(&mut *self.lines.lock().unwrap()),
            std::mem::take(&mut *self.span.lock().unwrap()),
        )
    }
}

struct Fields<'a>(&'a mut String);
impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
}

struct Map<'a>(&'a mut BTreeMap<String, String>);
impl Visit for Map<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        meta.target().starts_with("linq_client")
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let meta = span.metadata();
        let mut line = format!("span {} {} {} ", meta.level(), meta.target(), meta.name());
        span.record(&mut Fields(&mut line));
        self.lines.lock().unwrap().push(line);
        span.record(&mut Map(&mut self.span.lock().unwrap()));
        self.entered.lock().unwrap().0 = Some(meta);
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut line = String::from("record ");
        values.record(&mut Fields(&mut line));
        self.lines.lock().unwrap().push(line);
        values.record(&mut Map(&mut self.span.lock().unwrap()));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let mut line = format!("event {} {} ", meta.level(), meta.target());
        event.record(&mut Fields(&mut line));
        self.lines.lock().unwrap().push(line);
    }
    fn enter(&self, _: &Id) {
        self.entered.lock().unwrap().1 += 1;
    }
    fn exit(&self, _: &Id) {
        self.entered.lock().unwrap().1 -= 1;
    }
    fn current_span(&self) -> tracing_core::span::Current {
        match *self.entered.lock().unwrap() {
            (Some(meta), depth) if depth > 0 => {
                tracing_core::span::Current::new(Id::from_u64(1), meta)
            }
            _ => tracing_core::span::Current::none(),
        }
    }
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

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn each_call_and_attempt_is_traced_with_otel_conventions_and_no_secret() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let calls = Arc::new(Mutex::new(0));
    let c = calls.clone();
    let handler: Handler = Arc::new(move |seen| {
        if seen.path_and_query.contains("token=") {
            return envelope(400, 1002, "bad handle");
        }
        let mut n = c.lock().unwrap();
        *n += 1;
        if *n == 1 {
            json_reply(
                503,
                r#"{"error":{"status":503,"code":3006,"message":"busy"},"success":false,"trace_id":"trace_9"}"#,
            )
        } else {
            json_reply(202, r#"{"status":"accepted","trace_id":"trace_10"}"#)
        }
    });
    let rig = Rig::with(Over::Hyper, handler, |b| {
        b.retry_policy(linq_client::RetryPolicy {
            initial_backoff: std::time::Duration::from_millis(1),
            jitter: false,
            ..Default::default()
        })
    })
    .await;
    let port = rig
        .client
        .base_url()
        .rsplit(':')
        .next()
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let url = format!("\"http://127.0.0.1:{port}/api/partner/v3/chats/{CHAT}/participants\"");

    // One retried call: 503, then 202.
    rig.add_seed().await.unwrap();
    let (lines, span) = capture.take();
    let text = lines.join("\n");
    assert_eq!(
        span,
        fields(&[
            ("otel.name", "\"POST chats.participants.add\""),
            ("otel.kind", "\"client\""),
            ("linq.operation", "\"chats.participants.add\""),
            ("http.request.method", "\"POST\""),
            ("server.address", "\"127.0.0.1\""),
            ("server.port", &port),
            ("url.full", &url),
            ("http.response.status_code", "202"),
            ("http.request.resend_count", "1"),
            ("linq.trace_id", "\"trace_10\""),
        ]),
        "{text}"
    );
    let events: Vec<String> = mask_elapsed(&lines)
        .into_iter()
        .filter(|l| l.starts_with("event "))
        .collect();
    assert_eq!(
        events,
        [
            "event DEBUG linq_client::client::attempts message=linq attempt failed http.request.resend_count=0 http.response.status_code=503 error.type=\"503\" linq.error_code=3006 linq.trace_id=\"trace_9\" elapsed=_ ",
            "event INFO linq_client::client::attempts message=linq retrying linq.operation=\"chats.participants.add\" http.request.resend_count=0 wait=1ms error.type=\"503\" error.message=chats.participants.add: HTTP 503 Service Unavailable: Linq error 3006 (InternalServerError): busy (trace id trace_9, after 1 attempt) ",
            "event DEBUG linq_client::client::attempts message=linq attempt succeeded http.request.resend_count=1 http.response.status_code=202 elapsed=_ ",
        ],
        "{text}"
    );
    assert!(
        !text.contains(TEST_KEY),
        "the key leaked into a trace: {text}"
    );

    // A call that fails for good, with a secret in its query.
    let err = rig
        .client
        .chats()
        .participants()
        .add(CHAT, HANDLE)
        .query("token", "s3cr3t_value")
        .query("page", "2")
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    let (lines, span) = capture.take();
    let text = lines.join("\n");
    let redacted = format!(
        "\"http://127.0.0.1:{port}/api/partner/v3/chats/{CHAT}/participants?token=REDACTED&page=2\""
    );
    assert_eq!(span.get("url.full"), Some(&redacted), "{text}");
    assert_eq!(span.get("error.type").map(String::as_str), Some("\"400\""));
    assert_eq!(
        span.get("otel.status_code").map(String::as_str),
        Some("\"error\"")
    );
    assert_eq!(
        span.get("http.response.status_code").map(String::as_str),
        Some("400")
    );
    assert_eq!(
        span.get("http.request.resend_count"),
        None,
        "no resend: {text}"
    );
    assert!(
        !text.contains("s3cr3t_value"),
        "a query secret leaked: {text}"
    );
    assert!(
        !text.contains(TEST_KEY),
        "the key leaked into a trace: {text}"
    );
    // The server did get the value: only the trace hides it.
    assert!(
        rig.log
            .all()
            .iter()
            .any(|s| s.path_and_query.contains("token=s3cr3t_value"))
    );
}
