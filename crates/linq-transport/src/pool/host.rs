//! One host's entry: its connections, the requests waiting for one, and
//! what a request is handed. What happens to them is in `checkout.rs`
//! (handing out and taking back) and `dial.rs` (making connections).
//!
//! Locking: each host has one `std::sync::Mutex`, never held across an
//! await. `H1Conn` and `H2Stream` take that lock when dropped, so they are
//! never dropped while it is held; values that would be are carried out of
//! the critical section first.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use http::uri::{Authority, Scheme};
use http::{HeaderValue, Uri};
use hyper::client::conn::{http1, http2};
use rustls::pki_types::ServerName;
use tokio::sync::oneshot;

use super::body::ReqBody;
use super::config::Shared;
use crate::error::TransportError;

pub(super) type H1Sender = http1::SendRequest<ReqBody>;
pub(super) type H2Sender = http2::SendRequest<ReqBody>;

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Proto {
    Unknown,
    Http1,
    Http2,
}

/// One host's connections.
pub(crate) struct Host {
    scheme: Scheme,
    authority: Authority,
    pub(super) dst: Uri,
    pub(super) server_name: Option<ServerName<'static>>,
    /// `Host` header for HTTP/1.1 requests that lack one.
    pub(crate) host_header: HeaderValue,
    pub(super) shared: Arc<Shared>,
    state: Mutex<State>,
    pub(super) next_id: AtomicU64,
    /// The last `SETTINGS_MAX_CONCURRENT_STREAMS` one of this host's
    /// connections announced (0: none yet).
    pub(super) learned_max_streams: AtomicU32,
}

pub(super) struct State {
    pub(super) proto: Proto,
    pub(super) dialing: usize,
    /// HTTP/1.1 connections alive: busy and idle.
    pub(super) h1_open: usize,
    /// Used and idle, most recent last.
    pub(super) idle: Vec<H1Idle>,
    pub(super) h2: Vec<H2Entry>,
    pub(super) waiters: VecDeque<oneshot::Sender<Grant>>,
}

pub(super) struct H1Idle {
    pub(super) conn: H1Conn,
    pub(super) since: Instant,
}

pub(super) struct H2Entry {
    pub(super) id: u64,
    pub(super) sender: H2Sender,
    pub(super) watch: Arc<H2Watch>,
    pub(super) in_flight: usize,
    pub(super) idle_since: Option<Instant>,
}

impl H2Entry {
    pub(super) fn usable(&self) -> bool {
        !self.watch.goaway.load(Ordering::Acquire) && !self.sender.is_closed()
    }

    pub(super) fn max_streams(&self) -> usize {
        self.watch.max_streams.load(Ordering::Acquire) as usize
    }

    pub(super) fn has_room(&self) -> bool {
        self.usable() && self.in_flight < self.max_streams()
    }

    /// Idle for `timeout` or longer: to be closed, never reused.
    pub(super) fn idle_expired(&self, timeout: Duration) -> bool {
        self.in_flight == 0
            && self
                .idle_since
                .is_some_and(|since| since.elapsed() >= timeout)
    }

    /// One stream slot given back.
    pub(super) fn stream_freed(&mut self) {
        self.in_flight -= 1;
        if self.in_flight == 0 {
            self.idle_since = Some(Instant::now());
        }
    }
}

/// What the frame sniffer of one HTTP/2 connection has seen.
pub(super) struct H2Watch {
    pub(super) max_streams: AtomicU32,
    pub(super) settings_seen: AtomicBool,
    pub(super) goaway: AtomicBool,
}

/// What a waiting request is handed.
pub(super) enum Grant {
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
    pub(super) host: Weak<Host>,
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
    pub(super) id: u64,
    pub(super) host: Weak<Host>,
    pub(super) armed: bool,
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

/// Hands `grant` to the oldest live waiter, or gives it back.
pub(super) fn give(st: &mut State, mut grant: Grant) -> Result<(), Grant> {
    while let Some(w) = st.waiters.pop_front() {
        match w.send(grant) {
            Ok(()) => return Ok(()),
            Err(back) => grant = back,
        }
    }
    Err(grant)
}

impl Host {
    pub(super) fn new(
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

    pub(super) fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Whether the scheme and authority are this host's.
    pub(super) fn is(&self, scheme: &Scheme, authority: &Authority) -> bool {
        self.scheme == *scheme && self.authority == *authority
    }
}
