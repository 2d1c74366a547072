//! Finishing a task through `update`: commits or `czar done`, the prompt, verify, and what the
//! worker reads afterwards.

use super::{boot, commits, def, delivered, idle, load, model, prepares, said_done, start_work};
use crate::core::command::{Command, EventKind};
use crate::core::model::{AgentState, Input, TaskState};
use crate::core::observation::{Observation, Signal};
use crate::core::update;

#[test]
fn a_task_with_new_commits_is_done_and_its_dependent_starts_in_the_same_step() {
    let mut m = model(1);
    load(&mut m, vec![def("a", &[], None), def("b", &["a"], None)], 0);
    boot(&mut m, 1);
    assert_eq!(m.tasks["a"].state, TaskState::Assigned);
    assert_eq!(m.tasks["b"].state, TaskState::Pending, "b needs a");
    start_work(&mut m, 1, "a", 2);
    assert!(idle(&mut m, 1, 3).contains(&Command::RefreshBranch { worker: 1 }));
    let out = commits(&mut m, 1, "a", 2, 4);
    assert_eq!(m.tasks["a"].state, TaskState::Done);
    assert_eq!(prepares(&out), vec![(1, "b".to_string())]);
    assert_eq!(m.tasks["b"].attempts, 1);
}

#[test]
fn a_worker_that_finished_reads_done_at_its_prompt_until_its_next_task() {
    let mut m = model(1);
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    start_work(&mut m, 1, "a", 2);
    idle(&mut m, 1, 3);
    commits(&mut m, 1, "a", 1, 4);
    assert_eq!(m.tasks["a"].state, TaskState::Done);
    assert_eq!(m.workers[&1].agent, AgentState::Done);
    assert!(
        m.workers[&1].reason.contains("finished a"),
        "{}",
        m.workers[&1].reason
    );
    // Its prompt is what it shows now: still done, no state event.
    let out = idle(&mut m, 1, 5);
    assert_eq!(m.workers[&1].agent, AgentState::Done);
    assert!(
        !out.iter()
            .any(|c| matches!(c, Command::Record(e) if e.kind == EventKind::AgentState))
    );
    // A done worker is ready: the next task goes to it.
    let out = load(&mut m, vec![def("a", &[], None), def("b", &[], None)], 6);
    assert_eq!(prepares(&out), vec![(1, "b".to_string())]);
    // Holding a task, its prompt reads idle again (how a task that ends quickly is noticed).
    idle(&mut m, 1, 7);
    assert_eq!(m.workers[&1].agent, AgentState::Idle);
}

#[test]
fn a_late_done_from_the_last_tasks_branch_does_not_finish_the_next_task() {
    let mut m = model(1);
    load(&mut m, vec![def("a", &[], None), def("b", &[], None)], 0);
    boot(&mut m, 1);
    let first = m.workers[&1].task.clone().unwrap();
    let second = if first == "a" { "b" } else { "a" };
    start_work(&mut m, 1, &first, 2);
    idle(&mut m, 1, 3);
    commits(&mut m, 1, &first, 1, 4);
    assert_eq!(m.tasks[first.as_str()].state, TaskState::Done);
    start_work(&mut m, 1, second, 5);
    // The `czar done` the agent ran for its first task is read only now.
    let late = Signal::Done {
        branch: Some(format!("czar/{first}")),
    };
    let out = update(
        &mut m,
        Observation::Signal {
            worker: 1,
            signal: late,
        },
        6,
    );
    assert!(!m.tasks[second].done_signal);
    assert!(
        out.iter()
            .any(|c| matches!(c, Command::Record(e) if e.detail.contains("ignored")))
    );
    let right = Signal::Done {
        branch: Some(format!("czar/{second}")),
    };
    update(
        &mut m,
        Observation::Signal {
            worker: 1,
            signal: right,
        },
        7,
    );
    assert!(m.tasks[second].done_signal);
}

