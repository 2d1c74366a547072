//! A worker someone is attached to: with `attached = "wait"` nothing is typed into its pane (no
//! task, no answer, no nudge, no operator input) until the client detaches; then it all goes on.

use super::{boot, def, load, model, pasted_text, prepares, seen};
use crate::core::answer::Answer;
use crate::core::command::{Command, EventKind};
use crate::core::model::{AgentState, Attached, Input, Model, TaskState};
use crate::core::observation::{Intent, Observation, Prepared, Seen, SessionSeen};
use crate::core::update;

fn listing(worker: u32, attached: bool) -> Observation {
    Observation::Sessions(vec![SessionSeen {
        worker,
        dead: false,
        exit_status: None,
        activity: 0,
        output: Vec::new(),
        attached,
    }])
}

/// Typing of any kind into worker 1's pane among the commands.
fn typed(out: &[Command]) -> Vec<&Command> {
    out.iter()
        .filter(|c| match c {
            Command::Paste { worker, .. }
            | Command::Submit { worker, .. }
            | Command::ClearInput { worker, .. }
            | Command::TypeText { worker, .. }
            | Command::PressKeys { worker, .. }
            | Command::AutoAnswer { worker, .. } => *worker == 1,
            _ => false,
        })
        .collect()
}

fn recorded(out: &[Command], kind: EventKind) -> bool {
    out.iter()
        .any(|c| matches!(c, Command::Record(e) if e.kind == kind))
}

/// One worker at its prompt, task `a` given to it and its branch prepared: the delivery waits
/// for a screen showing an empty box.
fn delivery_waiting() -> Model {
    let mut m = model(1);
    boot(&mut m, 1);
    let out = load(&mut m, vec![def("a", &[], None)], 3);
    assert_eq!(prepares(&out), vec![(1, "a".to_string())]);
    let prepared = Prepared {
        ahead: 0,
        tip: "start".into(),
    };
    let obs = Observation::BranchPrepared {
        worker: 1,
        task: "a".into(),
        result: Ok(prepared),
    };
    update(&mut m, obs, 4);
    m
}

#[test]
fn a_task_is_not_pasted_while_a_client_is_attached_and_is_after_it_detaches() {
    let mut m = delivery_waiting();
    let out = update(&mut m, listing(1, true), 5);
    assert!(m.workers[&1].vitals.attached);
    assert!(recorded(&out, EventKind::Attached), "{out:?}");
    // Screens at an empty prompt, and time passing far beyond the ready timeout: nothing typed,
    // and the delivery neither fails nor moves.
    for now in [6, 1_000, 30_000, 120_000] {
        let mut out = update(&mut m, seen(1, AgentState::Idle, Input::Empty, now), now);
        out.extend(update(&mut m, Observation::Tick, now));
        assert!(typed(&out).is_empty(), "typed at {now}: {out:?}");
        assert!(!recorded(&out, EventKind::DeliveryFailed), "{out:?}");
    }
    assert_eq!(m.tasks["a"].state, TaskState::Delivering);
    let out = update(&mut m, listing(1, false), 121_000);
    assert!(!m.workers[&1].vitals.attached);
    assert!(out.contains(&Command::ReadScreen { worker: 1 }), "{out:?}");
    let out = update(
        &mut m,
        seen(1, AgentState::Idle, Input::Empty, 121_100),
        121_100,
    );
    assert!(
        pasted_text(&out, 1).is_some(),
        "pasted after detach: {out:?}"
    );
}

#[test]
fn an_attached_idle_worker_gets_no_task_the_queue_waits_for_it() {
    let mut m = model(1);
    boot(&mut m, 1);
    update(&mut m, listing(1, true), 2);
    let out = load(&mut m, vec![def("a", &[], None)], 3);
    assert!(prepares(&out).is_empty(), "{out:?}");
    assert_eq!(m.tasks["a"].state, TaskState::Pending);
    let out = update(&mut m, listing(1, false), 4);
    assert_eq!(prepares(&out), vec![(1, "a".to_string())]);
}

#[test]
fn with_attached_ignore_the_client_changes_nothing() {
    let mut m = model(1);
    m.policy.attached = Attached::Ignore;
    boot(&mut m, 1);
    let out = update(&mut m, listing(1, true), 2);
    assert!(m.workers[&1].vitals.attached, "still observed");
    assert!(!recorded(&out, EventKind::Attached));
    let out = load(&mut m, vec![def("a", &[], None)], 3);
    assert_eq!(prepares(&out), vec![(1, "a".to_string())]);
}

#[test]
fn operator_typing_and_answers_are_held_then_typed_in_order_after_detach() {
    let mut m = model(1);
    boot(&mut m, 1);
    update(&mut m, listing(1, true), 2);
    let typed_text = Intent::Type {
        worker: 1,
        text: "hello".into(),
    };
    let out = update(&mut m, Observation::Intent(typed_text), 3);
    assert!(typed(&out).is_empty(), "{out:?}");
    let out = update(
        &mut m,
        Observation::Intent(Intent::Answer {
            worker: 1,
            yes: false,
        }),
        4,
    );
    assert!(typed(&out).is_empty(), "{out:?}");
    assert_eq!(m.held_input[&1].len(), 2);
    let out = update(&mut m, listing(1, false), 5);
    let pressed: Vec<&Command> = typed(&out);
    assert_eq!(
        pressed,
        vec![
            &Command::TypeText {
                worker: 1,
                text: "hello".into()
            },
            // No dialog its profile knows is on the screen: the answer is the word itself.
            &Command::TypeText {
                worker: 1,
                text: "n".into()
            },
        ]
    );
    assert!(!m.held_input.contains_key(&1));
}

#[test]
fn an_allowed_dialog_is_not_answered_while_attached_and_is_after() {
    let mut m = model(1);
    boot(&mut m, 1);
    update(&mut m, listing(1, true), 2);
    let waiting = |now: u64| Observation::AgentSeen {
        worker: 1,
        seen: Seen {
            state: AgentState::Waiting,
            reason: "waiting".into(),
            answerable: Some(Answer {
                keys: vec!["Enter".into()],
                summary: "trust?".into(),
                screen: "trust?".into(),
            }),
            input: Input::Hidden,
            taken_at: now,
            ..Seen::default()
        },
    };
    update(&mut m, waiting(10), 10);
    for now in [2_000, 5_000, 9_000] {
        let out = update(&mut m, Observation::Tick, now);
        assert!(typed(&out).is_empty(), "{out:?}");
    }
    update(&mut m, listing(1, false), 10_000);
    let out = update(&mut m, Observation::Tick, 10_001);
    assert!(
        out.contains(&Command::AutoAnswer {
            worker: 1,
            keys: vec!["Enter".into()]
        }),
        "{out:?}"
    );
}

#[test]
fn a_stuck_worker_someone_is_attached_to_is_not_nudged() {
    let mut m = model(1);
    m.policy.stuck_ms = 1_000;
    boot(&mut m, 1);
    load(&mut m, vec![def("a", &[], None)], 2);
    super::start_work(&mut m, 1, "a", 3);
    update(&mut m, listing(1, true), 4);
    let out = update(&mut m, Observation::Tick, 60_000);
    assert!(typed(&out).is_empty(), "{out:?}");
    assert!(!recorded(&out, EventKind::Stuck), "{out:?}");
    update(&mut m, listing(1, false), 60_001);
    let out = update(&mut m, Observation::Tick, 60_002);
    assert!(
        recorded(&out, EventKind::Stuck),
        "nudged after detach: {out:?}"
    );
}
