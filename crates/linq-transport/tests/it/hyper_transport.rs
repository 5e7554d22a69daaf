//! HyperTransport against real servers on 127.0.0.1: TLS with a certificate
//! made in the test and trusted through a custom root, HTTP/2 by ALPN, body
//! limits, and connection failures.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use linq_transport::{HyperTransport, SendOptions, Transport, TransportError};
use tokio::net::TcpListener;
use tokio_rustls::rustls;

async fn echo(
    req: http::Request<hyper::body::Incoming>,
) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let version = format!("{:?}", req.version());
    let method = req.method().to_string();
    let body = req.into_body().collect().await.unwrap().to_bytes();
    let text = format!("{method} {version} {}", String::from_utf8_lossy(&body));
    Ok(http::Response::new(Full::new(Bytes::from(text))))
}

/// Starts an HTTPS server with a fresh self-signed certificate for
/// `localhost`; returns its port and the certificate (DER).
async fn tls_server() -> (u16, Vec<u8>) {
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "linq.test".to_owned()])
            .unwrap();
    let cert_der = cert.cert.der().to_vec();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key_pair.serialize_der().into());
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(ring_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert_der.clone().into()], key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service_fn(echo))
                    .await;
            });
        }
    });
    (port, cert_der)
}

fn post(url: &str, body: &'static str) -> http::Request<Bytes> {
    http::Request::post(url)
        .body(Bytes::from_static(body.as_bytes()))
        .unwrap()
}

#[tokio::test]
async fn https_with_a_custom_root_negotiates_http2() {
    let (port, cert) = tls_server().await;
    let transport = HyperTransport::builder()
        .webpki_roots(false)
        .add_root_certificate(cert)
        .build();
    let url = format!("https://localhost:{port}/v3/chats");
    for _ in 0..2 {
        let response = transport
            .send(post(&url, "hello"), SendOptions::default())
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.version(), http::Version::HTTP_2);
        assert_eq!(&response.body()[..], b"POST HTTP/2.0 hello");
    }
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_tls_error() {
    let (port, _cert) = tls_server().await;
    // The default transport trusts the public roots, not this test's CA.
    let transport = HyperTransport::new();
    let err = transport
        .send(
            post(&format!("https://localhost:{port}/"), ""),
            SendOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, TransportError::Tls(_)), "{err:?}");
    assert!(err.is_request_not_sent());
}

#[tokio::test]
async fn plain_http_uses_http1_and_the_body_limit_holds() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service_fn(echo)),
            );
        }
    });
    let transport = HyperTransport::new();
    let url = format!("http://{addr}/x");
    let response = transport
        .send(post(&url, "abc"), SendOptions::default())
        .await
        .unwrap();
    assert_eq!(&response.body()[..], b"POST HTTP/1.1 abc");

    let limited = post(&url, "a body that makes the echo long");
    let err = transport
        .send(limited, SendOptions::default().body_limit(8))
        .await
        .unwrap_err();
    assert!(
        matches!(err, TransportError::BodyTooLarge { limit: 8 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let err = HyperTransport::new()
        .send(post(&format!("http://{addr}/"), ""), SendOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_connect() && err.is_request_not_sent(), "{err:?}");
}

/// A CONNECT proxy on loopback: counts tunnels and splices bytes.
async fn connect_proxy() -> (std::net::SocketAddr, Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut client = BufReader::new(stream);
                let mut line = String::new();
                client.read_line(&mut line).await.unwrap();
                loop {
                    let mut header = String::new();
                    client.read_line(&mut header).await.unwrap();
                    if header.trim().is_empty() {
                        break;
                    }
                }
                log.lock().unwrap().push(line.trim().to_owned());
                // Whatever host is named, the tunnel ends on loopback.
                let target = line.split_whitespace().nth(1).unwrap();
                let port = target.rsplit(':').next().unwrap();
                let mut upstream = tokio::net::TcpStream::connect(format!("127.0.0.1:{port}"))
                    .await
                    .unwrap();
                let mut client = client.into_inner();
                client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await
                    .unwrap();
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (addr, seen)
}

#[tokio::test]
async fn https_goes_through_a_configured_proxy_by_connect() {
    let (port, cert) = tls_server().await;
    let (proxy, seen) = connect_proxy().await;
    let transport = HyperTransport::builder()
        .webpki_roots(false)
        .add_root_certificate(cert)
        .proxy(&format!("http://{proxy}"))
        .unwrap()
        .build();
    let response = transport
        .send(
            post(&format!("https://localhost:{port}/v3/x"), "via proxy"),
            SendOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(&response.body()[..], b"POST HTTP/2.0 via proxy");
    assert_eq!(
        *seen.lock().unwrap(),
        [format!("CONNECT localhost:{port} HTTP/1.1")]
    );
}

/// HTTPS_PROXY is read from the environment, and loopback bypasses it.
/// Environment changes are process-wide, so each check runs in a child
/// process (this same test binary, told what to do by variables).
#[tokio::test]
async fn https_proxy_comes_from_the_environment() {
    if let Ok(target) = std::env::var("LINQ_TEST_PROXY_TARGET") {
        let cert = std::fs::read(std::env::var("LINQ_TEST_PROXY_CERT").unwrap()).unwrap();
        let transport = HyperTransport::builder()
            .webpki_roots(false)
            .add_root_certificate(cert)
            .build();
        let response = transport
            .send(post(&target, "env"), SendOptions::default())
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        return;
    }
    let (port, cert) = tls_server().await;
    let (proxy, seen) = connect_proxy().await;
    let cert_file = std::env::temp_dir().join(format!("linq-proxy-test-{port}.der"));
    std::fs::write(&cert_file, cert).unwrap();
    let written = cert_file.clone();
    // This test's name as the harness knows it: its module path in this
    // binary, without the binary's name.
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    let name = format!("{module}::https_proxy_comes_from_the_environment");
    let run = move |host: &str| {
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", name.trim_start_matches(':')])
            .env("LINQ_TEST_PROXY_TARGET", format!("https://{host}:{port}/"))
            .env("LINQ_TEST_PROXY_CERT", &cert_file)
            .env("HTTPS_PROXY", format!("http://{proxy}"))
            .env("NO_PROXY", "example.invalid")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    };
    // linq.test is never resolved here: the proxy is asked to CONNECT to it.
    let outcome = tokio::task::spawn_blocking(move || {
        run("linq.test");
        run("localhost");
    })
    .await;
    let _ = std::fs::remove_file(&written);
    outcome.unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [format!("CONNECT linq.test:{port} HTTP/1.1")],
        "the proxy tunnelled linq.test and was bypassed for localhost"
    );
}

/// A chunked reply arrives in several frames: they are joined in order, and
/// the limit counts all of them.
#[tokio::test]
async fn chunked_bodies_are_joined_and_limited_across_frames() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
                let _ = stream.write_all(head.as_bytes()).await;
                for chunk in ["abc", "def", "gh"] {
                    let frame = format!("{:x}\r\n{chunk}\r\n", chunk.len());
                    let _ = stream.write_all(frame.as_bytes()).await;
                    let _ = stream.flush().await;
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
                let _ = stream.write_all(b"0\r\n\r\n").await;
            });
        }
    });
    let transport = HyperTransport::new();
    let url = format!("http://{addr}/");
    let response = transport
        .send(post(&url, ""), SendOptions::default())
        .await
        .unwrap();
    assert_eq!(&response.body()[..], b"abcdefgh");
    let err = transport
        .send(post(&url, ""), SendOptions::default().body_limit(5))
        .await
        .unwrap_err();
    assert!(
        matches!(err, TransportError::BodyTooLarge { limit: 5 }),
        "{err:?}"
    );
}

