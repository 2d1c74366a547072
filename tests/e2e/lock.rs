//! One czar per state folder: a second `czar --auto` on a repository where one runs exits at
//! once naming the first, while read-only and worker commands keep working beside it; a
//! SIGKILLed czar leaves no lock behind.

use crate::background::{Running, wait_until};
use crate::common::Project;
use crate::support::{run_with_input, run_within, text};
use czar::adapters::lock;
use std::time::{Duration, Instant};

/// Runs a czar subcommand with `input` on its standard input.
fn with_input(p: &Project, args: &[&str], input: &str) -> std::process::Output {
    run_with_input(&mut p.czar(args), input.as_bytes(), Duration::from_secs(30))
}

fn ok(out: &std::process::Output, what: &str) {
    assert!(out.status.success(), "{what}: {}", text(out));
}

#[test]
fn a_second_czar_is_refused_naming_the_first_and_a_killed_one_leaves_no_lock() {
    let p = Project::new(1, "");
    p.task(
        "long",
        "title = \"Long\"",
        "sim: duration=60 touch=long.txt\n",
    );
    let state = p.root.join(".czar");
    let mut first = Running::start(p.czar(&["--auto", "--watch"]));
    wait_until("the first czar's lock", 30, || {
        lock::holder(&state).and_then(|h| h.pid) == Some(first.pid())
    });
    let holder = lock::holder(&state).unwrap();
    assert_eq!(holder.mode.as_deref(), Some("--auto"));
    wait_until("worker 1 on its task", 60, || {
        p.status_json()["workers"][0]["task"] == "long"
    });

    let started = Instant::now();
    let second = run_within(&mut p.czar(&["--auto"]), Duration::from_secs(30));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(second.status.code(), Some(1), "{}", text(&second));
    let err = String::from_utf8_lossy(&second.stderr);
    let started_at = holder.started.as_deref().unwrap();
    assert!(
        err.contains(&format!("pid {}", first.pid()))
            && err.contains(started_at)
            && err.contains(&format!("kill {}", first.pid()))
            && err.contains("czar status"),
        "{err}"
    );
    // It went no further than the lock: the run's banner is printed after it.
    assert!(
        !String::from_utf8_lossy(&second.stdout).contains("czar: project"),
        "{}",
        text(&second)
    );
    assert!(first.still_running(), "the first czar ended");

    // Everything else works beside the running czar.
    ok(&p.czar(&["status"]).output().unwrap(), "status");
    let stats = p.czar(&["stats", "--json"]).output().unwrap();
    ok(&stats, "stats");
    let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(stats["tasks"], 1, "{stats}");
    ok(&p.czar(&["explain", "1"]).output().unwrap(), "explain");
    let classified = with_input(&p, &["classify", "--agent", "sim", "--json"], "$ \n");
    ok(&classified, "classify");
    let added = with_input(&p, &["task", "add", "--title", "Added beside"], "Do it.\n");
    ok(&added, "task add");
    let worktree = p.root.parent().unwrap().join("wt/worker-1");
    let report = p
        .czar(&["report", "note from beside"])
        .current_dir(&worktree)
        .output()
        .unwrap();
    ok(&report, "report");
    wait_until("the running czar to take the note", 30, || {
        p.events()
            .iter()
            .any(|e| e.kind == "report" && e.detail.contains("note from beside"))
    });
    assert_eq!(
        lock::holder(&state).and_then(|h| h.pid),
        Some(first.pid()),
        "the lock changed hands"
    );

    first.kill(); // SIGKILL: no chance to clean up
    let mut next = Running::start(p.czar(&["--auto", "--watch"]));
    wait_until("the next czar's lock", 10, || {
        lock::holder(&state).and_then(|h| h.pid) == Some(next.pid())
    });
    assert!(next.still_running(), "the next czar did not start");
}
