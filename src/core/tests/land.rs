//! Landing through `update`: the queue's order (needs first, one at a time), the compare-and-swap
//! step, conflicts going back to an agent with the follow-up, the bound, and a restart.

use super::{boot, commits, def, idle, load, model, prepares, start_work};
use crate::core::command::{Command, EventKind};
use crate::core::model::{LandMode, Landing, Model, TaskState};
use crate::core::observation::{MergeOutcome, MoveOutcome, Observation};
use crate::core::update;

fn landing_model(workers: u32) -> Model {
    let mut m = model(workers);
    m.policy.land.mode = LandMode::Merge;
    m.policy.land.into = "main".into();
    m.policy.land.max_attempts = 2;
    m
}

fn lands(out: &[Command]) -> Vec<String> {
    out.iter()
        .filter_map(|c| match c {
            Command::Land { task, .. } => Some(task.clone()),
            _ => None,
        })
        .collect()
}

/// Works the task on worker `w` to done (commits, back at the prompt).
fn finish(m: &mut Model, w: u32, task: &str, now: u64) -> Vec<Command> {
    start_work(m, w, task, now);
    idle(m, w, now + 1);
    commits(m, w, task, 1, now + 2)
}

fn merged(m: &mut Model, task: &str, outcome: MergeOutcome, now: u64) -> Vec<Command> {
    let obs = Observation::LandMerged {
        task: task.into(),
        outcome,
    };
    update(m, obs, now)
}

fn moved(m: &mut Model, task: &str, outcome: MoveOutcome, now: u64) -> Vec<Command> {
    let obs = Observation::TargetMoved {
        task: task.into(),
        outcome,
    };
    update(m, obs, now)
}

fn clean(from: &str, to: &str) -> MergeOutcome {
    MergeOutcome::Clean {
        from: from.into(),
        to: to.into(),
    }
}

#[test]
fn a_dependent_starts_only_after_its_need_landed_and_from_the_target() {
    let mut m = landing_model(1);
    load(&mut m, vec![def("a", &[], None), def("b", &["a"], None)], 0);
    boot(&mut m, 1);
    let out = finish(&mut m, 1, "a", 2);
    assert_eq!(m.tasks["a"].state, TaskState::Done);
    // Done is not enough: b waits for a's landing, which starts in the same step.
    assert!(prepares(&out).is_empty(), "{out:?}");
    assert_eq!(lands(&out), vec!["a".to_string()]);
    assert_eq!(m.tasks["a"].land.as_ref().unwrap().state, Landing::Merging);
    assert!(!m.drained());
    let out = merged(&mut m, "a", clean("c0", "c1"), 5);
    assert!(out.contains(&Command::MoveTarget {
        task: "a".into(),
        into: "main".into(),
        from: "c0".into(),
        to: "c1".into(),
    }));
    assert!(prepares(&out).is_empty());
    let out = moved(&mut m, "a", MoveOutcome::Moved, 6);
    assert!(matches!(
        &m.tasks["a"].land.as_ref().unwrap().state,
        Landing::Landed { commit, .. } if commit == "c1"
    ));
    let from = out.iter().find_map(|c| match c {
        Command::PrepareBranch { task, from, .. } if task == "b" => Some(from.clone()),
        _ => None,
    });
    assert_eq!(from.as_deref(), Some("main"), "{out:?}");
    assert!(out.iter().any(
        |c| matches!(c, Command::DeleteBranches { branches } if branches == &["czar/a".to_string()])
    ));
}

#[test]
fn with_landing_off_a_dependent_stacks_on_its_needs_branch() {
    let mut m = model(1);
    load(&mut m, vec![def("a", &[], None), def("b", &["a"], None)], 0);
    boot(&mut m, 1);
    let out = finish(&mut m, 1, "a", 2);
    assert!(lands(&out).is_empty());
    let from = out.iter().find_map(|c| match c {
        Command::PrepareBranch { task, from, .. } if task == "b" => Some(from.clone()),
        _ => None,
    });
    assert_eq!(from.as_deref(), Some("czar/a"));
}

#[test]
fn one_landing_at_a_time_in_the_order_tasks_were_done() {
    let mut m = landing_model(2);
    load(&mut m, vec![def("a", &[], None), def("b", &[], None)], 0);
    boot(&mut m, 1);
    let wa = m.tasks["a"].worker.unwrap();
    let wb = m.tasks["b"].worker.unwrap();
    start_work(&mut m, wb, "b", 2);
    start_work(&mut m, wa, "a", 2);
    idle(&mut m, wb, 3);
    let out = commits(&mut m, wb, "b", 1, 4);
    assert_eq!(lands(&out), vec!["b".to_string()]);
    idle(&mut m, wa, 5);
    let out = commits(&mut m, wa, "a", 1, 6);
    assert!(lands(&out).is_empty(), "b is still landing: {out:?}");
    merged(&mut m, "b", clean("c0", "c1"), 7);
    let out = moved(&mut m, "b", MoveOutcome::Moved, 8);
    assert_eq!(lands(&out), vec!["a".to_string()]);
}

