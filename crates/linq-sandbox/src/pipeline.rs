//! The path of one request, read top to bottom:
//!
//! 1. **where**: the control API (`/__sandbox/*`), an upload or download
//!    URL (`/__files/{id}`), or the API under its prefix;
//! 2. **authenticate**: the API key from the headers alone (the server
//!    calls [`Sandbox::admits`] before it reads a body);
//! 3. **route**: the operation the method and path name;
//! 4. **fault**: a queued [`Fault`] that selects the request;
//! 5. **validate**: path, query and body against the operation's schemas;
//! 6. **dispatch**: the operation's handler in `crate::ops`;
//! 7. **respond**: the reply or error envelope; the events the handler
//!    queued are signed and handed out (`crate::deliver`), and the request
//!    is logged.

use std::net::SocketAddr;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use linq_transport::{BoxFuture, Handler, TransportError};
use linq_types::{ErrorDetail, ErrorResponse};

use crate::fault::Fault;
use crate::ops::{self, Call};
use crate::reply::{Fail, Handled, fail};
use crate::spec::{self, Route};
use crate::state::State;
use crate::{NOT_FOUND, Sandbox};

/// Marks a request that came in over HTTP, with the address it reached.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Served(pub SocketAddr);

/// What became of a request.
pub(crate) enum Outcome {
    Reply(Response<Bytes>),
    /// The connection is dropped without a reply (a fault).
    Drop,
}

