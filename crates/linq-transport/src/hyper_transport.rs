use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper_util::client::legacy::connect::HttpConnector;
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;

use crate::error::TransportError;
use crate::pool::{Http2Settings, Pool, PoolConfig, Shared, builders};
use crate::proxy::{ProxyConfig, ProxyConnector};
use crate::transport::{BoxFuture, SendOptions, Transport};

/// A pooled HTTP/1.1 and HTTP/2 client on hyper's connection API, with TLS
/// by rustls.
///
/// Cloning is cheap and clones share one connection pool. Building it opens
/// no connection; the first request does. Redirects are never followed.
/// Requests must be sent from within a Tokio runtime.
///
/// The pool dials one connection per host while the protocol is unknown;
/// HTTP/2 connections carry as many streams as the server allows before
/// another is opened; HTTP/1.1 connections are opened only for requests that
/// wait for one. See the builder for the limits and their defaults.
///
/// ```no_run
/// use linq_transport::HyperTransport;
/// let transport = HyperTransport::new();
/// ```
#[derive(Clone)]
pub struct HyperTransport {
    pool: Arc<Pool>,
}

impl fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperTransport").finish_non_exhaustive()
    }
}

impl Default for HyperTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl HyperTransport {
    /// A transport with the default settings: Mozilla's root certificates,
    /// a 5 s connect timeout, idle connections kept for 50 s, HTTP/2 pings
    /// every 30 s, and the proxy named by `HTTPS_PROXY` / `ALL_PROXY` /
    /// `NO_PROXY`, if any. [`builder`](Self::builder) lists every default.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Settings for a transport.
    pub fn builder() -> HyperTransportBuilder {
        HyperTransportBuilder::default()
    }
}

/// Builds a [`HyperTransport`].
#[derive(Debug, Clone)]
pub struct HyperTransportBuilder {
    connect_timeout: Option<Duration>,
    pool_idle_timeout: Duration,
    pool_max_idle_per_host: usize,
    http1_max_connections_per_host: usize,
    http2_max_connections_per_host: usize,
    dial_concurrency: usize,
    tcp_keepalive: Option<Duration>,
    h2: Http2Settings,
    extra_roots: Vec<CertificateDer<'static>>,
    webpki_roots: bool,
    http2_only: bool,
    proxy: ProxyConfig,
}

impl Default for HyperTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: Some(Duration::from_secs(5)),
            pool_idle_timeout: Duration::from_secs(50),
            pool_max_idle_per_host: 64,
            http1_max_connections_per_host: usize::MAX,
            http2_max_connections_per_host: 16,
            dial_concurrency: 32,
            tcp_keepalive: Some(Duration::from_secs(30)),
            h2: Http2Settings {
                adaptive_window: false,
                initial_stream_window: 2 * 1024 * 1024,
                initial_connection_window: 5 * 1024 * 1024,
                initial_max_send_streams: 100,
                keep_alive_interval: Some(Duration::from_secs(30)),
                keep_alive_timeout: Duration::from_secs(10),
            },
            extra_roots: Vec::new(),
            webpki_roots: true,
            http2_only: false,
            proxy: ProxyConfig::Env,
        }
    }
}

impl HyperTransportBuilder {
    /// How long making a connection may take: TCP connect, proxy tunnel and
    /// TLS handshake together (default 5 s; `None` for no limit). Requests
    /// waiting for that connection wait at most this long for it; with no
    /// limit, a server that accepts TCP and never finishes TLS holds every
    /// request to that host until the caller's own timeout.
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long an idle connection is kept (default 50 s: under the 60 s
    /// idle timeout of AWS load balancers and most proxies, so the client
    /// closes first instead of racing the server's close with a request).
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// At most this many idle HTTP/1.1 connections are kept per host
    /// (default 64: a burst's worth for a moderate bulk sender without
    /// holding hundreds of sockets between bursts; raise it to your
    /// concurrency if bursts are steady). Connections past it are closed as
    /// they become idle.
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = max;
        self
    }

    /// At most this many HTTP/1.1 connections (busy, idle or being made)
    /// per host; requests past it wait for one to be free (default
    /// unlimited: the number of requests in flight bounds it already).
    pub fn http1_max_connections_per_host(mut self, max: usize) -> Self {
        self.http1_max_connections_per_host = max.max(1);
        self
    }

    /// At most this many HTTP/2 connections per host (default 16). A new one
    /// is opened only when every stream the server allows on the others is
    /// taken, so 16 times a typical cap of 100–128 streams is about 2,000
    /// requests in flight before requests queue.
    pub fn http2_max_connections_per_host(mut self, max: usize) -> Self {
        self.http2_max_connections_per_host = max.max(1);
        self
    }

    /// At most this many connections being made to one host at once
    /// (default 32). Bounds the handshake storm of a cold burst over
    /// HTTP/1.1 while keeping the ramp-up short on a slow link.
    pub fn dial_concurrency(mut self, max: usize) -> Self {
        self.dial_concurrency = max.max(1);
        self
    }

    /// TCP keepalive: probes start after this long without traffic, then
    /// every 10 s, and three unanswered probes close the socket (default
    /// 30 s; `None` turns it off). Finds connections a NAT or load balancer
    /// dropped without a word, and keeps NAT mappings alive.
    pub fn tcp_keepalive(mut self, idle: Option<Duration>) -> Self {
        self.tcp_keepalive = idle;
        self
    }

    /// Sends an HTTP/2 ping after this long without a frame from the
    /// server, on busy and idle connections alike (default 30 s; `None`
    /// turns pings off). A connection whose ping is not answered within
    /// [`http2_keep_alive_timeout`](Self::http2_keep_alive_timeout) is
    /// closed, so the next request goes over a fresh one.
    pub fn http2_keep_alive_interval(mut self, interval: Option<Duration>) -> Self {
        self.h2.keep_alive_interval = interval;
        self
    }

