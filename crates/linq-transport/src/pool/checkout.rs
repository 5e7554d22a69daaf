//! Handing out connections and stream slots, taking them back, and
//! deciding how many dials the requests still waiting need.
//!
//! - While a host's protocol is unknown, one dial is made and every request
//!   waits for its ALPN result.
//! - HTTP/2 connections are shared by streams, counted against the server's
//!   `SETTINGS_MAX_CONCURRENT_STREAMS`; another connection is dialled only
//!   when all are full, and one that sent GOAWAY takes no new streams.
//! - HTTP/1.1 connections are dialled only for requests that are waiting,
//!   at most `dial_concurrency` at a time, and handed straight to a waiter
//!   when they come up.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use tokio::sync::oneshot;

use super::host::{Checkout, Grant, H1Conn, H1Idle, H2Entry, H2Stream, Host, Proto, State, give};
use crate::error::TransportError;

impl Host {
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

    pub(super) fn h1_closed(self: &Arc<Self>) {
        let mut st = self.state();
        st.h1_open -= 1;
        let dials = self.plan_dials(&mut st);
        drop(st);
        self.spawn_dials(dials);
    }

    pub(super) fn stream_done(self: &Arc<Self>, id: u64) {
        let mut st = self.state();
        if let Some(entry) = st.h2.iter_mut().find(|e| e.id == id) {
            entry.stream_freed();
        }
        if st.waiters.is_empty() {
            return;
        }
        let dials = self.plan_dials(&mut st);
        drop(st);
        self.spawn_dials(dials);
    }

    /// A SETTINGS or GOAWAY arrived on one of the host's connections.
    pub(super) fn changed(self: &Arc<Self>) {
        let mut st = self.state();
        let dials = self.plan_dials(&mut st);
        drop(st);
        self.spawn_dials(dials);
    }

    pub(super) fn h2_closed(self: &Arc<Self>, id: u64) {
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
    pub(super) fn plan_dials(self: &Arc<Self>, st: &mut State) -> usize {
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
                        e.stream_freed();
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

    /// Drops idle connections past the idle timeout and closed ones.
    pub(super) fn reap(&self) {
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

    pub(super) fn is_empty(&self) -> bool {
        let st = self.state();
        st.dialing == 0 && st.h1_open == 0 && st.h2.is_empty() && st.waiters.is_empty()
    }
}
