//! The `linq.call` span and its fields, after OpenTelemetry's HTTP client
//! conventions, and the redaction that keeps credentials out of them.

use bytes::Bytes;
use http::Uri;
use linq_transport::TransportError;

use super::prepare::Prepared;
use super::url::default_port;
use crate::Error;

/// The span of one call, named and filled after OpenTelemetry's HTTP
/// client conventions; the outcome fields are recorded as the call runs.
pub(super) fn call_span(req: &Prepared) -> tracing::Span {
    let span = tracing::debug_span!(
        "linq.call",
        otel.name = tracing::field::Empty,
        otel.kind = "client",
        otel.status_code = tracing::field::Empty,
        linq.operation = req.id,
        http.request.method = req.method.as_str(),
        server.address = tracing::field::Empty,
        server.port = tracing::field::Empty,
        url.full = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
        http.request.resend_count = tracing::field::Empty,
        error.r#type = tracing::field::Empty,
        linq.trace_id = tracing::field::Empty,
    );
    if !span.is_disabled() {
        span.record(
            "otel.name",
            format!("{} {}", req.method.as_str(), req.id).as_str(),
        );
        if let Some(host) = req.uri.host() {
            span.record("server.address", host);
        }
        let scheme = req.uri.scheme_str().unwrap_or("https");
        let port = req.uri.port_u16().unwrap_or(default_port(scheme));
        span.record("server.port", i64::from(port));
        span.record("url.full", url_full(&req.uri).as_str());
    }
    span
}

/// Query parameters whose values are credentials: OpenTelemetry's list for
/// `url.full` (presigned storage URLs carry some), plus the usual token names.
pub(super) const SECRET_PARAMS: &[&str] = &[
    "awsaccesskeyid",
    "signature",
    "sig",
    "x-goog-signature",
    "x-goog-credential",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "token",
    "access_token",
    "api_key",
    "apikey",
    "key",
    "secret",
    "password",
];

/// The request's URL for `url.full`: no user info, and the value of every
/// query parameter that names a credential replaced by `REDACTED`.
pub(crate) fn url_full(uri: &Uri) -> String {
    let scheme = uri.scheme_str().unwrap_or("https");
    let host = uri.host().unwrap_or_default();
    let mut out = format!("{scheme}://{host}");
    if let Some(port) = uri.port_u16() {
        out.push_str(&format!(":{port}"));
    }
    out.push_str(uri.path());
    if let Some(query) = uri.query() {
        out.push('?');
        for (i, pair) in query.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            let name = pair.split('=').next().unwrap_or_default();
            // `%73ig` is `sig` to the server, so it is to the check too.
            let decoded = percent_decode(name);
            let secret = SECRET_PARAMS
                .iter()
                .any(|s| decoded.eq_ignore_ascii_case(s.as_bytes()));
            if secret && pair.contains('=') {
                out.push_str(name);
                out.push_str("=REDACTED");
            } else {
                out.push_str(pair);
            }
        }
    }
    out
}