#[test]
fn done_signal_waits_for_the_prompt_then_verify_decides() {
    let mut m = model(1);
    load(&mut m, vec![def("a", &[], Some("make test"))], 0);
    boot(&mut m, 1);
    start_work(&mut m, 1, "a", 2);
    commits(&mut m, 1, "a", 1, 3);
    said_done(&mut m, 1, 3);
    assert_eq!(
        m.tasks["a"].state,
        TaskState::Working,
        "still busy on screen"
    );
    let out = idle(&mut m, 1, 4);
    assert!(out.contains(&Command::RunVerify {
        worker: 1,
        task: "a".into(),
        command: "make test".into()
    }));
    let out = update(
        &mut m,
        Observation::Verified {
            worker: 1,
            task: "a".into(),
            passed: false,
            output: "FAILED x".into(),
        },
        5,
    );
    assert!(out.contains(&Command::ReadScreen { worker: 1 }));
    let note = m.workers[&1].delivery.as_ref().and_then(|d| d.note.clone());
    assert!(note.is_some_and(|n| n.contains("FAILED x")));
    delivered(&mut m, 1, "a", 6);
    said_done(&mut m, 1, 7);
    idle(&mut m, 1, 8);
    update(
        &mut m,
        Observation::Verified {
            worker: 1,
            task: "a".into(),
            passed: true,
            output: String::new(),
        },
        9,
    );
    assert_eq!(m.tasks["a"].state, TaskState::Done);
    assert_eq!(m.tasks["a"].verify_failures, 1);
}

#[test]
fn verify_failing_every_time_fails_the_task_and_its_dependents() {
    let mut m = model(1);
    m.policy.max_verify_attempts = 2;
    load(
        &mut m,
        vec![def("a", &[], Some("false")), def("b", &["a"], None)],
        0,
    );
    boot(&mut m, 1);
    start_work(&mut m, 1, "a", 2);
    commits(&mut m, 1, "a", 1, 2);
    for round in 0..2u64 {
        said_done(&mut m, 1, 3 + round * 10);
        idle(&mut m, 1, 4 + round * 10);
        // The first attempt prints nothing: the event still says what failed.
        let fail = Observation::Verified {
            worker: 1,
            task: "a".into(),
            passed: false,
            output: if round == 0 { "" } else { "no" }.into(),
        };
        let out = update(&mut m, fail, 5 + round * 10);
        let said: Vec<&str> = out
            .iter()
            .filter_map(|c| match c {
                Command::Record(e) if e.kind == EventKind::VerifyFailed => Some(e.detail.as_str()),
                _ => None,
            })
            .collect();
        let want = if round == 0 {
            "`false` failed (attempt 1 of 2); it printed nothing"
        } else {
            "`false` failed (attempt 2 of 2): no\nno"
        };
        assert_eq!(said, [want]);
        if round == 0 {
            delivered(&mut m, 1, "a", 6);
        }
    }
    assert_eq!(m.tasks["a"].state, TaskState::Failed);
    assert_eq!(m.tasks["b"].state, TaskState::Failed);
    assert!(
        m.tasks["b"]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("`a`"))
    );
    assert!(m.drained());
}

#[test]
fn a_restart_keeps_how_long_a_worker_has_been_in_its_state() {
    let mut m = super::model(1);
    super::boot(&mut m, 1);
    let asks = crate::core::observation::Seen {
        state: AgentState::Waiting,
        reason: "waiting".into(),
        taken_at: 1_000,
        ..Default::default()
    };
    let waiting = Observation::AgentSeen {
        worker: 1,
        seen: asks.clone(),
    };
    update(&mut m, waiting.clone(), 1_000);
    assert_eq!(m.workers[&1].since, 1_000);
    update(&mut m, Observation::Resumed, 600_000);
    assert_eq!(m.workers[&1].agent, AgentState::Starting);
    update(&mut m, waiting, 601_000);
    assert_eq!(m.workers[&1].agent, AgentState::Waiting);
    assert_eq!(
        m.workers[&1].since, 1_000,
        "still waiting since before the restart"
    );
    // A state it was not in before the restart starts its clock then.
    update(&mut m, Observation::Resumed, 700_000);
    update(
        &mut m,
        super::seen(1, AgentState::Busy, Input::Empty, 701_000),
        701_000,
    );
    assert_eq!(m.workers[&1].since, 701_000);
}
