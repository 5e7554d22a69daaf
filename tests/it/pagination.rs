//! The lazy item stream over cursor-paginated lists.

use std::sync::{Arc, Mutex};

use crate::support::*;
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use linq_client::{Client, Error, InMemoryTransport, RetryPolicy};

fn message(n: usize) -> String {
    format!(
        r#"{{"id":"00000000-0000-4000-8000-{n:012}","chat_id":"{CHAT}","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","delivery_status":"delivered","is_delivered":true,"is_from_me":false,"is_read":false}}"#
    )
}

/// A server holding `total` messages, served `limit` at a time with the
/// offset as cursor; `fail_at` makes the request for that offset fail.
fn paged(total: usize, fail_at: Option<usize>) -> (Client, Arc<Mutex<Vec<String>>>) {
    let queries = Arc::new(Mutex::new(Vec::new()));
    let q = queries.clone();
    let transport = InMemoryTransport::new(move |req: http::Request<Bytes>| {
        let query = req.uri().query().unwrap_or("").to_owned();
        q.lock().unwrap().push(query.clone());
        let param = |name: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
                .and_then(|v| v.parse::<usize>().ok())
        };
        let (start, limit) = (param("cursor").unwrap_or(0), param("limit").unwrap_or(50));
        if Some(start) == fail_at {
            return envelope(500, 3006, "Internal server error");
        }
        let end = (start + limit).min(total);
        let items: Vec<String> = (start..end).map(message).collect();
        let next = if end < total {
            format!(r#""{end}""#)
        } else {
            "null".into()
        };
        json_reply(
            200,
            &format!(
                r#"{{"messages":[{}],"next_cursor":{next}}}"#,
                items.join(",")
            ),
        )
    });
    let client = Client::builder()
        .api_key(TEST_KEY)
        .transport(transport)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    (client, queries)
}

#[tokio::test]
async fn every_item_of_every_page_exactly_once() {
    let (client, queries) = paged(1_234, None);
    let ids: Vec<String> = client
        .chats()
        .messages()
        .list(CHAT)
        .limit(100)
        .into_stream()
        .map_ok(|m| m.id.to_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids.len(), 1_234);
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), 1_234);
    assert_eq!(ids[0], "00000000-0000-4000-8000-000000000000");
    let queries = queries.lock().unwrap();
    assert_eq!(queries.len(), 13, "ceil(1234 / 100) pages");
    assert_eq!(queries[0], "limit=100");
    assert_eq!(queries[1], "cursor=100&limit=100");
}

#[tokio::test]
async fn the_stream_is_lazy_and_stops_where_the_reader_stops() {
    let (client, queries) = paged(1_000, None);
    let stream = client.chats().messages().list(CHAT).limit(10).into_stream();
    assert!(
        queries.lock().unwrap().is_empty(),
        "nothing is sent before polling"
    );
    let first: Vec<_> = stream.take(15).collect().await;
    assert_eq!(first.len(), 15);
    assert_eq!(queries.lock().unwrap().len(), 2, "only the pages needed");
}

#[tokio::test]
async fn an_empty_page_or_a_missing_cursor_ends_it() {
    let (client, queries) = paged(0, None);
    let n = client
        .chats()
        .messages()
        .list(CHAT)
        .into_stream()
        .count()
        .await;
    assert_eq!(n, 0);
    assert_eq!(queries.lock().unwrap().len(), 1);

    // A server that keeps returning a cursor with an empty page must not loop.
    let transport = InMemoryTransport::new(|_req: http::Request<Bytes>| {
        json_reply(200, r#"{"messages":[],"next_cursor":"again"}"#)
    })
    .recording();
    let client = Client::builder()
        .api_key(TEST_KEY)
        .transport(transport.clone())
        .build()
        .unwrap();
    let n = client
        .chats()
        .messages()
        .list(CHAT)
        .into_stream()
        .count()
        .await;
    assert_eq!(n, 0);
    assert_eq!(transport.requests().len(), 1);
}

#[tokio::test]
async fn an_error_is_yielded_once_and_ends_the_stream() {
    let (client, _) = paged(100, Some(40));
    let results: Vec<Result<_, Error>> = client
        .chats()
        .messages()
        .list(CHAT)
        .limit(20)
        .into_stream()
        .collect()
        .await;
    assert_eq!(results.len(), 41);
    assert!(results[..40].iter().all(Result::is_ok));
    assert_eq!(
        results[40].as_ref().unwrap_err().status().unwrap().as_u16(),
        500
    );

    let (client, queries) = paged(10, None);
    let results: Vec<_> = client
        .chats()
        .messages()
        .list("not-a-chat")
        .into_stream()
        .collect()
        .await;
    assert!(matches!(
        results.as_slice(),
        [Err(Error::InvalidInput {
            field: "chat_id",
            ..
        })]
    ));
    assert!(queries.lock().unwrap().is_empty());
}
