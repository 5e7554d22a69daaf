//! The connection layer under [`HyperTransport`](crate::HyperTransport): one
//! entry per host (scheme + authority) holding its HTTP/1.1 and HTTP/2
//! connections, built on `hyper::client::conn` and tokio-rustls.
//!
//! - While a host's protocol is unknown, one dial is made and every request
//!   waits for its ALPN result.
//! - HTTP/2 connections are shared by streams, counted against the server's
//!   `SETTINGS_MAX_CONCURRENT_STREAMS`; another connection is dialled only
//!   when all are full, and one that sent GOAWAY takes no new streams.
//! - HTTP/1.1 connections are dialled only for requests that are waiting,
//!   at most `dial_concurrency` at a time, and handed straight to a waiter
//!   when they come up.
//!
//! Locking: each host has one `std::sync::Mutex`, never held across an
//! await. `H1Conn` and `H2Stream` take that lock when dropped, so they are
//! never dropped while it is held; values that would be are carried out of
//! the critical section first.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::uri::{Authority, Scheme};
use http::{HeaderValue, Uri};
use hyper::body::{Body, Frame, SizeHint};
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::oneshot;
use tower_service::Service;

use crate::TransportError;
use crate::proxy::ProxyConnector;
use crate::sniff::{FrameEvents, Sniff};

/// Settings of the connection layer, from the builder.
#[derive(Debug, Clone)]
pub(crate) struct PoolConfig {
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) idle_timeout: Duration,
    pub(crate) max_idle_per_host: usize,
    pub(crate) max_http1_per_host: usize,
    pub(crate) max_http2_per_host: usize,
    pub(crate) dial_concurrency: usize,
    pub(crate) http2_only: bool,
    pub(crate) http2_initial_max_send_streams: usize,
}

/// A request body that is one `Bytes`, and can be taken back unsent.
pub(crate) struct ReqBody(Option<Bytes>);

impl ReqBody {
    pub(crate) fn new(bytes: Bytes) -> Self {
        Self((!bytes.is_empty()).then_some(bytes))
    }

    pub(crate) fn into_bytes(self) -> Bytes {
        self.0.unwrap_or_default()
    }
}

impl Body for ReqBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.get_mut().0.take().map(|b| Ok(Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.0.as_ref().map_or(0, |b| b.len() as u64))
    }
}

type H1Sender = http1::SendRequest<ReqBody>;
type H2Sender = http2::SendRequest<ReqBody>;

/// Everything a dial needs; shared by all hosts of one transport.
pub(crate) struct Shared {
    pub(crate) config: PoolConfig,
    pub(crate) connector: ProxyConnector,
    pub(crate) tls: tokio_rustls::TlsConnector,
    pub(crate) h1: http1::Builder,
    pub(crate) h2: http2::Builder<TokioExecutor>,
}

/// The pool of one transport.
pub(crate) struct Pool {
    inner: Arc<PoolInner>,
}

struct PoolInner {
    shared: Arc<Shared>,
    hosts: Mutex<Vec<Arc<Host>>>,
    reaper: AtomicBool,
}

impl Pool {
    pub(crate) fn new(shared: Shared) -> Self {
        Self {
            inner: Arc::new(PoolInner {
                shared: Arc::new(shared),
                hosts: Mutex::new(Vec::new()),
                reaper: AtomicBool::new(false),
            }),
        }
    }

