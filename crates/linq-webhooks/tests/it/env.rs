//! `Secret::from_env` / `Webhook::from_env` read `LINQ_WEBHOOK_SECRET`.
//!
//! Setting environment variables inside a running test is `unsafe` (and this
//! workspace forbids unsafe code), so the parent test re-runs this test
//! binary with the variable set and lets the child do the checking.

use std::process::Command;

use linq_webhooks::{SECRET_ENV_VAR, Webhook, WebhookError};

const CHILD_MARKER: &str = "LINQ_WEBHOOKS_ENV_TEST_EXPECT";

/// Runs only inside the child process the parent test starts.
#[test]
fn child_reads_env() {
    let Ok(expect) = std::env::var(CHILD_MARKER) else {
        return;
    };
    let result = Webhook::from_env();
    match expect.as_str() {
        "ok" => {
            let webhook = result.unwrap();
            // The variable holds whsec_ + base64("secret\n"): check the key.
            let sig = webhook.sign("1", 0, b"");
            let reference =
                Webhook::new(linq_webhooks::Secret::from_bytes(&b"secret\n"[..]).unwrap())
                    .sign("1", 0, b"");
            assert_eq!(sig, reference);
        }
        "missing" => assert!(
            matches!(result, Err(WebhookError::MissingSecret)),
            "{result:?}"
        ),
        "malformed" => assert!(
            matches!(result, Err(WebhookError::MalformedSecret)),
            "{result:?}"
        ),
        other => panic!("unknown expectation {other}"),
    }
}

/// `child_reads_env`'s name as the harness knows it: its module path in
/// this binary, without the binary's name.
fn child_test_name() -> String {
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    format!("{module}::child_reads_env")
        .trim_start_matches(':')
        .to_owned()
}

#[test]
fn from_env_reads_the_variable() {
    let exe = std::env::current_exe().unwrap();
    for (value, expect) in [
        (Some("whsec_c2VjcmV0Cg=="), "ok"),
        (Some("whsec_c2VjcmV0Cg\n"), "ok"),
        (None, "missing"),
        (Some(""), "missing"),
        (Some("whsec_%%%"), "malformed"),
    ] {
        let mut child = Command::new(&exe);
        child
            .args(["--exact", &child_test_name(), "--test-threads=1"])
            .env(CHILD_MARKER, expect);
        match value {
            Some(v) => child.env(SECRET_ENV_VAR, v),
            None => child.env_remove(SECRET_ENV_VAR),
        };
        let output = child.output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "{value:?} -> {expect}: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // The secret must not leak into anything the child printed.
        assert!(!stdout.contains("c2VjcmV0"));
    }
}
