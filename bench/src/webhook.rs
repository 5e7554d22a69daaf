//! Receiving one `message.received` delivery: verify the signature and
//! decode the typed event, in linq-webhooks and in the official Python path
//! (`standardwebhooks` verify, and linq-python's `client.webhooks.unwrap`,
//! which verifies with `standardwebhooks` and then builds its event model),
//! both measured in this run.

use std::process::Command;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use linq_webhooks::{Secret, Webhook};

use crate::{allocations, median};

const BATCHES: usize = 31;
const PER_BATCH: usize = 2_000;
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const WEBHOOK_ID: &str = "msg_2tqUxUe0lcsBPh3OJjVVtAFzW4U";

/// An inbound text with a photo, in the 2026-02-03 payload format.
const BODY: &str = r#"{"api_version":"v3","webhook_version":"2026-02-03","event_type":"message.received","event_id":"7c0e2f4a-3b1d-4e8a-9f6c-5d2a1b0c9e87","created_at":"2026-02-05T19:52:18.101373886Z","trace_id":"5f1c0a9e2b7d4c3a8e6f1b2d3c4a5e6f","partner_id":"partner-bench","data":{"chat":{"id":"4d2c8e1a-6b3f-4a9d-8c7e-2f1b0a9d8c7e","is_group":false,"owner_handle":{"handle":"+12025550147","id":"0a6b2c4d-1e3f-4a5b-8c7d-9e0f1a2b3c4d","is_me":true,"joined_at":"2026-01-21T21:59:45.191571Z","left_at":null,"service":"iMessage","status":"active"}},"id":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d","idempotency_key":null,"direction":"inbound","sender_handle":{"handle":"+12025550199","id":"1b7c3d5e-2f4a-4b6c-9d8e-0f1a2b3c4d5e","is_me":false,"joined_at":"2026-01-21T21:59:45.191571Z","left_at":null,"service":"iMessage","status":"active"},"parts":[{"type":"text","value":"Lunch at noon?"},{"filename":"menu.jpg","id":"b3c1e7d2-8a4f-4c6b-9e2d-1f0a7b6c5d4e","mime_type":"image/jpeg","size_bytes":184233,"type":"media","url":"https://cdn.linqapp.com/attachments/b3c1e7d2/menu.jpg"}],"effect":null,"sent_at":"2026-02-05T19:52:17.219Z","delivered_at":null,"read_at":null,"service":"iMessage","preferred_service":null}}"#;

/// Times the Python path in its own process; prints two numbers, µs per
/// call for `standardwebhooks` verify and for linq-python's unwrap.
const PYTHON: &str = r#"
import sys, time
from datetime import datetime, timezone
import standardwebhooks
import linq
secret, msg_id, body, batches, per_batch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
now = datetime.now(tz=timezone.utc)
headers = {"webhook-id": msg_id, "webhook-timestamp": str(int(now.timestamp())),
           "webhook-signature": standardwebhooks.Webhook(secret).sign(msg_id, now, body)}
client = linq.LinqAPIV3(api_key="sk_bench", webhook_secret=secret, base_url="http://127.0.0.1:9")
event = client.webhooks.unwrap(body, headers=headers)
assert event.event_type == "message.received", event
def verify():
    standardwebhooks.Webhook(secret).verify(body, headers)
def unwrap():
    client.webhooks.unwrap(body, headers=headers)
def per_call(f):
    f()
    t0 = time.perf_counter()
    for _ in range(per_batch):
        f()
    return (time.perf_counter() - t0) / per_batch * 1e6
series = {verify: [], unwrap: []}
for round in range(batches):
    order = (verify, unwrap) if round % 2 == 0 else (unwrap, verify)
    for f in order:
        series[f].append(per_call(f))
