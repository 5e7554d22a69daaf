//! Streamable HTTP: rmcp's service under axum at `/mcp`, behind a bearer
//! token, on loopback unless told otherwise.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::{
    StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
};
use tokio_util::sync::CancellationToken;

use crate::{ServeError, Server, config};

/// The bearer token HTTP callers must send (`Authorization: Bearer …`).
pub const TOKEN_ENV: &str = "LINQ_MCP_TOKEN";
/// Shortest token taken.
const MIN_TOKEN_LEN: usize = 16;

/// An axum router serving MCP at `/mcp` for callers bearing `token`.
/// `any_host` turns off rmcp's loopback `Host` check (for `--allow-remote`).
pub fn http_router(
    server: &Server,
    token: &str,
    any_host: bool,
    shutdown: CancellationToken,
) -> Result<axum::Router, ServeError> {
    if token.len() < MIN_TOKEN_LEN {
        return Err(ServeError::Config(format!(
            "HTTP transport needs a bearer token of at least {MIN_TOKEN_LEN} characters in {TOKEN_ENV}"
        )));
    }
    let mut settings = StreamableHttpServerConfig::default().with_cancellation_token(shutdown);
    if any_host {
        settings = settings.disable_allowed_hosts();
    }
    let handler = server.handler().clone();
    let service: StreamableHttpService<crate::LinqMcp, LocalSessionManager> =
        StreamableHttpService::new(move || Ok(handler.clone()), Default::default(), settings);
    let expected: Arc<str> = format!("Bearer {token}").into();
    Ok(axum::Router::new()
        .nest_service("/mcp", service)
        .layer(middleware::from_fn_with_state(expected, bearer)))
}

async fn bearer(State(expected): State<Arc<str>>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if same(given, expected.as_bytes()) {
        next.run(request).await
    } else {
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "missing or wrong bearer token\n",
        )
            .into_response()
    }
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Serves Streamable HTTP on `addr` until Ctrl-C.
pub(crate) async fn serve_http(
    server: &Server,
    addr: SocketAddr,
    token: &str,
) -> Result<(), ServeError> {
    let allow_remote = server.config.allow_remote;
    config::check_bind(addr, allow_remote, "--http-addr").map_err(ServeError::Config)?;
    let shutdown = CancellationToken::new();
    let app = http_router(server, token, allow_remote, shutdown.clone())?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(addr = %listener.local_addr()?, "serving MCP over Streamable HTTP at /mcp");
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = tokio::signal::ctrl_c().await;
            shutdown.cancel();
        })
        .await?;
    Ok(())
}