/// Which part of the sandbox a path names.
enum Target<'p> {
    /// `/__sandbox/{rest}`.
    Control(&'p str),
    /// `/__files/{id}`: presigned-style upload and download URLs.
    File(&'p str),
    /// The API: the path from `/v3` on, still encoded.
    Api(&'p str),
    /// Nothing.
    Unknown,
}

/// The key a request must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Door {
    /// No key (the control API's description, upload URLs).
    Open,
    /// The API key (any non-empty key in mock mode).
    Api,
    /// The control key.
    Control,
}

const UNAUTHORIZED: &str = "Unauthorized - missing or invalid authentication token";

impl Sandbox {
    /// Answers one request.
    pub(crate) async fn answer(&self, request: Request<Bytes>) -> Outcome {
        let path = request.uri().path().to_owned();
        let segments = match self.target(&path) {
            Target::Control(rest) => return Outcome::Reply(self.control_request(&request, rest)),
            Target::File(id) => return Outcome::Reply(self.file(&request, id)),
            Target::Api(rest) => Some(rest.to_owned()),
            Target::Unknown => None,
        };
        let method = request.method().clone();
        let query = request.uri().query().map(str::to_owned);
        let (operation, outcome) = self.answer_api(request, segments).await;
        let status = match &outcome {
            Outcome::Reply(r) => Some(r.status().as_u16()),
            Outcome::Drop => None,
        };
        self.log_request(&method, &path, query.as_deref(), operation, status);
        outcome
    }

    async fn answer_api(
        &self,
        request: Request<Bytes>,
        api_path: Option<String>,
    ) -> (Option<&'static str>, Outcome) {
        // A request without the key is answered 401 before any queued
        // fault is spent on it (and before its path is decoded).
        if !self.authenticated(request.headers(), Door::Api) {
            return (None, Outcome::Reply(self.error(401, 2004, UNAUTHORIZED)));
        }
        let segments = api_path.as_deref().and_then(api_segments);
        let route = match &segments {
            Some(segments) => spec::route(request.method(), segments),
            None => Route::NotFound,
        };
        let (op, template) = match &route {
            Route::Found(op, _) => (Some(op.id.as_str()), op.path.as_str()),
            Route::NotFound => (None, ""),
        };
        let sent = segments
            .map(|s| format!("/{}", s.join("/")))
            .unwrap_or_default();
        let outcome = match self.take_fault(op, request.method(), template, &sent) {
            None => Outcome::Reply(self.apply(&request, route)),
            Some(Fault::Delay(wait)) => {
                tokio::time::sleep(wait).await;
                Outcome::Reply(self.apply(&request, route))
            }
            Some(Fault::Drop) => Outcome::Drop,
            Some(Fault::DropAfterApply) => {
                let _ = self.apply(&request, route);
                Outcome::Drop
            }
            Some(fault) => Outcome::Reply(self.fault_reply(fault, op)),
        };
        (op, outcome)
    }

    /// Answers an API request (a path from `/v3` on) in process, skipping
    /// authentication, faults and the log: for the in-process helpers.
    pub(crate) fn answer_local(&self, request: &Request<Bytes>) -> Response<Bytes> {
        let route = match api_segments(request.uri().path()) {
            Some(segments) => spec::route(request.method(), &segments),
            None => Route::NotFound,
        };
        self.apply(request, route)
    }

    /// Validates, dispatches and responds, then hands out the events.
    fn apply(&self, request: &Request<Bytes>, route: Route) -> Response<Bytes> {
        let Route::Found(op, params) = route else {
            return self.error(404, NOT_FOUND, "Resource not found");
        };
        let query = request.uri().query().map(parse_query).unwrap_or_default();
        let origin = origin(request);
        let call = Call {
            op,
            params,
            query,
            headers: request.headers(),
            body: request.body(),
            origin: &origin,
        };
        let mut state = self.state();
        let result = ops::validate(&call).and_then(|()| ops::dispatch(&mut state, &call));
        let response = respond(result, &mut state, &op.content_type);
        self.flush(state);
        response
    }

    fn fault_reply(&self, fault: Fault, op: Option<&str>) -> Response<Bytes> {
        let (status, code, message) = fault.error(op).unwrap_or((500, 3006, String::new()));
        let mut response = self.error(status, code, &message);
        if let Fault::RateLimited { retry_after } = fault {
            let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from(secs));
        }
        response
    }

    /// Whether the headers alone admit a request to `path`: the server
    /// asks before it reads a body, and answers 401 without reading one.
    pub(crate) fn admits(&self, path: &str, headers: &HeaderMap, method: &Method) -> bool {
        let door = match self.target(path) {
            Target::Control("openapi.json") if method == Method::GET => Door::Open,
            Target::Control(_) => Door::Control,
            Target::File(_) => Door::Open,
            Target::Api(_) | Target::Unknown => Door::Api,
        };
        self.authenticated(headers, door)
    }

    /// Whether the request carries the key `door` needs.
    pub(crate) fn authenticated(&self, headers: &HeaderMap, door: Door) -> bool {
        if door == Door::Open {
            return true;
        }
        let Some(key) = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
        else {
            return false;
        };
        let state = self.state();
        match door {
            Door::Open => true,
            Door::Control => key == state.control_key,
            Door::Api if state.mock => !key.is_empty(),
            Door::Api => key == state.api_key,
        }
    }

    fn control_request(&self, request: &Request<Bytes>, rest: &str) -> Response<Bytes> {
        if !self.admits(request.uri().path(), request.headers(), request.method()) {
            return self.error(401, 2004, UNAUTHORIZED);
        }
        self.control(request.method(), rest, request.body())
    }

    /// An upload (`PUT`) or download (`GET`) on the URLs that
    /// `attachments.create` hands out. Like presigned URLs, they need no key.
    fn file(&self, request: &Request<Bytes>, id: &str) -> Response<Bytes> {
        let mut state = self.state();
        let result = match *request.method() {
            Method::PUT => {
                let content_type = request
                    .headers()
                    .get(http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok());
                ops::upload(&mut state, id, content_type, request.body())
                    .map(|()| Response::builder().status(200).body(Bytes::new()))
            }
            Method::GET => ops::download(&state, id).map(|(content_type, data)| {
                Response::builder()
                    .status(200)
                    .header("content-type", content_type)
                    .body(data)
            }),
            _ => Err(fail(405, 1005, "Use PUT to upload and GET to download")),
        };
        match result {
            Ok(response) => response.expect("a valid response"),
            Err(f) => error_response(f.status, f.code, &f.message, state.trace()),
        }
    }

    pub(crate) fn error(&self, status: u16, code: u32, message: &str) -> Response<Bytes> {
        let trace = self.state().trace();
        error_response(status, code, message, trace)
    }

    /// Where a path goes. The API is answered under the configured prefix
    /// only (`/api/partner` by default); mock mode also answers at the root.
    fn target<'p>(&self, path: &'p str) -> Target<'p> {
        if let Some(i) = path.find("/__sandbox/") {
            return Target::Control(path[i + "/__sandbox/".len()..].trim_end_matches('/'));
        }
        if let Some(i) = path.find("/__files/") {
            let id = &path[i + "/__files/".len()..];
            if !id.is_empty() && !id.contains('/') {
                return Target::File(id);
            }
        }
        let state = self.state();
        let is_api = |rest: &str| rest.starts_with("/v3/") || rest == "/v3";
        let under_prefix = path
            .strip_prefix(state.api_prefix.as_str())
            .filter(|rest| is_api(rest));
        let at_root = || Some(path).filter(|rest| state.mock && is_api(rest));
        match under_prefix.or_else(at_root) {
            Some(rest) => Target::Api(rest),
            None => Target::Unknown,
        }
    }
}

