//! Serving the sandbox over HTTP/1.1 on loopback, and POSTing webhook
//! deliveries to loopback targets.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::{JoinHandle, JoinSet};

use crate::Sandbox;
use crate::deliver::start_delivery;
use crate::pipeline::{Outcome, Served};

/// Limits for [`Sandbox::serve_with`]. They keep one misbehaving client
/// (or a web page aiming at the port) from wedging the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServeOptions {
    /// How long a client may take to send a request's headers before the
    /// connection is closed (default 10 s).
    pub header_read_timeout: Duration,
    /// Connections served at once; one more is closed on accept
    /// (default 256).
    pub max_connections: usize,
    /// Largest request body read; a larger one is answered 413
    /// (default 16 MiB).
    pub body_limit: usize,
    /// How long a client may take to send a request's body once its
    /// headers are in; then it is answered 408 and the connection closed
    /// (default 10 s).
    pub body_read_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 256,
            body_limit: 16 << 20,
            body_read_timeout: Duration::from_secs(10),
        }
    }
}

impl ServeOptions {
    /// Sets [`header_read_timeout`](Self::header_read_timeout).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Sets [`max_connections`](Self::max_connections).
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n;
        self
    }

    /// Sets [`body_read_timeout`](Self::body_read_timeout).
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout;
        self
    }

    /// Sets [`body_limit`](Self::body_limit).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }
}

/// The wait after the `n`th accept error in a row: 10 ms doubling up to 1 s,
/// so a persistent error (out of file descriptors) does not spin a core.
pub(crate) fn accept_backoff(failures: u32) -> Duration {
    Duration::from_millis(10u64.saturating_mul(1 << failures.min(7)).min(1_000))
}

/// Whether a `Host` header names this machine: a loopback address or
/// `localhost`, with any port. Anything else may be a DNS-rebinding page.
pub(crate) fn loopback_host_header(value: Option<&http::HeaderValue>) -> bool {
    let Some(authority) = value
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<http::uri::Authority>().ok())
    else {
        return false;
    };
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Why [`Sandbox::serve`] could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The address is not loopback; the sandbox never listens elsewhere.
    #[error("refusing to listen on {0}: the sandbox only serves on loopback (127.0.0.1, ::1)")]
    NotLoopback(SocketAddr),
    /// Binding failed.
    #[error("could not listen: {0}")]
    Io(#[from] io::Error),
}

/// A running HTTP server for a sandbox. Dropping it stops serving and
/// closes its connections.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Server {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to give a client: `http://ADDR/api/partner`.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/partner", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub(crate) async fn serve(
    sandbox: Sandbox,
    addr: SocketAddr,
    options: ServeOptions,
) -> Result<Server, ServeError> {
    if !addr.ip().is_loopback() {
        return Err(ServeError::NotLoopback(addr));
    }
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    start_delivery(&sandbox);
    let slots = Arc::new(Semaphore::new(options.max_connections));
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        let mut failures = 0u32;
        loop {
            let stream = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        failures = 0;
                        stream
                    }
                    Err(_) => {
                        tokio::time::sleep(accept_backoff(failures)).await;
                        failures = failures.saturating_add(1);
                        continue;
                    }
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            };
            // Over the limit the connection is closed at once, unread.
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                drop(stream);
                continue;
            };
            let sandbox = sandbox.clone();
            connections.spawn(async move {
                let _slot = slot;
                let service = service_fn(move |request: Request<Incoming>| {
                    let sandbox = sandbox.clone();
                    async move {
                        Ok::<_, io::Error>(
                            answer(&sandbox, request, addr, options)
                                .await?
                                .map(Full::new),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(options.header_read_timeout)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(Server { addr, task })
}

/// One request over HTTP: the Host header, then the key (from the headers
/// alone, so a keyless client never gets its body read), then the body,
/// bounded in bytes and time, then the pipeline.
async fn answer(
    sandbox: &Sandbox,
    request: Request<Incoming>,
    addr: SocketAddr,
    options: ServeOptions,
) -> io::Result<Response<Bytes>> {
    let (mut parts, body) = request.into_parts();
    parts.extensions.insert(Served(addr));
    if !loopback_host_header(parts.headers.get(http::header::HOST)) {
        let message = "The Host header must name a loopback address or localhost";
        return Ok(sandbox.error(403, 2005, message));
    }
    let mut body = body;
    let body = if sandbox.admits(parts.uri.path(), &parts.headers, &parts.method) {
        match read_body(&mut body, &parts.headers, &options).await {
            Ok(body) => body,
            Err(BodyError::TooLarge) => {
                tokio::spawn(drain(body, options.body_read_timeout));
                let message = format!("Request body is larger than {} bytes", options.body_limit);
                return Ok(sandbox.error(413, 5005, &message));
            }
            Err(BodyError::TooSlow) => {
                let message = "The request body did not arrive in time";
                return Ok(sandbox.error(408, 1005, message));
            }
            Err(BodyError::Broken) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "body cut short",
                ));
            }
        }
    } else {
        // Answered 401 by the pipeline; the body is never read.
        Bytes::new()
    };
    match sandbox.answer(Request::from_parts(parts, body)).await {
        Outcome::Reply(response) => Ok(response),
        Outcome::Drop => Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "fault: drop the connection",
        )),
    }
}