med = lambda xs: sorted(xs)[len(xs) // 2]
print(med(series[verify]), med(series[unwrap]))
"#;

fn headers(webhook: &Webhook, now: u64) -> [(&'static str, String); 3] {
    [
        ("webhook-id", WEBHOOK_ID.to_owned()),
        ("webhook-timestamp", now.to_string()),
        (
            "webhook-signature",
            webhook.sign(WEBHOOK_ID, now, BODY.as_bytes()),
        ),
    ]
}

/// What a receiver does with a delivery: build the header map the server
/// hands it, then verify and decode.
fn receive(webhook: &Webhook, headers: &http::HeaderMap) -> linq_types::Event {
    webhook.verify_event(BODY.as_bytes(), headers).unwrap()
}

fn python() -> Option<(f64, f64)> {
    let out = Command::new("python3")
        .args(["-c", PYTHON, SECRET, WEBHOOK_ID, BODY])
        .args([BATCHES.to_string(), (PER_BATCH / 4).to_string()])
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "webhook bench: the Python path did not run (needs python3 with \
             `pip install standardwebhooks linq-python`): {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let mut numbers = text.split_whitespace().map(|x| x.parse::<f64>());
    Some((numbers.next()?.ok()?, numbers.next()?.ok()?))
}

/// Runs one path `calls` times, for profiling: `verify` or `event`.
pub fn run_path(path: &str, calls: usize) {
    let webhook = Webhook::new(Secret::parse(SECRET).unwrap());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut map = http::HeaderMap::new();
    for (name, value) in headers(&webhook, now) {
        map.insert(name, value.parse().unwrap());
    }
    match path {
        "verify" => (0..calls).for_each(|_| {
            std::hint::black_box(webhook.verify(BODY.as_bytes(), &map).unwrap());
        }),
        "event" => (0..calls).for_each(|_| {
            std::hint::black_box(receive(&webhook, &map));
        }),
        other => panic!("unknown path {other}"),
    }
}

/// Prints the section, after a blank line (it follows the others in `all`).
pub fn report() {
    let webhook = Webhook::new(Secret::parse(SECRET).unwrap());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut map = http::HeaderMap::new();
    for (name, value) in headers(&webhook, now) {
        map.insert(name, value.parse().unwrap());
    }
    let event = receive(&webhook, &map);
    assert_eq!(event.event_type.as_str(), "message.received");
    assert!(
        matches!(event.data, linq_types::EventData::MessageReceived(_)),
        "{event:?}"
    );

    let (mut verify_ns, mut verify_allocs) = (Vec::new(), Vec::new());
    let (mut decode_ns, mut decode_allocs) = (Vec::new(), Vec::new());
    for round in 0..=BATCHES {
        let run = |decode: bool| {
            let a0 = allocations();
            let t0 = Instant::now();
            for _ in 0..PER_BATCH {
                if decode {
                    std::hint::black_box(receive(&webhook, &map));
                } else {
                    let delivery = webhook.verify(BODY.as_bytes(), &map).unwrap();
                    std::hint::black_box(delivery);
                }
            }
            let ns = t0.elapsed().as_nanos() as f64 / PER_BATCH as f64;
            let allocs = (allocations() - a0) as f64 / PER_BATCH as f64;
            (ns, allocs)
        };
        let (v, d) = if round % 2 == 0 {
            let v = run(false);
            (v, run(true))
        } else {
            let d = run(true);
            (run(false), d)
        };
        // Round 0 warms up.
        if round > 0 {
            verify_ns.push(v.0);
            verify_allocs.push(v.1);
            decode_ns.push(d.0);
            decode_allocs.push(d.1);
        }
    }
    let python = python();

    println!();
    println!("## Webhooks: verify + decode one message.received delivery");
    println!();
    println!(
        "A {}-byte inbound text-and-photo delivery (2026-02-03 format), its headers in an \
         `http::HeaderMap`. Rust: median of {BATCHES} batches of {PER_BATCH}, the two paths \
         alternating. Python (same run, own process): median of {BATCHES} batches of {}; \
         `unwrap` verifies with `standardwebhooks`, parses the JSON again and builds \
         linq-python's event model without validating it.",
        BODY.len(),
        PER_BATCH / 4
    );
    println!();
    println!("| path | time per delivery | allocations per delivery |");
    println!("|---|---|---|");
    println!(
        "| linq-webhooks `verify` (signature, timestamp, envelope ids) | {:.2} µs | {:.1} |",
        median(&mut verify_ns) / 1e3,
        median(&mut verify_allocs)
    );
    println!(
        "| linq-webhooks `verify_event` (verify + typed `Event`) | {:.2} µs | {:.1} |",
        median(&mut decode_ns) / 1e3,
        median(&mut decode_allocs)
    );
    match python {
        Some((verify, unwrap)) => {
            println!("| Python `standardwebhooks` verify | {verify:.2} µs | n/a |");
            println!("| Python linq-python `client.webhooks.unwrap` | {unwrap:.2} µs | n/a |");
            println!();
            println!(
                "verify + decode, Python/Rust: {:.1}× (targets: `verify_event` ≤ 4 µs and \
                 ≤ 40 allocations, ≥ 60× linq-python's `unwrap`)",
                unwrap * 1e3 / median(&mut decode_ns)
            );
        }
        None => {
            println!("| Python path | not measured (python3 or its packages missing) | |");
        }
    }
}
