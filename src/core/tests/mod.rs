//! Flows through `update` with plain data: what the czar decides, step by step.

mod accounts;
mod answer;
mod attached;
mod classify;
mod delivery;
mod finish;
mod forget;
mod hosts;
mod land;
mod land_batch;
mod land_wait;
mod limits;
mod operator;
mod place;
mod plan;
mod repair;
mod review;
mod review_delivery;
mod route;
mod spend;
mod storms;
mod tasks;

use crate::core::command::Command;
use crate::core::model::{
    AgentDelivery, AgentState, BranchInfo, Input, Model, Policy, TaskDef, TaskState,
};
use crate::core::observation::{Observation, Prepared, Seen, SessionSeen, Signal};
use crate::core::update;

pub(super) fn def(id: &str, needs: &[&str], verify: Option<&str>) -> TaskDef {
    TaskDef {
        id: id.into(),
        title: id.into(),
        needs: needs.iter().map(|s| s.to_string()).collect(),
        verify: verify.map(str::to_string),
        ..TaskDef::default()
    }
}

pub(super) fn model(workers: u32) -> Model {
    let mut m = Model::new(
        "proj",
        "main",
        Policy {
            workers,
            ..Policy::default()
        },
    );
    // No pause between paste and Enter: a whole delivery fits in one moment of these tests.
    let sim = AgentDelivery {
        settle_ms: 0,
        reads_input: true,
        ..AgentDelivery::default()
    };
    m.policy.delivery.agents.insert("sim".into(), sim);
    m
}

/// A screen reading of the worker, taken at `now`.
pub(super) fn seen(w: u32, state: AgentState, input: Input, now: u64) -> Observation {
    Observation::AgentSeen {
        worker: w,
        seen: Seen {
            state,
            reason: state.as_str().into(),
            last_line: String::new(),
            answerable: None,
            input,
            taken_at: now,
            hash: 0,
            ..Seen::default()
        },
    }
}

/// Starts every worker and brings its agent to the prompt.
pub(super) fn boot(m: &mut Model, now: u64) {
    update(m, Observation::Tick, now);
    // The first update of any kind asks for the workers; they are marked as starting.
    let started: Vec<u32> = m
        .workers
        .values()
        .filter(|w| w.starting)
        .map(|w| w.id)
        .collect();
    assert_eq!(started.len() as u32, m.policy.workers);
    for w in started {
        update(
            m,
            Observation::WorkerStarted {
                worker: w,
                result: Ok(()),
            },
            now,
        );
        idle(m, w, now);
    }
}

pub(super) fn idle(m: &mut Model, w: u32, now: u64) -> Vec<Command> {
    update(m, seen(w, AgentState::Idle, Input::Empty, now), now)
}

pub(super) fn prepares(out: &[Command]) -> Vec<(u32, String)> {
    out.iter()
        .filter_map(|c| match c {
            Command::PrepareBranch { worker, task, .. } => Some((*worker, task.clone())),
            _ => None,
        })
        .collect()
}

/// Takes a prepared task through delivery into Working.
pub(super) fn start_work(m: &mut Model, w: u32, task: &str, now: u64) {
    let prepared = Prepared {
        ahead: 0,
        tip: "start".into(),
    };
    let out = update(
        m,
        Observation::BranchPrepared {
            worker: w,
            task: task.into(),
            result: Ok(prepared),
        },
        now,
    );
    assert!(out.contains(&Command::ReadScreen { worker: w }), "{out:?}");
    assert_eq!(m.tasks[task].state, TaskState::Delivering);
    delivered(m, w, task, now);
    assert_eq!(m.tasks[task].state, TaskState::Working);
}

/// The task files, as read from the tasks folder.
pub(super) fn load(m: &mut Model, defs: Vec<TaskDef>, now: u64) -> Vec<Command> {
    update(m, Observation::TasksLoaded(defs), now)
}

/// The delivery the worker has begun goes through: its agent at an empty prompt, the text
/// pasted, Enter pressed, the agent busy. Returns the commands of the last step.
pub(super) fn delivered(m: &mut Model, w: u32, task: &str, now: u64) -> Vec<Command> {
    let (branch, _, out) = walk_delivery(m, w, now);
    assert_eq!(branch, Some(format!("czar/{task}")));
    out
}

/// The steps of a delivery the worker has begun, each answered as a willing agent would: at
/// an empty prompt, pasted, Enter pressed, busy. Returns the branch the paste checks, the text
/// pasted, and the commands of the last step.
pub(super) fn walk_delivery(
    m: &mut Model,
    w: u32,
    now: u64,
) -> (Option<String>, String, Vec<Command>) {
    let out = idle(m, w, now);
    let paste = out.iter().find_map(|c| match c {
        Command::Paste {
            worker,
            delivery,
            branch,
            text,
        } if *worker == w => Some((*delivery, branch.clone(), text.clone())),
        _ => None,
    });
    let (id, branch, text) = paste.unwrap_or_else(|| panic!("no paste for worker {w}: {out:?}"));
    let pasted = Observation::Pasted {
        worker: w,
        delivery: id,
        result: Ok(()),
    };
    let out = update(m, pasted, now);
    assert!(
        out.contains(&Command::Submit {
            worker: w,
            delivery: id
        }),
        "{out:?}"
    );
    let submitted = Observation::Submitted {
        worker: w,
        delivery: id,
        result: Ok(()),
    };
    update(m, submitted, now);
    let out = update(m, seen(w, AgentState::Busy, Input::Empty, now), now);
    (branch, text, out)
}