/// The reply to a dispatched call.
fn respond(result: Handled, state: &mut State, content_type: &str) -> Response<Bytes> {
    match result {
        Ok(reply) => {
            let mut builder = Response::builder().status(reply.status);
            if reply.sampled {
                builder = builder.header("x-sandbox-sampled", "true");
            }
            let body = match reply.body {
                Some(body) => {
                    builder = builder.header("content-type", content_type);
                    Bytes::from(body.to_string())
                }
                None => Bytes::new(),
            };
            builder.body(body).expect("a valid response")
        }
        Err(Fail {
            status,
            code,
            message,
        }) => error_response(status, code, &message, state.trace()),
    }
}

impl Handler for Sandbox {
    fn handle(
        &self,
        request: Request<Bytes>,
    ) -> BoxFuture<'_, Result<Response<Bytes>, TransportError>> {
        Box::pin(async move {
            match self.answer(request).await {
                Outcome::Reply(response) => Ok(response),
                Outcome::Drop => Err(TransportError::Io(Box::new(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "the sandbox dropped the connection",
                )))),
            }
        })
    }
}

pub(crate) fn error_response(
    status: u16,
    code: u32,
    message: &str,
    trace: String,
) -> Response<Bytes> {
    let mut envelope = ErrorResponse::new(ErrorDetail::new(status, code, message));
    envelope.trace_id = Some(trace);
    let body = serde_json::to_vec(&envelope).expect("the envelope serializes");
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", "application/json");
    // The sandbox's conflicts come from its state, so the same request gets
    // the same answer: retrying would not help.
    if status == 409 {
        builder = builder.header("x-should-retry", "false");
    }
    builder.body(Bytes::from(body)).expect("a valid response")
}

/// Where the sandbox's own URLs point: the loopback address it was reached
/// on when served, otherwise a name that only the in-memory transport
/// (which hands every request to the sandbox) can reach.
fn origin(request: &Request<Bytes>) -> String {
    match request.extensions().get::<Served>() {
        Some(served) => format!("http://{}", served.0),
        None => "https://sandbox.linq.invalid".to_owned(),
    }
}

/// The decoded path segments of `/v3/...`.
fn api_segments(path: &str) -> Option<Vec<String>> {
    if !(path.starts_with("/v3/") || path == "/v3") {
        return None;
    }
    Some(
        path.trim_matches('/')
            .split('/')
            .map(percent_decode)
            .collect(),
    )
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_queries_decode() {
        assert_eq!(
            api_segments("/v3/chats/x/participants").unwrap(),
            ["v3", "chats", "x", "participants"]
        );
        assert_eq!(api_segments("/v3/chats").unwrap(), ["v3", "chats"]);
        assert!(api_segments("/api/partner/chats").is_none());
        assert_eq!(percent_decode("%2B1205%2"), "+1205%2");
        assert_eq!(
            parse_query("to=%2B12025550142&limit=2"),
            [
                ("to".to_owned(), "+12025550142".to_owned()),
                ("limit".to_owned(), "2".to_owned())
            ]
        );
    }
}
