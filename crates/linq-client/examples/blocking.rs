//! The blocking client from a plain `fn main()`: add a participant to a
//! group chat, send a message, then list the chat's messages page by page.
//!
//! ```text
//! cargo run -p linq-client --features blocking --example blocking
//! LINQ_API_V3_API_KEY=sk_live_... cargo run -p linq-client --features blocking --example blocking -- CHAT_ID HANDLE
//! ```
//!
//! Without a key it serves the sandbox (an offline Linq account) on a
//! loopback port and calls it over HTTP, exactly as it would call the API.
//! The sandbox's server runs on its own thread and runtime; the client's
//! code below needs neither.

use std::process::ExitCode;

use linq_client::blocking::Client;
use linq_client::{API_KEY_ENV, Error};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (client, chat_id, handle, _sandbox) = if std::env::var_os(API_KEY_ENV).is_some() {
        let chat = args.next().ok_or("usage: blocking CHAT_ID HANDLE")?;
        let handle = args.next().ok_or("usage: blocking CHAT_ID HANDLE")?;
        (Client::from_env()?, chat, handle, None)
    } else {
        let sandbox = sandbox::Served::start()?;
        println!(
            "{API_KEY_ENV} is not set: serving the sandbox at {}",
            sandbox.base_url
        );
        let client = Client::builder()
            .api_key(sandbox.api_key.clone())
            .base_url(sandbox.base_url.clone())
            .build()?;
        let chat = sandbox.chat.clone();
        (client, chat, "+12025550146".to_owned(), Some(sandbox))
    };

    let reply = client
        .chats()
        .participants()
        .add(chat_id.as_str(), handle.as_str())
        .send()?;
    println!(
        "added {handle} to {chat_id}: {} (trace id {})",
        reply.status.as_deref().unwrap_or("-"),
        reply.trace_id.as_deref().unwrap_or("-")
    );

    for text in ["Welcome aboard", "Lunch is at noon", "See you there"] {
        let sent = client
            .chats()
            .messages()
            .send(chat_id.as_str(), text)
            .send()?;
        println!("sent message {}", sent.message.id);
    }

    let mut count = 0;
    for message in client.chats().messages().list(chat_id.as_str()).limit(2) {
        let message = message?;
        count += 1;
        println!("  {} at {}", message.id, message.created_at);
    }
    println!("{count} message(s), fetched 2 per page");

    match client
        .chats()
        .participants()
        .add(chat_id.as_str(), "not a handle")
        .send()
    {
        Err(Error::InvalidInput { .. }) => println!("a bad handle is refused before sending"),
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}

/// The sandbox served on loopback from a thread of its own.
mod sandbox {
    use std::sync::mpsc;

    pub struct Served {
        pub base_url: String,
        pub api_key: String,
        pub chat: String,
        _stop: tokio::sync::oneshot::Sender<()>,
    }

    impl Served {
        pub fn start() -> Result<Self, Box<dyn std::error::Error>> {
            let sandbox = linq_sandbox::Sandbox::new();
            let chat = sandbox.create_chat(&["+12025550142", "+12025550144"], "hello")?;
            let api_key = sandbox.api_key();
            let (ready, url) = mpsc::channel();
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime for the sandbox");
                runtime.block_on(async move {
                    let addr = "127.0.0.1:0".parse().expect("an address");
                    match sandbox.serve(addr).await {
                        Ok(server) => {
                            let _ = ready.send(Ok(server.base_url()));
                            let _ = stopped.await;
                        }
                        Err(e) => {
                            let _ = ready.send(Err(e.to_string()));
                        }
                    }
                });
            });
            let base_url = url.recv()??;
            Ok(Self {
                base_url,
                api_key,
                chat: chat.to_string(),
                _stop: stop,
            })
        }
    }
}
