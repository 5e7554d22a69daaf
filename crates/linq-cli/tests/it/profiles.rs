//! Profiles: the official file format, 0600, precedence, keys never shown.

use serde_json::Value;

use crate::support::{Env, KEY, LINE};

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn login_stores_the_checked_key_0600_in_the_official_format_and_reads_it_back() {
    let env = Env::new();
    let out = env
        .run_stdin(
            &["login", "--profile", "work"],
            format!("{KEY}\n").as_bytes(),
        )
        .ok();
    assert!(
        !out.stdout.contains(KEY) && !out.stderr.contains(KEY),
        "the key was printed"
    );

    let path = env.home.path().join(".linq/config.json");
    #[cfg(unix)]
    {
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
    }
    let file: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(file["version"], 2);
    assert_eq!(file["profile"], "work");
    assert_eq!(file["profiles"]["work"]["token"], KEY);
    assert_eq!(
        file["profiles"]["work"]["fromPhone"], LINE,
        "the account's first line"
    );

    // Read back with no key in the environment: the profile's is used.
    let whoami = env
        .cmd(&["whoami", "--json"])
        .env_remove("LINQ_API_V3_API_KEY")
        .output()
        .unwrap();
    let whoami: crate::support::Out = whoami.into();
    let whoami = whoami.ok();
    let info = whoami.json();
    assert_eq!(info["profile"], "work");
    assert_eq!(info["token_source"], "profile work");
    assert_eq!(info["token"], "***cdef");
    assert!(!whoami.stdout.contains(KEY));

    let got = env.run(&["profile", "get", "--json"]).ok();
    assert_eq!(got.json()["fields"]["token"], "***cdef");
    assert!(!got.stdout.contains(KEY));
}

#[test]
fn a_refused_key_is_not_stored_and_exits_3() {
    let env = Env::new();
    let out = env.run_stdin(&["login"], b"sk_wrong_key_000000\n");
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("nothing stored"), "{}", out.stderr);
    assert!(!out.stderr.contains("sk_wrong_key_000000"));
    assert!(!env.home.path().join(".linq/config.json").exists());
}

#[test]
fn profiles_are_created_listed_used_and_deleted_and_flags_beat_the_environment() {
    let env = Env::new();
    env.run(&["profile", "create", "a"]).ok();
    env.run(&["profile", "create", "b"]).ok();
    assert_eq!(env.run(&["profile", "create", "a"]).code, 2);
    env.run(&[
        "--profile",
        "b",
        "profile",
        "set",
        "fromPhone",
        "+12025550101",
    ])
    .ok();
    assert_eq!(
        env.run(&["--profile", "b", "profile", "set", "fromPhone", "nope"])
            .code,
        2
    );
    env.run(&["profile", "use", "b"]).ok();
    let list = env.run(&["profile", "list", "--json"]).ok().json();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(list[1]["current"], true);

    // LINQ_PROFILE picks a; --profile beats it.
    let get = |args: &[&str], profile: &str| {
        let out: crate::support::Out = env
            .cmd(args)
            .env("LINQ_PROFILE", profile)
            .output()
            .unwrap()
            .into();
        out.ok().json()
    };
    assert_eq!(get(&["profile", "get", "--json"], "a")["profile"], "a");
    assert_eq!(
        get(&["--profile", "b", "profile", "get", "--json"], "a")["profile"],
        "b"
    );

    env.run(&["profile", "delete", "b"]).ok();
    assert_eq!(env.run(&["profile", "delete", "b"]).code, 2);
    let file: Value =
        serde_json::from_slice(&std::fs::read(env.home.path().join(".linq/config.json")).unwrap())
            .unwrap();
    assert_eq!(file["profile"], "default");
    assert!(file["profiles"].get("b").is_none());
}

#[test]
fn no_key_anywhere_exits_3_with_one_line() {
    let env = Env::new();
    let out: crate::support::Out = env
        .cmd(&["chats", "list"])
        .env_remove("LINQ_API_V3_API_KEY")
        .output()
        .unwrap()
        .into();
    assert_eq!(out.code, 3);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("linq login"));
}
