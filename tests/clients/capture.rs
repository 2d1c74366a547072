//! Records tests/fixtures/screens/{codex,gemini,aider}/ from the REAL clients, driven by the
//! stand-in. Not part of the normal run (it rewrites fixtures); run it with
//!
//!   CZAR_CAPTURE=1 cargo test --test clients capture -- --ignored --nocapture --test-threads 1
//!
//! Each situation is saved as `<state>-<what>.txt` (capture-pane -p) and `.title` (the pane
//! title), as captured: the corpus test (tests/screens) decides whether classify reads them
//! right. The prompts name what the stand-in does (`czar-slow`, `czar-ask`, `czar-429`, ...).

use crate::client::Client;
use crate::standin::{Reply, StandIn, Turn, Wire};
use crate::support::init_repo;
use crate::support::pane::Pane;
use std::path::{Path, PathBuf};
use std::time::Duration;

const SEC: Duration = Duration::from_secs(1);

/// Tool output and replies that quote the clients' busy, waiting and limit markers.
const TRAP: &str = "printf '%s\\n' 'esc to interrupt' 'Working (3s • esc to interrupt)' \
    'Would you like to run the following command?' '› 1. Yes, proceed (y)' \
    'Press enter to confirm or esc to cancel' 'Allow execution of: sleep?' \
    'Run shell command? (Y)es/(N)o [Yes]:' '429 Too Many Requests'";

fn script(t: &Turn) -> Reply {
    if t.after_tool {
        return Reply::text("Done. The command ran; its output is above.");
    }
    let has = |k: &str| t.prompt.contains(k);
    if has("czar-slow") {
        Reply::Slow {
            text: "Here is the long answer, after a long think.".into(),
            after: 12 * SEC,
        }
    } else if has("czar-sleep") {
        Reply::shell("Running a long command.", "sleep 10 && echo slept", false)
    } else if has("czar-ask") {
        Reply::shell("This needs your approval.", "date +%Y", true)
    } else if has("czar-trap") {
        Reply::shell("Printing the markers.", TRAP, false)
    } else if has("czar-quote") {
        Reply::text(
            "While I work the footer says \"esc to interrupt\"; dialogs ask \"Would you like to run the following command?\" or \"Run shell command? (Y)es/(N)o\".\nNeither applies now.",
        )
    } else if has("czar-429") {
        Reply::status(429, "Rate limit reached for requests per minute", Some(1))
    } else if has("czar-500") {
        Reply::status(
            500,
            "The server had an error while processing your request",
            None,
        )
    } else if has("czar-401") {
        Reply::status(401, "Incorrect API key provided", None)
    } else if has("czar-400") {
        Reply::status(400, "Request contains an invalid argument", None)
    } else if t.wire == Wire::Chat && !t.prompt.contains("czar-") {
        // Aider's commit-message requests and greetings.
        Reply::text("Hello from the stand-in.")
    } else {
        Reply::text("Hello from the stand-in.")
    }
}

struct Recorder {
    dir: PathBuf,
}

impl Recorder {
    fn save(&self, pane: &Pane, name: &str) {
        let screen = pane.screen();
        let title = pane.title();
        std::fs::write(self.dir.join(format!("{name}.txt")), &screen).unwrap();
        std::fs::write(self.dir.join(format!("{name}.title")), format!("{title}\n")).unwrap();
        eprintln!("--- {name} (title {title:?})\n{}", screen.trim_end());
    }
}

/// The prompt typed, made unique (Aider and Gemini show earlier prompts; a new one must differ).
fn say(pane: &Pane, prompt: &str) {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    pane.type_line(&format!("{prompt} (#{n})"));
}

/// What answers each client's approval prompt with "yes, once", by its label's shortcut.
fn approve(c: Client, pane: &Pane) {
    match c {
        Client::Codex => pane.keys(&["y"]),
        Client::Gemini => pane.keys(&["Enter"]),
        Client::Aider => pane.keys(&["y", "Enter"]),
    }
}

