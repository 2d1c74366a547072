//! The operator's hand on tasks through `update`: hold and release, cancel, retry, priority, and
//! `N` on a waiting worker holding its task instead of handing the question to the next worker.

use super::{boot, def, load, model, prepares, start_work};
use crate::core::command::{Command, EventKind};
use crate::core::model::{AgentState, Input, Model, TaskState};
use crate::core::observation::{Intent, Observation, Seen, TaskAction};
use crate::core::update;

fn act(m: &mut Model, task: &str, action: TaskAction, now: u64) -> Vec<Command> {
    let intent = Intent::Task {
        task: task.into(),
        action,
    };
    update(m, Observation::Intent(intent), now)
}

fn details(out: &[Command], kind: EventKind) -> Vec<String> {
    out.iter()
        .filter_map(|c| match c {
            Command::Record(e) if e.kind == kind => Some(e.detail.clone()),
            _ => None,
        })
        .collect()
}

fn hold(note: &str) -> TaskAction {
    TaskAction::Hold { note: note.into() }
}

#[test]
fn a_held_task_goes_to_no_worker_until_released() {
    let mut m = model(1);
    m.policy.auto_assign = false;
    boot(&mut m, 1);
    load(&mut m, vec![def("a", &[], None)], 2);
    let out = act(&mut m, "a", hold("wait for the API"), 3);
    assert_eq!(m.tasks["a"].hold.as_deref(), Some("wait for the API"));
    assert_eq!(details(&out, EventKind::Held), vec!["wait for the API"]);
    // The operator is the actor of record, and it counts as an intervention on the task.
    assert_eq!(
        details(&out, EventKind::Operator),
        vec!["hold a: wait for the API"]
    );
    assert_eq!(m.tasks["a"].interventions, 1);
    m.policy.auto_assign = true;
    let out = update(&mut m, Observation::Tick, 4);
    assert!(prepares(&out).is_empty(), "{out:?}");
    let out = act(&mut m, "a", TaskAction::Release, 5);
    assert_eq!(prepares(&out), vec![(1, "a".to_string())]);
    assert_eq!(m.tasks["a"].hold, None);
}

#[test]
fn holding_a_task_being_worked_on_stops_its_agent_and_takes_it_back() {
    let mut m = model(1);
    boot(&mut m, 1);
    load(&mut m, vec![def("a", &[], None)], 2);
    start_work(&mut m, 1, "a", 3);
    let out = act(&mut m, "a", hold(""), 4);
    assert!(out.contains(&Command::PressKeys {
        worker: 1,
        keys: vec!["Escape".into()]
    }));
    assert_eq!(m.tasks["a"].state, TaskState::Pending);
    assert_eq!(m.tasks["a"].hold.as_deref(), Some("held by the operator"));
    assert_eq!(m.workers[&1].task, None);
}

#[test]
fn cancel_fails_the_task_and_its_dependents_and_retry_brings_it_back_fresh() {
    let mut m = model(1);
    m.policy.auto_assign = false;
    boot(&mut m, 1);
    load(&mut m, vec![def("a", &[], None), def("b", &["a"], None)], 2);
    m.tasks.get_mut("a").unwrap().attempts = 3;
    let out = act(&mut m, "a", TaskAction::Cancel, 3);
    assert_eq!(m.tasks["a"].state, TaskState::Failed);
    assert_eq!(
        m.tasks["a"].reason.as_deref(),
        Some("cancelled by the operator")
    );
    assert_eq!(m.tasks["b"].state, TaskState::Failed, "{out:?}");
    // A cancelled task cannot be cancelled again; a done one never.
    let out = act(&mut m, "a", TaskAction::Cancel, 4);
    assert_eq!(
        details(&out, EventKind::Operator)[1],
        "refused: it is failed already"
    );
    let out = act(&mut m, "a", TaskAction::Retry, 5);
    assert_eq!(
        details(&out, EventKind::Requeued),
        vec!["retried by the operator"]
    );
    assert_eq!(m.tasks["a"].state, TaskState::Pending);
    assert_eq!(m.tasks["a"].attempts, 0);
    let out = act(&mut m, "a", TaskAction::Retry, 6);
    assert_eq!(
        details(&out, EventKind::Operator)[1],
        "refused: only a failed task can be retried"
    );
}

#[test]
fn priority_decides_which_ready_task_goes_first() {
    let mut m = model(1);
    m.policy.auto_assign = false;
    boot(&mut m, 1);
    load(&mut m, vec![def("a", &[], None), def("b", &[], None)], 2);
    act(&mut m, "b", TaskAction::Priority(5), 3);
    assert_eq!(m.tasks["b"].def.priority, 5);
    m.policy.auto_assign = true;
    let out = update(&mut m, Observation::Tick, 4);
    assert_eq!(prepares(&out), vec![(1, "b".to_string())]);
}

#[test]
fn no_to_a_waiting_worker_holds_its_task_with_the_question_as_note() {
    let mut m = model(2);
    boot(&mut m, 1);
    load(&mut m, vec![def("a", &[], None)], 2);
    let holder = m.tasks["a"].worker.expect("assigned");
    start_work(&mut m, holder, "a", 3);
    let question = Observation::AgentSeen {
        worker: holder,
        seen: Seen {
            state: AgentState::Waiting,
            reason: "waiting".into(),
            last_line: "Delete the build folder? (y/n)".into(),
            input: Input::Hidden,
            taken_at: 4,
            ..Seen::default()
        },
    };
    update(&mut m, question, 4);
    let no = Intent::Answer {
        worker: holder,
        yes: false,
    };
    let out = update(&mut m, Observation::Intent(no), 5);
    assert_eq!(m.tasks["a"].state, TaskState::Pending);
    assert_eq!(
        m.tasks["a"].hold.as_deref(),
        Some("the operator said no to: Delete the build folder? (y/n)")
    );
    // Not handed to the other, idle worker.
    assert!(prepares(&out).is_empty(), "{out:?}");
    assert_eq!(m.workers[&holder].task, None);
}

#[test]
fn an_unknown_task_is_refused_in_words() {
    let mut m = model(1);
    let out = act(&mut m, "nope", TaskAction::Release, 1);
    assert_eq!(
        details(&out, EventKind::Operator),
        vec!["release nope", "refused: there is no such task"]
    );
}

#[test]
fn with_hold_a_task_predicted_to_conflict_with_active_work_waits_and_the_next_goes() {
    let mut m = model(2);
    m.policy.hold_overlaps = true;
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    let holder = m.tasks["a"].worker.unwrap();
    start_work(&mut m, holder, "a", 2);
    m.survey.conflicts.push(crate::core::model::Conflict {
        left: "czar/a".into(),
        right: "czar/b".into(),
        files: vec!["x.txt".into()],
    });
    // b comes first in the queue, but would conflict with a: c goes to the free worker.
    let defs = vec![
        def("a", &[], None),
        def("b", &[], None),
        def("c", &[], None),
    ];
    load(&mut m, defs, 3);
    assert!(m.tasks["c"].worker.is_some(), "{:?}", m.tasks["c"]);
    assert_eq!(m.tasks["b"].state, TaskState::Pending);
    assert_eq!(
        m.tasks["b"].reason.as_deref(),
        Some("held: predicted to conflict with `a` (active) in x.txt")
    );
}
