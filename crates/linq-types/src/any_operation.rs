//! One type for every operation, chosen at run time.
//!
//! A command line or an agent names an operation by its id and passes its
//! arguments as JSON; [`catalog`](crate::catalog) turns those into the typed
//! operation and wraps it here, so the request on the wire is the typed
//! operation's own, byte for byte, and the client runs it through the same
//! policy as every other call.

use std::fmt;

use http::Method;

use crate::InvalidValue;
use crate::operation::{Effect, IdempotencyKey, Operation, PathBuilder, QueryBuilder};

/// Any operation, typed or raw, whose reply is kept as JSON.
///
/// Build one with [`OperationInfo::build`](crate::catalog::OperationInfo::build),
/// [`AnyOperation::new`] or [`AnyOperation::raw`]. Its [`Operation`]
/// constants are placeholders: read [`Operation::id`], [`Operation::method`]
/// and the other methods instead, which answer for the operation it holds.
pub struct AnyOperation {
    id: &'static str,
    method: Method,
    accept: &'static str,
    effect: Effect,
    idempotency: IdempotencyKey,
    inner: Box<dyn Erased>,
}

impl AnyOperation {
    /// Wraps a typed operation; only its reply type is forgotten.
    pub fn new<O: Operation + Send + Sync + 'static>(op: O) -> Self {
        Self {
            id: op.id(),
            method: op.method(),
            accept: op.accept(),
            effect: op.effect(),
            idempotency: op.idempotency(),
            inner: Box::new(op),
        }
    }

    /// A request by method and path, for an escape hatch to endpoints this
    /// crate does not describe. `path` starts at `/v3/`; each of its segments
    /// is percent-encoded as one segment. Anything but `GET` counts as
    /// [`Effect::Visible`], so it is retried only when it provably was not
    /// processed.
    pub fn raw(
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<Self, InvalidValue> {
        let Some(rest) = path.strip_prefix("/v3/") else {
            return Err(InvalidValue::Other(format!(
                "path `{path}` must start with /v3/"
            )));
        };
        let segments: Vec<String> = rest.split('/').map(str::to_owned).collect();
        if segments
            .iter()
            .any(|s| matches!(s.as_str(), "" | "." | ".."))
        {
            return Err(InvalidValue::Other(format!(
                "path `{path}` has an empty, '.' or '..' segment"
            )));
        }
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| InvalidValue::Other(e.to_string()))?;
        let effect = if method == Method::GET {
            Effect::Repeatable
        } else {
            Effect::Visible
        };
        Ok(Self {
            id: "api.raw",
            method,
            accept: "application/json",
            effect,
            idempotency: IdempotencyKey::None,
            inner: Box::new(Raw {
                segments,
                query: query.to_vec(),
                body,
            }),
        })
    }
}

impl fmt::Debug for AnyOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnyOperation")
            .field("id", &self.id)
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

impl Operation for AnyOperation {
    type Output = serde_json::Value;
    const ID: &'static str = "any";
    const METHOD: Method = Method::GET;

    fn write_path(&self, path: &mut PathBuilder) {
        self.inner.path(path);
    }

    fn write_query(&self, query: &mut QueryBuilder) {
        self.inner.query(query);
    }

    fn write_body(&self, out: &mut Vec<u8>) -> Result<bool, serde_json::Error> {
        self.inner.body(out)
    }

    fn idempotency_key(&self) -> Option<&str> {
        self.inner.key()
    }

    fn set_idempotency_key(&mut self, key: String) {
        self.inner.set_key(key);
    }

    fn id(&self) -> &'static str {
        self.id
    }

    fn method(&self) -> Method {
        self.method.clone()
    }

    fn accept(&self) -> &'static str {
        self.accept
    }

    fn effect(&self) -> Effect {
        self.effect
    }

    fn idempotency(&self) -> IdempotencyKey {
        self.idempotency
    }
}

