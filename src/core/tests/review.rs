//! The review gate through `update`: a done task goes to a reviewer of the review profile (not
//! its author) instead of the landing queue; approve queues it, reject sends it back to its
//! author with the review, bounded rounds fail it; a restart hands a review out again.

use super::{boot, commits, def, idle, load, model, prepares, start_work, walk_delivery};
use crate::core::command::{Command, EventKind};
use crate::core::model::{LandMode, Landing, Model, TaskState};
use crate::core::observation::{Observation, Signal};
use crate::core::review::{MAX_DIFF_BYTES, Verdict, review_text};
use crate::core::update;

/// Two workers: 1 of the default profile (the author), 2 of "rev" (the reviewer).
pub(super) fn review_model() -> Model {
    let mut m = model(2);
    m.policy.land.mode = LandMode::Merge;
    m.policy.land.into = "main".into();
    m.policy.land.max_attempts = 3;
    m.policy.land.review = Some("rev".into());
    m.policy.land.max_review_rounds = 2;
    boot(&mut m, 1);
    if let Some(w) = m.workers.get_mut(&2) {
        w.profile = "rev".into();
    }
    let sim = m.policy.delivery.agent(&m.workers[&1].profile);
    m.policy.delivery.agents.insert("rev".into(), sim);
    m
}

/// The review's text reaches reviewer `w`'s agent through a delivery's steps: at its prompt
/// with an empty box, pasted (with no branch to check), Enter, taken. The task stays done.
pub(super) fn review_delivered(m: &mut Model, w: u32, task: &str, now: u64) -> String {
    let (branch, text, out) = walk_delivery(m, w, now);
    assert_eq!(branch, None);
    assert!(
        out.iter().any(|c| matches!(c,
            Command::Record(e) if e.kind == EventKind::Delivered && e.detail.starts_with("review submitted"))),
        "{out:?}"
    );
    assert_eq!(m.tasks[task].state, TaskState::Done);
    assert!(m.workers[&w].delivery.is_none());
    text
}

fn asks(out: &[Command]) -> Vec<(u32, String)> {
    out.iter()
        .filter_map(|c| match c {
            Command::AskReview { worker, task, .. } => Some((*worker, task.clone())),
            _ => None,
        })
        .collect()
}

fn state(m: &Model, task: &str) -> Landing {
    m.tasks[task].land.as_ref().unwrap().state.clone()
}

fn say(m: &mut Model, worker: u32, task: Option<&str>, verdict: Verdict, now: u64) -> Vec<Command> {
    let signal = Signal::Review {
        task: task.map(str::to_string),
        verdict,
    };
    update(m, Observation::Signal { worker, signal }, now)
}

/// `a` loaded, handed to worker 1 and worked to done; returns the commands of the last step.
pub(super) fn done_by_worker_1(m: &mut Model, now: u64) -> Vec<Command> {
    let out = load(m, vec![def("a", &[], None)], now);
    assert_eq!(prepares(&out), vec![(1, "a".to_string())]);
    start_work(m, 1, "a", now + 1);
    idle(m, 1, now + 2);
    commits(m, 1, "a", 1, now + 3)
}

