//! Issue 14 on the REAL Claude Code client, offline against the stand-in API: what made an
//! unattended `czar --auto` hang or burn its attempts, each driven for real.
//!
//! - a dialog nobody answers (auto mode behind a gateway) is announced at once and, past
//!   `waiting_limit_secs`, fails the task with the question as the reason;
//! - auto mode's approvals list `❯ No` before `Yes`: answered by label;
//! - a 429 the client retries reads as a rate limit, and after the client gives up the czar
//!   sends again (backoff per account) until the API is back and the task finishes;
//! - a dialog no rule names ("Make auto mode your default permission mode?", with the idle
//!   title still up) is a question, never a prompt to paste into.

use crate::client::client_or_skip;
use crate::fake_api::{FakeApi, Reply, Request};
use crate::fleet::{Fleet, Opts};
use crate::real::{agent, task_id};
use crate::support::events::dump;
use crate::support::{run_within, text, wait_exit};
use czar::adapters::store::EventRow;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const ONE: [(&str, &str); 1] = [("alpha", "")];

/// The shipped claude profile's `[[auto_answer]]` rules as czar.toml tables, then `extra`: a
/// list in czar.toml replaces the profile's, so a test that adds a rule keeps the others.
fn shipped_rules_and(extra: &str) -> String {
    let profile = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("config/agents/claude.toml"),
    )
    .unwrap();
    let at = profile.find("\n[[auto_answer]]").unwrap();
    let rules = profile[at..].replace("\n[[auto_answer]]", "\n[[agents.claude.auto_answer]]");
    format!("{rules}\n{extra}")
}

fn has(events: &[EventRow], kind: &str, words: &[&str]) -> bool {
    events
        .iter()
        .any(|e| e.kind == kind && words.iter().all(|w| e.detail.contains(w)))
}

/// Auto mode (the client's default) with the stand-in as a gateway: the first Bash call stops
/// at "Auto mode can't check actions in this session". Nobody answers: the czar says so at once,
/// and fails the task after the limit with the question as the reason.
#[test]
fn an_unanswered_dialog_is_announced_at_once_and_fails_the_task_at_its_limit() {
    let Some(bin) = client_or_skip("an_unanswered_dialog_is_announced") else {
        return;
    };
    let api = FakeApi::start(agent);
    let opts = Opts {
        mode: None,
        top: "on_waiting = \"fail\"\n".into(),
        timing: "waiting_limit_secs = 6\nmax_attempts = 1\n".into(),
        ..Opts::default()
    };
    let fleet = Fleet::with(&bin, &api.url, 1, &ONE, opts);
    let started = Instant::now();
    let out = run_within(&mut fleet.czar(), Duration::from_secs(180));
    let took = started.elapsed();
    let stdout = text(&out);
    let events = fleet.events();
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", dump(&events));
    const Q: &str = "Auto mode can't check actions in this session";
    let alert = stdout
        .lines()
        .find(|l| l.contains("waiting needs an answer:") && l.contains(Q))
        .unwrap_or_else(|| panic!("no alert with the question:\n{stdout}"));
    let failed = stdout
        .lines()
        .find(|l| l.contains("failed") && l.contains("nobody answered") && l.contains(Q))
        .unwrap_or_else(|| panic!("no failure naming the question:\n{stdout}"));
    // The alert came when the agent started waiting, the failure at the limit after it.
    let secs = |l: &str| -> f64 {
        l.trim_start_matches('[')
            .split('s')
            .next()
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(f64::NAN)
    };
    let waited = secs(failed) - secs(alert);
    assert!(
        (5.0..30.0).contains(&waited),
        "alert at {alert:?}, failure at {failed:?}"
    );
    let asked = events
        .iter()
        .find(|e| {
            e.kind == "agent_state" && e.detail.contains("-> waiting") && e.detail.contains(Q)
        })
        .unwrap_or_else(|| panic!("never seen waiting\n{}", dump(&events)));
    let alerted = events
        .iter()
        .find(|e| e.kind == "waiting")
        .unwrap_or_else(|| panic!("no waiting event\n{}", dump(&events)));
    assert!(
        alerted.seq > asked.seq && alerted.at.saturating_sub(asked.at) < 1_000,
        "the alert is the moment it waits\n{}",
        dump(&events)
    );
    assert!(took < Duration::from_secs(120), "took {took:?}");
    // The run is over, the agent is not: the summary says so, and how to stop it.
    assert!(
        stdout.contains("1 agent session(s) keep running (real-worker-1)")
            && stdout.contains("kill-session -t =real-worker-1"),
        "{stdout}"
    );
}

