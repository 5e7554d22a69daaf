//! The realistic-link benchmark: a TLS server on loopback that holds each
//! request, optionally caps concurrent HTTP/2 streams and delays the TLS
//! accept; linq-client and a raw hyper-util + hyper-rustls client, each cold
//! in a fresh process, at 1, 16, 64 and 256 requests in flight.
//!
//! The server runs in this (parent) process and counts TCP connections, TLS
//! handshakes and the requests each connection carried; each client run is
//! a child process that reports wall time, its own CPU time and the latency
//! of its first wave (the first request of every task).

use std::convert::Infallible;
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};

use crate::{AddBody, AddReply, CHAT, HANDLE, REPLY, cpu_time, median, pinned};

/// Waves per run: requests = in-flight × WAVES (4,864 at 256).
const WAVES: usize = 19;
/// No client run goes on longer than this, whatever its request count.
const RUN_DEADLINE: Duration = Duration::from_secs(60);
const ROUNDS: usize = 3;
const HOLD: Duration = Duration::from_millis(50);
const CONCURRENCY: [usize; 4] = [1, 16, 64, 256];

#[derive(Clone, Copy)]
struct Scenario {
    name: &'static str,
    h2: bool,
    max_streams: Option<u32>,
    accept_delay: Duration,
}

const SCENARIOS: [Scenario; 5] = [
    Scenario {
        name: "h2+http/1.1 offered, streams uncapped",
        h2: true,
        max_streams: None,
        accept_delay: Duration::ZERO,
    },
    Scenario {
        name: "h2+http/1.1 offered, 100 streams per connection",
        h2: true,
        max_streams: Some(100),
        accept_delay: Duration::ZERO,
    },
    Scenario {
        name: "http/1.1 only",
        h2: false,
        max_streams: None,
        accept_delay: Duration::ZERO,
    },
    Scenario {
        name: "h2+http/1.1 offered, 100 streams, 20 ms connection set-up",
        h2: true,
        max_streams: Some(100),
        accept_delay: Duration::from_millis(20),
    },
    Scenario {
        name: "http/1.1 only, 20 ms connection set-up",
        h2: false,
        max_streams: None,
        accept_delay: Duration::from_millis(20),
    },
];

#[derive(Default)]
struct ConnStats {
    requests: AtomicUsize,
    closed: AtomicBool,
}

#[derive(Default)]
struct Stats {
    tcp: AtomicUsize,
    handshakes: AtomicUsize,
    conns: Mutex<Vec<Arc<ConnStats>>>,
}

impl Stats {
    fn reset(&self) {
        self.tcp.store(0, SeqCst);
        self.handshakes.store(0, SeqCst);
        self.conns.lock().unwrap().clear();
    }
}

/// Where the server counts land, read by the parent after each run.
struct Counts {
    tcp: usize,
    handshakes: usize,
    carried: usize,
    unused_open: usize,
}

fn counts(stats: &Stats) -> Counts {
    let conns = stats.conns.lock().unwrap();
    Counts {
        tcp: stats.tcp.load(SeqCst),
        handshakes: stats.handshakes.load(SeqCst),
        carried: conns.iter().filter(|c| c.requests.load(SeqCst) > 0).count(),
        unused_open: conns
            .iter()
            .filter(|c| c.requests.load(SeqCst) == 0 && !c.closed.load(SeqCst))
            .count(),
    }
}

/// Starts the TLS server on `rt`; returns its port and certificate (DER).
fn start_server(rt: &tokio::runtime::Runtime, s: Scenario, stats: Arc<Stats>) -> (u16, Vec<u8>) {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let der = cert.cert.der().to_vec();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key_pair.serialize_der().into());
    let mut tls = rustls::ServerConfig::builder_with_provider(Arc::new(ring_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![der.clone().into()], key)
        .unwrap();
    tls.alpn_protocols = if s.h2 {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    rt.spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let _ = tcp.set_nodelay(true);
            stats.tcp.fetch_add(1, SeqCst);
            let (acceptor, stats) = (acceptor.clone(), stats.clone());
            tokio::spawn(async move {
                tokio::time::sleep(s.accept_delay).await;
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                stats.handshakes.fetch_add(1, SeqCst);
                let conn = Arc::new(ConnStats::default());
                stats.conns.lock().unwrap().push(conn.clone());
                let c = conn.clone();
                let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let c = c.clone();
                    async move {
                        let _ = req.into_body().collect().await;
                        tokio::time::sleep(HOLD).await;
                        c.requests.fetch_add(1, SeqCst);
                        Ok::<_, Infallible>(
                            http::Response::builder()
                                .status(202)
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from_static(REPLY)))
                                .unwrap(),
                        )
                    }
                });
                let io = TokioIo::new(tls);
                if io.inner().get_ref().1.alpn_protocol() == Some(b"h2") {
                    let mut b = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
                    b.timer(TokioTimer::new());
                    b.max_concurrent_streams(s.max_streams.unwrap_or(u32::MAX));
                    let _ = b.serve_connection(io, service).await;
                } else {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await;
                }
                conn.closed.store(true, SeqCst);
            });
        }
    });
    (port, der)
}

