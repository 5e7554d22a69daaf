//! A raw HTTP/1.1 server on loopback that misbehaves on demand: one scripted
//! [`Fault`] per request, in order, then a default for the rest.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// A normal reply.
    Reply {
        /// Status code.
        status: u16,
        /// Extra headers.
        headers: Vec<(&'static str, String)>,
        /// Body bytes.
        body: Vec<u8>,
    },
    /// Reset the connection before reading the request.
    ResetBeforeRead,
    /// Read the whole request (it counts as processed), then reset.
    ResetAfterRead,
    /// Read the request, wait this long, then reply 200 `{}`.
    Stall(Duration),
    /// Claim `Content-Length: claimed`, send `body` (shorter), close.
    LyingLength {
        /// The length announced.
        claimed: usize,
        /// What is actually sent.
        body: Vec<u8>,
    },
    /// Send the headers, then the body one byte every `every`.
    Trickle {
        /// The body.
        body: Vec<u8>,
        /// Delay between bytes.
        every: Duration,
    },
}

impl Fault {
    /// A reply with a JSON body.
    pub fn json(status: u16, body: &str) -> Self {
        Self::Reply {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// A reply with extra headers.
    pub fn with_header(self, name: &'static str, value: impl Into<String>) -> Self {
        match self {
            Self::Reply {
                status,
                mut headers,
                body,
            } => {
                headers.push((name, value.into()));
                Self::Reply {
                    status,
                    headers,
                    body,
                }
            }
            other => other,
        }
    }
}

/// A request the fault server read.
#[derive(Debug, Clone)]
pub struct RawRequest {
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
}

impl RawRequest {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The misbehaving server.
pub struct FaultServer {
    /// Where it listens.
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<RawRequest>>>,
    connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultServer {
    /// Serves `script` in order, then `rest` for every later request.
    pub async fn start(script: Vec<Fault>, rest: Fault) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (reqs, conns) = (requests.clone(), connections.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                conns.fetch_add(1, Ordering::SeqCst);
                let (script, reqs, rest) = (script.clone(), reqs.clone(), rest.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, script, reqs, rest).await;
                });
            }
        });
        Self {
            addr,
            requests,
            connections,
            task,
        }
    }

    /// `http://127.0.0.1:PORT/api/partner`.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/partner", self.addr)
    }

    /// Requests read so far (a reset before reading leaves none).
    pub fn requests(&self) -> Vec<RawRequest> {
        self.requests.lock().unwrap().clone()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

async fn serve(
    stream: TcpStream,
    script: Arc<Mutex<VecDeque<Fault>>>,
    requests: Arc<Mutex<Vec<RawRequest>>>,
    rest: Fault,
) -> std::io::Result<()> {
    let mut stream = BufReader::new(stream);
    loop {
        // Only take a fault once bytes arrive, so idle pooled connections
        // do not consume the script.
        if stream.fill_buf().await?.is_empty() {
            return Ok(());
        }
        let fault = script.lock().unwrap().pop_front().unwrap_or(rest.clone());
        if let Fault::ResetBeforeRead = fault {
            return reset(stream.into_inner());
        }
        let request = read_request(&mut stream).await?;
        requests.lock().unwrap().push(request);
        let out = stream.get_mut();
        match fault {
            Fault::ResetBeforeRead => unreachable!(),
            Fault::ResetAfterRead => return reset(stream.into_inner()),
            Fault::Reply {
                status,
                headers,
                body,
            } => write_reply(out, status, &headers, &body, body.len()).await?,
            Fault::Stall(wait) => {
                tokio::time::sleep(wait).await;
                write_reply(out, 200, &[], b"{}", 2).await?;
            }
            Fault::LyingLength { claimed, body } => {
                write_reply(out, 200, &[], &body, claimed).await?;
                return Ok(());
            }
            Fault::Trickle { body, every } => {
                write_reply(out, 200, &[], &[], body.len()).await?;
                for byte in body {
                    tokio::time::sleep(every).await;
                    out.write_all(&[byte]).await?;
                    out.flush().await?;
                }
            }
        }
    }
}

fn reset(stream: TcpStream) -> std::io::Result<()> {
    // Linger 0 turns the close into a TCP reset.
    stream.set_zero_linger()?;
    drop(stream);
    Ok(())
}

async fn read_request(stream: &mut BufReader<TcpStream>) -> std::io::Result<RawRequest> {
    // The request line; the tests look only at headers.
    stream.read_line(&mut String::new()).await?;
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        stream.read_line(&mut header).await?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let len = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    // Read (and drop) the body, so the next request starts where it ends.
    let mut body = vec![0; len];
    stream.read_exact(&mut body).await?;
    Ok(RawRequest { headers })
}

async fn write_reply(
    out: &mut TcpStream,
    status: u16,
    headers: &[(&'static str, String)],
    body: &[u8],
    content_length: usize,
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {content_length}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes()).await?;
    out.write_all(body).await?;
    out.flush().await
}
