//! The connection layer against loopback servers that count what they see:
//! TCP connections, TLS handshakes, requests per connection and streams in
//! flight. Each test names the behaviour it pins down.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use linq_transport::{HyperTransport, HyperTransportBuilder, SendOptions, Transport};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;

#[derive(Clone)]
struct ServerConfig {
    tls: bool,
    alpn: Vec<Vec<u8>>,
    hold: Duration,
    max_streams: Option<u32>,
    accept_delay: Duration,
    goaway_after: Option<usize>,
}

impl ServerConfig {
    fn h2() -> Self {
        Self {
            tls: true,
            alpn: vec![b"h2".to_vec(), b"http/1.1".to_vec()],
            hold: Duration::ZERO,
            max_streams: Some(1000),
            accept_delay: Duration::ZERO,
            goaway_after: None,
        }
    }

    fn http1_tls() -> Self {
        Self {
            alpn: vec![b"http/1.1".to_vec()],
            ..Self::h2()
        }
    }

    fn plain_http1() -> Self {
        Self {
            tls: false,
            ..Self::http1_tls()
        }
    }

    fn hold(mut self, hold: Duration) -> Self {
        self.hold = hold;
        self
    }
}

#[derive(Default)]
struct Conn {
    requests: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    silent: AtomicBool,
    closed: AtomicBool,
}

#[derive(Default)]
struct Stats {
    tcp: AtomicUsize,
    handshakes: AtomicUsize,
    in_accept: AtomicUsize,
    max_in_accept: AtomicUsize,
    conns: Mutex<Vec<Arc<Conn>>>,
}

impl Stats {
    fn conns(&self) -> Vec<Arc<Conn>> {
        self.conns.lock().unwrap().clone()
    }

    fn requests_per_conn(&self) -> Vec<usize> {
        self.conns()
            .iter()
            .map(|c| c.requests.load(SeqCst))
            .collect()
    }
}

fn bump_max(max: &AtomicUsize, now: usize) {
    max.fetch_max(now, SeqCst);
}

/// A TCP stream the test can make go silent: reads never complete and
/// writes vanish, like a peer behind a NAT entry that expired.
struct Valve {
    inner: TcpStream,
    conn: Arc<Conn>,
}