#[test]
fn a_conflict_goes_back_to_the_same_free_worker_with_the_follow_up_then_fails_when_bounded() {
    let mut m = landing_model(1);
    m.policy.land.max_attempts = 1;
    load(&mut m, vec![def("a", &[], Some("make test"))], 0);
    boot(&mut m, 1);
    start_work(&mut m, 1, "a", 2);
    idle(&mut m, 1, 3);
    commits(&mut m, 1, "a", 1, 4);
    update(
        &mut m,
        Observation::Verified {
            worker: 1,
            task: "a".into(),
            passed: true,
            output: String::new(),
        },
        5,
    );
    assert_eq!(m.tasks["a"].land.as_ref().unwrap().state, Landing::Merging);
    let conflict = || MergeOutcome::Conflict {
        files: vec!["src/x.rs".into()],
        hunks: "<<<<<<< ours\nmine\n=======\ntheirs\n>>>>>>> theirs".into(),
        landed_first: vec!["z".into()],
    };
    let out = merged(&mut m, "a", conflict(), 6);
    assert!(
        out.iter()
            .any(|c| matches!(c, Command::Record(e) if e.kind == EventKind::LandConflict))
    );
    assert_eq!(
        prepares(&out),
        vec![(1, "a".to_string())],
        "same worker, it is free"
    );
    assert_eq!(m.tasks["a"].state, TaskState::Assigned);
    // The follow-up is what its agent gets: files, hunks, who landed first, how to resolve.
    let out = update(
        &mut m,
        Observation::BranchPrepared {
            worker: 1,
            task: "a".into(),
            result: Ok(crate::core::observation::Prepared {
                ahead: 1,
                tip: "t1".into(),
            }),
        },
        7,
    );
    assert!(out.contains(&Command::ReadScreen { worker: 1 }));
    let out = idle(&mut m, 1, 8);
    let text = super::pasted_text(&out, 1).expect("a paste");
    for part in [
        "src/x.rs",
        "`z`",
        "<<<<<<< ours",
        "`git merge main`",
        "attempt 1 of 1",
        "czar/a",
    ] {
        assert!(text.contains(part), "{part} missing from:\n{text}");
    }
    // Resolved and done again, it lands again; a second conflict is past the bound.
    let id = m.workers[&1].delivery.as_ref().unwrap().id;
    let pasted = Observation::Pasted {
        worker: 1,
        delivery: id,
        result: Ok(()),
    };
    update(&mut m, pasted, 9);
    let submitted = Observation::Submitted {
        worker: 1,
        delivery: id,
        result: Ok(()),
    };
    update(&mut m, submitted, 9);
    update(
        &mut m,
        super::seen(
            1,
            crate::core::model::AgentState::Busy,
            crate::core::model::Input::Empty,
            9,
        ),
        9,
    );
    assert_eq!(m.tasks["a"].state, TaskState::Working);
    idle(&mut m, 1, 10);
    commits(&mut m, 1, "a", 2, 11);
    update(
        &mut m,
        Observation::Verified {
            worker: 1,
            task: "a".into(),
            passed: true,
            output: String::new(),
        },
        12,
    );
    assert_eq!(m.tasks["a"].land.as_ref().unwrap().state, Landing::Merging);
    merged(&mut m, "a", conflict(), 13);
    assert_eq!(m.tasks["a"].state, TaskState::Failed);
    let reason = m.tasks["a"].reason.clone().unwrap_or_default();
    assert!(reason.contains("is kept"), "{reason}");
    assert!(m.drained());
}

#[test]
fn a_verify_failure_after_the_merge_carries_its_output() {
    let mut m = landing_model(1);
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    finish(&mut m, 1, "a", 2);
    let failed = MergeOutcome::VerifyFailed {
        command: "cargo test".into(),
        output: "test x ... FAILED".into(),
    };
    let out = merged(&mut m, "a", failed, 6);
    assert!(
        out.iter()
            .any(|c| matches!(c, Command::Record(e) if e.kind == EventKind::LandVerifyFailed))
    );
    assert_eq!(m.tasks["a"].land.as_ref().unwrap().verify_failures, 1);
    let text = m.tasks["a"]
        .land
        .as_ref()
        .unwrap()
        .followup
        .clone()
        .unwrap();
    assert!(
        text.contains("test x ... FAILED") && text.contains("`cargo test`"),
        "{text}"
    );
}

