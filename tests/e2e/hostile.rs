//! User text carrying terminal commands (a title, a verify command's output) is printed escaped
//! by every text output of the binary: `--auto`'s lines and summary, `czar status`, status.md,
//! `czar stats`, `czar explain`. JSON stays JSON.

use crate::common::Project;
use crate::support::text;
use std::time::Duration;

/// Retitles the window, rings the bell, clears the screen, then a C1 CSI.
const TITLE_TOML: &str = r#"T \u001b]0;pwned\u0007\u001b[2J\u009b31m"#;

fn assert_clean(what: &str, out: &[u8]) {
    let s = String::from_utf8_lossy(out);
    let raw: Vec<char> = s.chars().filter(|c| czar::visible::is_unsafe(*c)).collect();
    assert!(raw.is_empty(), "{what}: raw {raw:?} in\n{s}");
}

#[test]
fn hostile_titles_and_output_are_printed_escaped() {
    let p = Project::new(1, "max_verify_attempts = 1\n");
    p.task(
        "evil",
        &format!(
            "title = \"{TITLE_TOML}\"\nverify = 'printf \"V \\033]0;pwned\\007\\302\\233x\\n\"; exit 1'"
        ),
        "Do it.\n\nsim: duration=0.3\n",
    );
    let out = p.run_auto(Duration::from_secs(90));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_clean("czar --auto", &out.stdout);
    assert_clean("czar --auto (stderr)", &out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The verify output reached the event line and the summary, escaped.
    assert!(stdout.contains("V \\u{1b}]0;pwned\\u{7}"), "{stdout}");

    let status = p.czar(&["status"]).output().unwrap();
    assert!(status.status.success(), "{}", text(&status));
    assert_clean("czar status", &status.stdout);
    let shown = String::from_utf8_lossy(&status.stdout);
    assert!(
        shown.contains("T \\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{9b}31m"),
        "{shown}"
    );

    let md = std::fs::read(p.root.join(".czar/status.md")).unwrap();
    assert_clean("status.md", &md);
    assert!(String::from_utf8_lossy(&md).contains("\\u{1b}]0;pwned"));

    // JSON keeps the title exactly, escaped the JSON way.
    let json = p.status_json();
    let title = json["tasks"][0]["title"].as_str().unwrap();
    assert_eq!(title, "T \x1b]0;pwned\x07\x1b[2J\u{9b}31m");

    for args in [&["stats"][..], &["explain", "1"]] {
        let out = p.czar(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        assert_clean(&format!("czar {args:?}"), &out.stdout);
    }
}
