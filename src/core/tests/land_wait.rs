//! A landing that keeps waiting on the same thing (the target's checkout not clean): it is
//! said once, not at every retry, and once nothing else can move, `only_waits_left` names it
//! for a run with nobody watching to end on.

use super::{boot, commits, def, idle, load, model, start_work};
use crate::core::command::{Command, EventKind};
use crate::core::land::{RETRY_MS, only_waits_left};
use crate::core::model::{LandMode, Model};
use crate::core::observation::{MergeOutcome, MoveOutcome, Observation};
use crate::core::update;

const DIRTY: &str = "main is checked out in /r, which has uncommitted changes (README.md)";

fn said(out: &[Command]) -> usize {
    out.iter()
        .filter(|c| matches!(c, Command::Record(e) if e.kind == EventKind::LandWaiting))
        .count()
}

/// One retry of a's landing at `at`: tick, merged, blocked again by `why`.
fn retry(m: &mut Model, at: u64, why: &str) -> Vec<Command> {
    let mut out = update(m, Observation::Tick, at);
    let merged = MergeOutcome::Clean {
        from: "c0".into(),
        to: "c1".into(),
    };
    let obs = Observation::LandMerged {
        task: "a".into(),
        outcome: merged,
    };
    out.extend(update(m, obs, at + 1));
    let obs = Observation::TargetMoved {
        task: "a".into(),
        outcome: MoveOutcome::Blocked(why.into()),
    };
    out.extend(update(m, obs, at + 2));
    out
}

#[test]
fn a_wait_is_said_once_per_reason_and_ends_an_unwatched_run_only_when_nothing_else_can_move() {
    let mut m = model(1);
    m.policy.land.mode = LandMode::Merge;
    m.policy.land.into = "main".into();
    load(&mut m, vec![def("a", &[], None), def("b", &["a"], None)], 0);
    boot(&mut m, 1);
    start_work(&mut m, 1, "a", 2);
    idle(&mut m, 1, 3);
    commits(&mut m, 1, "a", 1, 4);
    let first = retry(&mut m, 10, DIRTY);
    assert_eq!(said(&first), 1, "{first:?}");
    let mut at = 10;
    for _ in 0..4 {
        at += RETRY_MS + 10;
        let again = retry(&mut m, at, DIRTY);
        assert_eq!(said(&again), 0, "said again at a retry: {again:?}");
        assert!(only_waits_left(&m, at + 2, 0).is_some());
    }
    // b needs a's landing: it is pending, not ready, and keeps nothing going.
    // First said at 12 (the first retry's move).
    let waits = only_waits_left(&m, at, at - 12).expect("only a's wait is left");
    assert_eq!(waits, vec![("a".to_string(), DIRTY.to_string())]);
    assert!(
        only_waits_left(&m, at, at - 11).is_none(),
        "it has not waited that long"
    );
    // Another reason is said, and the wait counts from it.
    at += RETRY_MS + 10;
    let other = retry(&mut m, at, "moving main: a lock");
    assert_eq!(said(&other), 1);
    assert!(only_waits_left(&m, at + 2, 1).is_none());
    assert!(only_waits_left(&m, at + 2, 0).is_some());
}

#[test]
fn a_worker_at_work_or_a_task_that_can_start_is_more_than_waits() {
    let mut m = model(2);
    m.policy.land.mode = LandMode::Merge;
    m.policy.land.into = "main".into();
    load(&mut m, vec![def("a", &[], None), def("c", &[], None)], 0);
    boot(&mut m, 1);
    start_work(&mut m, 1, "a", 2);
    idle(&mut m, 1, 3);
    commits(&mut m, 1, "a", 1, 4);
    retry(&mut m, 10, DIRTY);
    // c is pending and ready (no idle worker took it yet, or one holds it): not only waits.
    assert!(only_waits_left(&m, 1_000_000, 0).is_none());
}
