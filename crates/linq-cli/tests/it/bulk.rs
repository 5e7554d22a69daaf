//! Bulk sends from a CSV file: checked first, safe to re-run.

use linq_sandbox::{Fault, FaultMatch};

use crate::support::Env;

const ROWS: usize = 6;

fn csv(env: &Env) -> std::path::PathBuf {
    let mut text = String::from("name,phone,table\n");
    for i in 0..ROWS {
        text.push_str(&format!("Guest {i},+1202555017{i},{}\n", i + 1));
    }
    let path = env.home.path().join("guests.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn an_interrupted_bulk_send_re_run_sends_every_row_exactly_once() {
    let env = Env::new();
    let file = csv(&env);
    let file = file.to_str().unwrap();
    let template = "Hi {name}, table {table} is ready";
    // Two rows are refused; one is applied but its reply is lost (the
    // client retries it with the same key, which the API replays).
    env.sandbox
        .fail_matching(FaultMatch::operation("chats.create"), 2, Fault::Status(400));
    env.sandbox.fail_matching(
        FaultMatch::operation("chats.create"),
        1,
        Fault::DropAfterApply,
    );
    let first = env.run(&[
        "send",
        "--csv",
        file,
        "--template",
        template,
        "--json",
        "--concurrency",
        "2",
    ]);
    assert_eq!(first.code, 1, "{}", first.stderr);
    let summary = first.json();
    assert_eq!(
        (
            summary["sent"].as_u64(),
            summary["failed"].as_u64(),
            summary["already_sent"].as_u64()
        ),
        (Some(4), Some(2), Some(0))
    );
    for failure in summary["failures"].as_array().unwrap() {
        assert!(failure["line"].as_u64().unwrap() >= 2);
        assert!(
            failure["reason"].as_str().unwrap().contains("400"),
            "{failure}"
        );
    }
    assert_eq!(env.messages().len(), 4);

    let second = env
        .run(&["send", "--csv", file, "--template", template, "--json"])
        .ok()
        .json();
    assert_eq!(
        (
            second["sent"].as_u64(),
            second["already_sent"].as_u64(),
            second["failed"].as_u64()
        ),
        (Some(2), Some(4), Some(0))
    );
    assert_eq!(env.messages().len(), ROWS);

    // Even with the journal gone, the derived keys stop any duplicate.
    std::fs::remove_dir_all(env.home.path().join(".linq/bulk")).unwrap();
    let third = env
        .run(&["send", "--csv", file, "--template", template, "--json"])
        .ok()
        .json();
    assert_eq!(third["failed"], 0);
    let messages = env.messages();
    assert_eq!(messages.len(), ROWS, "no row was sent twice");
    let mut texts: Vec<String> = messages
        .iter()
        .map(|m| m["parts"][0]["value"].as_str().unwrap().to_owned())
        .collect();
    texts.sort();
    assert_eq!(texts[0], "Hi Guest 0, table 1 is ready");
}

#[test]
fn bad_rows_are_all_reported_before_anything_is_sent() {
    let env = Env::new();
    let path = env.home.path().join("bad.csv");
    std::fs::write(
        &path,
        "to,name\n+12025550180,Ada\nnot-a-phone,Bob\n+12025550181,\n",
    )
    .unwrap();
    let out = env.run(&[
        "send",
        "--csv",
        path.to_str().unwrap(),
        "--template",
        "{name}",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("line 3: recipient \"not-a-phone\""),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("line 4: the text is empty"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("nothing was sent"));
    let unknown = env.run(&[
        "send",
        "--csv",
        path.to_str().unwrap(),
        "--template",
        "Hi {first}",
    ]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("first"));
    assert!(env.messages().is_empty());
}
