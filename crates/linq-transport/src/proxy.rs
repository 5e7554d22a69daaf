//! HTTPS through a proxy: `HTTPS_PROXY` / `ALL_PROXY` / `NO_PROXY` from the
//! environment (as curl, httpx and Go read them), or one proxy set in code.
//! Requests are tunnelled with `CONNECT`, so TLS runs end to end and the
//! proxy never sees the API key.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Uri;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

use crate::error::BoxError;

/// Where proxy settings come from.
#[derive(Clone, Default)]
pub(crate) enum ProxyConfig {
    /// Read the environment when the transport is built (the default).
    #[default]
    Env,
    /// Every https request goes through this proxy.
    Fixed(Uri),
    /// Never use a proxy.
    Off,
}

// By hand: a proxy URL's `user:password@` must never be printed.
impl std::fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Env => f.write_str("Env"),
            Self::Fixed(uri) => f.debug_tuple("Fixed").field(&redacted(uri)).finish(),
            Self::Off => f.write_str("Off"),
        }
    }
}

/// The URL with any userinfo replaced by `***`.
pub(crate) fn redacted(uri: &Uri) -> String {
    let text = uri.to_string();
    match uri.authority().map(|a| a.as_str()) {
        Some(authority) if authority.contains('@') => {
            let host = &authority[authority.rfind('@').map_or(0, |i| i + 1)..];
            text.replacen(authority, &format!("***@{host}"), 1)
        }
        _ => text,
    }
}

/// Connects directly, or through a `CONNECT` tunnel when the proxy rules
/// match the destination. With settings from the environment, loopback
/// destinations are never proxied.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    http: HttpConnector,
    matcher: Option<std::sync::Arc<Matcher>>,
    bypass_loopback: bool,
}

impl ProxyConnector {
    pub(crate) fn new(http: HttpConnector, config: &ProxyConfig) -> Self {
        let matcher = match config {
            ProxyConfig::Env => Some(Matcher::from_env()),
            ProxyConfig::Fixed(uri) => Some(Matcher::builder().all(uri.to_string()).build()),
            ProxyConfig::Off => None,
        };
        Self {
            http,
            matcher: matcher.map(std::sync::Arc::new),
            bypass_loopback: matches!(config, ProxyConfig::Env),
        }
    }

    fn proxy_for(&self, dst: &Uri) -> Option<hyper_util::client::proxy::matcher::Intercept> {
        if dst.scheme_str() != Some("https")
            || (self.bypass_loopback && is_loopback_host(dst.host()?))
        {
            return None;
        }
        self.matcher.as_ref()?.intercept(dst)
    }
}

/// A proxy this transport will not use: only `http://` proxies are spoken
/// to. An `https://` proxy would need TLS to the proxy itself, which this
/// transport does not do, and talking plain HTTP to it would send the
/// `CONNECT` line and any `Proxy-Authorization` in clear text; a SOCKS proxy
/// would receive an HTTP `CONNECT` naming the destination. Refused before
/// any byte is sent.
#[derive(Debug)]
struct UnsupportedProxy(String);

impl std::fmt::Display for UnsupportedProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.as_str() {
            "https" => f.write_str(
                "https:// proxies are not supported (the tunnel request and its credentials would cross in clear text); use an http:// proxy",
            ),
            s if s.starts_with("socks") => write!(
                f,
                "{s}:// proxies are not supported (only http:// proxies, through CONNECT)"
            ),
            s => write!(f, "proxy scheme {s:?} is not supported; use an http:// proxy"),
        }
    }
}

impl std::error::Error for UnsupportedProxy {}

type Connecting = Pin<Box<dyn Future<Output = Result<TokioIo<TcpStream>, BoxError>> + Send>>;

impl Service<Uri> for ProxyConnector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Connecting;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.http.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        match self.proxy_for(&dst) {
            Some(proxy) if proxy.uri().scheme_str() != Some("http") => {
                let refusal = UnsupportedProxy(proxy.uri().scheme_str().unwrap_or("").to_owned());
                Box::pin(async move { Err(refusal.into()) })
            }
            Some(proxy) => {
                let mut tunnel = Tunnel::new(proxy.uri().clone(), self.http.clone());
                if let Some(auth) = proxy.basic_auth() {
                    tunnel = tunnel.with_auth(auth.clone());
                }
                Box::pin(async move { tunnel.call(dst).await.map_err(Into::into) })
            }
            None => {
                let connecting = self.http.call(dst);
                Box::pin(async move { connecting.await.map_err(Into::into) })
            }
        }
    }
}

/// True for `localhost` and loopback addresses (`127.0.0.0/8`, `[::1]`):
/// hosts whose traffic never leaves the machine, so never go through a
/// proxy.
fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
