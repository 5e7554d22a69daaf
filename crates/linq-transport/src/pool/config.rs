//! The pool's settings, from the builder, and what every dial shares.

use std::time::Duration;

use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::proxy::ProxyConnector;

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

/// HTTP/2 settings handed to hyper for each connection.
#[derive(Debug, Clone)]
pub(crate) struct Http2Settings {
    pub(crate) adaptive_window: bool,
    pub(crate) initial_stream_window: u32,
    pub(crate) initial_connection_window: u32,
    pub(crate) initial_max_send_streams: usize,
    pub(crate) keep_alive_interval: Option<Duration>,
    pub(crate) keep_alive_timeout: Duration,
}

/// Everything a dial needs; shared by all hosts of one transport.
pub(crate) struct Shared {
    pub(crate) config: PoolConfig,
    pub(crate) connector: ProxyConnector,
    pub(crate) tls: tokio_rustls::TlsConnector,
    pub(crate) h1: http1::Builder,
    pub(crate) h2: http2::Builder<TokioExecutor>,
}

/// Builds the HTTP/1.1 and HTTP/2 handshake settings.
pub(crate) fn builders(h2: &Http2Settings) -> (http1::Builder, http2::Builder<TokioExecutor>) {
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
