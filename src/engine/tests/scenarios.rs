//! What the engine does when things go wrong: a lost Enter, a czar killed inside a delivery, a
//! restart that adopts a working agent, a rate limit, a failing verify.

use super::fakes::{Fakes, MemState, Shows};
use super::{Run, setup, task};
use crate::core::command::{Command, EventKind};
use crate::core::observation::Signal;
use std::time::Duration;

const W1: &str = "t-worker-1";

fn paste_to(worker: u32) -> impl Fn(&Command) -> bool {
    move |c| matches!(c, Command::Paste { worker: w, .. } if *w == worker)
}

fn is_submit(c: &Command) -> bool {
    matches!(c, Command::Submit { .. })
}

/// The agent of `session` is done: a commit on `branch`, back at its prompt, `czar done`.
fn finish(fakes: &Fakes, state: &MemState, session: &str, worker: u32, branch: &str) {
    fakes.commit(branch);
    fakes.show(session, Shows::Prompt);
    let done = Signal::Done {
        branch: Some(branch.into()),
    };
    state.signal(worker, done);
}

fn received(fakes: &Fakes, session: &str) -> Vec<String> {
    fakes.world().agents[session].received.clone()
}

#[tokio::test]
async fn a_lost_enter_is_pressed_again_and_the_text_is_pasted_once() {
    let dir = tempfile::tempdir().unwrap();
    task(dir.path(), "a", "", "Build a.");
    let (fakes, state) = (Fakes::new(), MemState::default());
    fakes.world().lose_enters_at_start = 1;
    let mut run = Run::start(&fakes, &state, setup(dir.path(), 1));
    run.next("the paste", paste_to(1)).await;
    run.next("Enter", is_submit).await;
    // The agent missed it: the text sits in its box until Enter is pressed again.
    run.event(EventKind::DeliveryStep, "Enter again").await;
    run.event(EventKind::Delivered, "confirmed").await;
    assert_eq!(run.count(is_submit), 2);
    assert_eq!(run.count(paste_to(1)), 1);
    let got = received(&fakes, W1);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].ends_with("Build a.\n") && got[0].matches("You are worker").count() == 1);
    run.stop().await;
}

#[tokio::test]
async fn a_czar_killed_between_paste_and_enter_is_resolved_by_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    task(dir.path(), "a", "", "Build a.");
    let (fakes, state) = (Fakes::new(), MemState::default());
    let mut first = Run::start(&fakes, &state, setup(dir.path(), 1));
    first.next("the paste", paste_to(1)).await;
    first.kill().await;
    // The pasted text sits in the box, never submitted.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(fakes.world().agents[W1].input.contains("Build a."));
    assert!(received(&fakes, W1).is_empty());

    let mut second = Run::start(&fakes, &state, setup(dir.path(), 1));
    second
        .event(EventKind::Repair, "between a paste and its Enter")
        .await;
    second
        .next("the box cleared", |c| {
            matches!(c, Command::ClearInput { worker: 1, .. })
        })
        .await;
    second.next("the paste again", paste_to(1)).await;
    second.event(EventKind::Delivered, "confirmed").await;
    let got = received(&fakes, W1);
    assert_eq!(got.len(), 1, "one submission: {got:?}");
    assert_eq!(
        got[0].matches("Build a.").count(),
        1,
        "the task once: {}",
        got[0]
    );
    assert_eq!(
        second.count(|c| matches!(c, Command::StartWorker { .. })),
        0
    );
    second.stop().await;
}

#[tokio::test]
async fn a_restarted_czar_adopts_a_working_agent_and_finishes_its_task() {
    let dir = tempfile::tempdir().unwrap();
    task(dir.path(), "a", "", "Build a.");
    let (fakes, state) = (Fakes::new(), MemState::default());
    let mut first = Run::start(&fakes, &state, setup(dir.path(), 1));
    first.event(EventKind::Delivered, "confirmed").await;
    first.kill().await;

    let mut second = Run::start(&fakes, &state, setup(dir.path(), 1));
    finish(&fakes, &state, W1, 1, "czar/a");
    second.event(EventKind::Done, "task done").await;
    let started = second.count(|c| matches!(c, Command::StartWorker { .. }));
    assert_eq!(started, 0, "the live session was adopted");
    assert_eq!(second.count(paste_to(1)), 0, "nothing delivered twice");
    assert_eq!(received(&fakes, W1).len(), 1);
    second.stop().await;
}

#[tokio::test]
async fn a_rate_limited_agents_task_moves_to_an_idle_agent_of_another_profile() {
    let dir = tempfile::tempdir().unwrap();
    task(dir.path(), "a", "", "Build a.");
    // `b` first, to the worker of its profile; `a` names none, so it may move.
    task(
        dir.path(),
        "b",
        "agent = \"sim2\"\npriority = 9",
        "Build b.",
    );
    let (fakes, state) = (Fakes::new(), MemState::default());
    let mut run = Run::start(&fakes, &state, setup(dir.path(), 1));
    // `b` needs the other profile: a second worker is started for it.
    run.event(EventKind::Delivered, "confirmed").await;
    run.event(EventKind::Delivered, "confirmed").await;
    finish(&fakes, &state, "t-worker-2", 2, "czar/b");
    run.event(EventKind::Done, "task done").await;
    fakes.show(W1, Shows::RateLimited);
    run.next(
        "Escape for the limited agent",
        |c| matches!(c, Command::PressKeys { worker: 1, keys } if keys == &["Escape"]),
    )
    .await;
    let moved = run
        .next(
            "a to the other worker",
            |c| matches!(c, Command::PrepareBranch { worker: 2, task, .. } if task == "a"),
        )
        .await;
    assert!(matches!(moved, Command::PrepareBranch { .. }));
    run.next("a pasted to worker 2", paste_to(2)).await;
    run.stop().await;
}

