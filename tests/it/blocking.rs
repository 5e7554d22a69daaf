//! `linq_client::blocking::Client` from plain `#[test]` functions (no
//! runtime on the calling thread): the add-participant call and a paginated
//! listing against the sandbox served on loopback, the same over the
//! in-memory transport with the exact pages fetched, and the panic when it
//! is called inside an async runtime.

use std::sync::mpsc;

use linq_client::blocking::Client;
use linq_client::{Error, InMemoryTransport};
use linq_sandbox::Sandbox;

/// The sandbox served on 127.0.0.1 from a thread and runtime of its own,
/// stopped on drop.
struct Served {
    base_url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

fn serve(sandbox: &Sandbox) -> Served {
    let sandbox = sandbox.clone();
    let (ready, url) = mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let server = sandbox.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
            ready.send(server.base_url()).unwrap();
            let _ = stopped.await;
        });
    });
    Served {
        base_url: url.recv().unwrap(),
        _stop: stop,
    }
}

const GROUP: [&str; 2] = ["+12025550142", "+12025550144"];

#[test]
fn adds_a_participant_and_lists_pages_over_loopback() {
    let sandbox = Sandbox::new();
    let chat = sandbox.create_chat(&GROUP, "hello").unwrap();
    let served = serve(&sandbox);
    let client = Client::builder()
        .api_key(sandbox.api_key())
        .base_url(served.base_url.clone())
        .build()
        .unwrap();

    let reply = client
        .chats()
        .participants()
        .add(chat.as_str(), "+12025550146")
        .send()
        .unwrap();
    assert_eq!(reply.status.as_deref(), Some("accepted"));
    sandbox.advance();
    assert_eq!(sandbox.chat(&chat).unwrap().handles.len(), 4);

    let mut sent = Vec::new();
    for text in ["one", "two", "three", "four"] {
        let reply = client
            .chats()
            .messages()
            .send(chat.as_str(), text)
            .send()
            .unwrap();
        sent.push(reply.message.id.to_string());
    }
    let listed: Vec<String> = client
        .chats()
        .messages()
        .list(chat.as_str())
        .limit(2)
        .into_iter()
        .map(|m| m.unwrap().id.to_string())
        .collect();
    assert_eq!(listed.len(), 5, "{listed:?}");
    for id in &sent {
        assert!(listed.contains(id), "{id} missing from {listed:?}");
    }
    let all = client
        .chats()
        .messages()
        .list(chat.as_str())
        .collect_all()
        .unwrap();
    assert_eq!(
        all.iter().map(|m| m.id.to_string()).collect::<Vec<_>>(),
        listed
    );
}

