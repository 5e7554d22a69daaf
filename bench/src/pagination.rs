//! Memory while streaming a long paginated list: each run is its own
//! process, so its peak RSS is its own.

use std::time::Instant;

use bytes::Bytes;
use futures_util::StreamExt;
use linq_client::{Client, InMemoryTransport};

use crate::{CHAT, peak_rss_kib};

const PAGE: usize = 100;

fn page(start: usize, total: usize) -> http::Response<Bytes> {
    let end = (start + PAGE).min(total);
    let mut body = String::with_capacity(PAGE * 260);
    body.push_str(r#"{"messages":["#);
    for n in start..end {
        if n > start {
            body.push(',');
        }
        body.push_str(&format!(
            r#"{{"id":"00000000-0000-4000-8000-{n:012}","chat_id":"{CHAT}","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","delivery_status":"delivered","is_delivered":true,"is_from_me":false,"is_read":false,"parts":[{{"type":"text","value":"message number {n}"}}]}}"#
        ));
    }
    body.push_str("],\"next_cursor\":");
    if end < total {
        body.push_str(&format!("\"{end}\"}}"));
    } else {
        body.push_str("null}");
    }
    http::Response::new(Bytes::from(body))
}

/// Streams `total` items and prints `items seconds peak_rss_kib`.
pub fn stream_process(total: usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let transport = InMemoryTransport::new(move |req: http::Request<Bytes>| {
        let start = req
            .uri()
            .query()
            .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("cursor=")))
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        page(start, total)
    });
    let client = Client::builder()
        .api_key("sk_bench")
        .transport(transport)
        .build()
        .unwrap();
    let started = Instant::now();
    let seen = rt.block_on(async {
        let mut items = client
            .chats()
            .messages()
            .list(CHAT)
            .limit(PAGE as i64)
            .into_stream();
        let mut seen = 0usize;
        while let Some(item) = items.next().await {
            std::hint::black_box(item.unwrap());
            seen += 1;
        }
        seen
    });
    println!(
        "{seen} {:.3} {}",
        started.elapsed().as_secs_f64(),
        peak_rss_kib()
    );
}

pub fn report() {
    println!("## Pagination: memory while streaming a long list");
    println!();
    println!("In memory, pages of {PAGE}; each run in a fresh process.");
    println!();
    println!("| items streamed | time | peak RSS KiB |");
    println!("|---|---|---|");
    for total in [1_000usize, 100_000] {
        let v = crate::run_numbers(&["stream", &total.to_string()]);
        assert_eq!(v[0] as usize, total, "every item arrived");
        println!("| {total} | {:.3} s | {} |", v[1], v[2]);
    }
}
