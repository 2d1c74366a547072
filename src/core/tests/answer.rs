//! Dialogs the profile lets the czar answer, through `update`: answered once with the rule's
//! keys, and recorded with the screen they answered.

use crate::core::answer::Answer;
use crate::core::command::{Command, EventKind};
use crate::core::model::{AgentState, Model, Policy};
use crate::core::observation::{Observation, Seen};
use crate::core::update;

fn started() -> Model {
    let policy = Policy {
        workers: 1,
        ..Policy::default()
    };
    let mut m = Model::new("p", "main", policy);
    update(&mut m, Observation::TasksLoaded(Vec::new()), 0);
    let started = Observation::WorkerStarted {
        worker: 1,
        result: Ok(()),
    };
    update(&mut m, started, 1);
    m
}

fn waiting(answerable: Option<Answer>) -> Observation {
    Observation::AgentSeen {
        worker: 1,
        seen: Seen {
            state: AgentState::Waiting,
            reason: "waiting pattern matched".into(),
            last_line: "Enter to confirm · Esc to cancel".into(),
            answerable,
            input: crate::core::model::Input::Hidden,
            taken_at: 0,
            hash: 0,
            ..Seen::default()
        },
    }
}

fn trust() -> Answer {
    Answer {
        keys: vec!["End".into(), "Enter".into()],
        summary: "Quick safety check: Is this a project you created or one you trust?".into(),
        screen: "Quick safety check: Is this a project you created or one you trust?\n❯ No, exit"
            .into(),
    }
}

fn answers(out: &[Command]) -> Vec<Vec<String>> {
    out.iter()
        .filter_map(|c| match c {
            Command::AutoAnswer { worker: 1, keys } => Some(keys.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn an_allowed_dialog_is_answered_with_its_keys_and_recorded_with_its_screen() {
    let mut m = started();
    let out = update(&mut m, waiting(Some(trust())), 1_000);
    assert!(
        answers(&out).is_empty(),
        "just drawn: it may not take keys yet"
    );
    let out = update(&mut m, waiting(Some(trust())), 2_000);
    assert_eq!(answers(&out), [["End", "Enter"]]);
    let kinds: Vec<EventKind> = out
        .iter()
        .filter_map(|c| match c {
            Command::Record(e) => Some(e.kind),
            _ => None,
        })
        .collect();
    assert_eq!(
        kinds,
        [EventKind::AutoAnswer],
        "the state was recorded at first sight"
    );
    let record = out
        .iter()
        .find_map(|c| match c {
            Command::Record(e) if e.kind == EventKind::AutoAnswer => Some(e),
            _ => None,
        })
        .expect("the answer is recorded");
    assert_eq!(record.worker, Some(1));
    let mut lines = record.detail.lines();
    assert_eq!(
        lines.next(),
        Some(
            "Quick safety check: Is this a project you created or one you trust? (pressed End Enter)"
        )
    );
    assert_eq!(
        lines.collect::<Vec<_>>(),
        [
            "Quick safety check: Is this a project you created or one you trust?",
            "❯ No, exit"
        ]
    );
    assert_eq!(m.workers[&1].agent, AgentState::Waiting);
}

#[test]
fn one_dialog_gets_one_answer_until_it_had_time_to_take_effect() {
    let mut m = started();
    update(&mut m, waiting(Some(trust())), 1_000);
    assert_eq!(
        answers(&update(&mut m, waiting(Some(trust())), 2_000)).len(),
        1
    );
    assert!(answers(&update(&mut m, waiting(Some(trust())), 3_000)).is_empty());
    // Still there after the settle time: the keys were lost, so the same keys go again.
    assert_eq!(
        answers(&update(&mut m, waiting(Some(trust())), 5_500)).len(),
        1
    );
}

#[test]
fn a_dialog_no_rule_allows_is_left_to_the_operator() {
    let mut m = started();
    update(&mut m, waiting(None), 1_000);
    let out = update(&mut m, waiting(None), 5_000);
    assert!(answers(&out).is_empty());
    assert!(!out.iter().any(|c| matches!(c, Command::PressKeys { .. })));
    assert!(
        !out.iter()
            .any(|c| matches!(c, Command::Record(e) if e.kind == EventKind::AutoAnswer))
    );
    assert_eq!(m.workers[&1].agent, AgentState::Waiting);
}

#[test]
fn only_a_worker_seen_waiting_is_answered() {
    let mut m = started();
    update(&mut m, waiting(Some(trust())), 1_000);
    // A stale reading that still carries the answer while the worker reads as busy.
    let busy = || Observation::AgentSeen {
        worker: 1,
        seen: Seen {
            state: AgentState::Busy,
            reason: "spinner".into(),
            last_line: String::new(),
            answerable: Some(trust()),
            input: crate::core::model::Input::Empty,
            taken_at: 0,
            hash: 0,
            ..Seen::default()
        },
    };
    assert!(answers(&update(&mut m, busy(), 3_000)).is_empty());
    assert!(answers(&update(&mut m, busy(), 5_000)).is_empty());
}

#[test]
fn a_dialog_on_a_screen_that_prints_nothing_more_is_answered_when_its_time_comes() {
    let mut m = started();
    update(&mut m, waiting(Some(trust())), 1_000);
    assert!(answers(&update(&mut m, Observation::Tick, 1_500)).is_empty());
    // No new reading: the screen did not change, yet the time passed is enough.
    assert_eq!(
        answers(&update(&mut m, Observation::Tick, 2_100)),
        [["End", "Enter"]]
    );
    assert!(answers(&update(&mut m, Observation::Tick, 3_000)).is_empty());
    // The keys were lost (the screen never changed): the same keys again after the settle time.
    assert_eq!(answers(&update(&mut m, Observation::Tick, 5_200)).len(), 1);
}

#[test]
fn a_changed_screen_without_the_dialog_drops_it() {
    let mut m = started();
    update(&mut m, waiting(Some(trust())), 1_000);
    update(&mut m, waiting(None), 1_200);
    assert!(answers(&update(&mut m, Observation::Tick, 5_000)).is_empty());
    assert_eq!(m.workers[&1].vitals.dialog, None);
}
