//! Shared support for the workspace-level tests: a scriptable HTTP server on
//! an ephemeral loopback port, and a harness that runs one scenario over both
//! the hyper transport (through that server) and the in-memory transport.

pub mod fault;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, Method, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use linq_client::{Client, InMemoryTransport};
use linq_transport::HyperTransport;
use tokio::net::TcpListener;

/// The key every test client sends.
pub const TEST_KEY: &str = "sk_test_0123456789";
/// The seed's chat and handle.
pub const CHAT: &str = "550e8400-e29b-41d4-a716-446655440000";
/// The seed's handle.
pub const HANDLE: &str = "+12052499136";

/// A request as a handler saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Method.
    pub method: Method,
    /// Path and query, as sent (the base URL's prefix included).
    pub path_and_query: String,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl Seen {
    fn new(parts: http::request::Parts, body: Bytes) -> Self {
        Seen {
            method: parts.method,
            path_and_query: parts
                .uri
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            headers: parts.headers,
            body,
        }
    }

    /// A header as text, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("body is JSON")
    }
}

/// A scripted reply.
pub type Handler = Arc<dyn Fn(&Seen) -> Response<Bytes> + Send + Sync>;

/// Builds a reply with a JSON body.
pub fn json_reply(status: u16, body: &str) -> Response<Bytes> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Bytes::copy_from_slice(body.as_bytes()))
        .unwrap()
}

/// Builds a reply with a raw body and content type.
pub fn raw_reply(status: u16, content_type: &str, body: &str) -> Response<Bytes> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Bytes::copy_from_slice(body.as_bytes()))
        .unwrap()
}

/// The log of requests a scenario's server saw.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<Seen>>>);

impl Log {
    fn push(&self, seen: Seen) {
        self.0.lock().unwrap().push(seen);
    }

    /// Everything seen so far.
    pub fn all(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }

    /// How many requests arrived.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// True when nothing arrived.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An HTTP/1.1 + HTTP/2 server on 127.0.0.1 with an ephemeral port.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// What it saw.
    pub log: Log,
    /// Connections accepted.
    pub connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    /// Starts a server answering with `handler`.
    pub async fn start(handler: Handler) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Log::default();
        let connections = Arc::new(AtomicUsize::new(0));
        let (log2, conns2) = (log.clone(), connections.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                conns2.fetch_add(1, Ordering::SeqCst);
                let (handler, log) = (handler.clone(), log2.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let (handler, log) = (handler.clone(), log.clone());
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let seen = Seen::new(parts, body);
                            log.push(seen.clone());
                            Ok::<_, Infallible>(handler(&seen).map(Full::new))
                        }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            addr,
            log,
            connections,
            task,
        }
    }

    /// `http://127.0.0.1:PORT/api/partner`.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/partner", self.addr)
    }
}

/// Which transport a scenario ran over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Over {
    /// hyper, through a real loopback socket.
    Hyper,
    /// The in-memory transport, no sockets.
    InMemory,
}

/// A client and the log of what its server saw.
pub struct Rig {
    /// The client under test.
    pub client: Client,
    /// Requests the server saw.
    pub log: Log,
    _server: Option<TestServer>,
}

impl Rig {
    /// A client over `over`, answering with `handler`, retries off unless
    /// the test turns them on.
    pub async fn new(over: Over, handler: Handler) -> Self {
        Self::with(over, handler, |b| b.max_retries(0)).await
    }

    /// Sends the seed call: add [`HANDLE`] to [`CHAT`].
    pub async fn add_seed(
        &self,
    ) -> Result<linq_types::models::chats::AcceptedResponse, linq_client::Error> {
        self.client.chats().participants().add(CHAT, HANDLE).await
    }

    /// Connections the loopback server accepted (0 over the in-memory transport).
    pub fn connections(&self) -> usize {
        self._server
            .as_ref()
            .map_or(0, |s| s.connections.load(Ordering::SeqCst))
    }

    /// Like [`Rig::new`], with extra client settings.
    pub async fn with(
        over: Over,
        handler: Handler,
        configure: impl FnOnce(linq_client::ClientBuilder) -> linq_client::ClientBuilder,
    ) -> Self {
        match over {
            Over::Hyper => {
                let server = TestServer::start(handler).await;
                let client = configure(
                    Client::builder()
                        .api_key(TEST_KEY)
                        .base_url(server.base_url())
                        .transport(HyperTransport::new()),
                )
                .build()
                .unwrap();
                Rig {
                    client,
                    log: server.log.clone(),
                    _server: Some(server),
                }
            }
            Over::InMemory => {
                let log = Log::default();
                let log2 = log.clone();
                let transport = InMemoryTransport::new(move |req: http::Request<Bytes>| {
                    let (parts, body) = req.into_parts();
                    let seen = Seen::new(parts, body);
                    log2.push(seen.clone());
                    handler(&seen)
                });
                let client = configure(
                    Client::builder()
                        .api_key(TEST_KEY)
                        .base_url("https://api.linqapp.com/api/partner")
                        .transport(transport),
                )
                .build()
                .unwrap();
                Rig {
                    client,
                    log,
                    _server: None,
                }
            }
        }
    }
}

/// Both transports, for scenarios that must behave the same over each.
pub const BOTH: [Over; 2] = [Over::Hyper, Over::InMemory];

/// The standard error envelope.
pub fn envelope(status: u16, code: u32, message: &str) -> Response<Bytes> {
    json_reply(
        status,
        &format!(
            r#"{{"error":{{"status":{status},"code":{code},"message":"{message}"}},"success":false}}"#
        ),
    )
}

/// Asserts a status, for readable test failures.
pub fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap()
}

/// A client on `sandbox`'s in-memory transport, with the transport kept so a
/// test can read back every request the client sent.
pub fn sandbox_client(sandbox: &linq_sandbox::Sandbox) -> (Client, InMemoryTransport) {
    let transport = sandbox.transport().recording();
    let client = Client::builder()
        .api_key(sandbox.api_key())
        .transport(transport.clone())
        .build()
        .expect("a sandbox client builds");
    (client, transport)
}