impl AsyncRead for Valve {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.conn.silent.load(SeqCst) {
            return Poll::Pending;
        }
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Valve {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.conn.silent.load(SeqCst) {
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

struct Server {
    port: u16,
    cert: Vec<u8>,
    stats: Arc<Stats>,
}

impl Server {
    fn url(&self, path: &str) -> String {
        let scheme = if self.cert.is_empty() {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://localhost:{}{path}", self.port)
    }

    fn client(&self) -> HyperTransportBuilder {
        let builder = HyperTransport::builder().no_proxy();
        if self.cert.is_empty() {
            builder
        } else {
            builder
                .webpki_roots(false)
                .add_root_certificate(self.cert.clone())
        }
    }
}

async fn start(config: ServerConfig) -> Server {
    let (acceptor, cert) = if config.tls {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let der = cert.cert.der().to_vec();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key_pair.serialize_der().into());
        let mut tls = rustls::ServerConfig::builder_with_provider(Arc::new(ring_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![der.clone().into()], key)
            .unwrap();
        tls.alpn_protocols = config.alpn.clone();
        (Some(tokio_rustls::TlsAcceptor::from(Arc::new(tls))), der)
    } else {
        (None, Vec::new())
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let stats = Arc::new(Stats::default());
    let st = stats.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            st.tcp.fetch_add(1, SeqCst);
            let conn = Arc::new(Conn::default());
            let (st, acceptor, config) = (st.clone(), acceptor.clone(), config.clone());
            tokio::spawn(async move {
                let io = Valve {
                    inner: tcp,
                    conn: conn.clone(),
                };
                let now = st.in_accept.fetch_add(1, SeqCst) + 1;
                bump_max(&st.max_in_accept, now);
                // Counted until the delay ends: the client's dial cannot
                // finish before then, so overlaps here are client dials.
                tokio::time::sleep(config.accept_delay).await;
                st.in_accept.fetch_sub(1, SeqCst);
                let served = match acceptor {
                    Some(acceptor) => {
                        let Ok(tls) = acceptor.accept(io).await else {
                            return;
                        };
                        st.handshakes.fetch_add(1, SeqCst);
                        let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
                        st.conns.lock().unwrap().push(conn.clone());
                        serve(TokioIo::new(tls), h2, conn.clone(), config).await
                    }
                    None => {
                        st.conns.lock().unwrap().push(conn.clone());
                        serve(TokioIo::new(io), false, conn.clone(), config).await
                    }
                };
                let _ = served;
                conn.closed.store(true, SeqCst);
            });
        }
    });
    Server { port, cert, stats }
}

async fn serve<I>(io: I, h2: bool, conn: Arc<Conn>, config: ServerConfig) -> hyper::Result<()>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let shutdown = Arc::new(tokio::sync::Notify::new());
    let (c, hold, after, notify) = (
        conn.clone(),
        config.hold,
        config.goaway_after,
        shutdown.clone(),
    );
    let service = service_fn(move |_req: http::Request<hyper::body::Incoming>| {
        let (c, notify) = (c.clone(), notify.clone());
        async move {
            let now = c.in_flight.fetch_add(1, SeqCst) + 1;
            bump_max(&c.max_in_flight, now);
            tokio::time::sleep(hold).await;
            let n = c.requests.fetch_add(1, SeqCst) + 1;
            c.in_flight.fetch_sub(1, SeqCst);
            if after == Some(n) {
                notify.notify_one();
            }
            Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from_static(b"ok"))))
        }
    });
    if h2 {
        let mut builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
        builder.timer(TokioTimer::new());
        builder.max_concurrent_streams(config.max_streams);
        let connection = builder.serve_connection(io, service);
        tokio::pin!(connection);
        tokio::select! {
            done = connection.as_mut() => return done,
            _ = shutdown.notified() => connection.as_mut().graceful_shutdown(),
        }
        connection.await
    } else {
        hyper::server::conn::http1::Builder::new()
            .serve_connection(io, service)
            .await
    }
}

fn get(url: &str) -> http::Request<Bytes> {
    http::Request::get(url).body(Bytes::new()).unwrap()
}

/// `n` requests at once; every one must succeed. Returns their versions.
async fn burst(transport: &HyperTransport, url: &str, n: usize) -> Vec<http::Version> {
    let calls: Vec<_> = (0..n)
        .map(|_| {
            let (t, req) = (transport.clone(), get(url));
            tokio::spawn(async move { t.send(req, SendOptions::default()).await })
        })
        .collect();
    let mut versions = Vec::new();
    for call in calls {
        let response = call.await.unwrap().expect("every request succeeds");
        assert_eq!(response.status(), 200);
        assert_eq!(&response.body()[..], b"ok");
        versions.push(response.version());
    }
    versions
}

