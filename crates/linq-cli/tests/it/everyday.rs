//! Everyday verbs: send, messages list --follow, api --paginate, --jq,
//! the generated operations, help, completion, errors and exit codes.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use serde_json::{Value, json};

use crate::support::{Env, KillOnDrop, LINE};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n0000000000000000";

#[test]
fn send_starts_a_chat_with_handles_then_writes_to_it_with_a_file_and_an_effect() {
    let env = Env::new();
    let created = env
        .run(&[
            "send",
            "+12025550142",
            "+12025550143",
            "Lunch at noon?",
            "--json",
        ])
        .ok()
        .json();
    let chat = created["chat"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["chat"]["is_group"], true);

    let file = env.home.path().join("menu.png");
    std::fs::write(&file, PNG).unwrap();
    let sent = env
        .run(&[
            "send",
            &chat,
            "Here is the menu",
            "--attach",
            file.to_str().unwrap(),
            "--effect",
            "confetti",
            "--json",
        ])
        .ok()
        .json();
    let message_id = sent["message"]["id"].as_str().unwrap().to_owned();

    let message = env
        .rt
        .block_on(
            env.client()
                .call_operation("messages.retrieve", json!({"messageId": message_id}))
                .send(),
        )
        .unwrap();
    let parts = message["parts"].as_array().unwrap();
    assert_eq!(parts[0]["value"], "Here is the menu");
    assert_eq!(parts[1]["type"], "media");
    assert_eq!(parts[1]["filename"], "menu.png");
    assert_eq!(parts[1]["size_bytes"], PNG.len());
    assert_eq!(message["effect"]["name"], "confetti");
    assert_eq!(env.messages().len(), 2);
}