    /// The entry for the request's scheme and authority.
    pub(crate) fn host(&self, uri: &Uri) -> Result<Arc<Host>, TransportError> {
        let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
            return Err(TransportError::InvalidRequest(
                "the URI has no scheme or host".into(),
            ));
        };
        // It would go out as HTTP/2's `:authority` (and is never the way to
        // authenticate to the API): refused, and not repeated in the error.
        if authority.as_str().contains('@') {
            return Err(TransportError::InvalidRequest(
                "the URI carries user info (credentials); they are never sent in a URL".into(),
            ));
        }
        {
            let hosts = lock(&self.inner.hosts);
            if let Some(h) = hosts
                .iter()
                .find(|h| h.scheme == *scheme && h.authority == *authority)
            {
                return Ok(h.clone());
            }
        }
        let host = Arc::new(Host::new(
            scheme.clone(),
            authority.clone(),
            self.inner.shared.clone(),
        )?);
        self.start_reaper();
        let mut hosts = lock(&self.inner.hosts);
        if let Some(h) = hosts
            .iter()
            .find(|h| h.scheme == *scheme && h.authority == *authority)
        {
            return Ok(h.clone());
        }
        hosts.push(host.clone());
        Ok(host)
    }

    /// Closes idle connections past the idle timeout, in the background.
    fn start_reaper(&self) {
        if self.inner.reaper.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            self.inner.reaper.store(false, Ordering::Release);
            return;
        };
        let weak = Arc::downgrade(&self.inner);
        let period = (self.inner.shared.config.idle_timeout / 4)
            .clamp(Duration::from_millis(20), Duration::from_secs(5));
        rt.spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                let Some(pool) = weak.upgrade() else { return };
                let hosts: Vec<Arc<Host>> = lock(&pool.hosts).clone();
                for host in &hosts {
                    host.reap();
                }
                drop(hosts);
                lock(&pool.hosts).retain(|h| Arc::strong_count(h) > 1 || !h.is_empty());
            }
        });
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proto {
    Unknown,
    Http1,
    Http2,
}

/// One host's connections.
pub(crate) struct Host {
    scheme: Scheme,
    authority: Authority,
    dst: Uri,
    server_name: Option<ServerName<'static>>,
    /// `Host` header for HTTP/1.1 requests that lack one.
    pub(crate) host_header: HeaderValue,
    shared: Arc<Shared>,
    state: Mutex<State>,
    next_id: AtomicU64,
    /// The last `SETTINGS_MAX_CONCURRENT_STREAMS` one of this host's
    /// connections announced (0: none yet).
    learned_max_streams: AtomicU32,
}

struct State {
    proto: Proto,
    dialing: usize,
    /// HTTP/1.1 connections alive: busy and idle.
    h1_open: usize,
    /// Used and idle, most recent last.
    idle: Vec<H1Idle>,
    h2: Vec<H2Entry>,
    waiters: VecDeque<oneshot::Sender<Grant>>,
}

struct H1Idle {
    conn: H1Conn,
    since: Instant,
}

struct H2Entry {
    id: u64,
    sender: H2Sender,
    watch: Arc<H2Watch>,
    in_flight: usize,
    idle_since: Option<Instant>,
}

impl H2Entry {
    fn usable(&self) -> bool {
        !self.watch.goaway.load(Ordering::Acquire) && !self.sender.is_closed()
    }

    fn max_streams(&self) -> usize {
        self.watch.max_streams.load(Ordering::Acquire) as usize
    }

    fn has_room(&self) -> bool {
        self.usable() && self.in_flight < self.max_streams()
    }

    /// Idle for `timeout` or longer: to be closed, never reused.
    fn idle_expired(&self, timeout: Duration) -> bool {
        self.in_flight == 0
            && self
                .idle_since
                .is_some_and(|since| since.elapsed() >= timeout)
    }
}

/// What the frame sniffer of one HTTP/2 connection has seen.
struct H2Watch {
    max_streams: AtomicU32,
    settings_seen: AtomicBool,
    goaway: AtomicBool,
}

struct H2Events {
    watch: Arc<H2Watch>,
    host: Weak<Host>,
}

impl FrameEvents for H2Events {
    fn settings(&self, max_streams: Option<u32>) {
        let first = !self.watch.settings_seen.swap(true, Ordering::AcqRel);
        match (max_streams, first) {
            (Some(max), _) => {
                self.watch.max_streams.store(max, Ordering::Release);
                if let Some(host) = self.host.upgrade() {
                    host.learned_max_streams.store(max, Ordering::Release);
                }
            }
            // A first SETTINGS without the field leaves streams unlimited.
            (None, true) => self.watch.max_streams.store(u32::MAX, Ordering::Release),
            (None, false) => return,
        }
        if let Some(host) = self.host.upgrade() {
            host.changed();
        }
    }