#[test]
fn a_done_task_goes_to_a_reviewer_of_the_profile_not_the_queue() {
    let mut m = review_model();
    let out = done_by_worker_1(&mut m, 2);
    assert_eq!(m.tasks["a"].state, TaskState::Done);
    assert!(
        !out.iter().any(|c| matches!(c, Command::Land { .. })),
        "{out:?}"
    );
    assert_eq!(asks(&out), vec![(2, "a".to_string())]);
    assert!(matches!(
        state(&m, "a"),
        Landing::Reviewing {
            reviewer: Some(2),
            ..
        }
    ));
    // The reviewer is busy: no task is handed to it meanwhile.
    assert!(!crate::core::queue::idle_workers(&m).contains(&2));
    // The diff comes: the reviewer gets the text with the task and the diff.
    let obs = Observation::ReviewDiff {
        worker: 2,
        task: "a".into(),
        diff: Ok("+added line\n".into()),
    };
    let out = update(&mut m, obs, 10);
    assert!(out.contains(&Command::ReadScreen { worker: 2 }), "{out:?}");
    let typed = review_delivered(&mut m, 2, "a", 10);
    assert!(typed.contains("+added line") && typed.contains("czar review approve"));
    // Approved: it lands.
    let out = say(&mut m, 2, None, Verdict::Approve, 11);
    assert!(
        out.iter()
            .any(|c| matches!(c, Command::Land { task, .. } if task == "a"))
    );
    assert_eq!(state(&m, "a"), Landing::Merging);
    let review = m.tasks["a"].land.as_ref().unwrap().review.clone().unwrap();
    assert_eq!(review.verdict.as_deref(), Some("approved"));
}

#[test]
fn the_author_is_never_its_own_reviewer() {
    let mut m = review_model();
    // The author itself runs the review profile; the only other worker does not.
    m.policy.land.review = Some(m.workers[&1].profile.clone());
    if let Some(w) = m.workers.get_mut(&2) {
        w.profile = "other".into();
    }
    let out = done_by_worker_1(&mut m, 2);
    assert!(asks(&out).is_empty(), "{out:?}");
    assert!(matches!(
        state(&m, "a"),
        Landing::Reviewing { reviewer: None, .. }
    ));
}

#[test]
fn a_rejection_goes_back_to_the_author_with_the_review_then_is_reviewed_again() {
    let mut m = review_model();
    done_by_worker_1(&mut m, 2);
    let out = say(
        &mut m,
        2,
        Some("a"),
        Verdict::Reject("add a test".into()),
        10,
    );
    assert_eq!(state(&m, "a"), Landing::Rejected);
    // Back to its author, worker 1, which is free.
    assert_eq!(prepares(&out), vec![(1, "a".to_string())]);
    let followup = m.tasks["a"]
        .land
        .as_ref()
        .unwrap()
        .followup
        .clone()
        .unwrap();
    assert!(followup.contains("add a test"), "{followup}");
    assert!(out.iter().any(|c| matches!(c,
        Command::Record(e) if e.kind == EventKind::Review && e.detail.contains("add a test"))));
    // Done again: reviewed again, by the reviewer that is free again.
    start_work(&mut m, 1, "a", 11);
    idle(&mut m, 1, 12);
    let out = commits(&mut m, 1, "a", 2, 13);
    assert_eq!(asks(&out), vec![(2, "a".to_string())]);
    let out = say(&mut m, 2, None, Verdict::Approve, 14);
    assert!(
        out.iter()
            .any(|c| matches!(c, Command::Land { task, .. } if task == "a"))
    );
    let review = m.tasks["a"].land.as_ref().unwrap().review.clone().unwrap();
    assert_eq!(review.rejections, 1);
}

#[test]
fn past_the_rounds_a_rejected_task_fails_with_the_last_review() {
    let mut m = review_model();
    m.policy.land.max_review_rounds = 1;
    done_by_worker_1(&mut m, 2);
    say(
        &mut m,
        2,
        None,
        Verdict::Reject("wrong approach".into()),
        10,
    );
    assert_eq!(m.tasks["a"].state, TaskState::Failed);
    let reason = m.tasks["a"].reason.clone().unwrap();
    assert!(
        reason.contains("wrong approach") && reason.contains("kept"),
        "{reason}"
    );
}

#[test]
fn a_verdict_from_a_worker_not_reviewing_the_task_is_ignored() {
    let mut m = review_model();
    done_by_worker_1(&mut m, 2);
    say(&mut m, 1, Some("a"), Verdict::Approve, 10);
    assert!(matches!(
        state(&m, "a"),
        Landing::Reviewing {
            reviewer: Some(2),
            ..
        }
    ));
}

