//! Quota failover across two accounts that are Claude config folders (`dir`, put into
//! `CLAUDE_CONFIG_DIR` by the claude profile's `account_dir_env`), on the REAL Claude Code
//! client: each folder holds the client's own state and settings, and its settings send it to
//! its own stand-in API: account `a`'s refuses everything with 429, account `b`'s works. The
//! task on `a` meets the quota, its client gives up, and the task moves to `b`'s worker.

use crate::client::{client_or_skip, prepare_home};
use crate::fake_api::{FakeApi, Reply, Request};
use crate::fleet::{Fleet, Opts};
use crate::real::agent;
use crate::support::events::dump;
use crate::support::{run_within, text};
use std::time::Duration;

const TASKS: [(&str, &str); 2] = [("alpha", ""), ("beta", "")];

#[test]
fn a_task_whose_config_dir_account_hits_its_quota_moves_to_the_other_folder() {
    let Some(bin) = client_or_skip("a_task_whose_config_dir_account_hits_its_quota_moves") else {
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
    let working = FakeApi::start(agent);
    let dirs = tempfile::tempdir().unwrap();
    let allow = ["mkdir", "echo", "git add", "git commit"].map(|c| format!("Bash({c}:*)"));
    let mut tail = String::new();
    for (name, api) in [("a", &limited), ("b", &working)] {
        let dir = dirs.path().join(format!("claude-{name}"));
        prepare_home(&dir, &[], true);
        let settings = serde_json::json!({
            "permissions": { "allow": allow },
            "env": { "ANTHROPIC_BASE_URL": api.url },
        });
        std::fs::write(dir.join("settings.json"), settings.to_string()).unwrap();
        tail.push_str(&format!(
            "[[agents.claude.accounts]]\nname = \"{name}\"\ndir = {:?}\n\n",
            dir.display().to_string()
        ));
    }
    let opts = Opts {
        env: vec![("CLAUDE_CODE_MAX_RETRIES", "1".into())],
        timing: "rate_limit_backoff_secs = 120\n".into(),
        tail,
        ..Opts::default()
    };
    // The profile's own base URL is a dead end: only the folders' settings reach an API.
    let fleet = Fleet::with(&bin, "http://127.0.0.1:9", 2, &TASKS, opts);
    let out = run_within(&mut fleet.czar(), Duration::from_secs(240));
    let events = fleet.events();
    let all = format!(
        "{}\n{}\nlimited:\n{}\nworking:\n{}",
        text(&out),
        dump(&events),
        limited.log().join("\n"),
        working.log().join("\n")
    );
    assert!(out.status.success(), "{all}");
    let started: Vec<&str> = events
        .iter()
        .filter(|e| e.kind == "worker_started")
        .map(|e| e.detail.as_str())
        .collect();
    assert!(started.contains(&"claude (account a)"), "{all}");
    assert!(started.contains(&"claude (account b)"), "{all}");
    // Account a's folder sent its client to the refusing API, which answered nothing.
    assert!(limited.main_turns() >= 1, "{all}");
    assert!(
        events
            .iter()
            .any(|e| e.kind == "rate_limit" && e.detail.contains("moved to another account")),
        "no failover\n{all}"
    );
    for (id, _) in TASKS {
        let subjects = crate::support::git(
            &fleet.root,
            &["log", "--format=%s", &format!("main..czar/{id}")],
        );
        assert_eq!(subjects.trim(), format!("Do {id}"), "{all}");
    }
}
