//! A near-full context on the REAL Claude Code client: the stand-in reports each answer of the
//! first task with 150k input tokens, past `compact_at` (0.5) of the claude profile's 200k
//! window. Once the task is done and the agent idle, the czar types `/compact` (once, with a
//! `compact` event) before it hands the agent the next task, and the client compacts: it asks
//! the stand-in for a summary of the conversation.

use crate::client::client_or_skip;
use crate::fake_api::{FakeApi, Reply, Request};
use crate::fleet::{Fleet, Opts};
use crate::real::{agent, seq_of};
use crate::support::events::{dump, in_order};
use crate::support::{run_within, text};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TASKS: [(&str, &str); 2] = [("alpha", ""), ("beta", "needs = [\"alpha\"]")];

// The meter reads the transcript every 2 s: alpha's last turns are read after alpha is done
// and the agent idle, and beta waits for that reading (core::compact::await_meter). Before,
// beta could go first and nothing was compacted between them (one in three CI runs).
#[test]
fn a_near_full_context_is_compacted_between_tasks() {
    let Some(bin) = client_or_skip("a_near_full_context_is_compacted_between_tasks") else {
        return;
    };
    // The prompts the client sends, as they come.
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let prompts = Arc::clone(&seen);
    let api = FakeApi::start(move |req: &Request| {
        if let Ok(mut p) = prompts.lock() {
            p.extend(req.new_prompts.iter().cloned());
        }
        let reply = agent(req);
        // Only alpha's turns are large: beta's start after the compaction.
        let alpha = req.prompts().iter().any(|p| p.contains("(id `alpha`)"))
            && !req.prompts().iter().any(|p| p.contains("(id `beta`)"));
        if alpha {
            Reply::Sized {
                input: 150_000,
                reply: Box::new(reply),
            }
        } else {
            reply
        }
    });
    let opts = Opts {
        tail: "compact_at = 0.5\n".into(),
        ..Opts::default()
    };
    let fleet = Fleet::with(&bin, &api.url, 1, &TASKS, opts);
    let out = run_within(&mut fleet.czar(), Duration::from_secs(240));
    let events = fleet.events();
    let all = format!(
        "{}\n{}\nstand-in:\n{}\nscreen:\n{}",
        text(&out),
        dump(&events),
        api.log().join("\n"),
        fleet.screen(1)
    );
    assert!(out.status.success(), "{all}");
    let compacts: Vec<_> = events.iter().filter(|e| e.kind == "compact").collect();
    assert!(!compacts.is_empty(), "no compaction\n{all}");
    assert!(
        compacts[0].detail.contains("typed \"/compact\"")
            && compacts[0].detail.contains("of 200000"),
        "{}",
        compacts[0].detail
    );
    // After alpha is done, before beta is handed over.
    in_order(
        "compaction",
        &[
            seq_of(&events, None, Some("alpha"), "done", &[]),
            seq_of(&events, None, None, "compact", &[]),
            seq_of(&events, None, Some("beta"), "delivered", &[]),
        ],
        &events,
    );
    // Both tasks done, each with its own commit on top.
    for (id, _) in TASKS {
        let subjects = crate::support::git(
            &fleet.root,
            &["log", "--format=%s", &format!("main..czar/{id}")],
        );
        // beta's branch starts at alpha's (it needs it): its own commit is the newest.
        assert_eq!(
            subjects.lines().next(),
            Some(format!("Do {id}").as_str()),
            "{all}"
        );
    }
    // The client took it as its own command, and compacted.
    let prompts = seen.lock().map(|p| p.clone()).unwrap_or_default();
    assert!(
        prompts.iter().any(|p| p.contains("<local-command-caveat>")),
        "/compact went to the model as text\n{all}"
    );
    let pane = std::fs::read(fleet.root.join(".czar/logs/worker-1.log")).unwrap_or_default();
    assert!(
        String::from_utf8_lossy(&pane).contains("Compacted"),
        "the client never said it compacted\n{all}"
    );
}
