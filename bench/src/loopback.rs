//! The loopback benchmark: raw hyper client vs linq-client, same server.

use std::convert::Infallible;
use std::io::Read;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};

use crate::{
    AddBody, AddReply, CHAT, HANDLE, REPLY, cpu_time, marginal_instructions, median, peak_rss_kib,
    run_numbers, start_server,
};

const ROUNDS: usize = 15;

/// Serves until stdin closes; prints the address first.
pub fn serve() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("{}", listener.local_addr().unwrap());
        crate::flush();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(hyper::server::conn::http1::Builder::new().serve_connection(
                    TokioIo::new(stream),
                    service_fn(|req: http::Request<hyper::body::Incoming>| async move {
                        let _ = req.into_body().collect().await;
                        Ok::<_, Infallible>(
                            http::Response::builder()
                                .status(202)
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from_static(REPLY)))
                                .unwrap(),
                        )
                    }),
                ));
            }
        });
        // Exit when the parent closes our stdin.
        tokio::task::spawn_blocking(|| {
            let mut sink = [0u8; 1];
            let _ = std::io::stdin().read(&mut sink);
        })
        .await
        .unwrap();
    });
}

type Runner = Arc<dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>>;

/// One request of the given kind, as a closure the drivers call repeatedly.
fn runner(mode: &str, base: &str) -> Runner {
    match mode {
        "raw" => {
            let client = raw_hyper_client();
            let base = base.to_owned();
            Arc::new(move || {
                let client = client.clone();
                // Built per call, as any client must when the chat varies.
                let uri: http::Uri = format!("{base}/v3/chats/{CHAT}/participants")
                    .parse()
                    .unwrap();
                Box::pin(async move {
                    let body = serde_json::to_vec(&AddBody { handle: HANDLE }).unwrap();
                    let request = http::Request::post(uri)
                        .header("authorization", "Bearer sk_bench")
                        .header("content-type", "application/json")
                        .header("accept", "application/json")
                        .header("user-agent", "raw-hyper")
                        .body(Full::new(Bytes::from(body)))
                        .unwrap();
                    let response = client.request(request).await.unwrap();
                    let bytes = response.into_body().collect().await.unwrap().to_bytes();
                    let reply: AddReply = serde_json::from_slice(&bytes).unwrap();
                    std::hint::black_box(reply);
                })
            })
        }
        "linq" | "linq-minimal" => {
            let mut builder = linq_client::Client::builder()
                .api_key("sk_bench")
                .base_url(base);
            if mode == "linq-minimal" {
                builder = builder.transport(MinimalTransport::new());
            }
            let client = builder.build().unwrap();
            Arc::new(move || {
                let client = client.clone();
                Box::pin(async move {
                    let reply = client
                        .chats()
                        .participants()
                        .add(CHAT, HANDLE)
                        .await
                        .unwrap();
                    std::hint::black_box(reply);
                })
            })
        }
        other => panic!("unknown mode {other}"),
    }
}

/// Opens one pooled connection per concurrent task.
async fn warm_up(run: &Runner, concurrency: usize) {
    let warm: Vec<_> = (0..concurrency).map(|_| run()).collect();
    for w in warm {
        w.await;
    }
}

