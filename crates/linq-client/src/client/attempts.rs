//! The retry loop: one attempt after another under the policy, the
//! per-attempt timeout and the call's deadline; then the reply decoded.

use std::future::Future;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use linq_transport::{SendOptions, TransportError};
use tokio::time::Instant;
use tracing::Instrument;

use super::Client;
use super::prepare::{Headers, Limits, Prepared};
use super::telemetry::{call_span, error_type, record_outcome};
use super::url::server_of;
use crate::error::{ApiError, DecodeError, Error};
use crate::options::ApiResponse;
use crate::retry::{self, Verdict};

impl Client {
    /// Sends `req` under the retry policy, in a `linq.call` span of its own.
    pub(crate) async fn send_prepared(
        &self,
        req: &Prepared,
        limits: Limits,
    ) -> Result<(http::Response<Bytes>, u32), Error> {
        self.retry_loop(req, limits)
            .instrument(call_span(req))
            .await
    }

    /// Sends `req` under the retry policy, recording the outcome on the
    /// current span: the `linq.call` span the caller instruments it with.
    /// (Holding the span here instead costs every call, traced or not.)
    pub(super) async fn retry_loop(
        &self,
        req: &Prepared,
        limits: Limits,
    ) -> Result<(http::Response<Bytes>, u32), Error> {
        let policy = &self.inner.retry;
        let max_retries = limits.max_retries.unwrap_or(policy.max_retries);
        let per_attempt = limits.timeout.or(self.inner.timeout);
        let deadline = limits
            .deadline
            .or(self.inner.deadline)
            // A deadline past what `Instant` can hold is no deadline.
            .and_then(|d| Instant::now().checked_add(d));

        // The clock is read only when something uses it: the deadline, or
        // the `elapsed` field of the DEBUG events (two clock reads per
        // attempt were 4% of an in-memory call).
        let timed = deadline.is_some() || tracing::enabled!(tracing::Level::DEBUG);
        let mut attempt: u32 = 0;
        // A loop that breaks with the outcome, not a nested async fn: the
        // call's future is the largest thing on this path, and each layer
        // of future would copy it once more.
        let result = loop {
            attempt += 1;
            let started = timed.then(Instant::now);
            let left = deadline
                .zip(started)
                .map(|(d, s)| d.saturating_duration_since(s));
            let limit = match (per_attempt, left) {
                (Some(t), Some(left)) => Some(t.min(left)),
                (t, left) => t.or(left),
            };
            let result = self.attempt(req, limit).await;
            let elapsed = started.map(|s| s.elapsed()).unwrap_or_default();
            // i64, not u32: tracing-opentelemetry exports only i64 as a number.
            let resends = i64::from(attempt - 1);

            let (error, verdict) = match result {
                Ok(response) if response.status().is_success() => {
                    tracing::debug!(
                        http.request.resend_count = resends,
                        http.response.status_code = i64::from(response.status().as_u16()),
                        ?elapsed,
                        "linq attempt succeeded"
                    );
                    break Ok((response, attempt));
                }
                Ok(response) => {
                    let (parts, body) = response.into_parts();
                    let api =
                        ApiError::from_response(req.id, attempt, parts.status, parts.headers, body);
                    tracing::debug!(
                        http.request.resend_count = resends,
                        http.response.status_code = i64::from(api.status.as_u16()),
                        error.r#type = api.status.as_str(),
                        linq.error_code = api.code.map(|c| i64::from(c.as_u32())),
                        linq.trace_id = api.trace_id.as_deref(),
                        ?elapsed,
                        "linq attempt failed"
                    );
                    let verdict = retry::classify_status(
                        api.status,
                        api.should_retry,
                        api.retry_after,
                        req.effect,
                        req.has_key,
                    );
                    (Error::Api(Box::new(api)), verdict)
                }
                Err(source) => {
                    let verdict = retry::classify_transport(&source, req.effect, req.has_key);
                    let error = Error::Transport {
                        source,
                        attempts: attempt,
                        operation: req.id,
                        server: match req.uri.authority() {
                            Some(a) => server_of(req.uri.scheme_str().unwrap_or("https"), a),
                            None => String::from("?"),
                        },
                    };
                    tracing::debug!(
                        http.request.resend_count = resends,
                        error.r#type = error_type(&error),
                        error.message = %error,
                        ?elapsed,
                        "linq attempt failed"
                    );
                    (error, verdict)
                }
            };

            let Verdict::Retry(asked) = verdict else {
                break Err(error);
            };
            if attempt > max_retries {
                break Err(error);
            }
            let wait = match asked {
                Some(wait) if wait > policy.max_retry_after => break Err(error),
                Some(wait) => wait,
                None => policy.backoff(attempt - 1),
            };
            if deadline.is_some_and(|d| Instant::now().checked_add(wait).is_none_or(|t| t >= d)) {
                break Err(error);
            }
            tracing::info!(
                linq.operation = req.id,
                http.request.resend_count = resends,
                ?wait,
                error.r#type = error_type(&error),
                error.message = %error,
                "linq retrying"
            );
            // Boxed: a timer is large, and held inline it would make every
            // call's future (moved whole into its box) larger.
            Box::pin(tokio::time::sleep(wait)).await;
        };
        if tracing::enabled!(tracing::Level::DEBUG) {
            record_outcome(&tracing::Span::current(), &result);
        }
        result
    }

    async fn attempt(
        &self,
        req: &Prepared,
        limit: Option<Duration>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let mut request = http::Request::new(req.body.clone());
        *request.method_mut() = req.method.clone();
        *request.uri_mut() = req.uri.clone();
        *request.headers_mut() = match &req.headers {
            Headers::Template { json } => self.inner.template(*json).clone(),
            Headers::Owned(headers) => headers.clone(),
        };
        let options = SendOptions::default().body_limit(self.inner.body_limit);
        let mut send = std::pin::pin!(self.inner.transport.send(request, options));
        let Some(limit) = limit else {
            return send.await;
        };
        // A transport that answers at once (in memory) needs no timer.
        let first = std::future::poll_fn(|cx| Poll::Ready(send.as_mut().poll(cx))).await;
        if let Poll::Ready(result) = first {
            return result;
        }
        tokio::time::timeout(limit, send)
            .await
            .unwrap_or(Err(TransportError::Timeout))
    }
}

pub(super) fn decode<T: serde::de::DeserializeOwned>(
    operation: &'static str,
    response: http::Response<Bytes>,
    attempts: u32,
) -> Result<ApiResponse<T>, Error> {
    let (parts, body) = response.into_parts();
    // A reply without a body decodes like JSON `null`: fine for `()` and
    // `Option`, an error for anything that needs fields.
    let json: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        &body
    };
    match linq_types::decode_json(json) {
        Ok(value) => Ok(ApiResponse {
            status: parts.status,
            headers: parts.headers,
            value,
            attempts,
            body,
        }),
        Err(e) => Err(Error::Decode(Box::new(DecodeError::new(
            operation,
            attempts,
            parts.status,
            &body,
            e,
        )))),
    }
}
