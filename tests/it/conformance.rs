//! Conformance with the official Python SDK (linq-python).
//!
//! `tests/fixtures/conformance/python.json` holds calls — for every operation one
//! with every optional field set (case `full`), one with only the required
//! fields where that differs (`required`), and a few edge cases — each with
//! its arguments (path parameters, query, JSON body) and the request
//! linq-python sent for it, recorded by `cargo xtask record-conformance`
//! against a loopback server. Here each call goes through linq-client — built from the recording's arguments by
//! the generated dispatch in `generated/conformance_calls.rs` — over an in-memory
//! transport, and the two requests are compared: method, path, query string,
//! JSON body, and the Content-Type, Accept and Idempotency-Key headers.
//!
//! Where linq-client deliberately or knowingly sends something else, the
//! difference is written down below as an expectation and asserted as such,
//! so a change on either side shows up here instead of being skipped.

use std::collections::BTreeSet;

use bytes::Bytes;
use linq_client::{Client, InMemoryTransport};
use linq_transport::RecordedRequest;
use linq_types::IdempotencyKey;
use serde_json::Value;

#[path = "generated/conformance_calls.rs"]
mod conformance_calls;

const FIXTURE: &str = include_str!("../fixtures/conformance/python.json");

/// What linq-python sent: the recording's `request`.
struct Python<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a str,
    content_type: Option<&'a str>,
    accept: Option<&'a str>,
    idempotency_key: Option<&'a str>,
    body: Option<&'a str>,
}

impl<'a> Python<'a> {
    fn new(request: &'a Value) -> Self {
        let header = |name: &str| request["headers"][name].as_str();
        Self {
            method: request["method"].as_str().expect("request.method"),
            path: request["path"].as_str().expect("request.path"),
            query: request["query"].as_str().expect("request.query"),
            content_type: header("Content-Type"),
            accept: header("Accept"),
            idempotency_key: header("Idempotency-Key"),
            body: request["body"].as_str(),
        }
    }
}

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).expect("fixtures/conformance/python.json is JSON")
}

fn recordings(fixture: &Value) -> &[Value] {
    fixture["recordings"].as_array().expect("recordings")
}

/// Sends one operation through linq-client, returning the one request it made.
async fn rust_request(fixture: &Value, operation: &str, args: &Value) -> RecordedRequest {
    let transport = InMemoryTransport::new(|_req: http::Request<Bytes>| {
        http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(Bytes::from_static(b"{}"))
            .unwrap()
    })
    .recording();
    let base_path = fixture["base_path"].as_str().expect("base_path");
    let client = Client::builder()
        .api_key("sk_test_conformance")
        .base_url(format!("https://api.linqapp.com{base_path}"))
        .transport(transport.clone())
        .max_retries(0)
        .build()
        .unwrap();
    let outcome = conformance_calls::send(&client, operation, args)
        .await
        .unwrap_or_else(|e| panic!("{operation}: the recording's arguments do not fit: {e}"));
    // The reply `{}` may not decode into the operation's output; only a
    // refusal before sending would make the comparison meaningless.
    if let Err(e) = &outcome {
        assert!(!e.is_invalid_input(), "{operation}: refused: {e}");
    }
    let mut sent = transport.requests();
    assert_eq!(sent.len(), 1, "{operation}: requests sent");
    sent.pop().unwrap()
}

fn header<'r>(req: &'r RecordedRequest, name: &str) -> Option<&'r str> {
    req.headers
        .get(name)
        .map(|v| v.to_str().expect("ASCII header"))
}

/// `application/x-www-form-urlencoded` pairs, decoded, in order.
fn pairs(query: &str) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < b.len() => {
                    let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
                    match u8::from_str_radix(hex, 16) {
                        Ok(v) => {
                            out.push(v);
                            i += 2;
                        }
                        Err(_) => out.push(b'%'),
                    }
                }
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn idempotency(operation: &str) -> IdempotencyKey {
    conformance_calls::OPERATIONS
        .iter()
        .find(|(id, _)| *id == operation)
        .map(|(_, k)| *k)
        .unwrap_or_else(|| panic!("{operation} is not a known operation"))
}

