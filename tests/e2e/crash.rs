//! The czar killed with SIGKILL mid-run and started again: it adopts the live sessions and
//! finishes the run; no task is lost or done twice.

use crate::common::Project;
use crate::support::text;
use std::time::{Duration, Instant};

fn done_count(p: &Project) -> usize {
    let status = p.status_json();
    status["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["state"] == "done")
        .count()
}

#[test]
fn sigkill_mid_run_then_restart_finishes_with_nothing_lost_or_doubled() {
    let p = Project::new(2, "");
    let ids: Vec<String> = (1..=6).map(|i| format!("t{i}")).collect();
    for id in &ids {
        p.task(
            id,
            &format!("title = \"{id}\""),
            &format!("sim: duration=1.2 touch=out/{id}.txt\n"),
        );
    }
    let mut child = p.spawn_auto();
    let start = Instant::now();
    while done_count(&p) < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no progress before the kill"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "czar ended before it was killed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let panes_before = p
        .tmux(&["list-panes", "-a", "-F", "#{session_name} #{pane_pid}"])
        .unwrap();
    assert_eq!(
        panes_before.lines().count(),
        2,
        "worker sessions must outlive the czar"
    );

    let out = p.run_auto(Duration::from_secs(120));
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(done_count(&p), 6);
    let panes_after = p
        .tmux(&["list-panes", "-a", "-F", "#{session_name} #{pane_pid}"])
        .unwrap();
    assert_eq!(
        panes_before, panes_after,
        "the live sessions were replaced instead of adopted"
    );
    let events = p.events();
    for id in &ids {
        let done = events
            .iter()
            .filter(|e| e.kind == "done" && e.task.as_deref() == Some(id))
            .count();
        assert_eq!(done, 1, "{id} done {done} times");
        let log = crate::support::git(
            &p.root,
            &["log", "--format=%s", &format!("main..czar/{id}")],
        );
        assert!(!log.trim().is_empty(), "czar/{id} has no commits");
    }
}