/// The object-safe half of [`Operation`].
trait Erased: Send + Sync {
    fn path(&self, path: &mut PathBuilder);
    fn query(&self, query: &mut QueryBuilder);
    fn body(&self, out: &mut Vec<u8>) -> Result<bool, serde_json::Error>;
    fn key(&self) -> Option<&str>;
    fn set_key(&mut self, key: String);
}

impl<O: Operation + Send + Sync> Erased for O {
    fn path(&self, path: &mut PathBuilder) {
        Operation::write_path(self, path);
    }
    fn query(&self, query: &mut QueryBuilder) {
        Operation::write_query(self, query);
    }
    fn body(&self, out: &mut Vec<u8>) -> Result<bool, serde_json::Error> {
        Operation::write_body(self, out)
    }
    fn key(&self) -> Option<&str> {
        Operation::idempotency_key(self)
    }
    fn set_key(&mut self, key: String) {
        Operation::set_idempotency_key(self, key);
    }
}

struct Raw {
    segments: Vec<String>,
    query: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Erased for Raw {
    fn path(&self, path: &mut PathBuilder) {
        path.push_str("/v3");
        for segment in &self.segments {
            path.push_str("/").push_segment(segment);
        }
    }
    fn query(&self, query: &mut QueryBuilder) {
        for (name, value) in &self.query {
            query.push(name, value);
        }
    }
    fn body(&self, out: &mut Vec<u8>) -> Result<bool, serde_json::Error> {
        match &self.body {
            Some(body) => {
                out.extend_from_slice(body);
                Ok(true)
            }
            None => Ok(false),
        }
    }
    fn key(&self) -> Option<&str> {
        None
    }
    fn set_key(&mut self, _key: String) {}
}

/// An operation's path, query and body as they go on the wire (tests).
#[cfg(test)]
pub(crate) fn wire(op: &impl Operation) -> (String, String, String) {
    let mut p = PathBuilder::new();
    op.write_path(&mut p);
    let mut q = QueryBuilder::new();
    op.write_query(&mut q);
    let mut b = Vec::new();
    op.write_body(&mut b).unwrap();
    (p.finish(), q.finish(), String::from_utf8(b).unwrap())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops;

    #[test]
    fn a_wrapped_operation_answers_for_the_one_it_holds() {
        let op = AnyOperation::new(ops::chats::MarkAsRead {
            chat_id: "550e8400-e29b-41d4-a716-446655440000".try_into().unwrap(),
        });
        assert_eq!(op.id(), "chats.mark_as_read");
        assert_eq!(op.method(), Method::POST);
        assert_eq!(op.accept(), "*/*");
        assert_eq!(
            wire(&op).0,
            "/v3/chats/550e8400-e29b-41d4-a716-446655440000/read"
        );
    }

    #[test]
    fn raw_paths_encode_each_segment_and_refuse_dot_segments() {
        let op = AnyOperation::raw(
            Method::GET,
            "/v3/chats/a b?c",
            &[("limit".into(), "2".into()), ("x y".into(), "&".into())],
            None,
        )
        .unwrap();
        assert_eq!(
            wire(&op),
            (
                "/v3/chats/a%20b%3Fc".into(),
                "limit=2&x+y=%26".into(),
                "".into()
            )
        );
        assert_eq!(op.effect(), Effect::Repeatable);
        for bad in ["/v3/chats/../x", "/v3//x", "/v3/x/", "/chats", "v3/chats"] {
            assert!(
                AnyOperation::raw(Method::GET, bad, &[], None).is_err(),
                "{bad}"
            );
        }
        let post = AnyOperation::raw(
            Method::POST,
            "/v3/x",
            &[],
            Some(&serde_json::json!({"a":1})),
        )
        .unwrap();
        assert_eq!(post.effect(), Effect::Visible);
        assert_eq!(wire(&post).2, r#"{"a":1}"#);
    }
}