type Call = Arc<dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = bool>>>>;

fn client_call(mode: &str, base: &str, cert: Vec<u8>) -> Call {
    match mode {
        "raw" => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(cert.into()).unwrap();
            let tls = rustls::ClientConfig::builder_with_provider(Arc::new(ring_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth();
            let https = hyper_rustls::HttpsConnectorBuilder::new()
                .with_tls_config(tls)
                .https_only()
                .enable_http1()
                .enable_http2()
                .build();
            let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
                .pool_timer(TokioTimer::new())
                .timer(TokioTimer::new())
                .build::<_, Full<Bytes>>(https);
            let base = base.to_owned();
            Arc::new(move || {
                let client = client.clone();
                let uri: http::Uri = format!("{base}/v3/chats/{CHAT}/participants")
                    .parse()
                    .unwrap();
                Box::pin(async move {
                    let body = serde_json::to_vec(&AddBody { handle: HANDLE }).unwrap();
                    let request = http::Request::post(uri)
                        .header("authorization", "Bearer sk_bench")
                        .header("content-type", "application/json")
                        .header("accept", "application/json")
                        .body(Full::new(Bytes::from(body)))
                        .unwrap();
                    let Ok(response) = client.request(request).await else {
                        return false;
                    };
                    let Ok(bytes) = response.into_body().collect().await else {
                        return false;
                    };
                    serde_json::from_slice::<AddReply>(&bytes.to_bytes()).is_ok()
                })
            })
        }
        "linq" => {
            let transport = linq_transport::HyperTransport::builder()
                .webpki_roots(false)
                .add_root_certificate(cert)
                .no_proxy()
                .build();
            let client = linq_client::Client::builder()
                .api_key("sk_bench")
                .base_url(base)
                .transport(transport)
                .build()
                .unwrap();
            Arc::new(move || {
                let client = client.clone();
                Box::pin(async move {
                    client
                        .chats()
                        .participants()
                        .add(CHAT, HANDLE)
                        .await
                        .is_ok()
                })
            })
        }
        other => panic!("unknown mode {other}"),
    }
}

/// One cold client run, in its own process. Prints one line:
/// `seconds cpu_seconds done errors first_wave_p99_ms`, then waits for its
/// stdin to close (so the parent can count connections left open).
pub fn client_process(mode: &str, concurrency: usize, requests: usize, port: &str, cert: &str) {
    let cert = std::fs::read(cert).expect("certificate file");
    let base = format!("https://127.0.0.1:{port}/api/partner");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let line = rt.block_on(async {
        let call = client_call(mode, &base, cert);
        let per_task = requests / concurrency;
        let deadline = Instant::now() + RUN_DEADLINE;
        let local = tokio::task::LocalSet::new();
        let cpu0 = cpu_time();
        let start = Instant::now();
        let results = local
            .run_until(async {
                let tasks: Vec<_> = (0..concurrency)
                    .map(|_| {
                        let call = call.clone();
                        tokio::task::spawn_local(async move {
                            let (mut first, mut done, mut errors) = (None, 0usize, 0usize);
                            for _ in 0..per_task {
                                if Instant::now() > deadline {
                                    break;
                                }
                                let t0 = Instant::now();
                                if call().await {
                                    done += 1;
                                } else {
                                    errors += 1;
                                }
                                first.get_or_insert(t0.elapsed());
                            }
                            (first, done, errors)
                        })
                    })
                    .collect();
                let mut out = Vec::new();
                for t in tasks {
                    out.push(t.await.unwrap());
                }
                out
            })
            .await;
        let secs = start.elapsed().as_secs_f64();
        let cpu = (cpu_time() - cpu0).as_secs_f64();
        let mut firsts: Vec<f64> = results
            .iter()
            .filter_map(|r| r.0)
            .map(|d| d.as_secs_f64() * 1e3)
            .collect();
        firsts.sort_by(f64::total_cmp);
        let pct = |q: f64| {
            firsts
                .get(((firsts.len() as f64 * q).ceil() as usize).saturating_sub(1))
                .copied()
                .unwrap_or(0.0)
        };
        let (p50, p99) = (pct(0.5), pct(0.99));
        let done: usize = results.iter().map(|r| r.1).sum();
        let errors: usize = results.iter().map(|r| r.2).sum();
        // Let dials still under way land, so the parent sees what stays.
        tokio::time::sleep(Duration::from_millis(300)).await;
        format!("{secs:.4} {cpu:.4} {done} {errors} {p99:.2} {p50:.2}")
    });
    println!("{line}");
    crate::flush();
    let mut sink = String::new();
    let _ = std::io::stdin().read_line(&mut sink);
    drop(rt);
}

struct Sample {
    secs: f64,
    cpu: f64,
    done: f64,
    errors: f64,
    p99_ms: f64,
    p50_ms: f64,
    counts: Counts,
}

fn run_client(
    mode: &str,
    concurrency: usize,
    port: u16,
    cert: &std::path::Path,
    stats: &Stats,
) -> Sample {
    stats.reset();
    let requests = concurrency * WAVES;
    let mut child = pinned(1)
        .args([
            "realistic-client",
            mode,
            &concurrency.to_string(),
            &requests.to_string(),
            &port.to_string(),
            cert.to_str().unwrap(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start a bench client");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let counts = counts(stats);
    drop(child.stdin.take());
    let status = child.wait().unwrap();
    assert!(status.success(), "client {mode} failed");
    let v: Vec<f64> = line
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    Sample {
        secs: v[0],
        cpu: v[1],
        done: v[2],
        errors: v[3],
        p99_ms: v[4],
        p50_ms: v[5],
        counts,
    }
}

/// Medians of one cell (scenario × client × concurrency).
struct Cell {
    secs: f64,
    rps: f64,
    cpu_ms_per_1k: f64,
    tcp: f64,
    tls: f64,
    carried: f64,
    unused_open: f64,
    p99_ms: f64,
    p50_ms: f64,
    errors: f64,
    done: f64,
}

fn cell(samples: &[Sample]) -> Cell {
    let med = |f: &dyn Fn(&Sample) -> f64| {
        let mut v: Vec<f64> = samples.iter().map(f).collect();
        median(&mut v)
    };
    Cell {
        secs: med(&|s| s.secs),
        rps: med(&|s| s.done / s.secs),
        cpu_ms_per_1k: med(&|s| s.cpu * 1e3 / s.done.max(1.0) * 1e3),
        tcp: med(&|s| s.counts.tcp as f64),
        tls: med(&|s| s.counts.handshakes as f64),
        carried: med(&|s| s.counts.carried as f64),
        unused_open: med(&|s| s.counts.unused_open as f64),
        p99_ms: med(&|s| s.p99_ms),
        p50_ms: med(&|s| s.p50_ms),
        errors: samples.iter().map(|s| s.errors).sum(),
        done: med(&|s| s.done),
    }
}

/// One scenario, one client, one concurrency, `runs` times: the raw lines.
pub fn probe(scenario: usize, mode: &str, concurrency: usize, runs: usize) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let stats = Arc::new(Stats::default());
    let (port, cert) = start_server(&rt, SCENARIOS[scenario], stats.clone());
    let cert_path = std::env::temp_dir().join(format!("linq-bench-realistic-{port}.der"));
    std::fs::write(&cert_path, cert).unwrap();
    println!("{}: {mode} at {concurrency}", SCENARIOS[scenario].name);
    println!("secs cpu_ms_per_1k tcp tls carried unused_open p50_ms p99_ms errors");
    for _ in 0..runs {
        let s = run_client(mode, concurrency, port, &cert_path, &stats);
        println!(
            "{:.3} {:.1} {} {} {} {} {:.1} {:.1} {}",
            s.secs,
            s.cpu * 1e6 / s.done.max(1.0),
            s.counts.tcp,
            s.counts.handshakes,
            s.counts.carried,
            s.counts.unused_open,
            s.p50_ms,
            s.p99_ms,
            s.errors
        );
    }
    let _ = std::fs::remove_file(&cert_path);
}

pub fn report() {
    println!("## Realistic link: TLS on loopback, 50 ms per request, cold clients");
    println!();
    println!(
        "Each request is held {} ms by the server; each run sends {WAVES} requests per task \
         (4,864 at 256 in flight) from a fresh client process, so every run starts cold. Cells \
         are medians of {ROUNDS} runs, raw and linq alternating. The floor is N × hold / C. \
         TCP, TLS and \"carried\" (connections that carried at least one request) are counted \
         by the server; \"unused open\" is connections that carried nothing and were still \
         open when the run ended. First wave: p50 and p99 latency of each task's first request.",
        HOLD.as_millis()
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mut results: Vec<(Scenario, &str, usize, Cell)> = Vec::new();
    for scenario in SCENARIOS {
        let stats = Arc::new(Stats::default());
        let (port, cert) = start_server(&rt, scenario, stats.clone());
        let cert_path = std::env::temp_dir().join(format!("linq-bench-realistic-{port}.der"));
        std::fs::File::create(&cert_path)
            .and_then(|mut f| f.write_all(&cert))
            .unwrap();
        println!();
        println!("### {}", scenario.name);
        println!();
        println!(
            "| in flight | client | wall s (floor) | req/s | CPU ms / 1k req | TCP | TLS | carried | unused open | first wave p50 / p99 ms | errors |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|---|");
        for concurrency in CONCURRENCY {
            let (mut raw, mut linq) = (Vec::new(), Vec::new());
            for round in 0..ROUNDS {
                let order = if round % 2 == 0 {
                    ["raw", "linq"]
                } else {
                    ["linq", "raw"]
                };
                for mode in order {
                    let s = run_client(mode, concurrency, port, &cert_path, &stats);
                    if mode == "raw" { &mut raw } else { &mut linq }.push(s);
                }
            }
            let floor = (concurrency * WAVES) as f64 * HOLD.as_secs_f64() / concurrency as f64;
            for (name, samples) in [("raw hyper-util", &raw), ("linq-client", &linq)] {
                let c = cell(samples);
                println!(
                    "| {concurrency} | {name} | {:.3} ({floor:.2}) | {:.0} | {:.1} | {:.0} | {:.0} | {:.0} | {:.0} | {:.1} / {:.1} | {:.0} |",
                    c.secs,
                    c.rps,
                    c.cpu_ms_per_1k,
                    c.tcp,
                    c.tls,
                    c.carried,
                    c.unused_open,
                    c.p50_ms,
                    c.p99_ms,
                    c.errors
                );
                results.push((
                    scenario,
                    if name == "raw hyper-util" {
                        "raw"
                    } else {
                        "linq"
                    },
                    concurrency,
                    c,
                ));
            }
            crate::flush();
        }
        let _ = std::fs::remove_file(&cert_path);
    }
    targets(&results);
}

fn targets(results: &[(Scenario, &str, usize, Cell)]) {
    let find = |name: &str, mode: &str, c: usize| {
        results
            .iter()
            .find(|r| r.0.name == name && r.1 == mode && r.2 == c)
            .map(|r| &r.3)
            .unwrap()
    };
    let cold = find(SCENARIOS[0].name, "linq", 256);
    let capped = find(SCENARIOS[1].name, "linq", 256);
    let h1 = find(SCENARIOS[2].name, "linq", 256);
    let raw_capped = find(SCENARIOS[1].name, "raw", 256);
    let raw_h1 = find(SCENARIOS[2].name, "raw", 256);
    let hold_ms = HOLD.as_secs_f64() * 1e3;
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!();
    println!("### Against the targets (linq-client, medians)");
    println!();
    println!("| target | measured | verdict |");
    println!("|---|---|---|");
    println!(
        "| cold h2 burst at 256: ≤ 2 TLS handshakes | {:.0} (raw hyper-util: {:.0}) | {} |",
        cold.tls,
        find(SCENARIOS[0].name, "raw", 256).tls,
        verdict(cold.tls <= 2.0)
    );
    println!(
        "| cold h2 burst at 256: first-wave p99 ≤ 1.3 × hold ({:.0} ms) | {:.1} ms (raw: {:.1} ms) | {} |",
        hold_ms * 1.3,
        cold.p99_ms,
        find(SCENARIOS[0].name, "raw", 256).p99_ms,
        verdict(cold.p99_ms <= hold_ms * 1.3)
    );
    println!(
        "| 100-stream cap at 256: ≥ 0.9 × HTTP/1.1 req/s | {:.0} / {:.0} = {:.2}× (raw: {:.2}×) | {} |",
        capped.rps,
        h1.rps,
        capped.rps / h1.rps,
        raw_capped.rps / raw_h1.rps,
        verdict(capped.rps >= 0.9 * h1.rps)
    );
    println!(
        "| HTTP/1.1 at 256: connections ≤ 256 + dial concurrency (32), none unused left open | {:.0} opened, {:.0} carried, {:.0} unused open | {} |",
        h1.tcp,
        h1.carried,
        h1.unused_open,
        verdict(h1.tcp <= 288.0 && h1.unused_open == 0.0)
    );
    let errors: f64 = results.iter().map(|r| r.3.errors).sum();
    let short = results
        .iter()
        .filter(|r| r.3.done < (r.2 * WAVES) as f64)
        .count();
    println!();
    println!(
        "Failed requests over all runs: {errors:.0}; cells cut short by the deadline: {short}."
    );
}

/// *ring* for the test servers (rustls 0.23.48 deprecates it for lacking
/// post-quantum key exchange, which loopback tests do not need).
#[allow(deprecated, reason = "ring is enough for loopback test servers")]
fn ring_provider() -> tokio_rustls::rustls::crypto::CryptoProvider {
    tokio_rustls::rustls::crypto::ring::default_provider()
}