/// Coverage cannot drop silently: the fixture, the generated dispatch and
/// `linq_types::ops::ALL` name the same operations, each once.
#[test]
fn the_fixture_covers_every_operation() {
    let fixture = fixture();
    let calls: Vec<(&str, &str)> = recordings(&fixture)
        .iter()
        .map(|r| {
            let op = r["operation"].as_str().expect("operation");
            (op, r["case"].as_str().expect("case"))
        })
        .collect();
    let unique: BTreeSet<&(&str, &str)> = calls.iter().collect();
    assert_eq!(calls.len(), unique.len(), "a call is recorded twice");
    // every operation has its `full` call (every optional field set)
    let recorded_set: BTreeSet<&str> = calls
        .iter()
        .filter(|(_, case)| *case == "full")
        .map(|(op, _)| *op)
        .collect();
    let any: BTreeSet<&str> = calls.iter().map(|(op, _)| *op).collect();
    assert_eq!(
        any, recorded_set,
        "an operation has calls but no `full` one"
    );
    let all: BTreeSet<&str> = linq_types::ops::ALL.iter().copied().collect();
    let missing: Vec<&&str> = all.difference(&recorded_set).collect();
    let extra: Vec<&&str> = recorded_set.difference(&all).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "run `cargo xtask record-conformance`: not recorded {missing:?}, recorded but unknown {extra:?}"
    );
    let dispatched: BTreeSet<&str> = conformance_calls::OPERATIONS
        .iter()
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(dispatched, all, "run `cargo xtask codegen`");
    assert!(
        fixture["linq_python_version"].as_str().is_some(),
        "the fixture names the linq-python version it was recorded with"
    );
}

/// Takes the first `idempotency_key` found one object down (`message.…`,
/// `poll.…`), returning the object's name and the key.
fn take_body_key(v: &mut Value) -> Option<(String, Value)> {
    let obj = v.as_object_mut()?;
    for (name, inner) in obj.iter_mut() {
        if let Some(key) = inner
            .as_object_mut()
            .and_then(|o| o.remove("idempotency_key"))
        {
            return Some((name.clone(), key));
        }
    }
    None
}

/// How one recording compared.
#[derive(Default)]
struct Tally {
    calls: usize,
    /// Method, path, query and body byte for byte, and the same
    /// Content-Type, Accept and Idempotency-Key.
    identical: Vec<String>,
    /// Only the JSON body's key order differs (and any expected header
    /// difference).
    key_order: Vec<String>,
    /// linq-client added a body idempotency key linq-python did not send.
    body_key_generated: Vec<String>,
    /// Known header differences (Content-Type, Accept, Idempotency-Key).
    header_expected: Vec<String>,
}

