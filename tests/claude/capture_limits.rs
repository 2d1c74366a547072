//! Records the claude screens of Claude Code 2.1.332 that issue 14 is about: rate-limit retry
//! lines and the screen after the client gives up, the "Make auto mode your default permission
//! mode?" dialog that `defaultMode` in the user's settings brings, and the per-command approval
//! that auto mode asks for behind a gateway (`❯ No` listed before `Yes`). Like `capture`, run
//! only on purpose:
//!
//!   CZAR_CAPTURE=1 cargo test --test claude capture_limits -- --ignored --nocapture

use crate::capture::{Recorder, repo, unique};
use crate::client::{Pane, client_env, client_or_skip, prepare_home};
use crate::fake_api::{FakeApi, Reply, Request};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const SEC: Duration = Duration::from_secs(1);

/// Refuses `czar-429` prompts while `refusals` lasts, then answers; `czar-529` is always
/// overloaded; `czar-commit` runs a Bash command.
fn script(refusals: Arc<AtomicUsize>) -> impl Fn(&Request) -> Reply + Send + Sync {
    move |req: &Request| {
        if req.after_tool() {
            return Reply::text("Done. The command ran.");
        }
        let all = req.prompts().join("\n");
        let t = req.last_user_text();
        if all.contains("czar-429") && refusals.load(Ordering::SeqCst) > 0 {
            refusals.fetch_sub(1, Ordering::SeqCst);
            return Reply::status(
                429,
                "rate_limit_error",
                "Number of request tokens has exceeded your per-minute rate limit",
                Some(1),
            );
        }
        if t.contains("czar-529") {
            return Reply::status(529, "overloaded_error", "Overloaded", Some(1));
        }
        if t.contains("czar-commit") {
            return Reply::bash(
                "Committing.",
                "echo change >> notes.txt && git add -A && git commit -q -m 'Add a note'",
            );
        }
        Reply::text("Going on with the task.")
    }
}

fn recorder() -> Recorder {
    let dir = std::env::var_os("CZAR_CAPTURE_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/screens/claude"),
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir).unwrap();
    Recorder { dir }
}

fn git_env(env: &mut Vec<(String, String)>) {
    for (k, v) in [
        ("GIT_AUTHOR_NAME", "t"),
        ("GIT_AUTHOR_EMAIL", "t@t"),
        ("GIT_COMMITTER_NAME", "t"),
        ("GIT_COMMITTER_EMAIL", "t@t"),
    ] {
        env.push((k.into(), v.into()));
    }
}

#[test]
#[ignore = "rewrites tests/fixtures/screens/claude; run with CZAR_CAPTURE=1 -- --ignored"]
fn capture_limits() {
    if std::env::var("CZAR_CAPTURE").as_deref() != Ok("1") {
        eprintln!("capture_limits: set CZAR_CAPTURE=1 to rewrite the fixtures");
        return;
    }
    let Some(bin) = client_or_skip("capture_limits") else {
        return;
    };
    let refusals = Arc::new(AtomicUsize::new(1_000));
    let api = FakeApi::start(script(refusals.clone()));
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let work = tmp.path().join("project");
    repo(&work);
    let rec = recorder();

    // 1. defaultMode in the user's settings: the client asks about auto mode first.
    prepare_home(&home, &[&work], true);
    std::fs::create_dir_all(home.join(".claude")).unwrap();
    let settings = serde_json::json!({ "permissions": { "defaultMode": "acceptEdits" } });
    std::fs::write(home.join(".claude/settings.json"), settings.to_string()).unwrap();
    let mut env = client_env(&home, &api.url);
    env.push(("CLAUDE_CODE_MAX_RETRIES".into(), "2".into()));
    git_env(&mut env);
    let argv = vec![bin.display().to_string()];
    let pane = Pane::start(&work, &argv, &env);
    if pane
        .wait_for("Make auto mode your default", 30 * SEC)
        .is_some()
    {
        std::thread::sleep(SEC);
        rec.save(&pane, "waiting-auto-mode-default-dialog");
        pane.keys(&["Escape"]);
        std::thread::sleep(2 * SEC);
        rec.save(&pane, "x-after-auto-mode-default-escape");
    } else {
        rec.save(&pane, "x-no-auto-mode-default-dialog");
    }
    drop(pane);

    // 2. Auto mode behind a gateway: each Bash call asks, "No" first.
    std::fs::write(home.join(".claude/settings.json"), "{}").unwrap();
    let pane = Pane::start(&work, &argv, &env);
    pane.wait_for("❯", 30 * SEC).expect("prompt");
    std::thread::sleep(2 * SEC);
    rec.save(&pane, "x-auto-mode-start");
    pane.type_line(&unique("czar-commit: commit a note"));
    pane.wait_for("Auto mode can't check", 30 * SEC);
    std::thread::sleep(SEC);
    rec.save(&pane, "waiting-auto-mode-gateway-notice-2.1.332");
    pane.keys(&["Enter"]);
    std::thread::sleep(3 * SEC);
    rec.save(&pane, "waiting-auto-mode-approval-no-first");
    pane.keys(&["Escape"]);
    std::thread::sleep(2 * SEC);
    pane.type_line(&unique("czar-commit: commit another note"));
    std::thread::sleep(4 * SEC);
    rec.save(&pane, "waiting-auto-mode-approval-second-command");
    pane.keys(&["Escape"]);
    std::thread::sleep(2 * SEC);
    drop(pane);

    // 3. Rate limits: retried by the client, given up on, and sent again after recovery.
    let argv = vec![
        bin.display().to_string(),
        "--permission-mode".into(),
        "acceptEdits".into(),
    ];
    let pane = Pane::start(&work, &argv, &env);
    pane.wait_for("❯", 30 * SEC).expect("prompt");
    std::thread::sleep(2 * SEC);
    pane.type_line(&unique("czar-429: this will be rate limited"));
    pane.wait_for("retrying in", 30 * SEC);
    rec.save(&pane, "rate_limited-retrying-429-2.1.332");
    pane.wait_for("Resend your message", 60 * SEC);
    std::thread::sleep(SEC);
    rec.save(&pane, "rate_limited-gave-up-429-2.1.332");
    refusals.store(0, Ordering::SeqCst);
    pane.type_line(&unique("czar-429 is over: go on"));
    pane.wait_turn_over(30 * SEC);
    std::thread::sleep(SEC);
    rec.save(&pane, "idle-after-rate-limit-gave-up-then-resend");
    pane.type_line(&unique("czar-529: overloaded"));
    pane.wait_for("retrying in", 30 * SEC);
    rec.save(&pane, "rate_limited-retrying-529-2.1.332");
    pane.wait_for("Resend your message", 60 * SEC);
    std::thread::sleep(SEC);
    rec.save(&pane, "rate_limited-gave-up-529-2.1.332");
    eprintln!("fake API:\n{}", api.log().join("\n"));
}
