//! Records claude fixtures about turns and answers from the REAL client, driven by the fake
//! API (like `capture`, and run the same way):
//!
//!   CZAR_CAPTURE=1 cargo test --test claude capture_turns -- --ignored --nocapture
//!
//! - a turn that failed (500, then 429) and was resent and answered: the old "API Error" line
//!   is still on screen above an idle prompt;
//! - permission prompts for the czar's own commands, which the claude profile answers.

use crate::capture::{Recorder, repo, unique};
use crate::client::{Pane, TurnOver, client_env, client_or_skip, prepare_home};
use crate::fake_api::{FakeApi, Reply, Request};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

const SEC: Duration = Duration::from_secs(1);

/// `czar-500-once` and `czar-429-once` fail the first time their keyword is seen, and get an
/// answer when resent; `czar-done` and `czar-report` ask to run the czar's commands.
fn script(failed: &Mutex<HashSet<&'static str>>, req: &Request) -> Reply {
    // Not `last_user_text`: a prompt typed after an Escape comes with the cancelled call's result.
    let Some(t) = req.new_prompts.last() else {
        return Reply::text("Done.");
    };
    for (key, code, kind, msg) in [
        ("czar-500-once", 500, "api_error", "Internal server error"),
        (
            "czar-429-once",
            429,
            "rate_limit_error",
            "Too many requests",
        ),
    ] {
        if t.contains(key) {
            let first = failed.lock().map(|mut f| f.insert(key)).unwrap_or(false);
            if first {
                return Reply::status(code, kind, msg, None);
            }
            return Reply::text("Resent and answered: all good now.");
        }
    }
    if t.contains("czar-done") {
        Reply::bash("Telling the czar.", "czar done")
    } else if t.contains("czar-report") {
        Reply::bash("Leaving a note.", "czar report \"parser done, tests next\"")
    } else {
        Reply::text("Hello! What should I work on?")
    }
}

#[test]
#[ignore = "rewrites tests/fixtures/screens/claude; run with CZAR_CAPTURE=1 -- --ignored"]
fn capture_turns() {
    if std::env::var("CZAR_CAPTURE").as_deref() != Ok("1") {
        eprintln!("capture_turns: set CZAR_CAPTURE=1 to rewrite the fixtures");
        return;
    }
    let Some(bin) = client_or_skip("capture_turns") else {
        return;
    };
    let failed = Mutex::new(HashSet::new());
    let api = FakeApi::start(move |req: &Request| script(&failed, req));
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let work = tmp.path().join("project");
    repo(&work);
    prepare_home(&home, &[&work], true);
    let mut env = client_env(&home, &api.url);
    // The failure shows at once instead of after retries.
    env.push(("CLAUDE_CODE_MAX_RETRIES".into(), "0".into()));
    let rec = Recorder {
        dir: std::env::var_os("CZAR_CAPTURE_DIR").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/screens/claude"),
            PathBuf::from,
        ),
    };
    std::fs::create_dir_all(&rec.dir).unwrap();
    // Default mode: Bash asks, as it does for workers whose settings do not allow it.
    let argv = vec![
        bin.display().to_string(),
        "--permission-mode".into(),
        "default".into(),
    ];
    let pane = Pane::start("czar-claude", &work, &argv, &env);
    pane.wait_for("❯", 30 * SEC).expect("prompt");
    std::thread::sleep(2 * SEC);

    for (key, name) in [
        ("czar-500-once", "idle-after-api-error-then-resend"),
        ("czar-429-once", "idle-after-rate-limit-then-resend"),
    ] {
        pane.type_line(&unique(&format!("{key}: try")));
        pane.wait_for("esend", 20 * SEC).expect("failed turn");
        std::thread::sleep(2 * SEC);
        pane.type_line(&unique(&format!("{key}: try again")));
        std::thread::sleep(2 * SEC);
        pane.wait_turn_over(30 * SEC).expect("resent turn ends");
        std::thread::sleep(2 * SEC);
        rec.save(&pane, name);
    }

    for (key, name) in [
        ("czar-done", "waiting-permission-czar-done"),
        ("czar-report", "waiting-permission-czar-report"),
    ] {
        pane.type_line(&unique(key));
        pane.wait_for("proceed", 30 * SEC)
            .expect("permission prompt");
        std::thread::sleep(SEC);
        rec.save(&pane, name);
        pane.keys(&["Escape"]);
        std::thread::sleep(3 * SEC);
    }
    eprintln!("fake api log:\n{}", api.log().join("\n"));
}
