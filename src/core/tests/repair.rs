//! What counts as a task's own work, and what the core does when others break a worker's
//! worktree or a task's branch under it.

use super::{boot, def, idle, load, model, start_work};
use crate::core::command::{Command, EventKind};
use crate::core::model::{BranchInfo, TaskState};
use crate::core::observation::Observation;
use crate::core::update;

fn events(out: &[Command], kind: EventKind) -> Vec<String> {
    out.iter()
        .filter_map(|c| match c {
            Command::Record(e) if e.kind == kind => Some(e.detail.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn done_counts_only_with_commits_of_the_tasks_own_unless_it_changes_nothing() {
    for no_changes in [false, true] {
        let mut m = model(1);
        m.policy.idle_grace_ms = 1_000;
        let mut task = def("a", &[], None);
        task.no_changes = no_changes;
        load(&mut m, vec![task], 0);
        boot(&mut m, 1);
        start_work(&mut m, 1, "a", 2);
        let info = BranchInfo {
            branch: "czar/a".into(),
            tip: "start".into(),
            own: Some(0),
            ..BranchInfo::default()
        };
        update(&mut m, Observation::BranchSeen { worker: 1, info }, 3);
        super::said_done(&mut m, 1, 4);
        let out = idle(&mut m, 1, 5);
        if no_changes {
            assert_eq!(
                events(&out, EventKind::Done).len(),
                1,
                "it says it changes nothing"
            );
            continue;
        }
        assert_eq!(
            m.tasks["a"].state,
            TaskState::Working,
            "no commits of its own yet"
        );
        let out = update(&mut m, Observation::Tick, 1_005);
        let requeued = events(&out, EventKind::Requeued);
        assert!(
            requeued[0].contains("no commits of this task"),
            "{requeued:?}"
        );
        assert_eq!(m.tasks["a"].attempts, 2);
    }
}

#[test]
fn a_branch_that_lost_its_history_is_put_back_and_its_task_never_counts_done() {
    let mut m = model(1);
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    start_work(&mut m, 1, "a", 2);
    let good = BranchInfo {
        branch: "czar/a".into(),
        ahead: 1,
        tip: "good".into(),
        own: Some(1),
        ..BranchInfo::default()
    };
    update(
        &mut m,
        Observation::BranchSeen {
            worker: 1,
            info: good,
        },
        3,
    );
    // Deleted, and a commit made it again as a new root: its tip no longer descends.
    let lost = BranchInfo {
        branch: "czar/a".into(),
        ahead: 3,
        tip: "root".into(),
        own: None,
        ..BranchInfo::default()
    };
    super::said_done(&mut m, 1, 4);
    let out = update(
        &mut m,
        Observation::BranchSeen {
            worker: 1,
            info: lost,
        },
        5,
    );
    let repair = out.iter().find_map(|c| match c {
        Command::RepairBranch { at, keep, .. } => Some((at.clone(), keep.clone())),
        _ => None,
    });
    let (at, keep) = repair.expect("repaired");
    assert_eq!(at, "good");
    assert!(keep.is_some_and(|k| k.starts_with("czar/lost/a-")));
    assert_eq!(events(&out, EventKind::Repair).len(), 1);
    assert!(events(&out, EventKind::Done).is_empty());
    assert_ne!(m.tasks["a"].state, TaskState::Done);
    assert_eq!(m.tasks["a"].attempts, 1, "given back: not the task's fault");
}

#[test]
fn a_deleted_branch_is_made_again_where_its_work_was() {
    let mut m = model(1);
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    start_work(&mut m, 1, "a", 2);
    let gone = BranchInfo {
        branch: "czar/a".into(),
        ..BranchInfo::default()
    };
    let out = update(
        &mut m,
        Observation::BranchSeen {
            worker: 1,
            info: gone,
        },
        3,
    );
    assert!(out.contains(&Command::RepairBranch {
        worker: 1,
        branch: "czar/a".into(),
        at: "start".into(),
        keep: None
    }));
    assert_eq!(m.tasks["a"].state, TaskState::Working, "the agent goes on");
}

#[test]
fn a_removed_worktree_restarts_the_worker_and_gives_the_task_back() {
    let mut m = model(1);
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    start_work(&mut m, 1, "a", 2);
    let out = update(&mut m, Observation::WorktreeMissing { worker: 1 }, 3);
    assert!(out.contains(&Command::KillWorker { worker: 1 }));
    assert!(
        out.iter()
            .any(|c| matches!(c, Command::StartWorker { worker: 1, .. }))
    );
    assert_eq!(events(&out, EventKind::Repair).len(), 1);
    assert_eq!(m.tasks["a"].state, TaskState::Pending);
    assert_eq!(m.tasks["a"].attempts, 1);
    // Said twice (the next poll saw it too): handled once.
    let out = update(&mut m, Observation::WorktreeMissing { worker: 1 }, 4);
    assert!(events(&out, EventKind::Repair).is_empty());
}

#[test]
fn a_worker_whose_worktree_cannot_be_prepared_rests_and_the_task_goes_elsewhere() {
    let mut m = model(2);
    m.policy.max_attempts = 5;
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    let first = m.tasks["a"].worker.unwrap_or(0);
    let obs = Observation::BranchPrepared {
        worker: first,
        task: "a".into(),
        result: Err("the index is locked".into()),
    };
    update(&mut m, obs, 2);
    // Given out again at once, but not to the worker whose worktree failed: it rests.
    let second = m.tasks["a"].worker.unwrap_or(0);
    assert_eq!(m.tasks["a"].state, TaskState::Assigned);
    assert_ne!(second, first, "the failing worker took it again");
    assert_eq!(m.tasks["a"].attempts, 2);
    assert_eq!(m.workers[&first].vitals.rest_until, Some(1_002));
    // Its rest ends with time; a second failure in a row doubles it.
    update(&mut m, Observation::Tick, 1_002);
    assert_eq!(m.workers[&first].vitals.rest_until, None);
}
