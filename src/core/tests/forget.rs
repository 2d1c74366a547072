//! Removing a dead worker's row: only a dead one (killed, stopped, crashed) holding no task
//! goes, and it stays gone.

use super::{boot, model};
use crate::core::command::{Command, EventKind};
use crate::core::observation::{Intent, Observation, SessionSeen};
use crate::core::update;

fn listing(workers: &[u32]) -> Observation {
    Observation::Sessions(
        workers
            .iter()
            .map(|&worker| SessionSeen {
                worker,
                dead: false,
                exit_status: None,
                activity: 0,
                output: Vec::new(),
                attached: false,
            })
            .collect(),
    )
}

#[test]
fn a_killed_workers_row_is_removed_and_a_running_one_is_not() {
    let mut m = model(2);
    boot(&mut m, 0);
    let out = update(&mut m, Observation::Intent(Intent::Forget { worker: 2 }), 5);
    assert!(m.workers.contains_key(&2), "a running worker stays");
    assert!(
        out.iter().any(|c| matches!(c, Command::Record(e)
            if e.kind == EventKind::Operator && e.detail.contains("remove refused"))),
        "{out:?}"
    );
    update(&mut m, Observation::Intent(Intent::Kill { worker: 1 }), 10);
    update(&mut m, Observation::Intent(Intent::AddWorker), 12);
    let started = Observation::WorkerStarted {
        worker: 3,
        result: Ok(()),
    };
    update(&mut m, started, 13);
    let forget = |w| Observation::Intent(Intent::Forget { worker: w });
    let out = update(&mut m, forget(1), 20);
    assert!(
        out.iter().any(|c| matches!(c, Command::Record(e)
            if e.kind == EventKind::Operator && e.detail == "remove worker 1's row")),
        "{out:?}"
    );
    // Its slot is one of the `workers` configured: a fresh worker takes it, not the dead one.
    let fresh = &m.workers[&1];
    assert!(!fresh.retired && fresh.starting, "{fresh:?}");
    assert!(
        out.iter()
            .any(|c| matches!(c, Command::StartWorker { worker: 1, .. })),
        "{out:?}"
    );
    // A worker beyond them (added, then killed) is gone for good: nothing brings it back,
    // and no crash is reported for it after a restart.
    update(&mut m, Observation::Intent(Intent::Kill { worker: 3 }), 25);
    m.policy.workers = 2;
    update(&mut m, forget(3), 26);
    assert!(!m.workers.contains_key(&3), "{:?}", m.workers.keys());
    let mut out = update(&mut m, listing(&[1, 2]), 30);
    out.extend(update(&mut m, Observation::Resumed, 40));
    out.extend(update(&mut m, listing(&[1, 2]), 50));
    assert!(!m.workers.contains_key(&3));
    assert!(
        !out.iter().any(|c| matches!(c, Command::Record(e)
            if e.kind == EventKind::WorkerCrashed && e.worker == Some(3))),
        "{out:?}"
    );
}