fn capture(c: Client) {
    if std::env::var("CZAR_CAPTURE").as_deref() != Ok("1") {
        eprintln!("capture: set CZAR_CAPTURE=1 to rewrite the fixtures");
        return;
    }
    let Some(bin) = c.or_skip(&format!("capture_{}", c.name())) else {
        return;
    };
    let api = StandIn::start(script);
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let work = tmp.path().join("project");
    init_repo(&work, &[("README.md", "demo\n")]);
    let env = c.prepare(&home, &api.url, &["echo", "sleep", "printf"]);
    let rec = Recorder {
        dir: std::env::var_os("CZAR_CAPTURE_DIR").map_or_else(
            || {
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/fixtures/screens")
                    .join(c.name())
            },
            PathBuf::from,
        ),
    };
    std::fs::create_dir_all(&rec.dir).unwrap();
    let mut argv = vec![bin.display().to_string()];
    argv.extend(c.args());
    let pane = Pane::start(&format!("czar-{}", c.name()), &work, &argv, &env);

    std::thread::sleep(Duration::from_millis(700));
    rec.save(&pane, "x-starting-early");
    std::thread::sleep(Duration::from_millis(1300));
    rec.save(&pane, "x-starting-later");
    let dialog = match c {
        Client::Codex => "Trust this folder?",
        Client::Gemini => "Do you trust the files in this folder?",
        Client::Aider => "(Y)es/(N)o",
    };
    // Aider runs with --no-gitignore (its profile's choice): no question before its prompt.
    if c != Client::Aider {
        pane.wait_for(dialog, 60 * SEC).expect("first-run dialog");
        std::thread::sleep(SEC);
        rec.save(&pane, "waiting-first-run-dialog");
        pane.keys(&["Enter"]);
    }
    std::thread::sleep(6 * SEC);
    rec.save(&pane, "idle-fresh-start");

    let turn = |prompt: &str, name: &str, wait: Duration| {
        say(&pane, prompt);
        std::thread::sleep(wait);
        rec.save(&pane, name);
    };
    turn("say hello", "idle-after-turn", 5 * SEC);
    say(&pane, "czar-slow: think long");
    std::thread::sleep(3 * SEC);
    rec.save(&pane, "busy-thinking");
    std::thread::sleep(13 * SEC);
    rec.save(&pane, "idle-after-long-turn");

    say(&pane, "czar-sleep: run the slow command");
    std::thread::sleep(5 * SEC);
    if c == Client::Aider {
        // Aider asks before running any shell block.
        rec.save(&pane, "waiting-run-shell-command");
        approve(c, &pane);
        std::thread::sleep(3 * SEC);
    }
    rec.save(&pane, "busy-running-command");
    std::thread::sleep(12 * SEC);
    if c == Client::Aider {
        rec.save(&pane, "waiting-add-output-to-chat");
        pane.keys(&["n", "Enter"]);
        std::thread::sleep(2 * SEC);
    }
    rec.save(&pane, "idle-after-command");

    say(&pane, "czar-ask: run what needs approval");
    std::thread::sleep(5 * SEC);
    rec.save(&pane, "waiting-approval");
    approve(c, &pane);
    std::thread::sleep(5 * SEC);
    rec.save(&pane, "idle-after-approval");
    if c == Client::Aider {
        // "Add command output to the chat?"
        pane.keys(&["n", "Enter"]);
        std::thread::sleep(2 * SEC);
        rec.save(&pane, "idle-after-approval");
    }

    say(&pane, "czar-trap: print the markers");
    std::thread::sleep(6 * SEC);
    if c == Client::Aider {
        approve(c, &pane);
        std::thread::sleep(3 * SEC);
        rec.save(&pane, "waiting-trap-add-output-of-marker-command");
        pane.keys(&["n", "Enter"]);
        std::thread::sleep(2 * SEC);
    }
    rec.save(&pane, "idle-trap-tool-output-quotes-markers");
    turn(
        "czar-quote: what do the markers mean",
        "idle-trap-reply-quotes-markers",
        5 * SEC,
    );

    if c == Client::Gemini {
        // Gemini CLI retries 429 and 5xx silently for minutes (its spinner goes on): record
        // the failures it does not retry.
        say(&pane, "czar-401: this will be refused");
        std::thread::sleep(8 * SEC);
        rec.save(&pane, "error-401");
        say(&pane, "czar-400: this will be rejected");
        std::thread::sleep(8 * SEC);
        rec.save(&pane, "error-400");
        turn("say hello after the errors", "idle-after-errors", 6 * SEC);
        eprintln!("stand-in log:\n{}", api.log().join("\n"));
        return;
    }
    say(&pane, "czar-429: this will be limited");
    std::thread::sleep(4 * SEC);
    rec.save(&pane, "rate_limited-retrying-429");
    std::thread::sleep(40 * SEC);
    rec.save(&pane, "rate_limited-gave-up-429");
    say(&pane, "czar-500: this will fail");
    std::thread::sleep(4 * SEC);
    rec.save(&pane, "error-retrying-500");
    std::thread::sleep(40 * SEC);
    rec.save(&pane, "error-gave-up-500");
    say(&pane, "czar-401: this will be refused");
    std::thread::sleep(8 * SEC);
    rec.save(&pane, "error-401");
    turn("say hello after the errors", "idle-after-errors", 6 * SEC);
    eprintln!("stand-in log:\n{}", api.log().join("\n"));
}

#[test]
#[ignore = "rewrites tests/fixtures/screens/codex; run with CZAR_CAPTURE=1 -- --ignored"]
fn capture_codex() {
    capture(Client::Codex);
}

#[test]
#[ignore = "rewrites tests/fixtures/screens/gemini; run with CZAR_CAPTURE=1 -- --ignored"]
fn capture_gemini() {
    capture(Client::Gemini);
}

#[test]
#[ignore = "rewrites tests/fixtures/screens/aider; run with CZAR_CAPTURE=1 -- --ignored"]
fn capture_aider() {
    capture(Client::Aider);
}
