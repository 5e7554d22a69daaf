//! Building a client: base URLs, plain-http refusal, environment, secrets.

use linq_client::{BuildError, Client};

#[test]
fn plain_http_is_refused_except_to_loopback_or_when_allowed() {
    let build = |url: &str| Client::builder().api_key("k").base_url(url).build();
    assert!(matches!(
        build("http://api.example.com"),
        Err(BuildError::InsecureBaseUrl { .. })
    ));
    assert!(matches!(
        build("http://10.0.0.1:8080/api"),
        Err(BuildError::InsecureBaseUrl { .. })
    ));
    for ok in [
        "http://127.0.0.1:9/api/partner",
        "http://localhost:8080",
        "http://[::1]:80/",
        "https://api.example.com/x/",
    ] {
        assert!(build(ok).is_ok(), "{ok}");
    }
    let allowed = Client::builder()
        .api_key("k")
        .base_url("http://api.example.com")
        .allow_insecure_http(true)
        .build();
    assert!(allowed.is_ok());
    for bad in [
        "ftp://example.com",
        "not a url",
        "/relative",
        "https://example.com/?q=1",
    ] {
        assert!(
            matches!(build(bad), Err(BuildError::InvalidBaseUrl { .. })),
            "{bad}"
        );
    }
}

#[test]
fn a_key_is_required_and_never_printed() {
    assert_eq!(
        Client::builder().build().unwrap_err(),
        BuildError::MissingApiKey
    );
    assert_eq!(
        Client::builder().api_key("bad\nkey").build().unwrap_err(),
        BuildError::InvalidApiKey
    );
    let builder = Client::builder().api_key("sk_secret_value");
    assert!(!format!("{builder:?}").contains("sk_secret_value"));
    let client = builder.build().unwrap();
    assert!(!format!("{client:?}").contains("sk_secret_value"));
    assert_eq!(client.base_url(), linq_client::DEFAULT_BASE_URL);
    let key = linq_client::ApiKey::new("sk_secret_value");
    assert_eq!(format!("{key} {key:?}"), "*** ApiKey(***)");
}

/// A base URL with user info is refused at build time; the password shows
/// in neither the error nor the builder's Debug output.
#[test]
fn a_base_url_with_credentials_is_refused_and_never_printed() {
    for url in [
        "https://user:pa55word@api.example.com/api/partner",
        "https://pa55word@api.example.com",
        "http://user:pa55word@127.0.0.1:8080",
    ] {
        let builder = linq_client::Client::builder()
            .api_key("sk_test")
            .base_url(url);
        let debug = format!("{builder:?}");
        assert!(!debug.contains("pa55word"), "{debug}");
        let err = builder.build().unwrap_err();
        assert!(
            matches!(err, linq_client::BuildError::InvalidBaseUrl { .. }),
            "{url}: {err:?}"
        );
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains("pa55word"), "{text}");
            assert!(text.contains("credentials"), "{text}");
        }
    }
}
