//! Records the claude fixtures of tests/fixtures/screens/claude/ from the REAL client, driven
//! by the fake API. Not part of the normal run (it rewrites fixtures); run it with
//!
//!   CZAR_CAPTURE=1 cargo test --test claude capture -- --ignored --nocapture
//!
//! Each situation is saved as `<state>-<what>.txt` (capture-pane -p) and `<state>-<what>.title`
//! (the pane title). Screens are saved as captured; the corpus test decides whether the
//! classifier reads them right.

use crate::client::{Pane, TurnOver, client_env, client_or_skip, prepare_home};
use crate::fake_api::{FakeApi, Reply, Request};
use crate::support::init_repo;
use std::path::{Path, PathBuf};
use std::time::Duration;

const SEC: Duration = Duration::from_secs(1);

/// Picks the fake's reply from a keyword in the prompt the test typed.
fn script(req: &Request) -> Reply {
    if req.after_tool() {
        return Reply::text("Done. The command ran; its output is above.");
    }
    let t = req.last_user_text();
    let has = |k: &str| t.contains(k);
    if has("czar-slow") {
        let text = "Working through the change step by step. ".repeat(20);
        Reply::SlowText {
            text,
            over: Duration::from_secs(25),
        }
    } else if has("czar-trap") {
        // Tool output that quotes busy and waiting markers: the classic false positives.
        let cmd = "printf 'esc to interrupt\\nDo you want to proceed?\\n❯ 1. Yes\\n✻ Working… (esc to interrupt)\\n' && python3 -c 'import time; time.sleep(8)'";
        Reply::bash("Printing the markers.", cmd)
    } else if has("czar-sleep") {
        Reply::bash(
            "Running a long command.",
            "python3 -c 'import time; time.sleep(20)' && echo slept",
        )
    } else if has("czar-commit") {
        Reply::bash(
            "Committing.",
            "echo change >> notes.txt && git add -A && git commit -q -m 'Add a note' && git log --oneline | head -3",
        )
    } else if has("czar-429") {
        Reply::status(
            429,
            "rate_limit_error",
            "Number of request tokens has exceeded your per-minute rate limit",
            Some(20),
        )
    } else if has("czar-529") {
        Reply::status(529, "overloaded_error", "Overloaded", None)
    } else if has("czar-500") {
        Reply::status(500, "api_error", "Internal server error", None)
    } else if has("czar-401") {
        Reply::status(401, "authentication_error", "invalid x-api-key", None)
    } else if has("czar-quote") {
        Reply::text(
            "The footer says \"esc to interrupt\" while I work, and dialogs ask \"Do you want to proceed?\".\nNeither applies now.",
        )
    } else {
        Reply::text("Hello! What should I work on?")
    }
}

/// The fake tells new prompts from old ones by their text: never type the same one twice.
pub(crate) fn unique(prompt: &str) -> String {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    format!("{prompt} (#{n})")
}

pub(crate) struct Recorder {
    pub(crate) dir: PathBuf,
}

impl Recorder {
    pub(crate) fn save(&self, pane: &Pane, name: &str) {
        let screen = pane.screen();
        let title = pane.title();
        std::fs::write(self.dir.join(format!("{name}.txt")), &screen).unwrap();
        std::fs::write(self.dir.join(format!("{name}.title")), format!("{title}\n")).unwrap();
        eprintln!("--- {name} (title {title:?})\n{}", screen.trim_end());
    }
}

/// The project the client works in: a repository with one commit.
pub(crate) fn repo(dir: &Path) {
    init_repo(dir, &[("README.md", "demo\n")]);
}