/// An `https://` or `socks5://` proxy is refused before a byte goes out:
/// plain HTTP to it would carry the CONNECT line and the proxy credentials
/// in clear text (or name the destination to a SOCKS port).
#[tokio::test]
async fn https_and_socks_proxies_are_refused_before_sending() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = connections.clone();
    tokio::spawn(async move {
        while let Ok((_stream, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    for (proxy, says) in [
        (
            format!("https://user:pa55word@{addr}"),
            "https:// proxies are not supported",
        ),
        (
            format!("socks5://{addr}"),
            "socks5:// proxies are not supported",
        ),
    ] {
        let transport = HyperTransport::builder().proxy(&proxy).unwrap().build();
        let err = transport
            .send(
                post("https://localhost:9/v3/x", "secret"),
                SendOptions::default(),
            )
            .await
            .unwrap_err();
        assert!(err.is_connect() && err.is_request_not_sent(), "{err:?}");
        let mut chain = err.to_string();
        let mut cause = std::error::Error::source(&err);
        while let Some(c) = cause {
            chain += &format!(": {c}");
            cause = c.source();
        }
        assert!(chain.contains(says), "{proxy}: {chain}");
        assert!(!chain.contains("pa55word"), "{chain}");
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(
        connections.load(Ordering::SeqCst),
        0,
        "nothing reached the proxy port"
    );
}

/// *ring* for the test servers (rustls 0.23.48 deprecates it for lacking
/// post-quantum key exchange, which loopback tests do not need).
#[allow(deprecated, reason = "ring is enough for loopback test servers")]
fn ring_provider() -> tokio_rustls::rustls::crypto::CryptoProvider {
    tokio_rustls::rustls::crypto::ring::default_provider()
}

/// A server that answers 413 after reading only the head, then closes:
/// the caller gets the 413, not the broken pipe of the unsent body.
#[tokio::test]
async fn an_early_response_before_the_body_is_sent_is_returned() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if tcp.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                // Read a part of the body, as a server checking a limit does.
                let mut part = vec![0u8; 64 * 1024];
                let mut read = 0;
                while read < 1024 * 1024 {
                    match tcp.read(&mut part).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => read += n,
                    }
                }
                let body = b"Request body is larger than 1024 bytes";
                let reply = format!(
                    "HTTP/1.1 413 Payload Too Large\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = tcp.write_all(reply.as_bytes()).await;
                let _ = tcp.write_all(body).await;
                let _ = tcp.shutdown().await;
                drop(tcp);
            });
        }
    });
    let transport = HyperTransport::builder().no_proxy().build();
    let request = http::Request::post(format!("http://{addr}/v3/messages"))
        .body(Bytes::from(vec![b'x'; 17 * 1024 * 1024]))
        .unwrap();
    let response = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        transport.send(request, SendOptions::default()),
    )
    .await
    .expect("answered in time")
    .expect("the 413 comes back as a response");
    assert_eq!(response.status(), 413);
    assert_eq!(
        &response.body()[..],
        b"Request body is larger than 1024 bytes"
    );
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "not sent again"
    );
}