/// `%XX` escapes decoded (others kept as written), and `+` as a space.
pub(super) fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push((hi * 16 + lo) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// `error.type` of a failed call: the status for an HTTP error, else the
/// kind of failure.
pub(super) fn error_type(error: &Error) -> &str {
    match error {
        Error::Api(api) => api.status.as_str(),
        Error::Transport { source, .. } if source.is_timeout() => "timeout",
        Error::Transport { source, .. } => match source {
            TransportError::Connect(_) => "connect",
            TransportError::Tls(_) => "tls",
            TransportError::Io(_) => "io",
            TransportError::Body(_) => "body",
            TransportError::BodyTooLarge { .. } => "body_too_large",
            TransportError::InvalidRequest(_) => "invalid_request",
            _ => "transport",
        },
        Error::Decode(_) => "decode",
        Error::InvalidInput { .. } => "invalid_input",
        _ => "_OTHER",
    }
}

/// Records a finished exchange on the call's span: the last status, the
/// resends, the trace id, and on failure `error.type`.
pub(super) fn record_outcome(
    span: &tracing::Span,
    result: &Result<(http::Response<Bytes>, u32), Error>,
) {
    if span.is_disabled() {
        return;
    }
    let (status, attempts) = match result {
        Ok((response, attempts)) => {
            if let Some(trace_id) = body_trace_id(response.body()) {
                span.record("linq.trace_id", trace_id.as_str());
            }
            (Some(response.status()), *attempts)
        }
        Err(error) => {
            record_failure(span, error);
            (error.status(), error.attempts())
        }
    };
    if let Some(status) = status {
        span.record("http.response.status_code", i64::from(status.as_u16()));
    }
    if attempts > 1 {
        span.record("http.request.resend_count", i64::from(attempts - 1));
    }
}

pub(super) fn record_failure(span: &tracing::Span, error: &Error) {
    span.record("error.type", error_type(error));
    span.record("otel.status_code", "error");
    if let Error::Api(api) = error {
        if let Some(trace_id) = &api.trace_id {
            span.record("linq.trace_id", trace_id.as_str());
        }
    }
}

/// The top-level `trace_id` of a reply body, when it has one.
pub(super) fn body_trace_id(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Trace {
        trace_id: Option<String>,
    }
    serde_json::from_slice::<Trace>(body).ok()?.trace_id
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn url_full_drops_user_info_and_redacts_credentials() {
        let uri: Uri =
            "https://user:pw@storage.example:8443/up/load?X-Amz-Signature=abc&part=2&sig=zz&flag"
                .parse()
                .unwrap();
        assert_eq!(
            url_full(&uri),
            "https://storage.example:8443/up/load?X-Amz-Signature=REDACTED&part=2&sig=REDACTED&flag"
        );
        // Percent-encoded names are the same names.
        let encoded: Uri = "https://h.example/p?%73ig=abc&X%2DAmz%2DSignature=def&%74oken&a%3Db=c"
            .parse()
            .unwrap();
        assert_eq!(
            url_full(&encoded),
            "https://h.example/p?%73ig=REDACTED&X%2DAmz%2DSignature=REDACTED&%74oken&a%3Db=c"
        );
        let plain: Uri = "https://api.linqapp.com/api/partner/v3/chats?limit=2&cursor=c1"
            .parse()
            .unwrap();
        assert_eq!(url_full(&plain), plain.to_string());
    }

    fn any_case(name: &'static str) -> impl Strategy<Value = String> {
        proptest::collection::vec(any::<bool>(), name.len()).prop_map(move |upper| {
            name.chars()
                .zip(upper)
                .map(|(c, u)| if u { c.to_ascii_uppercase() } else { c })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn a_credential_in_the_query_never_reaches_url_full(
            name in proptest::sample::select(SECRET_PARAMS).prop_flat_map(any_case),
            secret in "[A-Za-z0-9%._~-]{6,40}",
            before in proptest::collection::vec(("[a-z]{1,8}", "[a-z0-9]{0,8}"), 0..3),
            after in proptest::collection::vec(("[a-z]{1,8}", "[a-z0-9]{0,8}"), 0..3),
        ) {
            let safe = |pairs: &[(String, String)]| -> Vec<String> {
                pairs
                    .iter()
                    .filter(|(k, _)| !SECRET_PARAMS.iter().any(|s| k.eq_ignore_ascii_case(s)))
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect()
            };
            let (before, after) = (safe(&before), safe(&after));
            // Upper-case marker: nothing else in the URL can contain it.
            let secret = format!("S3CR3T{secret}");
            let mut pairs = before.clone();
            pairs.push(format!("{name}={secret}"));
            pairs.extend(after.iter().cloned());
            let uri: Uri = format!("https://h.example/p?{}", pairs.join("&")).parse().unwrap();

            let full = url_full(&uri);

            prop_assert!(!full.contains(&secret), "{full}");
            let mut expected = before;
            expected.push(format!("{name}=REDACTED"));
            expected.extend(after);
            prop_assert_eq!(full, format!("https://h.example/p?{}", expected.join("&")));
        }
    }
}