#[test]
fn blank_text_and_bad_handles_are_refused_before_anything_is_sent() {
    let env = Env::new();
    let blank = env.run(&["send", "+12025550142", "   "]);
    assert_eq!(blank.code, 2, "{}", blank.stderr);
    let bad = env.run(&["send", "not-a-handle", "hi"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("neither a chat id nor a handle"),
        "{}",
        bad.stderr
    );
    let missing = env.run(&["chats", "participants", "add"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("chatId"), "{}", missing.stderr);
    assert!(env.messages().is_empty());
}

#[test]
fn api_errors_are_one_line_with_code_message_and_trace_id_and_exit_4() {
    let env = Env::new();
    let out = env.run(&["chats", "get", "00000000-0000-4000-8000-000000000000"]);
    assert_eq!(out.code, 4);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("404")
            && out.stderr.contains("2001")
            && out.stderr.contains("trace id"),
        "{}",
        out.stderr
    );
}

#[test]
fn generated_commands_take_positionals_flags_and_data() {
    let env = Env::new();
    let created = env
        .run(&[
            "chats",
            "create",
            LINE,
            "+12025550142,+12025550143",
            "first",
            "--json",
        ])
        .ok()
        .json();
    let chat = created["chat"]["id"].as_str().unwrap();
    env.run(&["chats", "participants", "add", chat, "+12025550144"])
        .ok();
    env.run(&["chats", "typing", chat]).ok();
    env.run(&["chats", "typing", chat, "--stop"]).ok();
    env.run(&[
        "messages",
        "send",
        chat,
        "--data",
        r#"{"message": {"parts": [{"type": "text", "value": "from data"}]}}"#,
    ])
    .ok();
    let listed = env
        .run(&[
            "messages",
            "list",
            chat,
            "--jq",
            "[.messages[].parts[0].value]",
            "--format",
            "jsonl",
        ])
        .ok();
    let texts: Value = serde_json::from_str(listed.stdout.trim()).unwrap();
    assert_eq!(texts, json!(["from data", "first"]));
    let lines = env
        .run(&["phonenumbers", "--jq", ".phone_numbers[].phone_number"])
        .ok();
    assert_eq!(lines.stdout, "+12025550100\n+12025550101\n");
}

#[test]
fn api_paginates_and_slurps_and_jq_filters() {
    let env = Env::new();
    for i in 0..5 {
        env.run(&["send", &format!("+1202555016{i}"), "hello"]).ok();
    }
    let all = env
        .run(&[
            "api",
            "GET",
            "/v3/chats",
            "-F",
            "limit=2",
            "--paginate",
            "--slurp",
        ])
        .ok()
        .json();
    assert_eq!(all.as_array().unwrap().len(), 5);
    let pages = env
        .run(&[
            "api",
            "GET",
            "chats?limit=2",
            "--paginate",
            "--format",
            "jsonl",
        ])
        .ok();
    assert_eq!(pages.stdout.lines().count(), 5, "one item per line");
    let count = env
        .run(&["chats", "list", "--all", "--limit", "2", "--jq", "length"])
        .ok();
    assert_eq!(count.stdout, "5\n");
    let three = env
        .run(&[
            "api",
            "GET",
            "/v3/chats",
            "-F",
            "limit=3",
            "--jq",
            ".chats | map(.id) | length",
        ])
        .ok();
    assert_eq!(three.stdout, "3\n");
    assert_eq!(
        env.run(&["chats", "list", "--jq", ".["]).code,
        2,
        "a bad filter is a usage error"
    );
}

#[test]
fn messages_list_follow_prints_new_messages_as_they_arrive() {
    let env = Env::new();
    let created = env
        .run(&["send", "+12025550142", "one", "--json"])
        .ok()
        .json();
    let chat = created["chat"]["id"].as_str().unwrap().to_owned();
    let child = env
        .cmd(&[
            "messages", "list", &chat, "--follow", "--max", "2", "--format", "jsonl",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(first["parts"][0]["value"], "one");
    env.run(&["send", &chat, "two"]).ok();
    let second: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(second["parts"][0]["value"], "two");
    let status = child.0.wait().unwrap();
    assert!(status.success());
}

#[test]
fn help_lists_every_operation_and_completion_scripts_are_made() {
    let env = Env::new();
    let kebab = |s: &str| s.replace('_', "-").to_lowercase();
    let help = env.run(&["--help"]).ok().stdout;
    let mut checked = 0;
    let mut tops: Vec<String> = Vec::new();
    for op in linq_types::catalog::OPERATIONS {
        let top = kebab(op.resource.split('.').next().unwrap());
        assert!(
            help.contains(&format!("  {top} ")),
            "{top} missing from linq --help"
        );
        if !tops.contains(&top) {
            tops.push(top);
        }
    }
    for top in &tops {
        let out = env.run(&[top, "--help"]).ok().stdout;
        for op in linq_types::catalog::OPERATIONS {
            if kebab(op.resource.split('.').next().unwrap()) != *top {
                continue;
            }
            let method = kebab(op.method_name);
            assert!(
                out.contains(&method),
                "{} ({method}) missing from linq {top} --help:\n{out}",
                op.id
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 70);
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = env.run(&["completion", shell]).ok().stdout;
        assert!(
            script.contains("linq") && script.contains("participants"),
            "{shell}"
        );
    }
    let version = env.run(&["--version"]).ok().stdout;
    assert!(version.starts_with("linq "));
}

#[test]
fn doctor_reports_every_check_against_a_working_setup() {
    let env = Env::new();
    let checks = env.run(&["doctor", "--json"]).ok().json();
    let names: Vec<&str> = checks
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "config", "key", "base_url", "connect", "auth", "latency", "clock"
        ]
    );
    assert!(
        checks
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "ok"),
        "{checks}"
    );
    let broken = env
        .cmd(&["doctor", "--json"])
        .env("LINQ_API_V3_API_KEY", "sk_wrong_key_00000")
        .output()
        .unwrap();
    assert_eq!(broken.status.code(), Some(3));
}
