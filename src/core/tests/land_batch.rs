//! Landing in batches through `update`: a batch merged and moved as one, split in halves on a
//! failure until the task at fault is alone (which then goes back to its agent), the others
//! landing; a restart redoes a batch once, from its lead.

use super::{def, load, model};
use crate::core::command::Command;
use crate::core::land_batch_half;
use crate::core::model::{LandMode, LandRecord, Landing, Model, TaskState};
use crate::core::observation::{MergeOutcome, MoveOutcome, Observation};
use crate::core::update;

/// `ids` done and queued in this order, `land_batch = batch`, no workers.
fn queued(ids: &[&str], batch: usize) -> Model {
    let mut m = model(0);
    m.policy.land.mode = LandMode::Merge;
    m.policy.land.into = "main".into();
    m.policy.land.max_attempts = 2;
    m.policy.land.batch = batch;
    m.policy.auto_assign = false;
    let defs = ids.iter().map(|id| def(id, &[], None)).collect();
    load(&mut m, defs, 0);
    for (i, id) in ids.iter().enumerate() {
        let t = m.tasks.get_mut(*id).unwrap();
        t.state = TaskState::Done;
        t.land = Some(LandRecord {
            queued_at: 1 + i as u64,
            ..LandRecord::default()
        });
    }
    m
}

/// The landing started by `out`: its lead and the branches merged on top.
fn started(out: &[Command]) -> Option<(String, Vec<String>)> {
    out.iter().find_map(|c| match c {
        Command::Land { task, also, .. } => {
            Some((task.clone(), also.iter().map(|(b, _)| b.clone()).collect()))
        }
        _ => None,
    })
}

fn merged(m: &mut Model, lead: &str, outcome: MergeOutcome, now: u64) -> Vec<Command> {
    let obs = Observation::LandMerged {
        task: lead.into(),
        outcome,
    };
    update(m, obs, now)
}

fn moved(m: &mut Model, lead: &str, now: u64) -> Vec<Command> {
    let obs = Observation::TargetMoved {
        task: lead.into(),
        outcome: MoveOutcome::Moved,
    };
    update(m, obs, now)
}

fn clean(to: &str) -> MergeOutcome {
    MergeOutcome::Clean {
        from: "c0".into(),
        to: to.into(),
    }
}

fn verify_failed() -> MergeOutcome {
    MergeOutcome::VerifyFailed {
        command: "make check".into(),
        output: "FAIL".into(),
    }
}

fn state(m: &Model, id: &str) -> Landing {
    m.tasks[id].land.as_ref().unwrap().state.clone()
}

fn branches(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|id| format!("czar/{id}")).collect()
}

#[test]
fn halves_of_a_failed_batch_are_never_empty() {
    assert_eq!(land_batch_half(4), 2);
    assert_eq!(land_batch_half(3), 1);
    assert_eq!(land_batch_half(2), 1);
    assert_eq!(land_batch_half(1), 1);
}

#[test]
fn a_clean_batch_is_merged_verified_and_moved_as_one() {
    let mut m = queued(&["a", "b", "c"], 4);
    let out = update(&mut m, Observation::Tick, 10);
    assert_eq!(started(&out), Some(("a".into(), branches(&["b", "c"]))));
    for id in ["a", "b", "c"] {
        assert_eq!(state(&m, id), Landing::Merging);
    }
    let out = merged(&mut m, "a", clean("c1"), 11);
    let moves: Vec<_> = out
        .iter()
        .filter(|c| matches!(c, Command::MoveTarget { .. }))
        .collect();
    assert_eq!(moves.len(), 1, "one move for the batch: {out:?}");
    moved(&mut m, "a", 12);
    for id in ["a", "b", "c"] {
        assert!(matches!(state(&m, id), Landing::Landed { commit, .. } if commit == "c1"));
        assert_eq!(m.tasks[id].land.as_ref().unwrap().lead, None);
    }
}