async fn within<T>(secs: u64, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(secs), f)
        .await
        .expect("the test finished in time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cold_burst_over_http2_dials_once_and_multiplexes() {
    let server = start(ServerConfig::h2().hold(Duration::from_millis(100))).await;
    let transport = server.client().build();
    let versions = within(20, burst(&transport, &server.url("/"), 64)).await;
    assert!(versions.iter().all(|v| *v == http::Version::HTTP_2));
    assert_eq!(server.stats.tcp.load(SeqCst), 1, "one TCP connection");
    assert_eq!(server.stats.handshakes.load(SeqCst), 1, "one TLS handshake");
    let conns = server.stats.conns();
    assert_eq!(conns[0].requests.load(SeqCst), 64);
    assert_eq!(conns[0].max_in_flight.load(SeqCst), 64, "all 64 at once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cold_burst_over_http1_dials_within_the_bound_and_keeps_no_unused_connection() {
    let mut config = ServerConfig::http1_tls().hold(Duration::from_millis(50));
    config.accept_delay = Duration::from_millis(20);
    let server = start(config).await;
    let transport = server.client().dial_concurrency(8).build();
    let versions = within(20, burst(&transport, &server.url("/"), 40)).await;
    assert!(versions.iter().all(|v| *v == http::Version::HTTP_11));
    let tcp = server.stats.tcp.load(SeqCst);
    assert!(tcp <= 40, "{tcp} connections for 40 requests");
    assert!(
        server.stats.max_in_accept.load(SeqCst) <= 8,
        "at most 8 dials at once, saw {}",
        server.stats.max_in_accept.load(SeqCst)
    );
    let per_conn = server.stats.requests_per_conn();
    assert_eq!(per_conn.iter().sum::<usize>(), 40);
    // A dial that finished after a busy connection had come free is closed
    // at once, never pooled.
    tokio::time::sleep(Duration::from_millis(100)).await;
    for c in server.stats.conns() {
        if c.requests.load(SeqCst) == 0 {
            assert!(c.closed.load(SeqCst), "{per_conn:?}");
        }
    }
    let unused = per_conn.iter().filter(|&&n| n == 0).count();
    assert!(
        unused <= 8,
        "at most one dial bound of spares: {per_conn:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_grows_by_streams_when_the_server_caps_them() {
    let mut config = ServerConfig::h2().hold(Duration::from_millis(300));
    config.max_streams = Some(10);
    let server = start(config).await;
    let transport = server.client().build();
    // One call first, so that the server's SETTINGS (cap 10, below the
    // 100 assumed before them) are known when the burst starts.
    within(20, burst(&transport, &server.url("/"), 1)).await;
    let started = Instant::now();
    within(20, burst(&transport, &server.url("/"), 35)).await;
    let elapsed = started.elapsed();
    let conns = server.stats.conns();
    assert_eq!(conns.len(), 4, "35 streams at 10 per connection");
    for c in &conns {
        assert!(c.max_in_flight.load(SeqCst) <= 10);
    }
    assert_eq!(server.stats.requests_per_conn().iter().sum::<usize>(), 36);
    // Queued on one connection, 35 requests would take four holds.
    assert!(elapsed < Duration::from_millis(1000), "{elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_connections_are_capped_per_host() {
    let mut config = ServerConfig::h2().hold(Duration::from_millis(100));
    config.max_streams = Some(5);
    let server = start(config).await;
    let transport = server.client().http2_max_connections_per_host(2).build();
    within(20, burst(&transport, &server.url("/"), 1)).await;
    within(20, burst(&transport, &server.url("/"), 30)).await;
    assert_eq!(server.stats.tcp.load(SeqCst), 2);
    for c in server.stats.conns() {
        assert!(c.max_in_flight.load(SeqCst) <= 5);
    }
    assert_eq!(server.stats.requests_per_conn().iter().sum::<usize>(), 31);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_goaway_retires_the_connection_and_no_request_fails() {
    let mut config = ServerConfig::h2().hold(Duration::from_millis(20));
    config.goaway_after = Some(5);
    let server = start(config).await;
    let transport = server.client().build();
    let url = server.url("/");
    within(30, async {
        for _ in 0..10 {
            burst(&transport, &url, 4).await;
        }
    })
    .await;
    let per_conn = server.stats.requests_per_conn();
    assert_eq!(
        per_conn.iter().sum::<usize>(),
        40,
        "each request processed once"
    );
    // Five, plus the others in flight when the fifth ended, plus (on a
    // loaded machine) a few the test server took before its own GOAWAY task
    // ran; far from the 40 one connection would carry if it were not retired.
    assert!(
        per_conn.iter().all(|&n| (5..=12).contains(&n)) || per_conn.last() < Some(&5),
        "connections retired after GOAWAY: {per_conn:?}"
    );
    assert!(per_conn.len() >= 5, "{per_conn:?}");
}

#[tokio::test]
async fn http1_idle_connections_are_capped_and_time_out() {
    let server = start(ServerConfig::plain_http1().hold(Duration::from_millis(50))).await;
    let transport = server
        .client()
        .pool_max_idle_per_host(3)
        .pool_idle_timeout(Duration::from_millis(300))
        .build();
    within(20, burst(&transport, &server.url("/"), 10)).await;
    assert_eq!(server.stats.tcp.load(SeqCst), 10);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let open = |s: &Stats| s.conns().iter().filter(|c| !c.closed.load(SeqCst)).count();
    assert_eq!(open(&server.stats), 3, "only the idle cap stays open");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(open(&server.stats), 0, "idle connections time out");
    // The next request dials afresh and succeeds.
    within(20, burst(&transport, &server.url("/"), 1)).await;
    assert_eq!(server.stats.tcp.load(SeqCst), 11);
}

/// The idle timeout applies to HTTP/2 connections when a request picks
/// one, not only when the reaper runs (a blocking std sleep on this
/// current-thread runtime keeps the reaper from running).
#[tokio::test]
async fn an_http2_connection_idle_past_the_timeout_is_not_reused() {
    let server = start(ServerConfig::h2()).await;
    let transport = server
        .client()
        .pool_idle_timeout(Duration::from_millis(200))
        .build();
    let url = server.url("/");
    within(20, burst(&transport, &url, 1)).await;
    std::thread::sleep(Duration::from_millis(300));
    let versions = within(20, burst(&transport, &url, 1)).await;
    assert_eq!(versions, [http::Version::HTTP_2]);
    assert_eq!(server.stats.tcp.load(SeqCst), 2);
    assert_eq!(server.stats.requests_per_conn(), [1, 1]);
}

#[tokio::test]
async fn a_dead_idle_http2_connection_is_found_by_ping_and_replaced() {
    let server = start(ServerConfig::h2()).await;
    let ping_timeout = Duration::from_millis(300);
    let transport = server
        .client()
        .http2_keep_alive_interval(Some(Duration::from_millis(100)))
        .http2_keep_alive_timeout(ping_timeout)
        .build();
    let url = server.url("/");
    within(20, burst(&transport, &url, 1)).await;
    let first = server.stats.conns()[0].clone();
    first.silent.store(true, SeqCst);
    // Long enough for a ping to go unanswered past its timeout.
    tokio::time::sleep(Duration::from_millis(100) + ping_timeout * 2).await;
    let started = Instant::now();
    let response = within(20, transport.send(get(&url), SendOptions::default()))
        .await
        .expect("the call succeeds on a new connection");
    let elapsed = started.elapsed();
    assert_eq!(response.status(), 200);
    assert!(elapsed < ping_timeout, "{elapsed:?}");
    assert_eq!(server.stats.tcp.load(SeqCst), 2);
    assert_eq!(
        server.stats.requests_per_conn(),
        [1, 1],
        "the dead connection saw nothing more; exactly one request was processed"
    );
}

#[tokio::test]
async fn a_stale_idle_http1_connection_is_replaced_without_an_error() {
    // A server that answers once per connection and then closes it.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = requests.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let service = service_fn(move |_req: http::Request<hyper::body::Incoming>| {
                    seen.fetch_add(1, SeqCst);
                    async { Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::new()))) }
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(tcp), service);
                tokio::pin!(conn);
                // Serve one request, then close the idle connection.
                let _ = tokio::time::timeout(Duration::from_millis(50), conn.as_mut()).await;
                conn.as_mut().graceful_shutdown();
                let _ = conn.await;
            });
        }
    });
    let transport = HyperTransport::builder().no_proxy().build();
    let url = format!("http://{addr}/");
    for _ in 0..3 {
        transport
            .send(get(&url), SendOptions::default())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    assert_eq!(requests.load(SeqCst), 3);
}