#[test]
fn a_blocked_move_waits_and_is_tried_again_later_and_a_stale_one_merges_again() {
    let mut m = landing_model(1);
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    finish(&mut m, 1, "a", 2);
    merged(&mut m, "a", clean("c0", "c1"), 5);
    let out = moved(&mut m, "a", MoveOutcome::Blocked("main is dirty".into()), 6);
    assert!(out.iter().any(|c| matches!(c, Command::Record(e) if e.kind == EventKind::LandWaiting && e.detail == "main is dirty")));
    assert!(lands(&update(&mut m, Observation::Tick, 7)).is_empty());
    let later = 6 + crate::core::land::RETRY_MS;
    assert_eq!(
        lands(&update(&mut m, Observation::Tick, later)),
        vec!["a".to_string()]
    );
    merged(&mut m, "a", clean("c0", "c1"), later + 1);
    let out = moved(&mut m, "a", MoveOutcome::Stale, later + 2);
    assert_eq!(
        lands(&out),
        vec!["a".to_string()],
        "merged again on the new target"
    );
}

#[test]
fn a_restart_redoes_a_merge_and_asks_the_move_again_never_landing_twice() {
    let mut m = landing_model(1);
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    finish(&mut m, 1, "a", 2);
    let out = update(&mut m, Observation::Resumed, 3);
    assert_eq!(lands(&out), vec!["a".to_string()]);
    merged(&mut m, "a", clean("c0", "c1"), 4);
    let out = update(&mut m, Observation::Resumed, 5);
    assert!(out.contains(&Command::MoveTarget {
        task: "a".into(),
        into: "main".into(),
        from: "c0".into(),
        to: "c1".into(),
    }));
    assert!(lands(&out).is_empty());
    moved(&mut m, "a", MoveOutcome::Moved, 6);
    // A late answer of the first move changes nothing: the landing is over.
    let out = moved(&mut m, "a", MoveOutcome::Moved, 7);
    assert!(
        !out.iter()
            .any(|c| matches!(c, Command::Record(e) if e.kind == EventKind::Landed))
    );
    assert!(m.drained());
}

#[test]
fn the_operator_rejects_a_task_before_it_lands_and_its_agent_gets_the_note() {
    use crate::core::observation::Intent;
    let mut m = landing_model(1);
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    finish(&mut m, 1, "a", 2);
    // Waiting on a dirty checkout: still open to a rejection.
    merged(&mut m, "a", clean("c0", "c1"), 5);
    moved(&mut m, "a", MoveOutcome::Blocked("main is dirty".into()), 6);
    let note = "Name the flag --json, not --as-json".to_string();
    let out = update(
        &mut m,
        Observation::Intent(Intent::Reject {
            task: "a".into(),
            note: note.clone(),
        }),
        7,
    );
    assert_eq!(
        prepares(&out),
        vec![(1, "a".to_string())],
        "back to its worker"
    );
    let rec = m.tasks["a"].land.clone().unwrap();
    assert_eq!((rec.returns, rec.conflicts, rec.verify_failures), (1, 0, 0));
    assert!(rec.followup.unwrap().contains(&note));
    // A landed task is not taken back.
    let mut m = landing_model(1);
    load(&mut m, vec![def("b", &[], None)], 0);
    boot(&mut m, 1);
    finish(&mut m, 1, "b", 2);
    merged(&mut m, "b", clean("c0", "c1"), 3);
    moved(&mut m, "b", MoveOutcome::Moved, 4);
    let out = update(
        &mut m,
        Observation::Intent(Intent::Reject {
            task: "b".into(),
            note: "too late".into(),
        }),
        5,
    );
    assert!(prepares(&out).is_empty());
    assert!(
        out.iter()
            .any(|c| matches!(c, Command::Record(e) if e.detail.contains("not applied")))
    );
}

#[test]
fn a_finished_branchs_figures_are_kept_on_its_landing_and_follow_later_looks_until_landed() {
    use crate::core::model::LandFigures;
    let mut m = landing_model(1);
    m.policy.land.mode = LandMode::Pr;
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    finish(&mut m, 1, "a", 2);
    let figures = |m: &Model| m.tasks["a"].land.as_ref().and_then(|l| l.figures);
    let one = LandFigures {
        commits: 1,
        ..LandFigures::default()
    };
    assert_eq!(figures(&m), Some(one));
    // A commit seen only after it was done: the landing's figures follow.
    commits(&mut m, 1, "a", 2, 10);
    assert_eq!(figures(&m).map(|f| f.commits), Some(2));
}
