//! `czar --auto` with the claude profile against the REAL Claude Code client, offline: a
//! loopback stand-in API scripts the agent to commit on its task branch and run `czar done`
//! through Bash tool calls. Skips loudly where the client is not installed.
//!
//! Dialogs: the temp HOME has onboarding done and nothing else, so each agent first asks to
//! trust its worktree and to use the API key, and the shipped claude profile answers both.
//! Claude's own settings allow the git commands the task needs; `czar done` asks for
//! permission, and the profile's allow-list for the czar's own commands answers that too.

use crate::client::client_or_skip;
use crate::fake_api::{FakeApi, Reply, Request};
use crate::fleet::Fleet;
use crate::support::events::{dump, in_order};
use crate::support::{CZAR, git, run_within, text};
use czar::adapters::store::EventRow;
use std::time::Duration;

const WORKERS: u32 = 2;
const TASKS: [(&str, &str); 3] = [
    ("alpha", ""),
    ("beta", ""),
    ("gamma", "needs = [\"alpha\"]"),
];

/// The agent's part: on a new task, think for a moment (the czar should see it busy), then
/// commit a file named after the task; after the commit, run `czar done`; then stop.
pub(crate) fn agent(req: &Request) -> Reply {
    if req.after_tool() {
        let result = req.new_results.join("\n");
        if result.contains("committed-") {
            return Reply::bash("Committed; telling the czar.", &format!("{CZAR} done"));
        }
        return Reply::text("The task is finished, committed and reported.");
    }
    let prompt = req.last_user_text();
    let Some(id) = task_id(&prompt) else {
        return Reply::text("I have no task yet.");
    };
    std::thread::sleep(Duration::from_secs(2));
    Reply::bash(
        "Writing and committing the change.",
        &format!(
            "mkdir -p out && echo {id} > out/{id}.txt && git add -A && \
             git commit -q -m 'Do {id}' && echo committed-{id}"
        ),
    )
}

/// The worker preamble names the task as (id `<id>`).
pub(crate) fn task_id(prompt: &str) -> Option<String> {
    let start = prompt.find("(id `")? + 5;
    let len = prompt[start..].find('`')?;
    Some(prompt[start..start + len].to_string())
}

#[test]
fn czar_drives_the_real_claude_client_to_commit_and_finish_every_task() {
    let Some(bin) = client_or_skip("czar_drives_the_real_claude_client") else {
        return;
    };
    let api = FakeApi::start(agent);
    let fleet = Fleet::new(&bin, &api.url, WORKERS, &TASKS);
    let root = fleet.root.clone();
    let out = run_within(&mut fleet.czar(), Duration::from_secs(240));
    let log = api.log().join("\n");
    assert!(
        out.status.success(),
        "exit {:?}\n{}\nfake API:\n{log}",
        out.status,
        text(&out)
    );

    // Every task's branch holds its own commit, with its own file, on top of what it stacks on
    // (landing is off: gamma starts from alpha's branch).
    for (id, _) in TASKS {
        let on = if id == "gamma" { "czar/alpha" } else { "main" };
        let subjects = git(&root, &["log", "--format=%s", &format!("{on}..czar/{id}")]);
        assert_eq!(subjects.trim(), format!("Do {id}"), "czar/{id}");
        let files = git(
            &root,
            &["diff", "--name-only", &format!("{on}...czar/{id}")],
        );
        assert_eq!(files.trim(), format!("out/{id}.txt"));
    }

    let events = czar::adapters::store::Store::open(&root.join(".czar"))
        .unwrap()
        .events(100_000)
        .unwrap();
    check_dialogs_and_order(&events);
    // The profile's `--settings {czar_hooks}` reached the client: its hooks spoke to the czar
    // (whether a hook or the screen told of a change first is a race, so count the messages).
    let db = rusqlite::Connection::open(root.join(".czar/czar.db")).unwrap();
    let hooks: Vec<String> = db
        .prepare("SELECT text FROM inbox WHERE kind = 'hook'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for event in ["UserPromptSubmit", "PermissionRequest", "Stop"] {
        assert!(
            hooks.iter().any(|h| h.ends_with(event)),
            "no {event} hook reached the czar: {hooks:?}"
        );
    }
    assert!(
        api.main_turns() >= 9,
        "three turns per task expected\n{log}"
    );
    check_tokens(&root, &api);
}