    fn goaway(&self) {
        self.watch.goaway.store(true, Ordering::Release);
        if let Some(host) = self.host.upgrade() {
            host.changed();
        }
    }
}

/// What a waiting request is handed.
enum Grant {
    Http1(H1Conn),
    Http2(H2Stream),
    Failed(TransportError),
}

/// An HTTP/1.1 connection, out of the pool.
pub(crate) struct H1Conn {
    pub(crate) sender: H1Sender,
    /// Has carried a response (so a failure before sending is a stale
    /// connection, not a server that refuses us).
    pub(crate) used: bool,
    host: Weak<Host>,
}

impl Drop for H1Conn {
    fn drop(&mut self) {
        if let Some(host) = self.host.upgrade() {
            host.h1_closed();
        }
    }
}

/// One stream slot on an HTTP/2 connection; freed when dropped.
pub(crate) struct H2Stream {
    pub(crate) sender: H2Sender,
    id: u64,
    host: Weak<Host>,
    armed: bool,
}

impl Drop for H2Stream {
    fn drop(&mut self) {
        if self.armed {
            if let Some(host) = self.host.upgrade() {
                host.stream_done(self.id);
            }
        }
    }
}

/// A connection to send one request on.
pub(crate) enum Checkout {
    Http1(H1Conn),
    Http2(H2Stream),
}

/// A made connection, before it joins the host.
enum Dialed {
    Http1(H1Sender),
    Http2(H2Sender, Arc<H2Watch>, u64),
}