enum BodyError {
    TooLarge,
    TooSlow,
    Broken,
}

/// Reads a body into one buffer, copying each frame as it arrives (a kept
/// frame would pin the connection's whole read buffer: ~8 KiB for a
/// one-byte segment), up to `body_limit` bytes and within
/// `body_read_timeout`.
async fn read_body(
    body: &mut Incoming,
    headers: &http::HeaderMap,
    options: &ServeOptions,
) -> Result<Bytes, BodyError> {
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > options.body_limit as u64) {
        return Err(BodyError::TooLarge);
    }
    // Reserve what is declared, but never much ahead of what arrives.
    let reserve = declared.map_or(0, |n| n.min(64 << 10) as usize);
    let mut buffer = Vec::with_capacity(reserve);
    let read = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| BodyError::Broken)?;
            if let Some(data) = frame.data_ref() {
                if buffer.len() + data.len() > options.body_limit {
                    return Err(BodyError::TooLarge);
                }
                buffer.extend_from_slice(data);
            }
        }
        Ok(())
    };
    match tokio::time::timeout(options.body_read_timeout, read).await {
        Ok(Ok(())) => Ok(Bytes::from(buffer)),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(BodyError::TooSlow),
    }
}

/// Reads and discards the rest of a refused body, for a while: closing the
/// connection with unread bytes would reset it, and the client, still
/// writing, would lose the 413 it was sent ("broken pipe" instead). Nothing
/// is kept, and the deadline bounds how long a client can hold this.
async fn drain(mut body: Incoming, within: Duration) {
    let discard = async { while let Some(Ok(_)) = body.frame().await {} };
    let _ = tokio::time::timeout(within, discard).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_headers_must_be_loopback() {
        let ok = |h: &str| loopback_host_header(Some(&http::HeaderValue::from_str(h).unwrap()));
        assert!(ok("127.0.0.1:8080"));
        assert!(ok("localhost"));
        assert!(ok("LOCALHOST:1"));
        assert!(ok("[::1]:9"));
        assert!(!ok("evil.example:8080"));
        assert!(!ok("127.0.0.1.evil.example"));
        assert!(!ok("10.0.0.1"));
        assert!(!loopback_host_header(None));
    }

    #[test]
    fn accept_errors_back_off_up_to_a_second() {
        assert_eq!(accept_backoff(0), Duration::from_millis(10));
        assert_eq!(accept_backoff(1), Duration::from_millis(20));
        assert_eq!(accept_backoff(6), Duration::from_millis(640));
        assert_eq!(accept_backoff(7), Duration::from_secs(1));
        assert_eq!(accept_backoff(u32::MAX), Duration::from_secs(1));
    }
}