#[tokio::test]
async fn a_refused_stream_is_sent_again_and_processed_once() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let streams = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(AtomicUsize::new(0));
    let (s, a) = (streams.clone(), answered.clone());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (s, a) = (s.clone(), a.clone());
            tokio::spawn(async move {
                let mut conn = h2::server::handshake(tcp).await.unwrap();
                while let Some(Ok((_req, mut respond))) = conn.accept().await {
                    if s.fetch_add(1, SeqCst) == 0 {
                        respond.send_reset(h2::Reason::REFUSED_STREAM);
                    } else {
                        a.fetch_add(1, SeqCst);
                        let response = http::Response::new(());
                        respond.send_response(response, true).unwrap();
                    }
                }
            });
        }
    });
    let transport = HyperTransport::builder()
        .no_proxy()
        .http2_only(true)
        .build();
    let response = within(
        20,
        transport.send(get(&format!("http://{addr}/")), SendOptions::default()),
    )
    .await
    .expect("a refused stream is resent");
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(streams.load(SeqCst), 2);
    assert_eq!(answered.load(SeqCst), 1);
}

#[tokio::test]
async fn a_dial_failure_reaches_every_request_that_waited_for_it() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let transport = HyperTransport::builder().no_proxy().build();
    let url = format!("https://localhost:{port}/");
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let (t, req) = (transport.clone(), get(&url));
            tokio::spawn(async move { t.send(req, SendOptions::default()).await })
        })
        .collect();
    for call in calls {
        let err = within(20, call).await.unwrap().unwrap_err();
        assert!(err.is_connect() && err.is_request_not_sent(), "{err:?}");
    }
}