#[test]
fn iterating_fetches_one_page_at_a_time() {
    let sandbox = Sandbox::new();
    let chat = sandbox.create_chat(&GROUP, "first").unwrap();
    for text in ["2", "3", "4", "5"] {
        sandbox.receive(&chat, GROUP[0], text).unwrap();
    }
    let transport = sandbox.transport().recording();
    let client = Client::builder()
        .api_key(sandbox.api_key())
        .transport(transport.clone())
        .build()
        .unwrap();

    let mut items = client
        .chats()
        .messages()
        .list(chat.as_str())
        .limit(2)
        .into_iter();
    assert!(
        transport.requests().is_empty(),
        "nothing is sent before next()"
    );
    items.next().unwrap().unwrap();
    items.next().unwrap().unwrap();
    assert_eq!(transport.requests().len(), 1);
    items.next().unwrap().unwrap();
    assert_eq!(transport.requests().len(), 2);
    assert_eq!(items.count(), 2);
    let queries: Vec<String> = transport
        .requests()
        .iter()
        .map(|r| r.uri.query().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(queries, ["limit=2", "cursor=5&limit=2", "cursor=3&limit=2"]);
}

#[test]
fn invalid_input_is_an_error_and_sends_nothing() {
    let transport = InMemoryTransport::new(|_| unreachable!("nothing is sent")).recording();
    let client = Client::builder()
        .api_key("sk_test")
        .transport(transport.clone())
        .build()
        .unwrap();

    let err = client
        .chats()
        .participants()
        .add("not-a-uuid", "+12025550146")
        .send()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    let mut items = client.chats().messages().list("not-a-uuid").into_iter();
    assert!(items.next().unwrap().unwrap_err().is_invalid_input());
    assert!(items.next().is_none());
    assert!(transport.requests().is_empty());
}

#[test]
fn clones_call_from_several_threads_at_once() {
    let sandbox = Sandbox::new();
    let chat = sandbox.create_chat(&GROUP, "hello").unwrap();
    let served = serve(&sandbox);
    let client = Client::builder()
        .api_key(sandbox.api_key())
        .base_url(served.base_url.clone())
        .build()
        .unwrap();

    let threads: Vec<_> = (0..4)
        .map(|i| {
            let (client, chat) = (client.clone(), chat.clone());
            std::thread::spawn(move || {
                client
                    .chats()
                    .messages()
                    .send(chat.as_str(), format!("from thread {i}"))
                    .send()
                    .unwrap()
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let all = client
        .chats()
        .messages()
        .list(chat.as_str())
        .collect_all()
        .unwrap();
    assert_eq!(all.len(), 5);
}

#[tokio::test]
#[should_panic(expected = "linq_client::blocking::Client was called from inside an async runtime")]
async fn calling_it_inside_an_async_runtime_panics_with_a_clear_message() {
    let sandbox = Sandbox::new();
    let client = Client::builder()
        .api_key(sandbox.api_key())
        .transport(sandbox.transport())
        .build()
        .unwrap();
    let _ = client
        .chats()
        .participants()
        .add("550e8400-e29b-41d4-a716-446655440000", "+12025550146")
        .send();
}

#[test]
fn building_and_dropping_inside_a_runtime_does_not_panic() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = Client::builder().api_key("sk_test").build().unwrap();
        drop(client);
    });
}

#[test]
fn send_with_response_and_collect_at_most_block_too() {
    let sandbox = Sandbox::new();
    let chat = sandbox.create_chat(&GROUP, "first").unwrap();
    for text in ["2", "3", "4", "5"] {
        sandbox.receive(&chat, GROUP[0], text).unwrap();
    }
    let transport = sandbox.transport().recording();
    let client = Client::builder()
        .api_key(sandbox.api_key())
        .transport(transport.clone())
        .build()
        .unwrap();

    let reply = client
        .chats()
        .participants()
        .add(chat.as_str(), "+12025550146")
        .send_with_response()
        .unwrap();
    assert_eq!(reply.status, 202);
    assert_eq!(reply.attempts, 1);

    let three = client
        .chats()
        .messages()
        .list(chat.as_str())
        .limit(2)
        .collect_at_most(3)
        .unwrap();
    assert_eq!(three.len(), 3);
    assert_eq!(transport.requests().len(), 3, "the add, then two pages");
}

/// A loopback HTTP/1.1 server that answers each request on a keep-alive
/// connection with a 404 and closes the connection 50 ms later, while the
/// client holds it idle. Counts the requests it answered.
fn closing_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let answered = std::sync::Arc::new(AtomicUsize::new(0));
    let count = answered.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let count = count.clone();
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if stream.read(&mut byte).unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let body = br#"{"error":{"code":"not_found","message":"no such chat"}}"#;
                let reply = format!(
                    "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                stream.write_all(reply.as_bytes()).unwrap();
                stream.write_all(body).unwrap();
                count.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(50));
                let _ = stream.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    (format!("http://{addr}"), answered)
}

/// Between calls the client sees a close by the server: the next call goes
/// out on a new connection instead of failing on the dead one (retries off,
/// so a failure would show).
#[test]
fn a_connection_closed_while_idle_is_not_reused() {
    let (base_url, answered) = closing_server();
    let client = Client::builder()
        .api_key("sk_test_closing")
        .base_url(base_url)
        .retry_policy(linq_client::RetryPolicy::none())
        .build()
        .unwrap();
    let chat = "550e8400-e29b-41d4-a716-446655440000";
    for call in 0..3 {
        let err = client.chats().retrieve(chat).send().unwrap_err();
        assert!(
            matches!(&err, Error::Api(api) if api.status == 404),
            "call {call}: {err}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(answered.load(std::sync::atomic::Ordering::SeqCst), 3);
}
