//! The connection pool under [`HyperTransport`](crate::HyperTransport): one
//! entry per host (scheme + authority) holding its HTTP/1.1 and HTTP/2
//! connections, built on `hyper::client::conn` and tokio-rustls.
//!
//! - `config.rs`: the settings and what every dial shares;
//! - `host.rs`: one host's state and what a request is handed;
//! - `checkout.rs`: handing out connections and stream slots, taking them
//!   back, planning dials;
//! - `dial.rs`: TCP, proxy tunnel, TLS and the HTTP handshake;
//! - `round_trip.rs`: one request checked out, sent, read, and resent
//!   when it certainly was not processed;
//! - `body.rs`: the request body.
//!
//! # Why a pool of our own
//!
//! hyper-util's legacy `Client` has its limits in its structure, not its
//! settings: it dials in parallel while ALPN is unknown (a cold burst of 256
//! over h2 made 256 TLS handshakes to keep one), it holds exactly one h2
//! connection per host whatever the server's stream cap (requests queue
//! inside h2 at 100 streams), and its HTTP/1.1 checkout dials for every miss
//! and pools whatever comes back, so connections that never carried a
//! request sit idle. Here, while the protocol is unknown a single dial is
//! made and requests wait on oneshot channels; an h2 connection hands out
//! stream slots up to the server's `SETTINGS_MAX_CONCURRENT_STREAMS`
//! (least-loaded first) and another is dialled only when all are full;
//! HTTP/1.1 dials only for requests that wait, bounded by
//! `dial_concurrency`, and a dial that finishes after a busy connection came
//! free is closed rather than pooled.
//!
//! hyper reports neither the server's SETTINGS as they arrive nor a GOAWAY,
//! so `sniff.rs` parses the server's frame headers as they are read to learn
//! both: a connection that sent GOAWAY takes no new streams. Growth waits
//! for the server's real cap rather than the 100 assumed before SETTINGS, so
//! a cold burst does not open connections it will not need, and a
//! connection dialled after another one's SETTINGS assumes that cap until
//! its own arrive (streams over it would be refused). A request is resent
//! elsewhere only when it certainly was not processed: a stream refused
//! with `REFUSED_STREAM` or a graceful GOAWAY below it (RFC 9113 §8.7), or
//! hyper handing the request back unsent (on HTTP/1.1 only from a reused
//! connection, as hyper-util did, so a fresh connection's failure still
//! reaches the caller's retry policy). Every resend counts against a small
//! limit, HTTP/1.1 connections found closed before the request was written
//! included, so a server that closes or refuses everything cannot make one
//! request loop.
//!
//! Dialling goes through `ProxyConnector` (CONNECT tunnels included), then
//! rustls. HTTP/2 keep-alive pings (also while idle) and TCP keepalive find
//! dead connections before a request does.

mod body;
mod checkout;
mod config;
mod dial;
mod host;
mod round_trip;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::Uri;

pub(crate) use config::{Http2Settings, PoolConfig, Shared, builders};
use host::{Host, lock};
use round_trip::round_trip;

use crate::error::TransportError;

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

    /// Sends `request` over this pool and reads the whole response, at most
    /// `limit` body bytes.
    pub(crate) async fn dispatch(
        &self,
        request: http::Request<bytes::Bytes>,
        limit: usize,
    ) -> Result<http::Response<bytes::Bytes>, TransportError> {
        let host = self.host(request.uri())?;
        round_trip(&host, request, limit).await
    }

    /// The entry for the request's scheme and authority.
    fn host(&self, uri: &Uri) -> Result<Arc<Host>, TransportError> {
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
            if let Some(h) = hosts.iter().find(|h| h.is(scheme, authority)) {
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
        if let Some(h) = hosts.iter().find(|h| h.is(scheme, authority)) {
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