/// The text pasted into worker `w` by its delivery, from a step's commands.
pub(super) fn pasted_text(out: &[Command], w: u32) -> Option<String> {
    out.iter().find_map(|c| match c {
        Command::Paste { worker, text, .. } if *worker == w => Some(text.clone()),
        _ => None,
    })
}

/// The worker ran `czar done` without naming a branch.
pub(super) fn said_done(m: &mut Model, w: u32, now: u64) -> Vec<Command> {
    let obs = Observation::Signal {
        worker: w,
        signal: Signal::Done { branch: None },
    };
    update(m, obs, now)
}

pub(super) fn commits(m: &mut Model, w: u32, task: &str, ahead: usize, now: u64) -> Vec<Command> {
    let info = BranchInfo {
        branch: format!("czar/{task}"),
        ahead,
        tip: format!("tip-{ahead}"),
        own: Some(ahead),
        ..BranchInfo::default()
    };
    update(m, Observation::BranchSeen { worker: w, info }, now)
}

#[test]
fn a_crash_requeues_the_task_and_restarts_the_worker() {
    let mut m = model(2);
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    let holder = m.tasks["a"].worker.unwrap();
    start_work(&mut m, holder, "a", 2);
    let other = 3 - holder;
    let seen = vec![
        SessionSeen {
            worker: holder,
            dead: true,
            exit_status: Some(1),
            activity: 0,
            output: Vec::new(),
            attached: false,
        },
        SessionSeen {
            worker: other,
            dead: false,
            exit_status: None,
            activity: 0,
            output: Vec::new(),
            attached: false,
        },
    ];
    let out = update(&mut m, Observation::Sessions(seen), 3);
    assert!(out.contains(&Command::KillWorker { worker: holder }));
    assert!(
        out.iter()
            .any(|c| matches!(c, Command::StartWorker { worker, .. } if *worker == holder))
    );
    // The other, idle worker takes the task at once: nothing is lost, nothing held twice.
    assert_eq!(prepares(&out), vec![(other, "a".to_string())]);
    assert_eq!(m.tasks["a"].attempts, 2);
    assert_eq!(m.workers.values().filter(|w| w.task.is_some()).count(), 1);
}

#[test]
fn idle_without_commits_past_the_grace_gives_the_task_back() {
    let mut m = model(1);
    m.policy.idle_grace_ms = 1000;
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    start_work(&mut m, 1, "a", 2);
    idle(&mut m, 1, 10);
    commits(&mut m, 1, "a", 0, 11);
    assert_eq!(m.tasks["a"].state, TaskState::Working);
    let out = update(&mut m, Observation::Tick, 1011);
    // Requeued and, the worker being idle, given again at once.
    assert_eq!(prepares(&out), vec![(1, "a".to_string())]);
    assert_eq!(m.tasks["a"].attempts, 2);
}

#[test]
fn reloading_task_files_never_resets_a_task() {
    let mut m = model(1);
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    start_work(&mut m, 1, "a", 2);
    let mut changed = def("a", &[], None);
    changed.body = "new text".into();
    let out = update(&mut m, Observation::TasksLoaded(vec![changed]), 3);
    assert!(prepares(&out).is_empty());
    assert_eq!(m.tasks["a"].state, TaskState::Working);
    assert_eq!(m.tasks["a"].def.body, "");
}

#[test]
fn stale_answers_for_a_task_the_worker_no_longer_holds_are_ignored() {
    let mut m = model(1);
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    let before = m.clone();
    for obs in [
        Observation::Pasted {
            worker: 1,
            delivery: 99,
            result: Ok(()),
        },
        Observation::Submitted {
            worker: 1,
            delivery: 99,
            result: Ok(()),
        },
    ] {
        let out = update(&mut m, obs, 2);
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(m, before);
    }
}

#[test]
fn after_a_restart_lost_sessions_give_their_tasks_back_and_verify_reruns() {
    let mut m = model(2);
    m.policy.max_attempts = 5;
    load(
        &mut m,
        vec![def("a", &[], None), def("b", &[], Some("true"))],
        0,
    );
    boot(&mut m, 1);
    let wa = m.tasks["a"].worker.unwrap();
    let wb = m.tasks["b"].worker.unwrap();
    start_work(&mut m, wa, "a", 2);
    start_work(&mut m, wb, "b", 2);
    commits(&mut m, wb, "b", 1, 3);
    said_done(&mut m, wb, 3);
    idle(&mut m, wb, 4);
    assert_eq!(m.tasks["b"].state, TaskState::Verifying);
    // A new czar loads this model from the store.
    let out = update(&mut m, Observation::Resumed, 100);
    assert!(out.contains(&Command::RunVerify {
        worker: wb,
        task: "b".into(),
        command: "true".into()
    }));
    // Only b's session survived.
    let out = update(
        &mut m,
        Observation::Sessions(vec![SessionSeen {
            worker: wb,
            dead: false,
            exit_status: None,
            activity: 0,
            output: Vec::new(),
            attached: false,
        }]),
        101,
    );
    assert_eq!(m.tasks["a"].state, TaskState::Pending);
    assert!(
        out.iter()
            .any(|c| matches!(c, Command::StartWorker { worker, .. } if *worker == wa))
    );
    assert_eq!(m.tasks["b"].state, TaskState::Verifying);
}
