//! Making a connection for a host: TCP (perhaps through a proxy tunnel),
//! TLS, the HTTP/1.1 or HTTP/2 handshake, and what a finished dial does to
//! the host's state.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Weak};
use std::time::Instant;

use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tower_service::Service;

use super::host::{Grant, H1Conn, H1Sender, H2Entry, H2Sender, H2Watch, Host, Proto, give};
use crate::error::{BoxError, TransportError, chain_has};
use crate::sniff::{FrameEvents, Sniff};

/// A made connection, before it joins the host.
enum Dialed {
    Http1(H1Sender),
    Http2(H2Sender, Arc<H2Watch>, u64),
}

/// Tells the host what the sniffer of one HTTP/2 connection saw.
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

impl Host {
    /// Starts `n` dials, each in its own task.
    pub(super) fn spawn_dials(self: &Arc<Self>, n: usize) {
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
}

fn connect_error(err: BoxError) -> TransportError {
    if chain_has::<rustls::Error>(err.as_ref()) {
        TransportError::Tls(err)
    } else {
        TransportError::Connect(err)
    }
}

/// One dial's failure, reported to every request that waited for it.
#[derive(Debug)]
struct SharedError {
    kind: fn(BoxError) -> TransportError,
    source: Arc<dyn StdError + Send + Sync>,
}

impl From<TransportError> for SharedError {
    fn from(err: TransportError) -> Self {
        let (kind, source): (fn(BoxError) -> TransportError, BoxError) = match err {
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
