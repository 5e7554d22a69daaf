//! A body sent one byte per segment must not make the server hold a read
//! buffer per byte. Alone in its own test binary, so the process's RSS is
//! this test's.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use linq_sandbox::Sandbox;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

const CONNECTIONS: usize = 20;
const BODY_BYTES: usize = 5_000;

/// This process's resident set, in bytes (Linux).
fn rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Sends a body of `bytes` one byte per segment, all but the last, then
/// counts itself in `ready` and sends the last byte once `go` says so.
async fn trickle(
    addr: SocketAddr,
    key: String,
    bytes: usize,
    ready: Arc<AtomicUsize>,
    mut go: watch::Receiver<bool>,
) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let head = format!(
        "POST /api/partner/v3/attachments HTTP/1.1\r\nhost: 127.0.0.1\r\n\
         authorization: Bearer {key}\r\ncontent-type: application/json\r\n\
         content-length: {bytes}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for _ in 0..bytes - 1 {
        stream.write_all(b" ").await.unwrap();
        // Slower than the server reads, so each byte is its own frame.
        tokio::time::sleep(Duration::from_micros(100)).await;
    }
    ready.fetch_add(1, Ordering::SeqCst);
    let _ = go.wait_for(|go| *go).await;
    stream.write_all(b" ").await.unwrap();
    let mut reply = vec![0u8; 1024];
    let n = stream.read(&mut reply).await.unwrap_or(0);
    String::from_utf8_lossy(&reply[..n]).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_byte_per_segment_flood_stays_within_10_mb() {
    if rss().is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "/proc/self/status is needed under CI"
        );
        return;
    }
    let sb = Sandbox::new();
    let server = sb.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    // One ordinary trickled request first, so what is built lazily counts
    // as idle.
    let (_, open) = watch::channel(true);
    let warm = trickle(server.addr(), sb.api_key(), 10, Arc::default(), open).await;
    assert!(warm.starts_with("HTTP/1.1 400"), "{warm}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let idle = rss().unwrap();

    let ready = Arc::new(AtomicUsize::new(0));
    let (go, wait) = watch::channel(false);
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let (key, ready, wait) = (sb.api_key(), ready.clone(), wait.clone());
            tokio::spawn(trickle(server.addr(), key, BODY_BYTES, ready, wait))
        })
        .collect();
    let mut peak = idle;
    while ready.load(Ordering::SeqCst) < CONNECTIONS {
        tokio::time::sleep(Duration::from_millis(20)).await;
        peak = peak.max(rss().unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    peak = peak.max(rss().unwrap());
    go.send(true).unwrap();
    for client in clients {
        let reply = client.await.unwrap();
        // The body is 5,000 spaces: read whole, then refused as not JSON.
        assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    }
    let grew = peak.saturating_sub(idle);
    eprintln!(
        "idle {} KiB, peak {} KiB, grew {} KiB",
        idle >> 10,
        peak >> 10,
        grew >> 10
    );
    assert!(grew < 10 << 20, "grew by {} KiB", grew >> 10);
}
