//! The server over Streamable HTTP: in process, behind its bearer token,
//! driven by rmcp's own HTTP client, with a sandbox behind it.

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const TOKEN: &str = "test-token-0123456789abcdef";

struct Running {
    sandbox: linq_sandbox::Sandbox,
    url: String,
    shutdown: CancellationToken,
    _server: linq_mcp::Server,
}

fn in_memory() -> (linq_sandbox::Sandbox, linq_client::Client) {
    let sandbox = linq_sandbox::Sandbox::new();
    let client = linq_client::Client::builder()
        .api_key(sandbox.api_key())
        .transport(sandbox.transport())
        .build()
        .unwrap();
    (sandbox, client)
}

async fn start(config: linq_mcp::Config) -> Running {
    let (sandbox, client) = in_memory();
    let line = sandbox.lines().first().cloned();
    let server = linq_mcp::Server::with_client(&config, client, line)
        .await
        .unwrap();
    let shutdown = CancellationToken::new();
    let app = linq_mcp::http_router(&server, TOKEN, false, shutdown.clone()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let stop = shutdown.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await;
    });
    Running {
        sandbox,
        url,
        shutdown,
        _server: server,
    }
}

async fn connect(url: &str, token: &str) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    let config = StreamableHttpClientTransportConfig::with_uri(url.to_owned()).auth_header(token);
    ().serve(StreamableHttpClientTransport::from_config(config))
        .await
        .expect("MCP handshake over HTTP")
}

async fn call(
    mcp: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    tool: &str,
    args: Value,
) -> (bool, Value) {
    let params = CallToolRequestParams::new(tool.to_owned())
        .with_arguments(args.as_object().cloned().unwrap_or_default());
    let result = mcp.call_tool(params).await.expect("a tool result");
    let text: String = result
        .content
        .iter()
        .filter_map(|c| c.as_text())
        .map(|t| t.text.as_str())
        .collect();
    (
        result.is_error == Some(true),
        serde_json::from_str(&text).unwrap(),
    )
}

#[tokio::test]
async fn tools_and_sends_over_streamable_http() {
    let running = start(linq_mcp::Config::default()).await;
    let mcp = connect(&running.url, TOKEN).await;
    let tools = mcp.list_all_tools().await.unwrap();
    assert!(tools.iter().all(|t| t.annotations.is_some()));
    assert!(tools.iter().any(|t| t.name == "send_message"));

    let (is_error, started) = call(
        &mcp,
        "start_chat",
        json!({"to": ["+12025550142"], "text": "hello over http"}),
    )
    .await;
    assert!(!is_error, "{started}");
    let chat_id = started["chat"]["id"].as_str().unwrap();
    let stored = running.sandbox.messages(chat_id);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].texts().collect::<Vec<_>>(), ["hello over http"]);

    // The same call again, as a client retrying over a new connection.
    let again = connect(&running.url, TOKEN).await;
    let (_, repeated) = call(
        &again,
        "start_chat",
        json!({"to": ["+12025550142"], "text": "hello over http"}),
    )
    .await;
    assert_eq!(repeated["chat"]["id"], started["chat"]["id"]);
    assert_eq!(running.sandbox.messages(chat_id).len(), 1);
    running.shutdown.cancel();
}

#[tokio::test]
async fn budget_is_shared_by_every_http_caller() {
    let config = linq_mcp::Config {
        max_sends: Some(1),
        ..Default::default()
    };
    let running = start(config).await;
    let chat = running
        .sandbox
        .create_chat(&["+12025550142"], "hi")
        .unwrap();
    let before = running.sandbox.message_count();
    let a = connect(&running.url, TOKEN).await;
    let b = connect(&running.url, TOKEN).await;
    let (is_error, _) = call(
        &a,
        "send_message",
        json!({"chat_id": chat.to_string(), "text": "one"}),
    )
    .await;
    assert!(!is_error);
    let (is_error, refused) = call(
        &b,
        "send_message",
        json!({"chat_id": chat.to_string(), "text": "two"}),
    )
    .await;
    assert!(is_error, "{refused}");
    assert_eq!(refused["error"]["kind"], "refused");
    assert_eq!(running.sandbox.message_count(), before + 1);
}

#[tokio::test]
async fn callers_without_the_token_are_refused() {
    let running = start(linq_mcp::Config::default()).await;
    let http = reqwest::Client::new();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
    for auth in [None, Some("Bearer wrong-token-0123456789"), Some(TOKEN)] {
        let mut request = http
            .post(&running.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body);
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{auth:?}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
    }
    // The token alone, not as a bearer credential, is refused above; the
    // right header is let through.
    let ok = http
        .post(&running.url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

#[test]
fn short_tokens_and_remote_addresses_are_refused() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let running = start(linq_mcp::Config::default()).await;
        let err = linq_mcp::http_router(&running._server, "short", false, CancellationToken::new())
            .unwrap_err();
        assert!(err.to_string().contains("LINQ_MCP_TOKEN"), "{err}");
        let config = linq_mcp::Config {
            webhook_addr: Some("0.0.0.0:0".parse().unwrap()),
            ..Default::default()
        };
        let (_sandbox, client) = in_memory();
        let err = linq_mcp::Server::with_client(&config, client, None)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("--allow-remote"), "{err}");
    });
}
