//! Operator intents through `update`: each is recorded, and none loses a task.

use crate::core::command::{Command, EventKind};
use crate::core::model::{AgentState, Model, Policy, TaskDef, TaskState};
use crate::core::observation::{Intent, Observation, Seen};
use crate::core::update;

fn running(workers: u32, tasks: &[&str]) -> Model {
    let mut m = Model::new(
        "p",
        "main",
        Policy {
            workers,
            ..Policy::default()
        },
    );
    let defs = tasks
        .iter()
        .map(|id| TaskDef {
            id: id.to_string(),
            ..TaskDef::default()
        })
        .collect();
    update(&mut m, Observation::TasksLoaded(defs), 0);
    let ids: Vec<u32> = m.workers.keys().copied().collect();
    for w in ids {
        update(
            &mut m,
            Observation::WorkerStarted {
                worker: w,
                result: Ok(()),
            },
            1,
        );
        let seen = Observation::AgentSeen {
            worker: w,
            seen: Seen {
                state: AgentState::Idle,
                reason: "prompt".into(),
                last_line: String::new(),
                answerable: None,
                input: crate::core::model::Input::Empty,
                taken_at: 0,
                hash: 0,
                ..Seen::default()
            },
        };
        update(&mut m, seen, 2);
    }
    m
}

fn operator_events(out: &[Command]) -> usize {
    out.iter()
        .filter(|c| matches!(c, Command::Record(e) if e.kind == EventKind::Operator))
        .count()
}

#[test]
fn kill_gives_the_task_back_and_the_worker_stays_down() {
    let mut m = running(2, &["a"]);
    let holder = m.tasks["a"].worker.unwrap();
    let out = update(
        &mut m,
        Observation::Intent(Intent::Kill { worker: holder }),
        5,
    );
    assert_eq!(operator_events(&out), 1);
    assert!(out.contains(&Command::KillWorker { worker: holder }));
    assert!(
        !out.iter()
            .any(|c| matches!(c, Command::StartWorker { worker, .. } if *worker == holder))
    );
    // The other idle worker takes it at once.
    let other = m.tasks["a"].worker.unwrap();
    assert_ne!(other, holder);
    assert_eq!(m.tasks["a"].state, TaskState::Assigned);
    assert_eq!(m.tasks["a"].interventions, 1);
}

#[test]
fn a_killed_worker_is_not_found_crashed_after_a_restart() {
    let mut m = running(2, &[]);
    update(&mut m, Observation::Intent(Intent::Kill { worker: 1 }), 5);
    update(&mut m, Observation::Resumed, 10);
    assert!(!m.workers[&1].live);
    let listing = Observation::Sessions(vec![crate::core::observation::SessionSeen {
        worker: 2,
        dead: false,
        exit_status: None,
        activity: 0,
        output: Vec::new(),
        attached: false,
    }]);
    let out = update(&mut m, listing, 11);
    assert!(
        !out.iter()
            .any(|c| matches!(c, Command::Record(e) if e.kind == EventKind::WorkerCrashed)),
        "{out:?}"
    );
}

#[test]
fn reassign_swaps_tasks_and_interrupts_the_agent() {
    let mut m = running(1, &["a", "b"]);
    let first = m.workers[&1].task.clone().unwrap();
    let second = if first == "a" { "b" } else { "a" };
    update(&mut m, Observation::Intent(Intent::SetAutoAssign(false)), 3);
    let out = update(
        &mut m,
        Observation::Intent(Intent::Reassign {
            worker: 1,
            task: second.into(),
        }),
        4,
    );
    assert!(out.contains(&Command::PressKeys {
        worker: 1,
        keys: vec!["Escape".into()]
    }));
    assert_eq!(m.workers[&1].task.as_deref(), Some(second));
    assert_eq!(m.tasks[&first].state, TaskState::Pending);
    assert_eq!(m.tasks[second].state, TaskState::Assigned);
}