impl Host {
    fn new(
        scheme: Scheme,
        authority: Authority,
        shared: Arc<Shared>,
    ) -> Result<Self, TransportError> {
        let https = if scheme == Scheme::HTTPS {
            true
        } else if scheme == Scheme::HTTP {
            false
        } else {
            return Err(TransportError::InvalidRequest(format!(
                "unsupported scheme {scheme}"
            )));
        };
        let hostname = authority.host();
        let server_name = if https {
            let bare = hostname.trim_start_matches('[').trim_end_matches(']');
            Some(ServerName::try_from(bare.to_owned()).map_err(|_| {
                TransportError::InvalidRequest(format!("{bare} is not a valid TLS server name"))
            })?)
        } else {
            None
        };
        let default_port = if https { 443 } else { 80 };
        let host_header = match authority.port_u16() {
            Some(port) if port != default_port => format!("{hostname}:{port}"),
            _ => hostname.to_owned(),
        };
        let host_header = HeaderValue::from_str(&host_header)
            .map_err(|_| TransportError::InvalidRequest("invalid host".into()))?;
        let dst = Uri::builder()
            .scheme(scheme.clone())
            .authority(authority.clone())
            .path_and_query("/")
            .build()
            .map_err(|e| TransportError::InvalidRequest(e.to_string()))?;
        let proto = if shared.config.http2_only {
            Proto::Http2
        } else if https {
            Proto::Unknown
        } else {
            Proto::Http1
        };
        Ok(Self {
            scheme,
            authority,
            dst,
            server_name,
            host_header,
            shared,
            state: Mutex::new(State {
                proto,
                dialing: 0,
                h1_open: 0,
                idle: Vec::new(),
                h2: Vec::new(),
                waiters: VecDeque::new(),
            }),
            next_id: AtomicU64::new(0),
            learned_max_streams: AtomicU32::new(0),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// A connection or stream for one request: an idle one, a free stream,
    /// or, after waiting, one handed over by a dial or a finished request.
    pub(crate) async fn checkout(self: &Arc<Self>) -> Result<Checkout, TransportError> {
        let mut expired = Vec::new();
        let rx = {
            let mut st = self.state();
            match st.proto {
                Proto::Http1 => {
                    let timeout = self.shared.config.idle_timeout;
                    while let Some(idle) = st.idle.pop() {
                        if idle.conn.sender.is_closed() {
                            expired.push(idle); // seen closed: costs nothing to skip
                            continue;
                        }
                        if idle.since.elapsed() < timeout {
                            drop(st);
                            return Ok(Checkout::Http1(idle.conn));
                        }
                        // Older ones lie below: all expired.
                        expired.push(idle);
                        expired.append(&mut st.idle);
                    }
                }
                Proto::Http2 => {
                    if let Some(stream) = self.take_stream(&mut st) {
                        return Ok(Checkout::Http2(stream));
                    }
                }
                Proto::Unknown => {}
            }
            let (tx, rx) = oneshot::channel();
            st.waiters.push_back(tx);
            let dials = self.plan_dials(&mut st);
            drop(st);
            self.spawn_dials(dials);
            rx
        };
        drop(expired);
        match rx.await {
            Ok(Grant::Http1(conn)) => Ok(Checkout::Http1(conn)),
            Ok(Grant::Http2(stream)) => Ok(Checkout::Http2(stream)),
            Ok(Grant::Failed(err)) => Err(err),
            Err(_) => Err(TransportError::Io("the connection pool was dropped".into())),
        }
    }

    /// Returns a connection whose response was read to its end.
    pub(crate) fn release_h1(self: &Arc<Self>, mut conn: H1Conn) {
        conn.used = true;
        if conn.sender.is_closed() {
            return;
        }
        let mut st = self.state();
        let conn = match give(&mut st, Grant::Http1(conn)) {
            Ok(()) => return,
            Err(Grant::Http1(conn)) => conn,
            Err(_) => unreachable!("give returns what it was given"),
        };
        if st.proto == Proto::Http1 && st.idle.len() < self.shared.config.max_idle_per_host {
            st.idle.push(H1Idle {
                conn,
                since: Instant::now(),
            });
            return;
        }
        drop(st);
        drop(conn);
    }

    fn h1_closed(self: &Arc<Self>) {
        let mut st = self.state();
        st.h1_open -= 1;
        let dials = self.plan_dials(&mut st);
        drop(st);
        self.spawn_dials(dials);
    }

    fn stream_done(self: &Arc<Self>, id: u64) {
        let mut st = self.state();
        if let Some(entry) = st.h2.iter_mut().find(|e| e.id == id) {
            entry.in_flight -= 1;
            if entry.in_flight == 0 {
                entry.idle_since = Some(Instant::now());
            }
        }
        if st.waiters.is_empty() {
            return;
        }
        let dials = self.plan_dials(&mut st);
        drop(st);
        self.spawn_dials(dials);
    }

    /// A SETTINGS or GOAWAY arrived on one of the host's connections.
    fn changed(self: &Arc<Self>) {
        let mut st = self.state();
        let dials = self.plan_dials(&mut st);
        drop(st);
        self.spawn_dials(dials);
    }

    fn h2_closed(self: &Arc<Self>, id: u64) {
        let mut st = self.state();
        st.h2.retain(|e| e.id != id);
        let dials = self.plan_dials(&mut st);
        drop(st);
        self.spawn_dials(dials);
    }

    /// The least-loaded HTTP/2 connection with a free stream. Connections
    /// idle past the timeout are closed here too, so the timeout holds even
    /// when the reaper has not run (a runtime that was not driven).
    fn take_stream(self: &Arc<Self>, st: &mut State) -> Option<H2Stream> {
        let timeout = self.shared.config.idle_timeout;
        st.h2.retain(|e| !e.idle_expired(timeout));
        let entry = st
            .h2
            .iter_mut()
            .filter(|e| e.has_room())
            .min_by_key(|e| e.in_flight)?;
        entry.in_flight += 1;
        entry.idle_since = None;
        Some(H2Stream {
            sender: entry.sender.clone(),
            id: entry.id,
            host: Arc::downgrade(self),
            armed: true,
        })
    }

    /// Hands free streams to waiters, then decides how many dials to start
    /// for those still waiting (and counts them as dialling).
    fn plan_dials(self: &Arc<Self>, st: &mut State) -> usize {
        if st.proto == Proto::Http2 {
            while !st.waiters.is_empty() {
                let Some(stream) = self.take_stream(st) else {
                    break;
                };
                let id = stream.id;
                if let Err(Grant::Http2(mut stream)) = give(st, Grant::Http2(stream)) {
                    // No live waiter took it: give the slot back by hand,
                    // since dropping it here would take the lock again.
                    stream.armed = false;
                    if let Some(e) = st.h2.iter_mut().find(|e| e.id == id) {
                        e.in_flight -= 1;
                        if e.in_flight == 0 {
                            e.idle_since = Some(Instant::now());
                        }
                    }
                    break;
                }
            }
        }
        st.waiters.retain(|w| !w.is_closed());
        let waiting = st.waiters.len();
        if waiting == 0 {
            return 0;
        }
        let config = &self.shared.config;
        let want = match st.proto {
            Proto::Unknown => usize::from(st.dialing == 0),
            Proto::Http1 => waiting.saturating_sub(st.dialing).min(
                config
                    .max_http1_per_host
                    .saturating_sub(st.h1_open + st.dialing),
            ),
            Proto::Http2 => {
                let usable: Vec<&H2Entry> = st.h2.iter().filter(|e| e.usable()).collect();
                if usable.is_empty() {
                    // Learn the server's stream cap from one connection first.
                    usize::from(st.dialing == 0)
                } else if usable
                    .iter()
                    .any(|e| !e.watch.settings_seen.load(Ordering::Acquire))
                {
                    // Saturated only by our guess: wait for the server's cap.
                    0
                } else {
                    let per = usable
                        .iter()
                        .map(|e| e.max_streams())
                        .max()
                        .unwrap_or(1)
                        .max(1);
                    let room = config
                        .max_http2_per_host
                        .saturating_sub(usable.len() + st.dialing);
                    waiting.div_ceil(per).saturating_sub(st.dialing).min(room)
                }
            }
        };
        let n = want.min(config.dial_concurrency.saturating_sub(st.dialing));
        st.dialing += n;
        n
    }

    fn spawn_dials(self: &Arc<Self>, n: usize) {
        for _ in 0..n {
            let host = self.clone();
            match tokio::runtime::Handle::try_current() {
                Ok(rt) => {
                    rt.spawn(async move {
                        let result = host.dial().await;
                        host.dialed(result);
                    });
                }
                Err(_) => host.dialed(Err(TransportError::Connect(
                    "no Tokio runtime to connect on".into(),
                ))),
            }
        }
    }

    fn dialed(self: &Arc<Self>, result: Result<Dialed, TransportError>) {
        let mut st = self.state();
        st.dialing -= 1;
        let mut spare = None;
        match result {
            Ok(Dialed::Http1(sender)) => {
                // The host answered with HTTP/1.1: first contact, or it no
                // longer offers h2 and no h2 connection is left.
                if st.proto == Proto::Unknown
                    || (st.proto == Proto::Http2 && !st.h2.iter().any(H2Entry::usable))
                {
                    st.proto = Proto::Http1;
                }
                st.h1_open += 1;
                let conn = H1Conn {
                    sender,
                    used: false,
                    host: Arc::downgrade(self),
                };
                // Nobody waits any more (a busy connection came free first):
                // close it rather than keep a connection that carried nothing.
                if let Err(Grant::Http1(conn)) = give(&mut st, Grant::Http1(conn)) {
                    spare = Some(conn);
                }
            }
            Ok(Dialed::Http2(sender, watch, id)) => {
                st.proto = Proto::Http2;
                if !sender.is_closed() {
                    st.h2.push(H2Entry {
                        id,
                        sender,
                        watch,
                        in_flight: 0,
                        idle_since: Some(Instant::now()),
                    });
                }
            }
            Err(err) => {
                let all = match st.proto {
                    Proto::Unknown => true,
                    Proto::Http2 => !st.h2.iter().any(H2Entry::usable),
                    Proto::Http1 => false,
                };
                if all {
                    let shared = Arc::new(SharedError::from(err));
                    while let Some(w) = st.waiters.pop_front() {
                        let _ = w.send(Grant::Failed(shared.to_error()));
                    }
                } else {
                    let _ = give(&mut st, Grant::Failed(err));
                }
            }
        }
        let dials = self.plan_dials(&mut st);
        drop(st);
        drop(spare);
        self.spawn_dials(dials);
    }

    /// TCP (perhaps through a proxy tunnel), TLS, then the HTTP handshake,
    /// all within the connect timeout.
    async fn dial(self: &Arc<Self>) -> Result<Dialed, TransportError> {
        let attempt = self.dial_inner();
        match self.shared.config.connect_timeout {
            Some(limit) => match tokio::time::timeout(limit, attempt).await {
                Ok(result) => result,
                Err(_) => Err(TransportError::Connect(Box::new(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "connecting timed out",
                )))),
            },
            None => attempt.await,
        }
    }

    async fn dial_inner(self: &Arc<Self>) -> Result<Dialed, TransportError> {
        let mut connector = self.shared.connector.clone();
        let tcp = connector
            .call(self.dst.clone())
            .await
            .map_err(connect_error)?
            .into_inner();
        match &self.server_name {
            Some(name) => {
                let tls = self
                    .shared
                    .tls
                    .connect(name.clone(), tcp)
                    .await
                    .map_err(|e| connect_error(Box::new(e)))?;
                let h2 = match tls.get_ref().1.alpn_protocol() {
                    Some(p) => p == b"h2",
                    None => self.shared.config.http2_only,
                };
                if h2 {
                    self.handshake_h2(tls).await
                } else {
                    self.handshake_h1(tls).await
                }
            }
            None if self.shared.config.http2_only => self.handshake_h2(tcp).await,
            None => self.handshake_h1(tcp).await,
        }
    }

    async fn handshake_h1<T>(&self, io: T) -> Result<Dialed, TransportError>
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (sender, conn) = self
            .shared
            .h1
            .handshake(TokioIo::new(io))
            .await
            .map_err(|e| TransportError::Connect(Box::new(e)))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Dialed::Http1(sender))
    }

