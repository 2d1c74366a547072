//! `czar classify`: the state, the reason, the signals and the lines, as text and JSON;
//! exit 2 for an unknown profile or input that is not text.

use crate::support::{CZAR, run_with_input};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

fn classify(args: &[&str], input: &[u8]) -> Output {
    // Outside any repository: the shipped profiles apply.
    let dir = tempfile::tempdir().unwrap();
    run_with_input(
        Command::new(CZAR)
            .arg("classify")
            .args(args)
            .current_dir(dir.path()),
        input,
        Duration::from_secs(30),
    )
}

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/screens")
            .join(path),
    )
    .unwrap()
}

#[test]
fn text_output_names_state_reason_detail_signals_and_lines() {
    let out = classify(
        &["--agent", "claude"],
        &fixture("claude/waiting-trust-dialog.txt"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("state:  waiting\nreason: waiting pattern"),
        "{text}"
    );
    assert!(
        text.contains(
            "detail: Quick safety check: Is this a project you created or one you trust?"
        ),
        "{text}"
    );
    assert!(text.contains("signals:\n  waiting"), "{text}");
    assert!(text.contains("  |  ❯ No, exit"), "{text}");
}

#[test]
fn json_output_uses_the_state_names_and_keeps_the_retry_time() {
    let screen = "❯ do it\n✻ API error · retrying in 13s · attempt 1/10\n❯\n";
    let out = classify(&["--agent", "claude", "--json"], screen.as_bytes());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["state"], "rate_limited");
    assert_eq!(v["detail"], "retrying in 13s · attempt 1/10");
    assert_eq!(v["agent"], "claude");
    assert!(
        v["signals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["kind"] == "rate_limited")
    );
    assert_eq!(v["lines"].as_array().unwrap().len(), 3);

    let out = classify(
        &["--agent", "sim", "--json", "--title", "⠋ sim"],
        b"loading\n",
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["state"], "busy");
    assert!(v["reason"].as_str().unwrap().contains("title"));
    let out = classify(&["--agent", "sim", "--json"], b"loading\n");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["state"],
        serde_json::Value::Null,
        "nothing matched: no state"
    );
}

#[test]
fn unknown_profiles_and_binary_input_exit_2_with_a_clear_message() {
    let out = classify(&["--agent", "nope"], b"x\n");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown agent profile \"nope\"") && err.contains("claude"),
        "{err}"
    );

    let out = classify(&["--agent", "claude"], &[0xff, 0xfe, b'\n']);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not UTF-8"), "{err}");
}