    /// How long to wait for a ping's answer before the connection is taken
    /// for dead (default 10 s, far above any real round trip).
    pub fn http2_keep_alive_timeout(mut self, timeout: Duration) -> Self {
        self.h2.keep_alive_timeout = timeout;
        self
    }

    /// Lets hyper size the HTTP/2 receive windows from measured bandwidth
    /// and delay, overriding the initial window sizes (default off: API
    /// replies are small, so the fixed windows never throttle them).
    pub fn http2_adaptive_window(mut self, enabled: bool) -> Self {
        self.h2.adaptive_window = enabled;
        self
    }

    /// The HTTP/2 receive window per stream (default 2 MiB, hyper's: a whole
    /// large reply fits without a window update).
    pub fn http2_initial_stream_window_size(mut self, bytes: u32) -> Self {
        self.h2.initial_stream_window = bytes;
        self
    }

    /// The HTTP/2 receive window per connection (default 5 MiB, hyper's:
    /// a few large replies at once without stalling the others).
    pub fn http2_initial_connection_window_size(mut self, bytes: u32) -> Self {
        self.h2.initial_connection_window = bytes;
        self
    }

    /// Streams opened on a new HTTP/2 connection before the server's
    /// SETTINGS say how many it allows (default 100, the smallest cap RFC
    /// 9113 recommends servers allow). If the server then allows fewer, the
    /// excess waits on that connection for a free stream rather than moving
    /// to another one.
    pub fn http2_initial_max_send_streams(mut self, streams: usize) -> Self {
        self.h2.initial_max_send_streams = streams.max(1);
        self
    }

    /// Trusts one more root certificate (DER), e.g. a private CA.
    pub fn add_root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.extra_roots.push(CertificateDer::from(der.into()));
        self
    }

    /// Whether to trust the bundled Mozilla root set (default `true`). Turn
    /// it off to trust only the roots added with
    /// [`add_root_certificate`](Self::add_root_certificate).
    pub fn webpki_roots(mut self, enabled: bool) -> Self {
        self.webpki_roots = enabled;
        self
    }

    /// Speak only HTTP/2 (prior knowledge on `http://`). By default HTTP/2
    /// is negotiated by ALPN on `https://` and HTTP/1.1 is used otherwise.
    pub fn http2_only(mut self, enabled: bool) -> Self {
        self.http2_only = enabled;
        self
    }

    /// Sends every `https://` request through this proxy (an `http://` URL;
    /// `user:password@` in it becomes proxy basic auth), tunnelled with
    /// `CONNECT`. By default the proxy comes from `HTTPS_PROXY` or
    /// `ALL_PROXY`, minus the hosts in `NO_PROXY` and loopback.
    pub fn proxy(mut self, url: &str) -> Result<Self, http::uri::InvalidUri> {
        self.proxy = ProxyConfig::Fixed(url.parse()?);
        Ok(self)
    }

    /// Ignores proxy settings in the environment.
    pub fn no_proxy(mut self) -> Self {
        self.proxy = ProxyConfig::Off;
        self
    }

    /// Builds the transport. Opens no connection.
    pub fn build(self) -> HyperTransport {
        let mut roots = RootCertStore::empty();
        if self.webpki_roots {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        for der in self.extra_roots {
            // A certificate that does not parse is skipped; the handshake
            // then fails with a clear TLS error rather than building failing.
            let _ = roots.add(der);
        }
        let provider = crypto_provider();
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        tls.alpn_protocols = if self.http2_only {
            vec![b"h2".to_vec()]
        } else {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        };

        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(self.connect_timeout);
        if let Some(idle) = self.tcp_keepalive {
            http.set_keepalive(Some(idle));
            http.set_keepalive_interval(Some(Duration::from_secs(10)));
            http.set_keepalive_retries(Some(3));
        }

        let (h1, h2) = builders(&self.h2);
        let shared = Shared {
            config: PoolConfig {
                connect_timeout: self.connect_timeout,
                idle_timeout: self.pool_idle_timeout,
                max_idle_per_host: self.pool_max_idle_per_host,
                max_http1_per_host: self.http1_max_connections_per_host,
                max_http2_per_host: self.http2_max_connections_per_host,
                dial_concurrency: self.dial_concurrency,
                http2_only: self.http2_only,
                http2_initial_max_send_streams: self.h2.initial_max_send_streams,
            },
            connector: ProxyConnector::new(http, &self.proxy),
            tls: tokio_rustls::TlsConnector::from(Arc::new(tls)),
            h1,
            h2,
        };
        HyperTransport {
            pool: Arc::new(Pool::new(shared)),
        }
    }
}

impl Transport for HyperTransport {
    fn send(
        &self,
        request: http::Request<Bytes>,
        options: SendOptions,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        Box::pin(self.pool.dispatch(request, options.body_limit))
    }
}

/// The TLS crypto provider: the process default when the application
/// installed one (`rustls::crypto::CryptoProvider::install_default`, say
/// aws-lc-rs for post-quantum key exchange), else *ring*.
fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    match rustls::crypto::CryptoProvider::get_default() {
        Some(installed) => Arc::clone(installed),
        None => Arc::new(ring_provider()),
    }
}

/// *ring*: it builds without a C toolchain, where aws-lc-rs needs cmake and
/// a C compiler. rustls 0.23.48 deprecates it for lacking post-quantum key
/// exchange; an application that wants that installs aws-lc-rs as the
/// process default, which [`crypto_provider`] then uses.
#[allow(deprecated, reason = "ring is chosen on purpose; see the doc comment")]
fn ring_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}
