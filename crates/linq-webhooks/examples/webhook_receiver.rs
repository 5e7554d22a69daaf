//! A minimal Linq webhook receiver on hyper.
//!
//! ```text
//! LINQ_WEBHOOK_SECRET=whsec_... cargo run -p linq-webhooks --example webhook_receiver -- --addr 127.0.0.1:3000
//! ```
//!
//! Every POST is verified. A valid delivery gets `200` and one line on
//! stdout with its event type and ids; anything else gets `400` with the
//! reason. Linq delivers at least once, so each event is handled once:
//! a redelivery of one already printed gets `200` without a second line.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use linq_webhooks::{MemoryDedupe, Once, OnceError, Webhook, process_once};
use tokio::net::TcpListener;

const MAX_BODY: usize = 1024 * 1024;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut addr = String::from("127.0.0.1:3000");
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--addr", Some(value)) => addr = value,
            _ => return Err("usage: webhook_receiver [--addr HOST:PORT]".into()),
        }
    }

    let webhook = Arc::new(Webhook::from_env()?);
    let dedupe = Arc::new(MemoryDedupe::default());
    let listener = TcpListener::bind(&addr).await?;
    println!("listening on http://{}", listener.local_addr()?);

    loop {
        let (stream, _) = listener.accept().await?;
        let webhook = Arc::clone(&webhook);
        let dedupe = Arc::clone(&dedupe);
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                handle(Arc::clone(&webhook), Arc::clone(&dedupe), request)
            });
            if let Err(err) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                eprintln!("connection error: {err}");
            }
        });
    }
}

async fn handle(
    webhook: Arc<Webhook>,
    dedupe: Arc<MemoryDedupe>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if request.method() != Method::POST {
        return Ok(reply(StatusCode::METHOD_NOT_ALLOWED, "only POST\n".into()));
    }
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) => return Ok(reply(StatusCode::BAD_REQUEST, format!("{err}\n"))),
    };

    let delivery = match webhook.verify(&body, &parts.headers) {
        Ok(delivery) => delivery,
        Err(err) => {
            eprintln!("rejected: {err}");
            return Ok(reply(StatusCode::BAD_REQUEST, format!("{err}\n")));
        }
    };
    let Some(key) = delivery.dedupe_key() else {
        return Ok(reply(StatusCode::BAD_REQUEST, "no event id\n".into()));
    };
    let handled = process_once(&*dedupe, key, || async {
        println!(
            "{} event_id={} webhook_id={}",
            delivery.event_type().unwrap_or("-"),
            delivery.event_id().unwrap_or("-"),
            delivery.webhook_id().unwrap_or("-"),
        );
        Ok::<_, std::convert::Infallible>(())
    })
    .await;
    Ok(match handled {
        Ok(Once::Processed(()) | Once::ProcessedAfterClaimLost(()) | Once::AlreadyDone) => {
            reply(StatusCode::OK, "ok\n".into())
        }
        // Another request for the same event is running: Linq retries later.
        Ok(Once::InProgress) => reply(StatusCode::CONFLICT, "in progress\n".into()),
        Err(OnceError::Handler(never)) => match never {},
        Err(OnceError::Dedupe(err)) => reply(StatusCode::SERVICE_UNAVAILABLE, format!("{err}\n")),
    })
}

fn reply(status: StatusCode, text: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(text)));
    *response.status_mut() = status;
    response
}
