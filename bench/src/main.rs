//! linq-rs benchmarks. Run through `cargo xtask bench` (release build).
//!
//! - Over loopback: a hyper server in its own process answers
//!   `POST /v3/chats/{id}/participants`; client processes drive it with (a) a
//!   minimal hand-written hyper client and (b) linq-client over
//!   HyperTransport, in alternating rounds so machine drift cancels.
//! - Realistic link: a TLS server on loopback holding each request 50 ms,
//!   with and without a cap on HTTP/2 streams and a connection set-up delay;
//!   cold linq-client and raw hyper-util + hyper-rustls clients at 1 to 256
//!   requests in flight, counting connections and handshakes.
//! - In memory: one `participants().add` over InMemoryTransport against a
//!   bare floor (the same request built with `http`, the same JSON through
//!   serde_json), with heap allocations counted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

mod loopback;
mod memory;
mod pagination;
mod realistic;
mod soak;
mod webhook;

/// Counts heap allocations, for the allocations-per-call figure.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

pub(crate) fn allocations() -> u64 {
    ALLOCATIONS.load(Ordering::Relaxed)
}

/// The seed call's body, as a hand-written client would encode it.
#[derive(serde::Serialize)]
pub(crate) struct AddBody<'a> {
    pub(crate) handle: &'a str,
}

/// The seed call's reply, as a hand-written client would decode it.
#[derive(serde::Deserialize)]
#[allow(dead_code)]
pub(crate) struct AddReply {
    message: Option<String>,
    status: Option<String>,
    trace_id: Option<String>,
}

pub(crate) const CHAT: &str = "550e8400-e29b-41d4-a716-446655440000";
pub(crate) const HANDLE: &str = "+12052499136";
pub(crate) const REPLY: &[u8] =
    br#"{"message":"Participant addition queued","status":"accepted","trace_id":"trace_bench"}"#;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["serve"] => loopback::serve(),
        ["client", mode, concurrency, requests, addr] => loopback::client_process(
            mode,
            concurrency.parse().expect("concurrency"),
            requests.parse().expect("requests"),
            addr,
        ),
        ["memory"] => memory::report(),
        ["loopback"] => loopback::report(),
        ["interleaved", concurrency, requests, addr] => loopback::interleaved_process(
            concurrency.parse().expect("concurrency"),
            requests.parse().expect("requests"),
            addr,
        ),
        ["pagination"] => pagination::report(),
        ["soak", secs] => soak::run(secs.parse().expect("seconds")),
        ["realistic"] => realistic::report(),
        ["realistic-probe", scenario, mode, concurrency, runs] => realistic::probe(
            scenario.parse().expect("scenario index"),
            mode,
            concurrency.parse().expect("concurrency"),
            runs.parse().expect("runs"),
        ),
        ["realistic-client", mode, concurrency, requests, port, cert] => realistic::client_process(
            mode,
            concurrency.parse().expect("concurrency"),
            requests.parse().expect("requests"),
            port,
            cert,
        ),
        ["memory-run", path, calls] => memory::run_path(path, calls.parse().expect("call count")),
        ["stream", total] => pagination::stream_process(total.parse().expect("item count")),
        [] | ["all"] => run_all(),
        ["webhook"] => webhook::report(),
        ["webhook-run", path, calls] => webhook::run_path(path, calls.parse().expect("call count")),
        _ => {
            eprintln!(
                "usage: linq-bench [all | webhook | loopback | memory | memory-run sdk|floor N | webhook-run verify|event N | pagination | realistic | realistic-probe SCENARIO raw|linq N RUNS | soak SECS | serve | client raw|linq N REQUESTS ADDR | stream N]"
            );
            std::process::exit(2);
        }
    }
}

fn run_all() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("# linq-rs benchmarks");
    println!();
    println!("machine: {cores} cores, {}", std::env::consts::ARCH);
    println!();
    loopback::report();
    println!();
    realistic::report();
    println!();
    memory::report();
    println!();
    pagination::report();
    webhook::report();
}

/// This benchmark binary as a command, pinned to `core` with `taskset`
/// when the machine has it and more than one core, so that the server and
/// the client measured do not trade places on the same core.
pub(crate) fn pinned(core: usize) -> Command {
    let exe = std::env::current_exe().unwrap();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let taskset = std::path::Path::new("/usr/bin/taskset");
    if cores > 1 && taskset.exists() {
        let mut cmd = Command::new(taskset);
        cmd.arg("-c").arg(core.to_string()).arg(exe);
        cmd
    } else {
        Command::new(exe)
    }
}

/// Runs this binary (pinned to core 1) with `args` and parses the numbers it
/// prints on one line.
pub(crate) fn run_numbers(args: &[&str]) -> Vec<f64> {
    let out = pinned(1).args(args).output().expect("run a bench child");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect()
}

/// Instructions per unit of work under callgrind: this binary run with
/// `args(short)` and `args(long)`, the difference divided by `long - short`,
/// so start-up cancels. `None` when valgrind is not there.
pub(crate) fn marginal_instructions(
    short: usize,
    long: usize,
    args: impl Fn(usize) -> Vec<String>,
) -> Option<f64> {
    let count = |n: usize| -> Option<f64> {
        let out = Command::new("valgrind")
            .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(std::env::current_exe().ok()?)
            .args(args(n))
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stderr);
        let line = text.lines().find(|l| l.contains("Collected :"))?;
        line.rsplit(' ').next()?.parse().ok()
    };
    Some((count(long)? - count(short)?) / (long - short) as f64)
}

/// Starts `linq-bench serve` and returns the child and its address.
pub(crate) fn start_server() -> (std::process::Child, String) {
    let mut child = pinned(0)
        .arg("serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the bench server");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line.trim().to_owned())
}

/// CPU time of this process so far, all threads, from /proc (Linux).
pub(crate) fn cpu_time() -> Duration {
    let mut total = 0u64;
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for task in tasks.flatten() {
            let path = task.path().join("schedstat");
            if let Ok(text) = std::fs::read_to_string(path) {
                total += text
                    .split_whitespace()
                    .next()
                    .and_then(|n| n.parse::<u64>().ok())
                    .unwrap_or(0);
            }
        }
    }
    Duration::from_nanos(total)
}

/// Peak resident set size of this process, in KiB (Linux).
pub(crate) fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

pub(crate) fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

pub(crate) fn flush() {
    let _ = std::io::stdout().flush();
}
