//! Proxy credentials never appear when a transport builder is printed.

use linq_transport::HyperTransport;

#[test]
fn builder_debug_redacts_proxy_userinfo() {
    for url in [
        "http://user:pa55word@proxy.example:3128",
        "http://pa55word@proxy.example:3128/",
        "https://user:pa55word@proxy.example:8443",
    ] {
        let builder = HyperTransport::builder().proxy(url).unwrap();
        let text = format!("{builder:?}");
        assert!(!text.contains("pa55word"), "{text}");
        assert!(!text.contains("user"), "{text}");
        assert!(text.contains("***@proxy.example"), "{text}");
        assert!(!format!("{builder:#?}").contains("pa55word"));
    }
    let plain = HyperTransport::builder()
        .proxy("http://proxy.example:3128")
        .unwrap();
    assert!(format!("{plain:?}").contains("http://proxy.example:3128/"));
}