    async fn handshake_h2<T>(self: &Arc<Self>, io: T) -> Result<Dialed, TransportError>
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let watch = Arc::new(H2Watch {
            // Until this connection's SETTINGS arrive: the cap the host's
            // other connections announced, else the configured guess. A
            // guess above the real cap gets streams refused, and a refused
            // request is resent only a few times.
            max_streams: AtomicU32::new(match self.learned_max_streams.load(Ordering::Acquire) {
                0 => u32::try_from(self.shared.config.http2_initial_max_send_streams)
                    .unwrap_or(u32::MAX),
                learned => learned,
            }),
            settings_seen: AtomicBool::new(false),
            goaway: AtomicBool::new(false),
        });
        let events = H2Events {
            watch: watch.clone(),
            host: Arc::downgrade(self),
        };
        let (sender, conn) = self
            .shared
            .h2
            .handshake(TokioIo::new(Sniff::new(io, events)))
            .await
            .map_err(|e| TransportError::Connect(Box::new(e)))?;
        let host = Arc::downgrade(self);
        tokio::spawn(async move {
            let _ = conn.await;
            if let Some(host) = host.upgrade() {
                host.h2_closed(id);
            }
        });
        Ok(Dialed::Http2(sender, watch, id))
    }

    /// Drops idle connections past the idle timeout and closed ones.
    fn reap(&self) {
        let timeout = self.shared.config.idle_timeout;
        let mut gone = Vec::new();
        {
            let mut st = self.state();
            let mut i = 0;
            while i < st.idle.len() {
                let idle = &st.idle[i];
                if idle.since.elapsed() >= timeout || idle.conn.sender.is_closed() {
                    gone.push(st.idle.remove(i));
                } else {
                    i += 1;
                }
            }
            st.h2.retain(|e| !e.idle_expired(timeout));
        }
        drop(gone);
    }

    fn is_empty(&self) -> bool {
        let st = self.state();
        st.dialing == 0 && st.h1_open == 0 && st.h2.is_empty() && st.waiters.is_empty()
    }
}