/// Auto mode behind a gateway, with the operator's rules: stay in auto mode at the notice, and
/// approve the task's commit command and the czar's own. The approval lists `❯ No` first:
/// each answer moves to "Yes" by its label.
#[test]
fn auto_mode_approvals_with_no_listed_first_are_answered_by_label() {
    let Some(bin) = client_or_skip("auto_mode_approvals_with_no_listed_first") else {
        return;
    };
    let api = FakeApi::start(agent);
    let tail = shipped_rules_and(
        "[[agents.claude.auto_answer]]\n\
         pattern = '^\\s*Auto mode can.t check actions in this session$'\n\
         keys = [\"Enter\"]\n\n\
         [[agents.claude.auto_answer]]\n\
         pattern = '^\\s?Do you want to proceed\\?$'\n\
         command = '(?m)^╌+\\n (?:│ )?(.+)\\n╌+\\n Auto mode can.t check actions'\n\
         allow = [\"mkdir -p out && echo alpha > out/alpha.txt && git add -A && git commit -q -m 'Do alpha' && echo committed-alpha\"]\n\
         choose = '^Yes$'\n",
    );
    // No allow rules in Claude's settings: every command asks.
    let opts = Opts {
        mode: None,
        settings: serde_json::json!({}),
        tail,
        ..Opts::default()
    };
    let fleet = Fleet::with(&bin, &api.url, 1, &ONE, opts);
    let out = run_within(&mut fleet.czar(), Duration::from_secs(180));
    let events = fleet.events();
    assert!(
        out.status.success(),
        "{}\n{}\n{}",
        text(&out),
        dump(&events),
        api.log().join("\n")
    );
    let subjects = crate::support::git(&fleet.root, &["log", "--format=%s", "main..czar/alpha"]);
    assert_eq!(subjects.trim(), "Do alpha");
    // Both approvals showed "❯ No" above "Yes", and each was answered by moving down to Yes.
    for command in ["git commit -q -m 'Do alpha'", "czar done"] {
        let answer = events
            .iter()
            .find(|e| {
                let first = e.detail.lines().next().unwrap_or("");
                e.kind == "auto_answer" && first.contains(command) && first.contains("allowed by")
            })
            .unwrap_or_else(|| panic!("{command} never approved\n{}", dump(&events)));
        assert!(
            answer.detail.contains(r#"chose "Yes""#)
                && answer.detail.contains("(pressed Down Enter)")
                && answer.detail.contains("❯ No\n   Yes"),
            "{}",
            answer.detail
        );
    }
    assert!(!has(&events, "waiting", &[]), "{}", dump(&events));
}

/// The stand-in refuses the task's requests with 429 until it has refused `REFUSALS` of them.
/// The client retries once (CLAUDE_CODE_MAX_RETRIES=1), then gives up; the czar waits out the
/// backoff, tells the agent to go on, and the task finishes without the operator.
#[test]
fn a_rate_limit_given_up_on_is_waited_out_and_the_task_finishes() {
    let Some(bin) = client_or_skip("a_rate_limit_given_up_on_is_waited_out") else {
        return;
    };
    const REFUSALS: usize = 4;
    let refused = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&refused);
    let api = FakeApi::start(move |req: &Request| {
        if count.load(Ordering::SeqCst) < REFUSALS {
            count.fetch_add(1, Ordering::SeqCst);
            return Reply::status(
                429,
                "rate_limit_error",
                "Number of request tokens has exceeded your per-minute rate limit",
                Some(3),
            );
        }
        if req.after_tool() {
            return agent(req);
        }
        // The task's text came before the notes sent after the limit: look in every prompt.
        match req.prompts().iter().find_map(|p| task_id(p)) {
            Some(id) => Reply::bash(
                "Writing and committing the change.",
                &format!(
                    "mkdir -p out && echo {id} > out/{id}.txt && git add -A && \
                     git commit -q -m 'Do {id}' && echo committed-{id}"
                ),
            ),
            None => Reply::text("I have no task yet."),
        }
    });
    let opts = Opts {
        env: vec![("CLAUDE_CODE_MAX_RETRIES", "1".into())],
        timing: "rate_limit_backoff_secs = 2\n".into(),
        ..Opts::default()
    };
    let fleet = Fleet::with(&bin, &api.url, 1, &ONE, opts);
    let out = run_within(&mut fleet.czar(), Duration::from_secs(240));
    let events = fleet.events();
    let all = format!(
        "{}\n{}\n{}",
        text(&out),
        dump(&events),
        api.log().join("\n")
    );
    assert!(out.status.success(), "{all}");
    assert_eq!(refused.load(Ordering::SeqCst), REFUSALS, "{all}");
    let subjects = crate::support::git(&fleet.root, &["log", "--format=%s", "main..czar/alpha"]);
    assert_eq!(subjects.trim(), "Do alpha", "{all}");
    // While the client retried: a rate limit with its retry time, never an error.
    assert!(
        has(&events, "agent_state", &["-> rate_limited", "retrying in"]),
        "{all}"
    );
    assert!(!has(&events, "agent_state", &["-> error"]), "{all}");
    // Given up twice (two refusals each), sent again after each backoff, the second longer.
    let limited: Vec<&EventRow> = events
        .iter()
        .filter(|e| e.kind == "rate_limit" && e.detail.contains("the client gave up"))
        .collect();
    assert_eq!(limited.len(), 2, "{all}");
    assert!(
        limited[0].detail.contains("for 2s"),
        "{}",
        limited[0].detail
    );
    assert!(
        limited[1].detail.contains("for 4s"),
        "{}",
        limited[1].detail
    );
    let notes = events
        .iter()
        .filter(|e| e.kind == "delivered" && e.detail.starts_with("note submitted"))
        .count();
    assert_eq!(notes, 2, "{all}");
    assert!(has(&events, "done", &[]), "{all}");
}

