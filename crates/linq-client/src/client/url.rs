//! The base URL and the rules every URL a request goes to must meet.

use http::Uri;
use linq_transport::TransportError;

use super::BuildError;
use crate::Error;

/// A checked base URL split into the parts requests are built from.
pub(super) struct BaseUrl {
    pub(super) text: String,
    pub(super) scheme: http::uri::Scheme,
    pub(super) authority: http::uri::Authority,
    pub(super) prefix: String,
}

impl BaseUrl {
    pub(super) fn parse(url: &str, allow_insecure_http: bool) -> Result<Self, BuildError> {
        let invalid = |reason| BuildError::InvalidBaseUrl {
            url: without_user_info(url),
            reason,
        };
        let uri: Uri = url.parse().map_err(|_| invalid("not a URL"))?;
        if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
            return Err(invalid(
                "a base URL cannot carry credentials (user info); the API key authenticates",
            ));
        }
        let scheme = uri.scheme().cloned().ok_or(invalid("no scheme"))?;
        let authority = uri.authority().cloned().ok_or(invalid("no host"))?;
        if uri.query().is_some() {
            return Err(invalid("a base URL cannot have a query"));
        }
        match check_scheme(uri.scheme_str(), authority.host(), allow_insecure_http) {
            Ok(()) => {}
            Err(UnsafeUrl::Insecure) => {
                return Err(BuildError::InsecureBaseUrl {
                    host: authority.host().to_owned(),
                });
            }
            Err(UnsafeUrl::BadScheme) => return Err(invalid("the scheme must be https or http")),
        }
        let prefix = uri.path().trim_end_matches('/').to_owned();
        Ok(Self {
            text: url.to_owned(),
            scheme,
            authority,
            prefix,
        })
    }

    pub(super) fn uri(
        &self,
        operation: &'static str,
        path: &str,
        query: &str,
    ) -> Result<Uri, Error> {
        let mut pq = String::with_capacity(self.prefix.len() + path.len() + query.len() + 1);
        pq.push_str(&self.prefix);
        pq.push_str(path);
        if !query.is_empty() {
            pq.push('?');
            pq.push_str(query);
        }
        // The parts set directly rather than through `Uri::builder`: only
        // the path is parsed, and the builder's steps cost as much again.
        let mut parts = http::uri::Parts::default();
        parts.scheme = Some(self.scheme.clone());
        parts.authority = Some(self.authority.clone());
        let built = http::uri::PathAndQuery::from_maybe_shared(bytes::Bytes::from(pq))
            .map_err(|e| e.to_string())
            .and_then(|pq| {
                parts.path_and_query = Some(pq);
                Uri::from_parts(parts).map_err(|e| e.to_string())
            });
        built.map_err(|reason| Error::Transport {
            source: TransportError::InvalidRequest(reason),
            attempts: 0,
            operation,
            server: server_of(self.scheme.as_str(), &self.authority),
        })
    }
}

/// `url` with any `user:password@` cut out of its authority, for errors and
/// Debug output.
pub(crate) fn without_user_info(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    match url[start..end].rfind('@') {
        Some(at) => format!("{}{}", &url[..start], &url[start + at + 1..]),
        None => url.to_owned(),
    }
}

/// `host:port` of an authority, with the scheme's default port when none is
/// written.
pub(super) fn server_of(scheme: &str, authority: &http::uri::Authority) -> String {
    let port = authority.port_u16().unwrap_or(default_port(scheme));
    format!("{}:{port}", authority.host())
}

/// The port a URL without one means.
pub(super) fn default_port(scheme: &str) -> u16 {
    if scheme == "http" { 80 } else { 443 }
}

/// Why requests may not go to a URL.
pub(crate) enum UnsafeUrl {
    /// Plain `http` to a host that is not loopback, not allowed.
    Insecure,
    /// Neither `https` nor `http`.
    BadScheme,
}

/// Requests go over `https`, or over plain `http` only to loopback or when
/// the caller allowed it: otherwise the API key (or an upload) would cross
/// the network in clear text.
pub(crate) fn check_scheme(
    scheme: Option<&str>,
    host: &str,
    allow_insecure_http: bool,
) -> Result<(), UnsafeUrl> {
    match scheme {
        Some("https") => Ok(()),
        Some("http") if allow_insecure_http || is_loopback_host(host) => Ok(()),
        Some("http") => Err(UnsafeUrl::Insecure),
        _ => Err(UnsafeUrl::BadScheme),
    }
}

/// True for `localhost` and loopback addresses (`127.0.0.0/8`, `[::1]`):
/// hosts whose traffic never leaves the machine, so plain http to them
/// exposes nothing.
fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
