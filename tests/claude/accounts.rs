//! Quota failover across two accounts of one profile, on the REAL Claude Code client: account
//! `a` reaches a stand-in API that refuses everything with 429, account `b` one that works.
//! The accounts name their API through environment variables of the czar (never a value in
//! czar.toml). Workers are spread one per account; the task on `a` meets the quota, its client
//! gives up, and the task moves to the worker of `b` on the same branch, with a note.

use crate::client::client_or_skip;
use crate::fake_api::{FakeApi, Reply, Request};
use crate::fleet::{Fleet, Opts};
use crate::real::agent;
use crate::support::events::dump;
use crate::support::{run_within, text};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TASKS: [(&str, &str); 2] = [("alpha", ""), ("beta", "")];

#[test]
fn a_task_whose_account_hits_its_quota_moves_to_the_other_account_and_finishes() {
    let Some(bin) = client_or_skip("a_task_whose_account_hits_its_quota_moves") else {
        return;
    };
    let limited = FakeApi::start(|_: &Request| {
        Reply::status(
            429,
            "rate_limit_error",
            "This request would exceed your account's rate limit",
            Some(1),
        )
    });
    let prompts: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = Arc::clone(&prompts);
    let working = FakeApi::start(move |req: &Request| {
        if !req.after_tool() {
            seen.lock().unwrap().extend(req.new_prompts.iter().cloned());
        }
        agent(req)
    });
    let tail = "[[agents.claude.accounts]]\nname = \"a\"\nenv = { ANTHROPIC_BASE_URL = \"env:CZAR_TEST_API_A\" }\n\n\
                [[agents.claude.accounts]]\nname = \"b\"\nenv = { ANTHROPIC_BASE_URL = \"env:CZAR_TEST_API_B\" }\n";
    let opts = Opts {
        env: vec![("CLAUDE_CODE_MAX_RETRIES", "1".into())],
        timing: "rate_limit_backoff_secs = 120\n".into(),
        tail: tail.into(),
        ..Opts::default()
    };
    // The profile's own base URL is a dead end: only the accounts' reach an API.
    let fleet = Fleet::with(&bin, "http://127.0.0.1:9", 2, &TASKS, opts);
    let config = std::fs::read_to_string(fleet.root.join("czar.toml")).unwrap();
    assert!(!config.contains(&limited.url) && !config.contains(&working.url));
    let out = run_within(
        fleet
            .czar()
            .env("CZAR_TEST_API_A", &limited.url)
            .env("CZAR_TEST_API_B", &working.url),
        Duration::from_secs(240),
    );
    let events = fleet.events();
    let all = format!(
        "{}\n{}\nlimited:\n{}\nworking:\n{}",
        text(&out),
        dump(&events),
        limited.log().join("\n"),
        working.log().join("\n")
    );
    assert!(out.status.success(), "{all}");
    // One worker per account.
    let started: Vec<&str> = events
        .iter()
        .filter(|e| e.kind == "worker_started")
        .map(|e| e.detail.as_str())
        .collect();
    assert!(started.contains(&"claude (account a)"), "{all}");
    assert!(started.contains(&"claude (account b)"), "{all}");
    // Account a's API saw requests and answered none; the task there moved.
    assert!(limited.main_turns() >= 2, "{all}");
    let moved = events
        .iter()
        .find(|e| e.kind == "rate_limit" && e.detail.contains("moved to another account"))
        .unwrap_or_else(|| panic!("no failover\n{all}"));
    let task = moved.task.clone().expect("the moved task");
    assert!(
        moved.detail.contains("account claude/a"),
        "{}",
        moved.detail
    );
    // Both tasks done, each with its own commit on its own branch.
    for (id, _) in TASKS {
        let subjects = crate::support::git(
            &fleet.root,
            &["log", "--format=%s", &format!("main..czar/{id}")],
        );
        assert_eq!(subjects.trim(), format!("Do {id}"), "{all}");
    }
    // The worker of account b got the moved task with a note saying why.
    let prompts = prompts.lock().unwrap().clone();
    let handed = prompts
        .iter()
        .find(|p| p.contains(&format!("(id `{task}`)")))
        .unwrap_or_else(|| panic!("{task} never reached account b\n{all}"));
    assert!(
        handed.contains("tried before") && handed.contains("rate limit"),
        "{handed}"
    );
}