/// Every recorded call's request equals linq-python's, except for the
/// written-down differences. All mismatches are reported together.
#[tokio::test]
async fn every_request_matches_the_python_sdk() {
    let fixture = fixture();
    let mut failures: Vec<String> = Vec::new();
    let mut tally = Tally::default();
    for rec in recordings(&fixture) {
        let op = rec["operation"].as_str().expect("operation");
        let case = rec["case"].as_str().expect("case");
        let label = format!("{op} [{case}]");
        let py = Python::new(&rec["request"]);
        let rs = rust_request(&fixture, op, &rec["args"]).await;
        let mut fail = |what: String| failures.push(format!("{label}: {what}"));
        tally.calls += 1;
        let mut wire_exact = true;
        let mut headers_same = true;

        // method
        if rs.method.as_str() != py.method {
            fail(format!("method {} != python {}", rs.method, py.method));
        }

        // path, raw: same segments, same percent-encoding
        if rs.uri.path() != py.path {
            fail(format!("path {:?} != python {:?}", rs.uri.path(), py.path));
        }

        // query, raw; when that differs, say whether the decoded pairs agree
        let rs_query = rs.uri.query().unwrap_or("");
        if rs_query != py.query {
            let same_pairs = pairs(rs_query) == pairs(py.query);
            fail(format!(
                "query {rs_query:?} != python {:?} ({})",
                py.query,
                if same_pairs {
                    "same pairs, encoded differently"
                } else {
                    "different pairs"
                }
            ));
        }

        // body: equal as JSON values. linq-client encodes struct fields in
        // the generated structs' order (the generator reads the spec into
        // sorted maps, so alphabetical) and maps (`metadata`, `params`) and
        // the tag of a union variant (`"type": "text"`) through serde_json's
        // sorted maps, while linq-python keeps its own dict order. Where the
        // bytes differ they must be a permutation of each other (same length,
        // same bytes), which rules out differences in whitespace, escaping or
        // number formatting: only key order remains.
        let rs_body = (!rs.body.is_empty()).then(|| std::str::from_utf8(&rs.body).unwrap());
        match (rs_body, py.body) {
            (None, None) => {}
            (Some(r), Some(p)) => {
                let mut rv: Value = serde_json::from_str(r).unwrap();
                let pv: Value = serde_json::from_str(p).unwrap();
                // Where the key travels in the body and the caller gave none,
                // linq-client makes one up (a UUID v4) so its retries are
                // safe; linq-python sends none. Expected: take it out, then
                // compare the rest.
                let mut py_probe = pv.clone();
                let generated = idempotency(op) == IdempotencyKey::Body
                    && take_body_key(&mut py_probe).is_none();
                if generated {
                    wire_exact = false;
                    tally.body_key_generated.push(label.clone());
                    match take_body_key(&mut rv) {
                        Some((_, key))
                            if key
                                .as_str()
                                .is_some_and(|k| linq_types::ChatId::parse(k).is_ok()) => {}
                        other => fail(format!(
                            "expected a generated UUID idempotency_key in the body, got {other:?}"
                        )),
                    }
                }
                if rv != pv {
                    fail(format!("body\n    rust   {r}\n    python {p}"));
                } else if !generated && r != p {
                    wire_exact = false;
                    tally.key_order.push(label.clone());
                    let (mut rb, mut pb) = (r.as_bytes().to_vec(), p.as_bytes().to_vec());
                    rb.sort_unstable();
                    pb.sort_unstable();
                    if rb != pb {
                        fail(format!(
                            "body equal as JSON but differs beyond key order\n    rust   {r}\n    python {p}"
                        ));
                    }
                }
            }
            (r, p) => fail(format!("body {r:?} != python {p:?}")),
        }

        // Content-Type: `application/json` on every request but a GET, with
        // a body or without (`POST .../leave` with `Content-Length: 0`), as
        // linq-python sends it.
        let rs_ct = header(&rs, "content-type");
        if rs_ct != py.content_type {
            fail(format!(
                "content-type {rs_ct:?} != python {:?}",
                py.content_type
            ));
        }

        // Accept: the reply's media type (`*/*` without a reply body), from
        // the operation's `ACCEPT`, exactly as linq-python sends it.
        let rs_accept = header(&rs, "accept");
        if rs_accept != py.accept {
            fail(format!("accept {rs_accept:?} != python {:?}", py.accept));
        }

        // Idempotency-Key header. The recordings give linq-python no key, and
        // it sends none. linq-client makes one up (a UUID v4) for every
        // operation that takes it as a header (`messages.create`,
        // `payment_requests.create`) so its retries are safe: expected.
        let rs_key = header(&rs, "idempotency-key");
        if py.idempotency_key.is_some() {
            fail(format!(
                "python sent an idempotency-key {:?}; the recordings give it none",
                py.idempotency_key
            ));
        }
        match idempotency(op) {
            IdempotencyKey::Header(name) => {
                headers_same = false;
                assert_eq!(name, "Idempotency-Key", "{op}");
                if rs_key.is_none_or(|k| linq_types::ChatId::parse(k).is_err()) {
                    fail(format!(
                        "expected a generated UUID idempotency-key, got {rs_key:?}"
                    ));
                }
            }
            IdempotencyKey::None | IdempotencyKey::Body => {
                if rs_key.is_some() {
                    fail(format!("unexpected idempotency-key {rs_key:?}"));
                }
            }
        }

        if !headers_same {
            tally.header_expected.push(label.clone());
        }
        if wire_exact && headers_same && !tally.key_order.contains(&label) {
            tally.identical.push(label);
        }
    }
    eprintln!(
        "{} calls compared with linq-python {}:\n  identical on the wire (method, path, query, body bytes, \
         Content-Type, Accept, Idempotency-Key): {}\n  body keys in another order: {} {:?}\n  \
         body idempotency key generated by linq-client: {} {:?}\n  expected header differences: {} {:?}",
        tally.calls,
        fixture["linq_python_version"],
        format_args!(
            "{} ({} of the operations' `full` calls)",
            tally.identical.len(),
            tally
                .identical
                .iter()
                .filter(|l| l.ends_with("[full]"))
                .count()
        ),
        tally.key_order.len(),
        tally.key_order,
        tally.body_key_generated.len(),
        tally.body_key_generated,
        tally.header_expected.len(),
        tally.header_expected,
    );
    assert!(
        failures.is_empty(),
        "{} difference(s) from linq-python {}:\n{}",
        failures.len(),
        fixture["linq_python_version"],
        failures.join("\n")
    );
    assert!(
        !tally.body_key_generated.is_empty(),
        "no recording leaves out a body idempotency key, so its generation goes unchecked"
    );
}

