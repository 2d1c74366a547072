//! Routing through the engine's loop: a task requiring a tag gets a worker of the profile that
//! declares it, and a task accepting two profiles goes to the one with a free worker, the other
//! recorded as passed over.

use super::fakes::{Fakes, MemState};
use super::{Run, setup, task};
use crate::core::command::{Command, EventKind};

fn paste_of(worker: u32, words: &'static str) -> impl Fn(&Command) -> bool {
    move |c| matches!(c, Command::Paste { worker: w, text, .. } if *w == worker && text.contains(words))
}

#[tokio::test]
async fn tasks_go_to_the_profiles_they_accept_and_skips_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    task(dir.path(), "r", "tags = [\"rust\"]", "Needs rust.");
    task(
        dir.path(),
        "e",
        "agent = [\"sim2\", \"sim\"]\npriority = -1",
        "Either will do.",
    );
    let mut s = setup(dir.path(), 1);
    if let Some(p) = s.profiles.get_mut("sim2") {
        p.tags = vec!["rust".into()];
    }
    s.policy.tags.insert("sim2".into(), vec!["rust".into()]);
    let (fakes, state) = (Fakes::new(), MemState::default());
    let mut run = Run::start(&fakes, &state, s);
    // The sim worker may not take the rust task: it takes the other, sim2 passed over.
    let routed = run
        .event(EventKind::Routed, "to sim; passed over sim2")
        .await;
    let Command::Record(e) = routed else {
        unreachable!()
    };
    assert_eq!(e.task.as_deref(), Some("e"));
    assert!(e.detail.contains("sim2: no free worker"), "{}", e.detail);
    // A sim2 worker is added for the rust task, and takes it (in whichever order the two
    // agents come up).
    for _ in 0..2 {
        run.next("a paste", |c| matches!(c, Command::Paste { .. }))
            .await;
    }
    assert_eq!(run.count(paste_of(1, "Either will do.")), 1);
    assert_eq!(run.count(paste_of(2, "Needs rust.")), 1);
    let started: Vec<String> = run
        .seen
        .iter()
        .filter_map(|c| match c {
            Command::StartWorker { profile, .. } => Some(profile.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(started, ["sim", "sim2"]);
    assert_eq!(run.count(paste_of(1, "Needs rust.")), 0);
    run.stop().await;
}