#[test]
fn a_batch_of_four_with_one_failing_verify_is_bisected_until_the_culprit_is_alone() {
    let mut m = queued(&["a", "b", "c", "d"], 4);
    let out = update(&mut m, Observation::Tick, 10);
    assert_eq!(
        started(&out),
        Some(("a".into(), branches(&["b", "c", "d"])))
    );
    // d breaks the verify: the batch splits; the first half goes next.
    let out = merged(&mut m, "a", verify_failed(), 11);
    assert_eq!(started(&out), Some(("a".into(), branches(&["b"]))));
    assert_eq!(state(&m, "c"), Landing::Queued);
    let out = merged(&mut m, "a", clean("c1"), 12);
    assert!(started(&out).is_none(), "one landing at a time: {out:?}");
    let out = moved(&mut m, "a", 13);
    assert!(matches!(state(&m, "b"), Landing::Landed { .. }));
    // The second half fails again: halves of one.
    assert_eq!(started(&out), Some(("c".into(), branches(&["d"]))));
    let out = merged(&mut m, "c", verify_failed(), 14);
    assert_eq!(started(&out), Some(("c".into(), vec![])));
    merged(&mut m, "c", clean("c2"), 15);
    let out = moved(&mut m, "c", 16);
    assert!(matches!(state(&m, "c"), Landing::Landed { commit, .. } if commit == "c2"));
    // d alone: its failure is its own, and it goes back to its agent.
    assert_eq!(started(&out), Some(("d".into(), vec![])));
    merged(&mut m, "d", verify_failed(), 17);
    assert!(matches!(
        state(&m, "d"),
        Landing::Returned {
            verify_failed: true,
            ..
        }
    ));
    let rec = m.tasks["d"].land.as_ref().unwrap();
    assert_eq!((rec.returns, rec.verify_failures), (1, 1));
    for id in ["a", "b", "c"] {
        assert_eq!(m.tasks[id].land.as_ref().unwrap().returns, 0, "{id}");
    }
}

#[test]
fn a_task_asked_for_lands_alone_and_batches_of_one_are_single_landings() {
    let mut m = queued(&["a", "b", "c"], 1);
    let out = update(&mut m, Observation::Tick, 10);
    assert_eq!(started(&out), Some(("a".into(), vec![])));
    let mut m = queued(&["a", "b", "c"], 3);
    m.tasks.get_mut("c").unwrap().land.as_mut().unwrap().asked = true;
    let out = update(&mut m, Observation::Tick, 10);
    assert_eq!(started(&out), Some(("c".into(), vec![])));
    assert_eq!(m.tasks["c"].land.as_ref().unwrap().lead, None);
}

#[test]
fn a_restart_redoes_a_batch_once_from_its_lead() {
    let mut m = queued(&["a", "b", "c"], 3);
    update(&mut m, Observation::Tick, 10);
    let out = update(&mut m, Observation::Resumed, 20);
    let lands: Vec<_> = out
        .iter()
        .filter(|c| matches!(c, Command::Land { .. }))
        .collect();
    assert_eq!(lands.len(), 1, "{out:?}");
    assert_eq!(started(&out), Some(("a".into(), branches(&["b", "c"]))));
    // Killed during the move: asked again once, for the whole batch.
    merged(&mut m, "a", clean("c1"), 21);
    let out = update(&mut m, Observation::Resumed, 22);
    let moves: Vec<_> = out
        .iter()
        .filter(|c| matches!(c, Command::MoveTarget { task, .. } if task == "a"))
        .collect();
    assert_eq!(moves.len(), 1, "{out:?}");
    let out = moved(&mut m, "a", 23);
    assert!(started(&out).is_none());
    for id in ["a", "b", "c"] {
        assert!(matches!(state(&m, id), Landing::Landed { .. }));
    }
}

#[test]
fn two_tasks_predicted_to_conflict_are_not_merged_in_one_batch() {
    let mut m = queued(&["a", "b", "c"], 4);
    m.survey.conflicts.push(crate::core::model::Conflict {
        left: "czar/b".into(),
        right: "czar/a".into(),
        files: vec!["src/db.rs".into()],
    });
    let out = update(&mut m, Observation::Tick, 10);
    assert_eq!(started(&out), Some(("a".into(), branches(&["c"]))));
    merged(&mut m, "a", clean("c1"), 11);
    let out = moved(&mut m, "a", 12);
    // b after them, alone: the real merge checks what was only predicted.
    assert_eq!(started(&out), Some(("b".into(), vec![])));
}
