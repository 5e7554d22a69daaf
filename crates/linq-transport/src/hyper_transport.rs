use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;

use crate::{BoxError, BoxFuture, SendOptions, Transport, TransportError};

use crate::proxy::{ProxyConfig, ProxyConnector};

type HyperClient = Client<HttpsConnector<ProxyConnector>, Full<Bytes>>;

/// A pooled HTTP/1.1 and HTTP/2 client over hyper-util, with TLS by rustls.
///
/// Cloning is cheap and clones share one connection pool. Building it opens
/// no connection; the first request does. Redirects are never followed.
/// Requests must be sent from within a Tokio runtime.
///
/// ```no_run
/// use linq_transport::HyperTransport;
/// let transport = HyperTransport::new();
/// ```
#[derive(Clone)]
pub struct HyperTransport {
    client: HyperClient,
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
    /// a 5 s connect timeout, idle connections kept for 90 s, and the proxy
    /// named by `HTTPS_PROXY` / `ALL_PROXY` / `NO_PROXY`, if any.
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
    extra_roots: Vec<CertificateDer<'static>>,
    webpki_roots: bool,
    http2_only: bool,
    proxy: ProxyConfig,
}

impl Default for HyperTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: Some(Duration::from_secs(5)),
            pool_idle_timeout: Duration::from_secs(90),
            pool_max_idle_per_host: usize::MAX,
            extra_roots: Vec::new(),
            webpki_roots: true,
            http2_only: false,
            proxy: ProxyConfig::Env,
        }
    }
}

impl HyperTransportBuilder {
    /// How long a TCP connect may take (default 5 s; `None` for no limit).
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long an idle pooled connection is kept (default 90 s).
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// At most this many idle connections are kept per host.
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = max;
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
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();

        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(self.connect_timeout);

        let https = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(ProxyConnector::new(http, &self.proxy));

        let client = Client::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .http2_only(self.http2_only)
            .build(https);
        HyperTransport { client }
    }
}

impl Transport for HyperTransport {
    fn send(
        &self,
        request: http::Request<Bytes>,
        options: SendOptions,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        Box::pin(async move {
            let limit = options.body_limit;
            let response = self
                .client
                .request(request.map(Full::new))
                .await
                .map_err(map_client_error)?;
            let (parts, body) = response.into_parts();
            if let Some(len) = content_length(&parts.headers) {
                if len > limit as u64 {
                    return Err(TransportError::BodyTooLarge { limit });
                }
            }
            let bytes = read_body(body, limit).await?;
            Ok(http::Response::from_parts(parts, bytes))
        })
    }
}

/// Reads a body to its end, failing as soon as it passes `limit`. A body
/// that arrives in one frame (the usual JSON reply) is handed on without a
/// copy.
async fn read_body(mut body: hyper::body::Incoming, limit: usize) -> Result<Bytes, TransportError> {
    let mut first: Option<Bytes> = None;
    let mut rest: Vec<u8> = Vec::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| TransportError::Body(Box::new(e)))?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        total += data.len();
        if total > limit {
            return Err(TransportError::BodyTooLarge { limit });
        }
        match &first {
            None => first = Some(data),
            Some(head) => {
                if rest.is_empty() {
                    rest.extend_from_slice(head);
                }
                rest.extend_from_slice(&data);
            }
        }
    }
    Ok(if rest.is_empty() {
        first.unwrap_or_default()
    } else {
        Bytes::from(rest)
    })
}

fn content_length(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

fn map_client_error(err: hyper_util::client::legacy::Error) -> TransportError {
    let is_connect = err.is_connect();
    let tls = chain_has::<rustls::Error>(&err);
    let boxed: BoxError = Box::new(err);
    if tls {
        TransportError::Tls(boxed)
    } else if is_connect {
        TransportError::Connect(boxed)
    } else {
        TransportError::Io(boxed)
    }
}

fn chain_has<E: StdError + 'static>(err: &(dyn StdError + 'static)) -> bool {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if e.is::<E>() {
            return true;
        }
        // io::Error's `source()` skips the error it wraps; step into it.
        cur = match e.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => e.source(),
        };
    }
    false
}
