//! A review reaches its reviewer through the journaled delivery, as a task does: never pasted
//! over text in the box, submitted once across a czar's kill between its paste and its Enter,
//! and a review that cannot be delivered goes back to the reviewers, never the task to the
//! queue (it is done, and another worker's).

use super::review::{done_by_worker_1, review_delivered, review_model};
use super::{idle, prepares, seen};
use crate::core::command::{Command, EventKind};
use crate::core::model::{AgentState, Input, Landing, Model, TaskState};
use crate::core::observation::Observation;
use crate::core::update;

fn diff_came(m: &mut Model, now: u64) -> Vec<Command> {
    let obs = Observation::ReviewDiff {
        worker: 2,
        task: "a".into(),
        diff: Ok("+added line\n".into()),
    };
    update(m, obs, now)
}

fn pastes(out: &[Command]) -> Vec<(u64, String)> {
    out.iter()
        .filter_map(|c| match c {
            Command::Paste {
                worker: 2,
                delivery,
                text,
                ..
            } => Some((*delivery, text.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_czar_killed_between_a_reviews_paste_and_its_enter_clears_the_box_and_submits_it_once() {
    let mut m = review_model();
    done_by_worker_1(&mut m, 2);
    diff_came(&mut m, 10);
    let first = pastes(&idle(&mut m, 2, 11));
    assert_eq!(first.len(), 1, "{first:?}");
    // Killed here, the paste on its way; the next czar loads this model.
    update(&mut m, Observation::Resumed, 5_000);
    // The unsubmitted review sits in the box: cleared, not submitted, not pasted over.
    let out = update(
        &mut m,
        seen(2, AgentState::Idle, Input::Holds("[Pasted]".into()), 6_600),
        6_600,
    );
    assert!(pastes(&out).is_empty(), "{out:?}");
    assert!(
        !out.iter().any(|c| matches!(c, Command::Submit { .. })),
        "{out:?}"
    );
    assert!(
        out.iter()
            .any(|c| matches!(c, Command::ClearInput { worker: 2, .. })),
        "{out:?}"
    );
    // Then pasted once more, the same text, and taken.
    let text = review_delivered(&mut m, 2, "a", 6_700);
    assert_eq!(text, first[0].1);
    // Still with its reviewer, waiting for the verdict.
    assert!(matches!(
        m.tasks["a"].land.as_ref().map(|l| &l.state),
        Some(Landing::Reviewing {
            reviewer: Some(2),
            ..
        })
    ));
}

#[test]
fn a_review_its_reviewer_never_takes_goes_back_to_the_reviewers_and_the_task_stays_done() {
    let mut m = review_model();
    m.policy.delivery.ready_timeout_ms = 1_000;
    done_by_worker_1(&mut m, 2);
    diff_came(&mut m, 10);
    // The reviewer's agent never shows its prompt with an empty box.
    update(&mut m, seen(2, AgentState::Busy, Input::Empty, 20), 20);
    let out = update(&mut m, Observation::Tick, 2_000);
    assert!(
        out.iter().any(|c| matches!(c,
            Command::Record(e) if e.kind == EventKind::DeliveryFailed && e.detail.starts_with("the review: "))),
        "{out:?}"
    );
    assert!(m.workers[&2].delivery.is_none());
    assert!(matches!(
        m.tasks["a"].land.as_ref().map(|l| &l.state),
        Some(Landing::Reviewing { reviewer: None, .. })
    ));
    // Done, its branch kept for the next reviewer: nothing given back to the queue.
    assert_eq!(m.tasks["a"].state, TaskState::Done);
    assert!(prepares(&out).is_empty(), "{out:?}");
    assert_eq!(m.tasks["a"].attempts, 1);
}

#[test]
fn a_review_on_its_way_is_not_taken_back_as_silence_but_is_dropped_when_its_reviewer_goes() {
    let mut m = review_model();
    m.policy.idle_grace_ms = 1_000;
    m.policy.delivery.ready_timeout_ms = 60_000;
    done_by_worker_1(&mut m, 2);
    diff_came(&mut m, 10);
    // At its prompt past the grace, but its box holds other text being cleared: the review is
    // still on its way, not silence.
    let out = update(
        &mut m,
        seen(2, AgentState::Idle, Input::Holds("draft".into()), 5_000),
        5_000,
    );
    assert!(
        !out.iter().any(|c| matches!(c,
            Command::Record(e) if e.kind == EventKind::Review && e.detail.contains("no verdict"))),
        "{out:?}"
    );
    assert!(m.workers[&2].delivery.is_some());
    // Its session lost: the review waits for a reviewer again, and its text goes no further.
    if let Some(w) = m.workers.get_mut(&2) {
        w.live = false;
    }
    update(&mut m, Observation::Tick, 5_100);
    assert!(matches!(
        m.tasks["a"].land.as_ref().map(|l| &l.state),
        Some(Landing::Reviewing { reviewer: None, .. })
    ));
    assert!(m.workers[&2].delivery.is_none());
}