/// A hand-rolled HTTP/2 server (prior knowledge, plain TCP) for GOAWAY
/// cases hyper's server cannot produce. On its first connection it waits
/// for two requests (streams 1 and 3), answers stream 1, sends
/// `GOAWAY(last_stream_id = last, NO_ERROR)` and closes; later connections
/// answer every request. Returns the address, the number of connections and
/// the number of requests answered.
async fn goaway_server(last: u32) -> (std::net::SocketAddr, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let len = (payload.len() as u32).to_be_bytes();
        let mut f = vec![len[1], len[2], len[3], kind, flags];
        f.extend_from_slice(&stream.to_be_bytes());
        f.extend_from_slice(payload);
        f
    }
    // HEADERS with END_STREAM | END_HEADERS; 0x88 is ":status: 200" (HPACK).
    let ok = |stream: u32| frame(0x1, 0x5, stream, &[0x88]);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (conns, answered) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (c, a) = (conns.clone(), answered.clone());
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let first = c.fetch_add(1, SeqCst) == 0;
            let a = a.clone();
            tokio::spawn(async move {
                let mut preface = [0u8; 24];
                tcp.read_exact(&mut preface).await.unwrap();
                tcp.write_all(&frame(0x4, 0, 0, &[])).await.unwrap();
                let mut streams = Vec::new();
                loop {
                    let mut head = [0u8; 9];
                    if tcp.read_exact(&mut head).await.is_err() {
                        return;
                    }
                    let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
                    let stream =
                        u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & !(1 << 31);
                    let mut payload = vec![0u8; len];
                    tcp.read_exact(&mut payload).await.unwrap();
                    match head[3] {
                        0x4 if head[4] & 1 == 0 => {
                            tcp.write_all(&frame(0x4, 1, 0, &[])).await.unwrap()
                        }
                        0x1 => streams.push(stream),
                        _ => continue,
                    }
                    if !first {
                        if let Some(s) = streams.pop() {
                            a.fetch_add(1, SeqCst);
                            tcp.write_all(&ok(s)).await.unwrap();
                        }
                    } else if streams.len() == 2 {
                        a.fetch_add(1, SeqCst);
                        let mut goaway = last.to_be_bytes().to_vec();
                        goaway.extend_from_slice(&0u32.to_be_bytes());
                        let mut out = ok(streams[0]);
                        out.extend(frame(0x7, 0, 0, &goaway));
                        tcp.write_all(&out).await.unwrap();
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        return;
                    }
                }
            });
        }
    });
    (addr, conns, answered)
}

async fn two_at_once(
    addr: std::net::SocketAddr,
) -> Vec<Result<http::Response<Bytes>, linq_transport::TransportError>> {
    let transport = HyperTransport::builder()
        .no_proxy()
        .http2_only(true)
        .build();
    let url = format!("http://{addr}/");
    let calls: Vec<_> = (0..2)
        .map(|_| {
            let (t, req) = (transport.clone(), get(&url));
            tokio::spawn(async move { t.send(req, SendOptions::default()).await })
        })
        .collect();
    let mut out = Vec::new();
    for call in calls {
        out.push(within(20, call).await.unwrap());
    }
    out
}

#[tokio::test]
async fn a_stream_above_the_goaway_last_id_is_sent_again_on_a_new_connection() {
    let (addr, conns, answered) = goaway_server(1).await;
    let results = two_at_once(addr).await;
    for r in &results {
        assert_eq!(r.as_ref().expect("both succeed").status(), 200);
    }
    assert_eq!(
        conns.load(SeqCst),
        2,
        "the refused stream went to a new connection"
    );
    assert_eq!(answered.load(SeqCst), 2, "each request answered once");
}