/// Hands `grant` to the oldest live waiter, or gives it back.
fn give(st: &mut State, mut grant: Grant) -> Result<(), Grant> {
    while let Some(w) = st.waiters.pop_front() {
        match w.send(grant) {
            Ok(()) => return Ok(()),
            Err(back) => grant = back,
        }
    }
    Err(grant)
}

fn connect_error(err: crate::BoxError) -> TransportError {
    if crate::hyper_transport::chain_has::<rustls::Error>(err.as_ref()) {
        TransportError::Tls(err)
    } else {
        TransportError::Connect(err)
    }
}

/// One dial's failure, reported to every request that waited for it.
#[derive(Debug)]
struct SharedError {
    kind: fn(crate::BoxError) -> TransportError,
    source: Arc<dyn StdError + Send + Sync>,
}

impl From<TransportError> for SharedError {
    fn from(err: TransportError) -> Self {
        let (kind, source): (fn(crate::BoxError) -> TransportError, crate::BoxError) = match err {
            TransportError::Tls(e) => (TransportError::Tls, e),
            TransportError::Connect(e) => (TransportError::Connect, e),
            TransportError::Io(e) => (TransportError::Io, e),
            other => (TransportError::Connect, Box::new(other)),
        };
        Self {
            kind,
            source: Arc::from(source),
        }
    }
}