/// `requests` requests over `concurrency` tasks; returns (seconds, CPU
/// seconds of this process).
async fn drive(run: &Runner, concurrency: usize, requests: usize) -> (f64, f64) {
    let per_task = requests / concurrency;
    let local = tokio::task::LocalSet::new();
    let cpu0 = cpu_time();
    let start = Instant::now();
    local
        .run_until(async {
            let tasks: Vec<_> = (0..concurrency)
                .map(|_| {
                    let run = run.clone();
                    tokio::task::spawn_local(async move {
                        for _ in 0..per_task {
                            run().await;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        })
        .await;
    (
        start.elapsed().as_secs_f64(),
        (cpu_time() - cpu0).as_secs_f64(),
    )
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// One measured client run, in its own process, printed as one line:
/// `rps cpu_us_per_request peak_rss_kib`.
pub fn client_process(mode: &str, concurrency: usize, requests: usize, addr: &str) {
    let base = format!("http://{addr}/api/partner");
    let (rps, cpu) = current_thread().block_on(async {
        let run = runner(mode, &base);
        warm_up(&run, concurrency).await;
        let (secs, cpu) = drive(&run, concurrency, requests).await;
        let done = (requests / concurrency * concurrency) as f64;
        (done / secs, cpu * 1e6 / done)
    });
    println!("{rps:.1} {cpu:.3} {}", peak_rss_kib());
}

/// Both clients in one process, in alternating blocks of requests, so that
/// the machine's drift lands on both alike. Prints
/// `throughput_ratio cpu_ratio` (linq / raw).
pub fn interleaved_process(concurrency: usize, requests: usize, addr: &str) {
    const BLOCKS: usize = 20;
    let base = format!("http://{addr}/api/partner");
    let (tput, cpu) = current_thread().block_on(async {
        let raw = runner("raw", &base);
        let linq = runner("linq", &base);
        warm_up(&raw, concurrency).await;
        warm_up(&linq, concurrency).await;
        let block = requests / BLOCKS;
        let (mut raw_total, mut linq_total) = ((0.0, 0.0), (0.0, 0.0));
        for i in 0..BLOCKS {
            let order = if i % 2 == 0 {
                [&raw, &linq]
            } else {
                [&linq, &raw]
            };
            for run in order {
                let (secs, cpu) = drive(run, concurrency, block).await;
                let total = if Arc::ptr_eq(run, &raw) {
                    &mut raw_total
                } else {
                    &mut linq_total
                };
                total.0 += secs;
                total.1 += cpu;
            }
        }
        // Same request count on both sides: time ratios invert into rates.
        (raw_total.0 / linq_total.0, linq_total.1 / raw_total.1)
    });
    println!("{tput:.4} {cpu:.4}");
}

/// The raw client's hyper stack behind the `Transport` trait: isolates the
/// SDK's own cost from HyperTransport's (TLS-capable connector, proxy
/// matching, body limit).
struct MinimalTransport {
    client: HyperClient<HttpConnector, Full<Bytes>>,
}

impl MinimalTransport {
    fn new() -> Self {
        Self {
            client: raw_hyper_client(),
        }
    }
}

/// The hand-written client's stack: hyper-util's pooled client, plain TCP.
fn raw_hyper_client() -> HyperClient<HttpConnector, Full<Bytes>> {
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    HyperClient::builder(TokioExecutor::new()).build(http)
}

impl linq_transport::Transport for MinimalTransport {
    fn send(
        &self,
        request: http::Request<Bytes>,
        _options: linq_transport::SendOptions,
    ) -> linq_transport::BoxFuture<'_, Result<http::Response<Bytes>, linq_transport::TransportError>>
    {
        Box::pin(async move {
            let response = self
                .client
                .request(request.map(Full::new))
                .await
                .map_err(|e| linq_transport::TransportError::Io(e.into()))?;
            let (parts, body) = response.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|e| linq_transport::TransportError::Body(e.into()))?
                .to_bytes();
            Ok(http::Response::from_parts(parts, body))
        })
    }
}

struct Sample {
    rps: f64,
    cpu_us: f64,
    rss_kib: f64,
}

fn run_client(mode: &str, concurrency: usize, requests: usize, addr: &str) -> Sample {
    let (c, n) = (concurrency.to_string(), requests.to_string());
    let v = run_numbers(&["client", mode, &c, &n, addr]);
    Sample {
        rps: v[0],
        cpu_us: v[1],
        rss_kib: v[2],
    }
}

pub fn report() {
    let (mut server, addr) = start_server();
    println!("## Loopback: linq-client vs a hand-written hyper client");
    println!();
    println!(
        "Each cell is the median of {ROUNDS} rounds, each a fresh client process; raw and linq \
         alternate (order swapped every round) and the ratios are the median of the per-round \
         ratios, with their range. Where `taskset` exists the server runs on core 0 and the \
         clients on core 1."
    );
    println!();
    println!("| concurrency | client | requests/s | CPU µs/request | peak RSS KiB |");
    println!("|---|---|---|---|---|");
    let mut ratios = Vec::new();
    for (concurrency, requests) in [(1usize, 6_000usize), (16, 32_000)] {
        let (mut raw, mut linq) = (Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            // Alternate the order too, so neither always runs second.
            if round % 2 == 0 {
                raw.push(run_client("raw", concurrency, requests, &addr));
                linq.push(run_client("linq", concurrency, requests, &addr));
            } else {
                linq.push(run_client("linq", concurrency, requests, &addr));
                raw.push(run_client("raw", concurrency, requests, &addr));
            }
        }
        let med = |s: &[Sample], f: fn(&Sample) -> f64| {
            let mut v: Vec<f64> = s.iter().map(f).collect();
            median(&mut v)
        };
        let rows = [("raw hyper", &raw), ("linq-client", &linq)];
        for (name, samples) in rows {
            println!(
                "| {concurrency} | {name} | {:.0} | {:.1} | {:.0} |",
                med(samples, |s| s.rps),
                med(samples, |s| s.cpu_us),
                med(samples, |s| s.rss_kib)
            );
        }
        let paired = |f: fn(&Sample) -> f64| {
            let mut v: Vec<f64> = raw.iter().zip(&linq).map(|(r, l)| f(l) / f(r)).collect();
            let (lo, hi) = (
                v.iter().copied().fold(f64::INFINITY, f64::min),
                v.iter().copied().fold(0.0, f64::max),
            );
            (median(&mut v), lo, hi)
        };
        ratios.push((concurrency, paired(|s| s.rps), paired(|s| s.cpu_us)));
    }
    println!();
    println!(
        "| concurrency | throughput linq/raw (target ≥ 0.95) | CPU per request linq/raw (target ≤ 1.10) |"
    );
    println!("|---|---|---|");
    for (c, (t, tlo, thi), (u, ulo, uhi)) in ratios {
        println!("| {c} | {t:.3} ({tlo:.2}–{thi:.2}) | {u:.3} ({ulo:.2}–{uhi:.2}) |");
    }
    interleaved_report(&addr);
    instruction_report(&addr);
    drop(server.stdin.take());
    let _ = server.wait();
}

/// Ratios from both clients alternating in blocks inside one process,
/// repeated in fresh processes.
fn interleaved_report(addr: &str) {
    const RUNS: usize = 7;
    println!();
    println!(
        "Both clients in one process, alternating in 20 blocks (median of {RUNS} processes, range):"
    );
    println!();
    println!(
        "| concurrency | throughput linq/raw (target ≥ 0.95) | CPU per request linq/raw (target ≤ 1.10) |"
    );
    println!("|---|---|---|");
    for (concurrency, requests) in [(1usize, 8_000usize), (16, 40_000)] {
        let (mut tput, mut cpu) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            let (c, n) = (concurrency.to_string(), requests.to_string());
            let v = run_numbers(&["interleaved", &c, &n, addr]);
            tput.push(v[0]);
            cpu.push(v[1]);
        }
        let range = |v: &[f64]| {
            (
                v.iter().copied().fold(f64::INFINITY, f64::min),
                v.iter().copied().fold(0.0, f64::max),
            )
        };
        let ((tlo, thi), (clo, chi)) = (range(&tput), range(&cpu));
        println!(
            "| {concurrency} | {:.3} ({tlo:.2}–{thi:.2}) | {:.3} ({clo:.2}–{chi:.2}) |",
            median(&mut tput),
            median(&mut cpu)
        );
    }
}

/// Client instructions per request under callgrind: the difference between
/// a long and a short run, so start-up cancels. Unlike time, instruction
/// counts do not move with what else the machine is doing.
fn instructions_per_request(mode: &str, concurrency: usize, addr: &str) -> Option<f64> {
    marginal_instructions(100 * concurrency, 500 * concurrency, |n| {
        [
            "client",
            mode,
            &concurrency.to_string(),
            &n.to_string(),
            addr,
        ]
        .map(String::from)
        .to_vec()
    })
}

fn instruction_report(addr: &str) {
    println!();
    println!("Instructions per request (callgrind; marginal over a short and a long run):");
    println!();
    println!(
        "| concurrency | raw hyper | linq-client | linq/raw (target ≤ 1.10) | linq-client over a minimal hyper transport |"
    );
    println!("|---|---|---|---|---|");
    for concurrency in [1usize, 16] {
        let measure = |mode| instructions_per_request(mode, concurrency, addr);
        let (Some(raw), Some(linq), Some(minimal)) =
            (measure("raw"), measure("linq"), measure("linq-minimal"))
        else {
            println!("| {concurrency} | valgrind not available | | | |");
            return;
        };
        println!(
            "| {concurrency} | {raw:.0} | {linq:.0} | {:.3} | {minimal:.0} |",
            linq / raw
        );
    }
}