#[tokio::test]
async fn a_stream_the_goaway_counts_as_processed_is_not_sent_again() {
    let (addr, conns, answered) = goaway_server(3).await;
    let results = two_at_once(addr).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 1, "{results:?}");
    let err = results.into_iter().find_map(Result::err).unwrap();
    assert!(!err.is_request_not_sent(), "{err:?}");
    assert_eq!(conns.load(SeqCst), 1, "nothing was resent");
    assert_eq!(answered.load(SeqCst), 1);
}

#[tokio::test]
async fn http1_connections_are_capped_per_host_and_requests_wait_for_one() {
    let server = start(ServerConfig::plain_http1().hold(Duration::from_millis(30))).await;
    let transport = server.client().http1_max_connections_per_host(2).build();
    within(20, burst(&transport, &server.url("/"), 6)).await;
    assert_eq!(server.stats.tcp.load(SeqCst), 2);
    let per_conn = server.stats.requests_per_conn();
    assert_eq!(per_conn.len(), 2);
    assert_eq!(per_conn.iter().sum::<usize>(), 6, "{per_conn:?}");
}

#[test]
fn the_builder_debug_output_hides_proxy_credentials() {
    let builder = HyperTransport::builder()
        .proxy("http://user:hunter2@proxy.example:3128")
        .unwrap();
    let text = format!("{builder:?}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("proxy.example:3128"), "{text}");
}

#[tokio::test]
async fn a_request_that_gives_up_waiting_leaves_the_pool_intact() {
    let server = start(ServerConfig::plain_http1().hold(Duration::from_millis(200))).await;
    let transport = server.client().http1_max_connections_per_host(1).build();
    let url = server.url("/");
    let busy = {
        let (t, req) = (transport.clone(), get(&url));
        tokio::spawn(async move { t.send(req, SendOptions::default()).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    // Waits for the only connection, then gives up (as a caller's timeout would).
    let gave_up = tokio::time::timeout(
        Duration::from_millis(50),
        transport.send(get(&url), SendOptions::default()),
    )
    .await;
    assert!(gave_up.is_err());
    within(20, busy).await.unwrap().unwrap();
    within(20, burst(&transport, &url, 2)).await;
    assert_eq!(
        server.stats.tcp.load(SeqCst),
        1,
        "the one connection, reused"
    );
    assert_eq!(server.stats.requests_per_conn(), [3]);
}

/// A cold burst against a server allowing one stream at a time: the
/// streams it refuses before the client has its SETTINGS were never
/// processed, so they are sent again; every request succeeds, each
/// processed once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_refused_before_settings_arrive_are_sent_again() {
    for max_streams in [1, 2, 1, 2] {
        let mut config = ServerConfig::h2().hold(Duration::from_millis(50));
        config.max_streams = Some(max_streams);
        let server = start(config).await;
        let transport = server.client().build();
        within(30, burst(&transport, &server.url("/"), 60)).await;
        assert_eq!(
            server.stats.requests_per_conn().iter().sum::<usize>(),
            60,
            "max_streams {max_streams}"
        );
    }
}

/// A server that closes every connection as it accepts it: one request
/// dials a bounded number of times, then fails as not sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http1_dials_for_one_request_are_bounded() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let seen = accepted.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            seen.fetch_add(1, SeqCst);
            drop(tcp);
        }
    });
    let transport = HyperTransport::builder().no_proxy().build();
    let result = within(
        20,
        transport.send(get(&format!("http://{addr}/")), SendOptions::default()),
    )
    .await;
    let err = result.unwrap_err();
    let dials = accepted.load(SeqCst);
    assert!(dials <= 4, "{dials} dials for one request");
    assert!(!err.is_timeout(), "{err:?}");
}

/// *ring* for the test servers (rustls 0.23.48 deprecates it for lacking
/// post-quantum key exchange, which loopback tests do not need).
#[allow(deprecated, reason = "ring is enough for loopback test servers")]
fn ring_provider() -> tokio_rustls::rustls::crypto::CryptoProvider {
    tokio_rustls::rustls::crypto::ring::default_provider()
}
