//! One request's round trip through the pool: a connection or stream
//! checked out, the request written, the response read up to the body
//! limit, and a resend elsewhere when the request certainly was not
//! processed.

use std::error::Error as StdError;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::BodyExt;

use super::body::ReqBody;
use super::host::{Checkout, Host};
use crate::error::{TransportError, chain_has};

/// How many times one request may be moved to another connection because
/// it certainly was not sent (stale pooled connection, refused stream,
/// GOAWAY).
const MAX_RESENDS: u32 = 3;

/// Sends `request` to `host` and reads the whole response, at most `limit`
/// body bytes.
pub(crate) async fn round_trip(
    host: &Arc<Host>,
    mut request: http::Request<Bytes>,
    limit: usize,
) -> Result<http::Response<Bytes>, TransportError> {
    // The absolute URI, kept when HTTP/1.1 rewrote it to origin form.
    let mut absolute: Option<http::Uri> = None;
    let mut resends = 0;
    loop {
        match host.checkout().await? {
            Checkout::Http1(mut conn) => {
                if conn.sender.ready().await.is_err() {
                    // Closed before anything was written, so not processed:
                    // a pooled connection the server closed while idle, or
                    // a fresh one it closed on accept. Counted, so a server
                    // that closes every connection cannot make one request
                    // dial without end.
                    if resends >= MAX_RESENDS {
                        return Err(TransportError::Connect(
                            "the server closed the connection before the request was sent".into(),
                        ));
                    }
                    resends += 1;
                    continue;
                }
                let original = to_origin_form(&mut request, host);
                absolute.get_or_insert(original);
                match conn
                    .sender
                    .try_send_request(request.map(ReqBody::new))
                    .await
                {
                    Ok(response) => {
                        let response = read_response(response, limit).await?;
                        host.release_h1(conn);
                        return Ok(response);
                    }
                    Err(mut err) => {
                        let unsent = err.take_message();
                        match unsent {
                            Some(back) if conn.used && resends < MAX_RESENDS => {
                                resends += 1;
                                request = back.map(ReqBody::into_bytes);
                            }
                            _ => return Err(map_hyper_error(err.into_error())),
                        }
                    }
                }
            }
            Checkout::Http2(mut stream) => {
                if let Some(uri) = absolute.take() {
                    *request.uri_mut() = uri;
                }
                let copy = (resends < MAX_RESENDS).then(|| copy_request(&request));
                match stream
                    .sender
                    .try_send_request(request.map(ReqBody::new))
                    .await
                {
                    Ok(response) => {
                        let response = read_response(response, limit).await;
                        drop(stream);
                        return response;
                    }
                    Err(mut err) => {
                        drop(stream);
                        if resends >= MAX_RESENDS {
                            return Err(map_hyper_error(err.into_error()));
                        }
                        resends += 1;
                        request = match (err.take_message(), copy) {
                            (Some(back), _) => back.map(ReqBody::into_bytes),
                            (None, Some(copy)) if h2_not_processed(err.error()) => copy,
                            _ => return Err(map_hyper_error(err.into_error())),
                        };
                    }
                }
            }
        }
    }
}

/// HTTP/1.1 sends the path only, and the host in a `Host` header. Returns
/// the URI it replaced.
fn to_origin_form(request: &mut http::Request<Bytes>, host: &Host) -> http::Uri {
    if !request.headers().contains_key(http::header::HOST) {
        request
            .headers_mut()
            .insert(http::header::HOST, host.host_header.clone());
    }
    let path = match request.uri().path_and_query() {
        Some(path) if path.as_str() != "/" => {
            let mut parts = http::uri::Parts::default();
            parts.path_and_query = Some(path.clone());
            http::Uri::from_parts(parts).unwrap_or_default()
        }
        _ => http::Uri::default(),
    };
    std::mem::replace(request.uri_mut(), path)
}

/// A copy to resend if the server refuses the stream unprocessed.
fn copy_request(request: &http::Request<Bytes>) -> http::Request<Bytes> {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    copy
}

async fn read_response(
    response: http::Response<hyper::body::Incoming>,
    limit: usize,
) -> Result<http::Response<Bytes>, TransportError> {
    let (parts, body) = response.into_parts();
    if let Some(len) = content_length(&parts.headers) {
        if len > limit as u64 {
            return Err(TransportError::BodyTooLarge { limit });
        }
    }
    let bytes = read_body(body, limit).await?;
    Ok(http::Response::from_parts(parts, bytes))
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

fn map_hyper_error(err: hyper::Error) -> TransportError {
    if chain_has::<rustls::Error>(&err) {
        TransportError::Tls(Box::new(err))
    } else {
        TransportError::Io(Box::new(err))
    }
}

/// Whether an HTTP/2 request that failed was certainly not processed by the
/// server (RFC 9113 §8.7): its stream was refused, or a graceful GOAWAY
/// named a last stream below it.
fn h2_not_processed(err: &hyper::Error) -> bool {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(h2) = e.downcast_ref::<h2::Error>() {
            let reason = h2.reason();
            return (h2.is_reset() && h2.is_remote() && reason == Some(h2::Reason::REFUSED_STREAM))
                || (h2.is_go_away() && h2.is_remote() && reason == Some(h2::Reason::NO_ERROR));
        }
        cur = e.source();
    }
    false
}