impl SharedError {
    fn to_error(&self) -> TransportError {
        (self.kind)(Box::new(SharedCause(self.source.clone())))
    }
}

/// The cause of a failed dial that several requests waited on.
#[derive(Debug)]
struct SharedCause(Arc<dyn StdError + Send + Sync>);

impl fmt::Display for SharedCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the connection this request waited for could not be made")
    }
}

impl StdError for SharedCause {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(self.0.as_ref())
    }
}

/// Builds the HTTP/1.1 and HTTP/2 handshake settings.
pub(crate) fn builders(
    h2: &crate::hyper_transport::Http2Settings,
) -> (http1::Builder, http2::Builder<TokioExecutor>) {
    let h1 = http1::Builder::new();
    let mut b = http2::Builder::new(TokioExecutor::new());
    b.timer(TokioTimer::new())
        .adaptive_window(h2.adaptive_window)
        .initial_stream_window_size(h2.initial_stream_window)
        .initial_connection_window_size(h2.initial_connection_window)
        .initial_max_send_streams(h2.initial_max_send_streams)
        .keep_alive_interval(h2.keep_alive_interval)
        .keep_alive_timeout(h2.keep_alive_timeout)
        .keep_alive_while_idle(true);
    (h1, b)
}

/// Whether an HTTP/2 request that failed was certainly not processed by the
/// server (RFC 9113 §8.7): its stream was refused, or a graceful GOAWAY
/// named a last stream below it.
pub(crate) fn h2_not_processed(err: &hyper::Error) -> bool {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(h2) = e.downcast_ref::<h2::Error>() {
            let reason = h2.reason();
            return (h2.is_reset() && h2.is_remote() && reason == Some(h2::Reason::REFUSED_STREAM))
                || (h2.is_go_away() && h2.is_remote() && reason == Some(h2::Reason::NO_ERROR));
        }
        cur = e.source();
    }
    false
}
