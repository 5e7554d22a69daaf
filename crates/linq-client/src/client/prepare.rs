//! An operation turned into one request, ready to send as often as the
//! policy allows: path, query, body, headers and idempotency key.

use std::time::Duration;

use bytes::Bytes;
use http::header::ACCEPT;
use http::{HeaderMap, HeaderValue, Method, Uri};
use linq_types::operation::{PathBuilder, QueryBuilder};
use linq_types::{Effect, IdempotencyKey, Operation};

use super::Client;
use crate::Error;
use crate::idempotency::new_key;
use crate::options::RequestOptions;

/// One request, ready to send as many times as the policy allows.
pub(crate) struct Prepared {
    pub(crate) id: &'static str,
    pub(crate) method: Method,
    pub(crate) uri: Uri,
    pub(crate) headers: Headers,
    pub(crate) body: Bytes,
    pub(crate) effect: Effect,
    pub(crate) has_key: bool,
}

/// The headers a request sends: one of the client's prebuilt sets, or its own.
pub(crate) enum Headers {
    /// The client's set with (`json`) or without a JSON content type.
    Template { json: bool },
    /// A set of the request's own (idempotency key, per-call headers, …).
    Owned(HeaderMap),
}

/// The per-call settings the retry loop needs, copied out of
/// [`RequestOptions`] so that an in-flight call does not carry the rest.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Limits {
    pub(super) max_retries: Option<u32>,
    pub(super) timeout: Option<Duration>,
    pub(super) deadline: Option<Duration>,
}

impl Limits {
    pub(super) fn of(options: &RequestOptions) -> Self {
        Self {
            max_retries: options.max_retries,
            timeout: options.timeout,
            deadline: options.deadline,
        }
    }
}

impl Client {
    /// Builds the request an operation describes, with its idempotency key.
    pub(super) fn prepare<O: Operation>(
        &self,
        mut op: O,
        options: &RequestOptions,
    ) -> Result<Prepared, Error> {
        let idempotency = op.idempotency();
        let given = crate::idempotency::caller_key(idempotency, op.idempotency_key(), options)?;
        let key_header = crate::idempotency::header_name(idempotency);
        let key = match idempotency {
            IdempotencyKey::None => None,
            IdempotencyKey::Header(_) => {
                let key = given.unwrap_or_else(new_key);
                let value = HeaderValue::try_from(key).map_err(|_| {
                    Error::invalid(
                        "idempotency key",
                        linq_types::InvalidValue::Other("not a valid header value".into()),
                    )
                })?;
                key_header.clone().map(|name| (name, value))
            }
            IdempotencyKey::Body => {
                op.set_idempotency_key(given.unwrap_or_else(new_key));
                None
            }
        };
        let has_key = key.is_some() || op.idempotency_key().is_some();

        let mut path = PathBuilder::new();
        op.write_path(&mut path);
        if path.has_unsafe_segment() {
            return Err(Error::invalid(
                "path parameter",
                linq_types::InvalidValue::Other(
                    "an empty, '.' or '..' id would name another resource".into(),
                ),
            ));
        }
        let mut query = QueryBuilder::new();
        op.write_query(&mut query);
        for (name, value) in &options.query {
            query.push(name, value);
        }
        let mut body = Vec::with_capacity(128);
        let has_body = op
            .write_body(&mut body)
            .map_err(|e| Error::invalid("body", linq_types::InvalidValue::Other(e.to_string())))?;

        // Like the official SDKs: a JSON content type on everything but GET,
        // even without a body.
        let method = op.method();
        let json = has_body || method != Method::GET;
        let accept = op.accept();
        let accept = (accept != "application/json").then(|| HeaderValue::from_static(accept));
        let headers = if key.is_none() && options.headers.is_empty() && accept.is_none() {
            Headers::Template { json }
        } else {
            let mut headers = self.inner.template(json).clone();
            if let Some(accept) = accept {
                headers.insert(ACCEPT, accept);
            }
            if let Some((name, value)) = key {
                headers.insert(name, value);
            }
            // The caller's key header was taken above, as the key.
            for (name, value) in &options.headers {
                if Some(name) != key_header.as_ref() {
                    headers.append(name, value.clone());
                }
            }
            Headers::Owned(headers)
        };

        Ok(Prepared {
            id: op.id(),
            method,
            uri: self
                .inner
                .base
                .uri(op.id(), path.as_str(), query.as_str())?,
            headers,
            body: Bytes::from(body),
            effect: op.effect(),
            has_key,
        })
    }
}
