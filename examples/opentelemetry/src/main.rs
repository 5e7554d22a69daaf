//! linq-client's spans exported as OpenTelemetry spans to stdout.
//!
//! ```text
//! cargo run -p linq-example-opentelemetry
//! ```
//!
//! It makes one call that the sandbox fails once with a 503, so the
//! exported `linq.call` span shows a retried call: `http.request.method`,
//! `server.address`, `server.port`, `url.full`, `http.response.status_code`,
//! `http.request.resend_count = 1`, `linq.operation`, `linq.trace_id`, and
//! the attempts as span events. A real service would swap the stdout
//! exporter for an OTLP one; nothing on the client side changes.

use linq_client::Client;
use linq_sandbox::{Fault, Sandbox};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(opentelemetry_stdout::SpanExporter::default())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("linq-example")));
    tracing::subscriber::set_global_default(subscriber)?;

    let sandbox = Sandbox::new();
    let chat = sandbox.create_chat(&["+12025550142", "+12025550144"], "hello")?;
    let client = Client::builder()
        .api_key(sandbox.api_key())
        .transport(sandbox.transport())
        .build()?;
    sandbox.fail_next(1, Fault::Status(503));

    let reply = client
        .chats()
        .participants()
        .add(chat.as_str(), "+12025550146")
        .await?;
    eprintln!("added: {:?}", reply.status);

    provider.shutdown()?;
    Ok(())
}