#[test]
#[ignore = "rewrites tests/fixtures/screens/claude; run with CZAR_CAPTURE=1 -- --ignored"]
fn capture() {
    if std::env::var("CZAR_CAPTURE").as_deref() != Ok("1") {
        eprintln!("capture: set CZAR_CAPTURE=1 to rewrite the fixtures");
        return;
    }
    let Some(bin) = client_or_skip("capture") else {
        return;
    };
    let api = FakeApi::start(script);
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let work = tmp.path().join("project");
    repo(&work);
    prepare_home(&home, &[], false);
    let mut env = client_env(&home, &api.url);
    env.push(("GIT_AUTHOR_NAME".into(), "t".into()));
    env.push(("GIT_AUTHOR_EMAIL".into(), "t@t".into()));
    env.push(("GIT_COMMITTER_NAME".into(), "t".into()));
    env.push(("GIT_COMMITTER_EMAIL".into(), "t@t".into()));
    let rec = Recorder {
        dir: std::env::var_os("CZAR_CAPTURE_DIR").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/screens/claude"),
            PathBuf::from,
        ),
    };
    std::fs::create_dir_all(&rec.dir).unwrap();
    let argv = vec![bin.display().to_string()];
    let pane = Pane::start("czar-claude", &work, &argv, &env);

    pane.wait_for("trust", 30 * SEC).expect("trust dialog");
    std::thread::sleep(SEC);
    rec.save(&pane, "waiting-trust-dialog");
    pane.keys(&["Down"]);
    rec.save(&pane, "waiting-trust-dialog-yes-selected");
    pane.keys(&["Enter"]);
    pane.wait_for("API key", 20 * SEC).expect("api key dialog");
    std::thread::sleep(SEC);
    rec.save(&pane, "waiting-api-key");
    pane.keys(&["Up", "Enter"]);
    pane.wait_for("auto mode", 20 * SEC).expect("prompt");
    std::thread::sleep(2 * SEC);
    rec.save(&pane, "idle-fresh-start");

    turn(&pane, &rec, "say hello", "idle-after-turn");
    pane.type_line(&unique("czar-slow: explain the change at length"));
    std::thread::sleep(SEC);
    rec.save(&pane, "busy-first-second");
    std::thread::sleep(3 * SEC);
    rec.save(&pane, "busy-streaming-early");
    pane.type_line(&unique("say hello again"));
    std::thread::sleep(2 * SEC);
    rec.save(&pane, "busy-with-queued-message");
    std::thread::sleep(8 * SEC);
    rec.save(&pane, "busy-streaming-long-turn");
    pane.wait_turn_over(60 * SEC).expect("slow turn ends");
    std::thread::sleep(3 * SEC);
    pane.wait_turn_over(60 * SEC).expect("queued turn ends");
    rec.save(&pane, "idle-after-long-turn");

    // Auto mode wants a server-side safety check that a stand-in API cannot give: the client
    // stops the first tool call with a notice.
    pane.type_line(&unique("czar-commit: commit a note"));
    pane.wait_for("Auto mode can't check", 30 * SEC);
    std::thread::sleep(SEC);
    rec.save(&pane, "waiting-auto-mode-gateway-notice");
    pane.keys(&["Escape"]);
    std::thread::sleep(3 * SEC);
    rec.save(&pane, "x-after-gateway-escape");
    drop(pane);

    // The rest runs in accept-edits mode with Bash allowed, as czar's workers do.
    allow_bash(&home);
    let argv = vec![
        bin.display().to_string(),
        "--permission-mode".into(),
        "acceptEdits".into(),
    ];
    let pane = Pane::start("czar-claude", &work, &argv, &env);
    pane.wait_for("❯", 30 * SEC).expect("prompt");
    std::thread::sleep(2 * SEC);
    rec.save(&pane, "idle-accept-edits-start");
    pane.type_line(&unique("czar-sleep: run the slow command"));
    std::thread::sleep(7 * SEC);
    rec.save(&pane, "busy-running-bash-tool");
    pane.wait_turn_over(60 * SEC).expect("tool turn ends");
    std::thread::sleep(SEC);
    rec.save(&pane, "idle-after-tool-turn");

    pane.type_line(&unique("czar-trap: print the markers"));
    std::thread::sleep(5 * SEC);
    rec.save(&pane, "busy-running-tool-that-prints-markers");
    pane.wait_turn_over(60 * SEC).expect("trap turn ends");
    std::thread::sleep(SEC);
    rec.save(&pane, "idle-trap-tool-output-quotes-markers");
    turn(
        &pane,
        &rec,
        "czar-quote: what do the markers mean",
        "idle-trap-reply-quotes-markers",
    );
    turn(
        &pane,
        &rec,
        "czar-commit: commit a note",
        "idle-after-commit",
    );

    pane.type_line(&unique("czar-429: this will be rate limited"));
    std::thread::sleep(8 * SEC);
    rec.save(&pane, "rate_limited-retrying-429");
    std::thread::sleep(25 * SEC);
    rec.save(&pane, "rate_limited-retrying-429-later");
    pane.keys(&["Escape"]);
    std::thread::sleep(3 * SEC);
    rec.save(&pane, "x-after-429-escape");
    // Esc puts the interrupted prompt back in the input box: clear it.
    pane.keys(&["C-u"]);

    pane.type_line(&unique("czar-401: this will be refused"));
    std::thread::sleep(8 * SEC);
    rec.save(&pane, "error-retrying-401");
    pane.keys(&["Escape"]);
    std::thread::sleep(2 * SEC);
    drop(pane);

    // Without retries the client shows its final error at once.
    let mut env_no_retry = env.clone();
    env_no_retry.push(("CLAUDE_CODE_MAX_RETRIES".into(), "0".into()));
    let pane = Pane::start("czar-claude", &work, &argv, &env_no_retry);
    pane.wait_for("❯", 30 * SEC).expect("prompt");
    std::thread::sleep(2 * SEC);
    for (prompt, name) in [
        ("czar-401: refused", "error-api-401"),
        ("czar-500: fails", "error-api-500"),
        ("czar-429: limited", "rate_limited-api-429-final"),
        ("czar-529: overloaded", "rate_limited-api-529-overloaded"),
    ] {
        pane.type_line(&unique(prompt));
        std::thread::sleep(2 * SEC);
        pane.wait_turn_over(30 * SEC);
        std::thread::sleep(2 * SEC);
        rec.save(&pane, name);
    }
    drop(pane);

    // A second session asks before running tools, to record the permission prompt.
    prepare_home(&home, &[&work], true);
    let _ = std::fs::remove_file(home.join(".claude/settings.json"));
    let argv = vec![
        bin.display().to_string(),
        "--permission-mode".into(),
        "default".into(),
    ];
    let pane = Pane::start("czar-claude", &work, &argv, &env);
    pane.wait_for("❯", 30 * SEC).expect("prompt");
    std::thread::sleep(2 * SEC);
    rec.save(&pane, "idle-default-permission-mode");
    pane.type_line(&unique("czar-commit: commit a note"));
    pane.wait_for("proceed", 30 * SEC);
    std::thread::sleep(SEC);
    rec.save(&pane, "waiting-permission-bash");
    pane.keys(&["Escape"]);
    std::thread::sleep(3 * SEC);
    rec.save(&pane, "after-permission-escape");
    pane.type_line(&unique("czar-trap: print the markers"));
    pane.wait_for("proceed", 30 * SEC);
    std::thread::sleep(SEC);
    rec.save(&pane, "waiting-permission-bash-trap-command");
    pane.keys(&["Enter"]);
    std::thread::sleep(2 * SEC);
    pane.wait_turn_over(60 * SEC);
    std::thread::sleep(SEC);
    rec.save(&pane, "idle-trap-after-permitted-tool");
    pane.keys(&["C-c"]);
    std::thread::sleep(SEC);
    pane.keys(&["C-c"]);
    std::thread::sleep(3 * SEC);
    rec.save(&pane, "crashed-after-exit");
    eprintln!("fake api log:\n{}", api.log().join("\n"));
}