#[test]
fn reassign_to_a_task_that_is_not_ready_is_refused() {
    let mut m = running(1, &["a"]);
    let out = update(
        &mut m,
        Observation::Intent(Intent::Reassign {
            worker: 1,
            task: "a".into(),
        }),
        4,
    );
    // It already holds "a": nothing moves, but the attempt is still an intervention.
    let a = &m.tasks["a"];
    assert_eq!(
        (a.state, a.worker, a.attempts),
        (TaskState::Assigned, Some(1), 1)
    );
    assert_eq!(a.interventions, 1);
    assert!(
        out.iter()
            .any(|c| matches!(c, Command::Record(e) if e.detail.contains("refused")))
    );
}

#[test]
fn pause_stops_assignment_and_add_worker_starts_one() {
    let mut m = running(1, &[]);
    update(&mut m, Observation::Intent(Intent::SetAutoAssign(false)), 3);
    update(
        &mut m,
        Observation::TasksLoaded(vec![TaskDef {
            id: "x".into(),
            ..TaskDef::default()
        }]),
        4,
    );
    assert_eq!(m.tasks["x"].state, TaskState::Pending);
    let out = update(&mut m, Observation::Intent(Intent::AddWorker), 5);
    assert!(
        out.iter()
            .any(|c| matches!(c, Command::StartWorker { worker: 2, .. }))
    );
}

#[test]
fn typed_text_is_data_and_the_event_keeps_only_its_size() {
    let mut m = running(1, &[]);
    let text = "Enter C-c $(rm -rf ~)".to_string();
    let out = update(
        &mut m,
        Observation::Intent(Intent::Type {
            worker: 1,
            text: text.clone(),
        }),
        3,
    );
    assert!(out.contains(&Command::TypeText { worker: 1, text }));
    assert!(
        out.iter()
            .any(|c| matches!(c, Command::Record(e) if e.detail == "typed 21 bytes into worker 1"))
    );
}

/// Worker 1's agent says `state` through its `event` hook.
fn hook(m: &mut Model, state: AgentState, event: &str, now: u64) {
    let signal = crate::core::observation::Signal::Hook {
        state,
        event: event.into(),
    };
    update(m, Observation::Signal { worker: 1, signal }, now);
}

#[test]
fn a_fresh_hook_outranks_the_screen_then_the_screen_wins_again() {
    let mut m = running(1, &[]);
    hook(&mut m, AgentState::Waiting, "Notification", 10_000);
    assert_eq!(m.workers[&1].agent, AgentState::Waiting);
    let screen = || Observation::AgentSeen {
        worker: 1,
        seen: Seen {
            state: AgentState::Busy,
            reason: "spinner".into(),
            last_line: String::new(),
            answerable: None,
            input: crate::core::model::Input::Empty,
            taken_at: 0,
            hash: 0,
            ..Seen::default()
        },
    };
    update(&mut m, screen(), 11_000);
    assert_eq!(
        m.workers[&1].agent,
        AgentState::Waiting,
        "the hook is fresh"
    );
    assert!(
        m.workers[&1]
            .reason
            .contains("hook Notification said waiting"),
        "{}",
        m.workers[&1].reason
    );
    update(&mut m, screen(), 16_000);
    assert_eq!(
        m.workers[&1].agent,
        AgentState::Busy,
        "an old hook gives way to the screen"
    );
}

#[test]
fn a_screen_reading_a_hook_outranked_counts_once_the_hook_is_stale_without_a_new_read() {
    let mut m = running(1, &[]);
    hook(&mut m, AgentState::Busy, "PreToolUse", 10_000);
    let dialog = Observation::AgentSeen {
        worker: 1,
        seen: Seen {
            state: AgentState::Waiting,
            reason: "waiting pattern matched".into(),
            last_line: String::new(),
            answerable: None,
            input: crate::core::model::Input::Empty,
            taken_at: 0,
            hash: 0,
            ..Seen::default()
        },
    };
    update(&mut m, dialog, 10_500);
    assert_eq!(m.workers[&1].agent, AgentState::Busy, "the hook is fresh");
    update(&mut m, Observation::Tick, 12_000);
    assert_eq!(m.workers[&1].agent, AgentState::Busy);
    // The dialog's screen prints nothing more, so it is not read again: time decides.
    update(&mut m, Observation::Tick, 15_100);
    assert_eq!(m.workers[&1].agent, AgentState::Waiting);
    assert!(
        m.workers[&1].reason.contains("waiting pattern"),
        "{}",
        m.workers[&1].reason
    );
}

