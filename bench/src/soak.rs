//! `linq-bench soak SECS` (run by `cargo xtask soak`): the connection pool
//! against hostile loopback servers for a bounded time, then a report of
//! RSS and open descriptors at the start and the end. It fails when either
//! grew past its slack: a leak shows as growth after the load has stopped.
//!
//! The servers, all on 127.0.0.1 in this process:
//! - `close-on-accept`: HTTP/1.1, closes every connection as it accepts it;
//! - `close-when-idle`: HTTP/1.1, answers one request per connection, then
//!   closes it 20 ms later, while the pool holds it idle;
//! - `one-stream`: HTTP/2, one stream at a time (streams over it refused);
//! - `goaway`: HTTP/2, a graceful GOAWAY after every 5 requests;
//! - `silent`: accepts and reads, never answers (each call gives up after
//!   300 ms);
//! - `slow-trickle`: HTTP/1.1, answers one byte of its body per 5 ms.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use linq_transport::{HyperTransport, SendOptions, Transport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Growth allowed between start and end before the soak fails.
const RSS_SLACK_KB: u64 = 32 * 1024;
const FD_SLACK: usize = 8;
const WORKERS: usize = 16;

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    (listener, addr)
}

async fn close_on_accept() -> SocketAddr {
    let (listener, addr) = listener().await;
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            drop(tcp);
        }
    });
    addr
}

/// HTTP/1.1 or HTTP/2 (prior knowledge) with hyper's server; `goaway_after`
/// ends each connection gracefully after that many requests.
async fn hyper_server(h2: bool, max_streams: u32, goaway_after: Option<u64>) -> SocketAddr {
    let (listener, addr) = listener().await;
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let served = Arc::new(AtomicU64::new(0));
                let notify = Arc::new(tokio::sync::Notify::new());
                let (count, bell) = (served.clone(), notify.clone());
                let service = service_fn(move |_req: http::Request<hyper::body::Incoming>| {
                    let n = count.fetch_add(1, Ordering::SeqCst) + 1;
                    if goaway_after.is_some_and(|after| n % after == 0) {
                        bell.notify_one();
                    }
                    async move {
                        tokio::time::sleep(Duration::from_millis(2)).await;
                        Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from_static(
                            b"{}",
                        ))))
                    }
                });
                if h2 {
                    let mut builder =
                        hyper::server::conn::http2::Builder::new(TokioExecutor::new());
                    builder.timer(TokioTimer::new());
                    builder.max_concurrent_streams(max_streams);
                    let conn = builder.serve_connection(TokioIo::new(tcp), service);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => return,
                        _ = notify.notified() => conn.as_mut().graceful_shutdown(),
                    }
                    let _ = conn.await;
                } else {
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tcp), service);
                    tokio::pin!(conn);
                    // One request, then close the connection once idle.
                    let _ = tokio::time::timeout(Duration::from_millis(20), conn.as_mut()).await;
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            });
        }
    });
    addr
}

async fn silent() -> SocketAddr {
    let (listener, addr) = listener().await;
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut sink = [0u8; 4096];
                while matches!(tcp.read(&mut sink).await, Ok(n) if n > 0) {}
            });
        }
    });
    addr
}

async fn slow_trickle() -> SocketAddr {
    let (listener, addr) = listener().await;
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if tcp.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let body = b"{\"status\":\"accepted\"}";
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                if tcp.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for b in body {
                    if tcp.write_all(&[*b]).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            });
        }
    });
    addr
}

#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    failed: AtomicU64,
    gave_up: AtomicU64,
}

pub(crate) fn run(secs: u64) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let passed = runtime.block_on(soak(Duration::from_secs(secs)));
    drop(runtime);
    if !passed {
        std::process::exit(1);
    }
}

async fn soak(length: Duration) -> bool {
    let h1 = [
        ("close-on-accept", close_on_accept().await),
        ("close-when-idle", hyper_server(false, 0, None).await),
        ("silent", silent().await),
        ("slow-trickle", slow_trickle().await),
    ];
    let h2 = [
        ("one-stream", hyper_server(true, 1, None).await),
        ("goaway", hyper_server(true, 100, Some(5)).await),
    ];
    let idle = Duration::from_millis(500);
    let plain = HyperTransport::builder()
        .no_proxy()
        .pool_idle_timeout(idle)
        .build();
    let h2_only = HyperTransport::builder()
        .no_proxy()
        .pool_idle_timeout(idle)
        .http2_only(true)
        .build();
    let targets: Vec<(&'static str, SocketAddr, HyperTransport)> = h1
        .iter()
        .map(|(n, a)| (*n, *a, plain.clone()))
        .chain(h2.iter().map(|(n, a)| (*n, *a, h2_only.clone())))
        .collect();
    let targets = Arc::new(targets);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (rss_start, fds_start) = (rss_kb(), open_fds());
    println!(
        "soak: {} s against {} hostile loopback servers",
        length.as_secs(),
        targets.len()
    );
    println!("start: RSS {rss_start} kB, {fds_start} open descriptors");

    let tally = Arc::new(Tally::default());
    let deadline = Instant::now() + length;
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let (targets, tally) = (targets.clone(), tally.clone());
            tokio::spawn(async move {
                let mut i = w;
                while Instant::now() < deadline {
                    let (_, addr, transport) = &targets[i % targets.len()];
                    i += 1;
                    let request = http::Request::get(format!("http://{addr}/v3/chats"))
                        .body(Bytes::new())
                        .expect("request");
                    let sent = tokio::time::timeout(
                        Duration::from_millis(300),
                        transport.send(request, SendOptions::default()),
                    )
                    .await;
                    let counter = match sent {
                        Ok(Ok(_)) => &tally.ok,
                        Ok(Err(_)) => &tally.failed,
                        Err(_) => &tally.gave_up,
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.await;
    }
    // Past the idle timeout, so the pool has closed what it kept.
    tokio::time::sleep(idle * 4).await;
    let (rss_end, fds_end) = (rss_kb(), open_fds());
    println!(
        "calls: {} answered, {} failed, {} gave up after 300 ms",
        tally.ok.load(Ordering::Relaxed),
        tally.failed.load(Ordering::Relaxed),
        tally.gave_up.load(Ordering::Relaxed)
    );
    println!("end:   RSS {rss_end} kB, {fds_end} open descriptors");
    let rss_grew = rss_end.saturating_sub(rss_start);
    let fds_grew = fds_end.saturating_sub(fds_start);
    let passed = rss_grew <= RSS_SLACK_KB && fds_grew <= FD_SLACK;
    println!(
        "growth: RSS {rss_grew} kB (slack {RSS_SLACK_KB}), descriptors {fds_grew} (slack {FD_SLACK}): {}",
        if passed { "ok" } else { "FAILED" }
    );
    passed
}