#[test]
fn a_restart_keeps_a_review_with_its_reviewer_and_hands_a_silent_one_out_again() {
    let mut m = review_model();
    m.policy.idle_grace_ms = 1_000;
    done_by_worker_1(&mut m, 2);
    let mut again = m.clone();
    update(&mut m, Observation::Resumed, 20);
    // A verdict given while no czar ran (waiting in the inbox) still counts.
    idle(&mut m, 2, 21);
    let out = say(&mut m, 2, None, Verdict::Approve, 22);
    assert!(
        out.iter()
            .any(|c| matches!(c, Command::Land { task, .. } if task == "a"))
    );
    // No verdict: back at its prompt past the grace, the review is asked for again.
    update(&mut again, Observation::Resumed, 20);
    idle(&mut again, 1, 21);
    let out = idle(&mut again, 2, 22);
    assert!(asks(&out).is_empty(), "within the grace it stays: {out:?}");
    let out = idle(&mut again, 2, 2_000);
    assert_eq!(asks(&out), vec![(2, "a".to_string())]);
}

#[test]
fn without_review_a_done_task_goes_straight_to_the_queue() {
    let mut m = review_model();
    m.policy.land.review = None;
    let out = done_by_worker_1(&mut m, 2);
    assert!(asks(&out).is_empty());
    assert!(
        out.iter()
            .any(|c| matches!(c, Command::Land { task, .. } if task == "a"))
    );
}

#[test]
fn a_long_diff_is_cut_with_a_note() {
    let mut m = review_model();
    load(&mut m, vec![def("a", &[], None)], 2);
    let diff = "+x\n".repeat(MAX_DIFF_BYTES);
    let text = review_text(&m, "a", &diff);
    assert!(text.contains("cut:"), "no note of the cut");
    assert!(text.len() < MAX_DIFF_BYTES + 4_000);
    let short = review_text(&m, "a", "+y\n");
    assert!(!short.contains("cut:"));
}

#[test]
fn a_reviewer_silent_past_the_grace_or_gone_gives_the_review_back() {
    let mut m = review_model();
    m.policy.idle_grace_ms = 1_000;
    done_by_worker_1(&mut m, 2);
    // Still within the grace: it stays with worker 2.
    let out = idle(&mut m, 2, 500);
    assert!(asks(&out).is_empty());
    assert!(matches!(
        state(&m, "a"),
        Landing::Reviewing {
            reviewer: Some(2),
            ..
        }
    ));
    // Back at its prompt past the grace, no verdict: handed out again (to the only reviewer).
    let out = idle(&mut m, 2, 5_000);
    assert!(out.iter().any(|c| matches!(c,
        Command::Record(e) if e.kind == EventKind::Review && e.detail.contains("no verdict"))));
    assert_eq!(asks(&out), vec![(2, "a".to_string())]);
    // Its session lost: the review waits for a reviewer again.
    if let Some(w) = m.workers.get_mut(&2) {
        w.live = false;
    }
    update(&mut m, Observation::Tick, 5_100);
    assert!(matches!(
        state(&m, "a"),
        Landing::Reviewing { reviewer: None, .. }
    ));
}

#[test]
fn a_review_profile_nobody_runs_gets_a_worker_of_its_own() {
    let mut m = review_model();
    // Both workers run the default profile; the review profile is another one.
    let default = m.workers[&1].profile.clone();
    if let Some(w) = m.workers.get_mut(&2) {
        w.profile = default;
    }
    done_by_worker_1(&mut m, 2);
    let added = m.workers.get(&3).expect("a worker added for reviews");
    assert_eq!(added.profile, "rev");
    // It is started like any worker.
    let out = update(&mut m, Observation::Tick, 20);
    assert!(
        out.iter().any(|c| matches!(c,
            Command::StartWorker { worker: 3, profile } if profile == "rev")),
        "{out:?}"
    );
    // Once one runs the profile, no other is added.
    update(&mut m, Observation::Tick, 30);
    assert_eq!(m.workers.len(), 3);
}
