//! The in-memory benchmark: one `participants().add` against a bare floor.

use std::time::Instant;

use bytes::Bytes;
use linq_client::{Client, InMemoryTransport};

use crate::{AddBody, AddReply, CHAT, HANDLE, REPLY, allocations, median};

const BATCHES: usize = 31;
const PER_BATCH: usize = 2_000;

fn reply() -> http::Response<Bytes> {
    http::Response::builder()
        .status(202)
        .header("content-type", "application/json")
        .body(Bytes::from_static(REPLY))
        .unwrap()
}

/// The floor: the same request built with `http`, the same JSON encoded and
/// decoded with serde_json, handed to the same handler. No SDK.
fn floor_call(handler: &dyn Fn(http::Request<Bytes>) -> http::Response<Bytes>) {
    let body = serde_json::to_vec(&AddBody { handle: HANDLE }).unwrap();
    let request = http::Request::post(format!(
        "https://api.linqapp.com/api/partner/v3/chats/{CHAT}/participants"
    ))
    .header("authorization", "Bearer sk_bench")
    .header("content-type", "application/json")
    .header("accept", "application/json")
    .header("user-agent", "floor")
    .body(Bytes::from(body))
    .unwrap();
    let response = handler(request);
    let reply: AddReply = serde_json::from_slice(response.body()).unwrap();
    std::hint::black_box(reply);
}

#[derive(Default)]
struct Series {
    ns_per_call: Vec<f64>,
    allocs_per_call: Vec<f64>,
}

impl Series {
    fn run(&mut self, batch: &mut dyn FnMut()) -> f64 {
        let a0 = allocations();
        let t0 = Instant::now();
        batch();
        let ns = t0.elapsed().as_nanos() as f64 / PER_BATCH as f64;
        self.ns_per_call.push(ns);
        self.allocs_per_call
            .push((allocations() - a0) as f64 / PER_BATCH as f64);
        ns
    }
}

/// Runs the two batches alternately (order swapped each round) so that
/// drift on a shared machine hits both; returns both series and the
/// per-round ratios b/a.
fn measure_pair(a: &mut dyn FnMut(), b: &mut dyn FnMut()) -> (Series, Series, Vec<f64>) {
    a();
    b(); // warm up
    let (mut sa, mut sb, mut ratios) = (Series::default(), Series::default(), Vec::new());
    for round in 0..BATCHES {
        let (ta, tb) = if round % 2 == 0 {
            let ta = sa.run(a);
            (ta, sb.run(b))
        } else {
            let tb = sb.run(b);
            (sa.run(a), tb)
        };
        ratios.push(tb / ta);
    }
    (sa, sb, ratios)
}

fn sdk_client() -> Client {
    Client::builder()
        .api_key("sk_bench")
        .transport(InMemoryTransport::new(|_req: http::Request<Bytes>| reply()))
        .build()
        .unwrap()
}

/// `calls` calls of one path, for counting instructions under callgrind.
pub fn run_path(path: &str, calls: usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = sdk_client();
    let handler = |_req: http::Request<Bytes>| reply();
    match path {
        "sdk" => rt.block_on(async {
            for _ in 0..calls {
                let r = client.chats().participants().add(CHAT, HANDLE).await;
                std::hint::black_box(r.unwrap());
            }
        }),
        "floor" => (0..calls).for_each(|_| floor_call(&handler)),
        other => panic!("unknown path {other}"),
    }
}

fn instructions(path: &str) -> Option<f64> {
    crate::marginal_instructions(2_000, 10_000, |n| {
        ["memory-run", path, &n.to_string()]
            .map(String::from)
            .to_vec()
    })
}

pub fn report() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = sdk_client();
    let mut sdk = || {
        rt.block_on(async {
            for _ in 0..PER_BATCH {
                let r = client
                    .chats()
                    .participants()
                    .add(CHAT, HANDLE)
                    .await
                    .unwrap();
                std::hint::black_box(r);
            }
        })
    };
    let handler = |_req: http::Request<Bytes>| reply();
    let mut floor = || {
        for _ in 0..PER_BATCH {
            floor_call(&handler);
        }
    };
    let (mut floor, mut sdk, mut ratios) = measure_pair(&mut floor, &mut sdk);
    println!("## In memory: one participants().add against the bare floor");
    println!();
    println!("Median of {BATCHES} batches of {PER_BATCH} calls each, the two paths alternating.");
    println!();
    println!("| path | time per call | allocations per call |");
    println!("|---|---|---|");
    println!(
        "| floor (http + serde_json, no SDK) | {:.2} µs | {:.1} |",
        median(&mut floor.ns_per_call) / 1e3,
        median(&mut floor.allocs_per_call)
    );
    println!(
        "| linq-client over InMemoryTransport | {:.2} µs | {:.1} |",
        median(&mut sdk.ns_per_call) / 1e3,
        median(&mut sdk.allocs_per_call)
    );
    println!();
    println!(
        "ratio linq/floor (median of per-round ratios): {:.2} (target ≤ 1.15, allocations ≤ the floor's + 1)",
        median(&mut ratios)
    );
    if let (Some(floor), Some(sdk)) = (instructions("floor"), instructions("sdk")) {
        println!();
        println!(
            "Instructions per call (callgrind, marginal): floor {floor:.0}, linq-client {sdk:.0}, \
             ratio {:.2}.",
            sdk / floor
        );
    }
}