/// `defaultMode` in the user's settings makes this client version ask "Make auto mode your
/// default permission mode?" at start, with the idle title up. No rule names it: the czar must
/// announce the question and type nothing. With a rule choosing the answer by label, the task
/// then runs.
#[test]
fn a_dialog_no_rule_names_is_a_question_and_nothing_is_pasted_into_it() {
    let Some(bin) = client_or_skip("a_dialog_no_rule_names_is_a_question") else {
        return;
    };
    let api = FakeApi::start(agent);
    let allow = ["mkdir", "echo", "git add", "git commit"].map(|c| format!("Bash({c}:*)"));
    let settings =
        serde_json::json!({ "permissions": { "defaultMode": "acceptEdits", "allow": allow } });
    let opts = Opts {
        mode: None,
        settings,
        ..Opts::default()
    };
    let fleet = Fleet::with(&bin, &api.url, 1, &ONE, opts);
    const Q: &str = "Make auto mode your default permission mode?";

    let mut first = fleet
        .czar()
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !has(&fleet.events(), "waiting", &[Q]) && start.elapsed() < Duration::from_secs(90) {
        std::thread::sleep(Duration::from_millis(200));
    }
    // Time enough to paste, had the czar taken the dialog for a prompt.
    std::thread::sleep(Duration::from_secs(4));
    let screen = fleet.screen(1);
    let title = fleet.title(1);
    let _ = terminate(first.id());
    let status = wait_exit(&mut first, Duration::from_secs(30));
    let mut stdout = String::new();
    if let Some(mut o) = first.stdout.take() {
        use std::io::Read;
        let _ = o.read_to_string(&mut stdout);
    }
    let events = fleet.events();
    assert!(status.is_some(), "the czar did not stop");
    assert!(
        has(&events, "waiting", &["needs an answer:", Q]),
        "{stdout}\n{}\n{screen}",
        dump(&events)
    );
    assert!(
        stdout.contains(&format!("waiting needs an answer: {Q}")),
        "{stdout}"
    );
    assert!(screen.contains(Q), "{screen}");
    assert_eq!(title, "✳ Claude Code", "the title said idle all along");
    // The client drew its input box for a moment before the dialog (the czar may even have
    // given the worker its task then): nothing was pasted, the prompt never settled.
    assert!(!has(&events, "delivered", &[]), "{}", dump(&events));
    assert!(!has(&events, "delivery_step", &[]), "{}", dump(&events));
    assert!(!screen.contains("[Pasted text") && !screen.contains("You are worker"));

    // The operator names it: "No, keep accept edits", chosen by label.
    let config = std::fs::read_to_string(fleet.root.join("czar.toml")).unwrap();
    let rule = shipped_rules_and(
        "[[agents.claude.auto_answer]]\n\
         pattern = 'Make auto mode your default permission mode\\?'\n\
         choose = '^No, keep accept edits$'\n",
    );
    std::fs::write(fleet.root.join("czar.toml"), format!("{config}\n{rule}")).unwrap();
    let out = run_within(&mut fleet.czar(), Duration::from_secs(180));
    let events = fleet.events();
    assert!(out.status.success(), "{}\n{}", text(&out), dump(&events));
    let answer = events
        .iter()
        .find(|e| e.kind == "auto_answer" && e.detail.starts_with("Make auto mode"))
        .unwrap_or_else(|| panic!("never answered\n{}", dump(&events)));
    assert!(
        answer.detail.contains(r#"chose "No, keep accept edits""#)
            && answer.detail.contains("(pressed Down Enter)"),
        "{}",
        answer.detail
    );
    assert!(has(&events, "done", &[]), "{}", dump(&events));
}

/// SIGTERM, as an operator's Ctrl-C would stop the czar.
fn terminate(pid: u32) -> std::io::Result<()> {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other("kill failed"))
    }
}
