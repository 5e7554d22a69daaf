//! The harness: a sandbox served on loopback, a private HOME, and the
//! built `linq` binary run against them.

use std::io::Write;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use linq_client::Client;
use linq_sandbox::{Clock, Sandbox, Server};
use serde_json::Value;

pub const KEY: &str = "sk_test_cli_0123456789abcdef";
pub const LINE: &str = "+12025550100";

pub struct Env {
    pub home: tempfile::TempDir,
    pub sandbox: Sandbox,
    pub base_url: String,
    pub rt: tokio::runtime::Runtime,
    _server: Server,
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }

    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }
}

impl From<Output> for Out {
    fn from(o: Output) -> Self {
        Self {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Env {
    pub fn new() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sandbox = Sandbox::builder().clock(Clock::System).api_key(KEY).build();
        let server = rt
            .block_on(sandbox.serve(([127, 0, 0, 1], 0).into()))
            .unwrap();
        let base_url = server.base_url();
        {
            let _guard = rt.enter();
            let _ticker = sandbox.auto_advance(Duration::from_millis(50));
        }
        Self {
            home: tempfile::tempdir().unwrap(),
            sandbox,
            base_url,
            rt,
            _server: server,
        }
    }

    /// The binary with this environment's HOME, key, URL and line.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_linq"));
        cmd.args(args)
            .env("HOME", self.home.path())
            .env("LINQ_API_V3_API_KEY", KEY)
            .env("LINQ_API_URL", &self.base_url)
            .env("LINQ_FROM_PHONE", LINE)
            .env("NO_COLOR", "1")
            .env_remove("LINQ_PROFILE")
            .env_remove("LINQ_TOKEN")
            .env_remove("LINQ_API_V3_BASE_URL")
            .env_remove("LINQ_WEBHOOK_SECRET")
            .stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Out {
        self.cmd(args).output().unwrap().into()
    }

    pub fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> Out {
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        child.wait_with_output().unwrap().into()
    }

    pub fn client(&self) -> Client {
        Client::builder()
            .api_key(KEY)
            .base_url(&self.base_url)
            .build()
            .unwrap()
    }

    /// Every message in the account, through the API.
    pub fn messages(&self) -> Vec<Value> {
        let client = self.client();
        self.rt.block_on(async {
            let chats = client
                .call_operation("chats.list_chats", serde_json::json!({"limit": 100}))
                .await
                .unwrap();
            let mut all = Vec::new();
            for chat in chats["chats"].as_array().unwrap() {
                let id = chat["id"].as_str().unwrap();
                let page = client
                    .call_operation(
                        "chats.messages.list",
                        serde_json::json!({"chatId": id, "limit": 100}),
                    )
                    .await
                    .unwrap();
                all.extend(page["messages"].as_array().unwrap().iter().cloned());
            }
            all
        })
    }
}

/// One request a [`Receiver`] got: headers and body.
pub type Delivered = (Vec<(String, String)>, Bytes);

/// A local webhook handler that keeps what it receives.
pub struct Receiver {
    pub url: String,
    pub got: Arc<Mutex<Vec<Delivered>>>,
}

impl Receiver {
    pub fn start(env: &Env) -> Self {
        let got: Arc<Mutex<Vec<Delivered>>> = Arc::default();
        let listener = env
            .rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let sink = Arc::clone(&got);
        env.rt.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let sink = Arc::clone(&sink);
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let sink = Arc::clone(&sink);
                        async move {
                            let headers = req
                                .headers()
                                .iter()
                                .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_owned()))
                                .collect();
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            sink.lock().unwrap().push((headers, body));
                            Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                                Bytes::from_static(b"ok"),
                            )))
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { url, got }
    }

    /// Waits until `n` deliveries arrived (fails after a deadline).
    pub fn wait_for(&self, n: usize) -> Vec<Delivered> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.got.lock().unwrap().clone();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "only {} of {n} deliveries arrived",
                got.len()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Kills a child left running when a test fails.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