/// `czar stats --json` shows each task's tokens as the client's transcript recorded them:
/// every answer of the stand-in reports the same usage, so each task's figures are a whole
/// number of answers, and all tasks together are every main-turn answer. The agents outlive
/// the run: the last turn's report (its `Stop` hook) may come a moment after the czar ended.
fn check_tokens(root: &std::path::Path, api: &FakeApi) {
    let (input, output, cache_read, cache_write) = crate::fake_api::USAGE;
    let start = std::time::Instant::now();
    loop {
        let out = std::process::Command::new(CZAR)
            .args(["stats", "--json"])
            .current_dir(root)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut answers = 0;
        for t in stats["per_task"].as_array().unwrap() {
            let tok = &t["tokens"];
            let n = |k: &str| tok[k].as_u64().unwrap_or(0);
            let k = n("output") / output;
            assert_eq!(
                (n("input"), n("output"), n("cache_read"), n("cache_write")),
                (k * input, k * output, k * cache_read, k * cache_write),
                "{t}"
            );
            answers += k as usize;
        }
        let each_three = stats["per_task"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["tokens"]["output"].as_u64() >= Some(3 * output));
        if answers == api.main_turns() && each_three {
            assert_eq!(
                stats["tokens"]["output"].as_u64(),
                Some(answers as u64 * output)
            );
            check_status_tokens(root, &stats);
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{answers} answers counted of {}: {stats}",
            api.main_turns()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// `czar status --json` shows each task's tokens as the czar took them: at least the first
/// answer's, at most what `czar stats` counts (which adds what came after the run).
fn check_status_tokens(root: &std::path::Path, stats: &serde_json::Value) {
    let out = std::process::Command::new(CZAR)
        .args(["status", "--json"])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let output = crate::fake_api::USAGE.1;
    for t in status["tasks"].as_array().unwrap() {
        let id = t["id"].as_str().unwrap();
        let shown = t["tokens"]["output"].as_u64().unwrap_or(0);
        let counted = stats["per_task"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .and_then(|s| s["tokens"]["output"].as_u64())
            .unwrap_or(0);
        assert!(
            shown >= output && shown <= counted && shown % output == 0,
            "{id}: status {shown}, stats {counted}"
        );
    }
}

/// The first event (by sequence) of `worker` (any when None) and `task` (any when None) of
/// `kind` whose detail holds every one of `words`.
pub(crate) fn seq_of(
    events: &[EventRow],
    worker: Option<u32>,
    task: Option<&str>,
    kind: &str,
    words: &[&str],
) -> Option<i64> {
    events
        .iter()
        .find(|e| {
            e.kind == kind
                && worker.is_none_or(|w| e.worker == Some(w))
                && task.is_none_or(|t| e.task.as_deref() == Some(t))
                && words.iter().all(|w| e.detail.contains(w))
        })
        .map(|e| e.seq)
}

/// Dialogs answered per policy, each recorded with its screen; states in the right order.
fn check_dialogs_and_order(events: &[EventRow]) {
    const TRUST: &str = "Quick safety check: Is this a project you created or one you trust?";
    const KEY: &str = "Do you want to use this API key? | chose \"Yes\" (pressed Up Enter)";
    // Each worker's agent: seen waiting on the trust dialog, the czar answers it by label (the
    // record holds the dialog as shown: "No, exit" still selected), the agent reaches its
    // prompt, and only then gets a task.
    for w in 1..=WORKERS {
        let trust_words = [
            TRUST,
            "chose \"Yes, I trust this folder\" (pressed Down Enter)",
            "❯ No, exit",
            "Yes, I trust this folder",
        ];
        in_order(
            &format!("worker {w}"),
            &[
                seq_of(events, Some(w), None, "worker_started", &[]),
                seq_of(
                    events,
                    Some(w),
                    None,
                    "agent_state",
                    &["starting -> waiting"],
                ),
                seq_of(events, Some(w), None, "auto_answer", &trust_words),
                seq_of(events, Some(w), None, "agent_state", &["-> idle"]),
                seq_of(events, Some(w), None, "assigned", &[]),
            ],
            events,
        );
    }
    // The API key dialog: asked at least once (the answer is remembered in the shared HOME, so
    // a later start may not ask), answered with "Yes" selected from "No (recommended)".
    let key = events
        .iter()
        .find(|e| e.kind == "auto_answer" && e.detail.contains(KEY))
        .unwrap_or_else(|| panic!("the API key dialog was never answered\n{}", dump(events)));
    assert!(
        key.detail
            .contains("Detected a custom API key in your environment")
            && key.detail.contains("❯ No (recommended)"),
        "the record holds the dialog: {}",
        key.detail
    );
    let ready = seq_of(events, key.worker, None, "agent_state", &["-> idle"]);
    assert!(
        ready.is_some_and(|r| key.seq < r),
        "worker {:?} reached its prompt before the key dialog was answered, or never",
        key.worker
    );
    // Each task: assigned, delivered (the agent is busy from then on), its `czar done`
    // permission prompt seen and answered by the allow-list, the agent back at its prompt, done.
    for (id, _) in TASKS {
        let t = Some(id);
        let done_prompt = [
            "Do you want to proceed? | command",
            "czar done",
            "chose \"Yes\" (pressed Enter)",
        ];
        let answered = seq_of(events, None, t, "auto_answer", &done_prompt);
        let idle_after = answered.and_then(|a| idle_after(events, a, id));
        in_order(
            id,
            &[
                seq_of(events, None, t, "assigned", &[]),
                seq_of(events, None, t, "delivered", &[]),
                seq_of(events, None, t, "agent_state", &["busy -> waiting"]),
                answered,
                idle_after,
                seq_of(events, None, t, "done", &[]),
            ],
            events,
        );
    }
    // Only the dialogs the policy names were answered.
    for e in events.iter().filter(|e| e.kind == "auto_answer") {
        let known = e.detail.starts_with(TRUST)
            || e.detail.starts_with("Do you want to use this API key?")
            || e.detail.contains("czar done\" allowed by");
        assert!(known, "unexpected answer: {}", e.detail);
    }
    in_order(
        "gamma after alpha",
        &[
            seq_of(events, None, Some("alpha"), "done", &[]),
            seq_of(events, None, Some("gamma"), "assigned", &[]),
        ],
        events,
    );
}

/// The first time the agent of `task` came back to its prompt after `seq`.
fn idle_after(events: &[EventRow], seq: i64, task: &str) -> Option<i64> {
    events
        .iter()
        .find(|e| {
            e.seq > seq
                && e.task.as_deref() == Some(task)
                && e.kind == "agent_state"
                && e.detail.contains("-> idle")
        })
        .map(|e| e.seq)
}