#[test]
fn query_pairs_decode() {
    assert_eq!(
        pairs("a=x%26y%3Dz%2B1+2&ids=1%2C2&e="),
        vec![
            ("a".to_owned(), "x&y=z+1 2".to_owned()),
            ("ids".to_owned(), "1,2".to_owned()),
            ("e".to_owned(), String::new()),
        ]
    );
}

/// The same calls named at run time (`client.call_operation(id, args)`,
/// what the CLI and the MCP server use) put the same request on the wire as
/// the typed resource methods: the catalog builds the typed operation.
#[tokio::test]
async fn every_recorded_call_is_the_same_through_call_operation() {
    let fixture = fixture();
    let base_path = fixture["base_path"].as_str().expect("base_path");
    let mut compared = 0;
    for rec in recordings(&fixture) {
        let op = rec["operation"].as_str().expect("operation");
        let label = format!("{op} [{}]", rec["case"].as_str().unwrap());
        let typed = rust_request(&fixture, op, &rec["args"]).await;

        let mut flat = serde_json::Map::new();
        for place in ["path", "query", "body"] {
            if let Some(obj) = rec["args"][place].as_object() {
                flat.extend(obj.clone());
            }
        }
        let transport = InMemoryTransport::new(|_req: http::Request<Bytes>| {
            http::Response::builder()
                .status(200)
                .body(Bytes::from_static(b"{}"))
                .unwrap()
        })
        .recording();
        let client = Client::builder()
            .api_key("sk_test_conformance")
            .base_url(format!("https://api.linqapp.com{base_path}"))
            .transport(transport.clone())
            .max_retries(0)
            .build()
            .unwrap();
        let reply = client.call_operation(op, Value::Object(flat)).await;
        assert!(reply.is_ok(), "{label}: {reply:?}");
        let dynamic = transport.requests().pop().expect("one request");

        assert_eq!(dynamic.method, typed.method, "{label}");
        assert_eq!(dynamic.uri, typed.uri, "{label}");
        for name in ["content-type", "accept"] {
            assert_eq!(
                header(&dynamic, name),
                header(&typed, name),
                "{label}: {name}"
            );
        }
        assert_eq!(
            header(&dynamic, "idempotency-key").is_some(),
            header(&typed, "idempotency-key").is_some(),
            "{label}"
        );
        let body = |b: &Bytes| -> Option<Value> {
            let mut v: Value = serde_json::from_slice(b).ok()?;
            take_body_key(&mut v);
            Some(v)
        };
        assert_eq!(body(&dynamic.body), body(&typed.body), "{label}");
        if idempotency(op) != IdempotencyKey::Body {
            assert_eq!(dynamic.body, typed.body, "{label}: body bytes");
        }
        compared += 1;
    }
    assert!(compared >= 70, "only {compared} recordings compared");
}