#[tokio::test]
async fn a_failing_verify_goes_back_to_the_same_agent_and_passes_the_second_time() {
    let dir = tempfile::tempdir().unwrap();
    task(dir.path(), "a", "verify = \"make test\"", "Build a.");
    let (fakes, state) = (Fakes::new(), MemState::default());
    fakes.world().verify.push_back((false, "FAILED x".into()));
    let mut run = Run::start(&fakes, &state, setup(dir.path(), 1));
    run.event(EventKind::Delivered, "confirmed").await;
    finish(&fakes, &state, W1, 1, "czar/a");
    run.next("verify", |c| matches!(c, Command::RunVerify { .. }))
        .await;
    let note = run
        .next("the verify output, to the same agent", paste_to(1))
        .await;
    let Command::Paste { text, .. } = note else {
        unreachable!()
    };
    assert!(
        text.contains("FAILED x") && text.contains("make test"),
        "{text}"
    );
    run.event(EventKind::Delivered, "note submitted").await;
    finish(&fakes, &state, W1, 1, "czar/a");
    run.event(EventKind::Done, "task done").await;
    assert_eq!(run.count(|c| matches!(c, Command::RunVerify { .. })), 2);
    run.stop().await;
}

#[tokio::test]
async fn a_landing_conflict_goes_back_to_the_agent_then_the_work_lands_on_main() {
    let dir = tempfile::tempdir().unwrap();
    task(dir.path(), "a", "", "Build a.");
    let (fakes, state) = (Fakes::new(), MemState::default());
    fakes
        .world()
        .land_conflicts
        .insert("czar/a".into(), vec!["x.txt".into()]);
    let mut s = setup(dir.path(), 1);
    s.policy.land = crate::core::model::LandPolicy {
        mode: crate::core::model::LandMode::Merge,
        into: "main".into(),
        verify: None,
        keep_branches: false,
        max_attempts: 2,
        ..Default::default()
    };
    let mut run = Run::start(&fakes, &state, s);
    run.event(EventKind::Delivered, "confirmed").await;
    finish(&fakes, &state, W1, 1, "czar/a");
    run.event(EventKind::LandConflict, "x.txt").await;
    let paste = run.next("the follow-up", paste_to(1)).await;
    let Command::Paste { text, .. } = paste else {
        unreachable!()
    };
    assert!(
        text.contains("`git merge main`") && text.contains("x.txt"),
        "{text}"
    );
    run.event(EventKind::Delivered, "confirmed").await;
    finish(&fakes, &state, W1, 1, "czar/a");
    run.event(EventKind::Landed, "main is at").await;
    let main = fakes.world().branches["main"].clone();
    // Both of the agent's commits, then the landing's own.
    assert!(
        main.contains(&"c1".to_string()) && main.contains(&"c2".to_string()),
        "{main:?}"
    );
    assert!(
        main.last().is_some_and(|c| c.starts_with("land-czar/a")),
        "{main:?}"
    );
    run.stop().await;
}

#[tokio::test]
async fn a_pull_request_with_a_failing_check_goes_back_with_its_log_then_merged_is_landed() {
    use crate::core::observation::PrStatus;
    let dir = tempfile::tempdir().unwrap();
    task(dir.path(), "a", "", "Build a.");
    let (fakes, state) = (Fakes::new(), MemState::default());
    fakes.world().pr_answers.extend([
        PrStatus::Failing {
            check: "ci/test".into(),
            log: "assertion failed: x == 1".into(),
        },
        PrStatus::Merged {
            commit: Some("m1".into()),
        },
    ]);
    let mut s = setup(dir.path(), 1);
    s.policy.land = crate::core::model::LandPolicy {
        mode: crate::core::model::LandMode::Pr,
        into: "main".into(),
        max_attempts: 2,
        pr_poll_ms: 1,
        ..Default::default()
    };
    let mut run = Run::start(&fakes, &state, s);
    run.event(EventKind::Delivered, "confirmed").await;
    finish(&fakes, &state, W1, 1, "czar/a");
    run.next("the pull request", |c| matches!(c, Command::OpenPr { .. }))
        .await;
    run.event(EventKind::LandVerifyFailed, "ci/test").await;
    let paste = run.next("the follow-up", paste_to(1)).await;
    let Command::Paste { text, .. } = paste else {
        unreachable!()
    };
    assert!(
        text.contains("assertion failed: x == 1") && text.contains("https://forge.test/pr/1"),
        "{text}"
    );
    run.event(EventKind::Delivered, "confirmed").await;
    finish(&fakes, &state, W1, 1, "czar/a");
    run.event(EventKind::Landed, "merged as m1").await;
    let opened = fakes.world().prs_opened.clone();
    assert_eq!(
        opened.len(),
        2,
        "pushed and looked up again after the fix: {opened:?}"
    );
    assert_eq!(opened[0], ("czar/a".into(), "main".into(), "a".into()));
    run.stop().await;
}