/// Lets Bash run without asking (what czar's worker setup does too).
fn allow_bash(home: &Path) {
    let dir = home.join(".claude");
    std::fs::create_dir_all(&dir).unwrap();
    let settings = serde_json::json!({ "permissions": { "allow": ["Bash"] } });
    std::fs::write(dir.join("settings.json"), settings.to_string()).unwrap();
}

fn turn(pane: &Pane, rec: &Recorder, prompt: &str, name: &str) {
    pane.type_line(&unique(prompt));
    std::thread::sleep(2 * SEC);
    pane.wait_turn_over(60 * SEC);
    std::thread::sleep(SEC);
    rec.save(pane, name);
}

/// API failures the client does not retry (CLAUDE_CODE_MAX_RETRIES=0), one per prompt.
#[test]
#[ignore = "rewrites tests/fixtures/screens/claude; run with CZAR_CAPTURE=1 -- --ignored"]
fn capture_errors() {
    if std::env::var("CZAR_CAPTURE").as_deref() != Ok("1") {
        eprintln!("capture_errors: set CZAR_CAPTURE=1 to rewrite the fixtures");
        return;
    }
    let Some(bin) = client_or_skip("capture_errors") else {
        return;
    };
    let cases: [(&str, u16, &str, &str); 4] = [
        (
            "czar-e400",
            400,
            "invalid_request_error",
            "prompt is too long: 250000 tokens > 200000 maximum",
        ),
        (
            "czar-e403",
            403,
            "permission_error",
            "Your API key does not have permission to use the specified resource.",
        ),
        (
            "czar-e404",
            404,
            "not_found_error",
            "model: claude-opus-5-5",
        ),
        (
            "czar-e413",
            413,
            "request_too_large",
            "Request exceeds the maximum allowed number of bytes.",
        ),
    ];
    let api = FakeApi::start(move |req: &Request| {
        let t = req.last_user_text();
        cases.iter().find(|(k, ..)| t.contains(k)).map_or_else(
            || Reply::text("ok"),
            |(_, code, kind, msg)| Reply::status(*code, kind, msg, None),
        )
    });
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let work = tmp.path().join("project");
    repo(&work);
    prepare_home(&home, &[&work], true);
    allow_bash(&home);
    let mut env = client_env(&home, &api.url);
    env.push(("CLAUDE_CODE_MAX_RETRIES".into(), "0".into()));
    let dir = std::env::var_os("CZAR_CAPTURE_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/screens/claude"),
        PathBuf::from,
    );
    let rec = Recorder { dir };
    let argv = vec![
        bin.display().to_string(),
        "--permission-mode".into(),
        "acceptEdits".into(),
    ];
    let pane = Pane::start("czar-claude", &work, &argv, &env);
    pane.wait_for("❯", 30 * SEC).expect("prompt");
    std::thread::sleep(2 * SEC);
    for (key, code, ..) in cases {
        pane.type_line(&unique(&format!("{key}: fail")));
        std::thread::sleep(2 * SEC);
        // A failed turn leaves no "done" line; the input box invites a resend instead.
        pane.wait_for("esend", 20 * SEC);
        std::thread::sleep(2 * SEC);
        rec.save(&pane, &format!("error-api-{code}"));
    }
    eprintln!("fake api log:\n{}", api.log().join("\n"));
}