#[test]
fn the_operators_answer_is_said_the_way_the_screen_needs() {
    let mut m = running(1, &[]);
    let answer = |m: &mut Model, yes| {
        let intent = Observation::Intent(Intent::Answer { worker: 1, yes });
        update(m, intent, 5)
    };
    // A question no rule of the profile knows: answered in words.
    let out = answer(&mut m, false);
    assert!(out.contains(&Command::TypeText {
        worker: 1,
        text: "n".into()
    }));
    assert_eq!(operator_events(&out), 1);
    // A dialog the profile knows (its auto-answer may not allow it): its keys say yes, Escape no.
    let dialog = Observation::AgentSeen {
        worker: 1,
        seen: Seen {
            state: AgentState::Waiting,
            dialog_keys: Some(vec!["Home".into(), "Enter".into()]),
            ..Seen::default()
        },
    };
    update(&mut m, dialog, 4);
    let out = answer(&mut m, true);
    assert!(out.contains(&Command::PressKeys {
        worker: 1,
        keys: vec!["Home".into(), "Enter".into()]
    }));
    let out = answer(&mut m, false);
    assert!(out.contains(&Command::PressKeys {
        worker: 1,
        keys: vec!["Escape".into()]
    }));
}

#[test]
fn a_rate_limited_workers_task_moves_to_an_idle_agent_of_another_profile() {
    let mut m = running(2, &["a"]);
    let holder = m.tasks["a"].worker.unwrap();
    let other = 3 - holder;
    m.workers.get_mut(&other).unwrap().profile = "codex".into();
    m.tasks.get_mut("a").unwrap().state = TaskState::Working;
    let limited = Observation::AgentSeen {
        worker: holder,
        seen: Seen {
            state: AgentState::RateLimited,
            reason: "rate limit: resets in 3600s".into(),
            last_line: String::new(),
            answerable: None,
            input: crate::core::model::Input::Empty,
            taken_at: 0,
            hash: 0,
            ..Seen::default()
        },
    };
    let out = update(&mut m, limited, 5);
    assert!(out.contains(&Command::PressKeys {
        worker: holder,
        keys: vec!["Escape".into()]
    }));
    assert_eq!(
        m.tasks["a"].worker,
        Some(other),
        "taken over at once by the idle codex worker"
    );
    assert_eq!(m.workers[&holder].task, None);
}

#[test]
fn a_listing_taken_before_the_kill_landed_does_not_revive_the_worker() {
    use crate::core::observation::SessionSeen;
    let mut m = running(2, &[]);
    update(&mut m, Observation::Intent(Intent::Kill { worker: 1 }), 5);
    let both = |w| SessionSeen {
        worker: w,
        dead: false,
        exit_status: None,
        activity: 0,
        output: Vec::new(),
        attached: false,
    };
    update(&mut m, Observation::Sessions(vec![both(1), both(2)]), 6);
    let out = update(&mut m, Observation::Sessions(vec![both(2)]), 7);
    assert!(!m.workers[&1].live);
    assert_ne!(
        m.workers[&1].agent,
        AgentState::Crashed,
        "killed, not crashed"
    );
    assert!(
        !out.iter()
            .any(|c| matches!(c, Command::Record(e) if e.kind == EventKind::WorkerCrashed))
    );
}

#[test]
fn a_task_for_a_profile_nobody_runs_gets_a_worker_of_that_profile() {
    let mut m = running(1, &[]);
    let def = TaskDef {
        id: "c".into(),
        agent: vec!["codex".into()],
        ..TaskDef::default()
    };
    let out = update(&mut m, Observation::TasksLoaded(vec![def]), 3);
    assert!(out.contains(&Command::StartWorker {
        worker: 2,
        profile: "codex".into()
    }));
    let out = update(&mut m, Observation::Tick, 4);
    assert!(
        !out.iter().any(|c| matches!(c, Command::StartWorker { .. })),
        "only once"
    );
}

#[test]
fn stopping_the_czar_is_no_intervention() {
    let mut m = running(1, &["a"]);
    let out = update(&mut m, Observation::Intent(Intent::Stop), 5);
    assert_eq!(operator_events(&out), 0, "{out:?}");
    assert!(m.stopping);
    assert!(m.tasks.values().all(|t| t.interventions == 0));
}
