//! Hosts that stop answering: their workers keep their tasks within the grace, give them back
//! past it (uncounted), get nothing while unreachable, and start afresh when back.

use super::limits::events;
use super::{boot, def, idle, load, model, prepares, seen, start_work};
use crate::core::command::{Command, EventKind};
use crate::core::model::{AgentState, HostPlace, HostState, Input, Model, TaskState};
use crate::core::observation::{Observation, SessionSeen};
use crate::core::update;

const GRACE: u64 = 10_000;

/// Worker 1 here, 2 and 3 on host `gpu`, all at their prompt but worker 1, which is busy, so
/// task `a` goes to worker 2 and is worked on.
fn fleet() -> Model {
    let mut m = model(3);
    m.policy.hosts = vec![HostPlace {
        name: "gpu".into(),
        workers: 2,
        grace_ms: GRACE,
        ..HostPlace::default()
    }];
    boot(&mut m, 0);
    update(&mut m, seen(1, AgentState::Busy, Input::Empty, 1), 1);
    let out = load(&mut m, vec![def("a", &[], None)], 1);
    assert_eq!(prepares(&out), vec![(2, "a".to_string())]);
    start_work(&mut m, 2, "a", 2);
    m
}

fn host_seen(m: &mut Model, up: bool, since: u64, now: u64) -> Vec<Command> {
    let obs = Observation::HostSeen {
        host: "gpu".into(),
        up,
        since,
    };
    update(m, obs, now)
}

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

fn starts(out: &[Command]) -> Vec<u32> {
    out.iter()
        .filter_map(|c| match c {
            Command::StartWorker { worker, .. } => Some(*worker),
            _ => None,
        })
        .collect()
}

#[test]
fn workers_carry_the_host_the_configuration_places_them_on() {
    let m = fleet();
    let hosts: Vec<Option<&str>> = m.workers.values().map(|w| w.host.as_deref()).collect();
    assert_eq!(hosts, [None, Some("gpu"), Some("gpu")]);
    assert!(m.host_up(2), "a host not yet observed counts as up");
}

#[test]
fn a_host_back_within_its_grace_keeps_its_tasks() {
    let mut m = fleet();
    let out = host_seen(&mut m, false, 1_000, 1_500);
    assert_eq!(m.hosts["gpu"].state, HostState::Reconnecting);
    assert_eq!(m.hosts["gpu"].since, 1_000);
    let said = events(&out, EventKind::HostDown);
    assert!(
        said.len() == 1 && said[0].contains("reconnecting"),
        "{said:?}"
    );
    // Its panes are missing from the listing: not gone, it reconnects.
    let out = update(&mut m, listing(&[1]), 2_000);
    assert!(m.workers[&2].live && m.workers[&3].live, "{out:?}");
    assert!(events(&out, EventKind::WorkerCrashed).is_empty());
    // Repeats change nothing, and the since stays the first failure's.
    host_seen(&mut m, false, 1_900, 3_000);
    assert_eq!(m.hosts["gpu"].since, 1_000);
    let out = update(&mut m, Observation::Tick, 1_000 + GRACE - 1);
    assert!(events(&out, EventKind::Requeued).is_empty());
    let out = host_seen(&mut m, true, 0, 1_000 + GRACE - 1);
    assert!(events(&out, EventKind::HostUp)[0].contains("reconnected"));
    assert_eq!(m.tasks["a"].state, TaskState::Working);
    assert_eq!(m.workers[&2].task.as_deref(), Some("a"));
    assert!(starts(&out).is_empty(), "nothing restarted: {out:?}");
}

#[test]
fn past_its_grace_a_hosts_tasks_go_back_uncounted_and_it_gets_nothing_until_back() {
    let mut m = fleet();
    host_seen(&mut m, false, 1_000, 1_500);
    // A task added while the host reconnects does not go to its idle worker 3.
    let out = load(
        &mut m,
        vec![def("a", &[], None), def("b", &[], None)],
        2_000,
    );
    assert!(prepares(&out).is_empty(), "{out:?}");
    assert_eq!(m.tasks["b"].state, TaskState::Pending);

    let out = update(&mut m, Observation::Tick, 1_000 + GRACE);
    assert_eq!(m.hosts["gpu"].state, HostState::Down);
    let t = &m.tasks["a"];
    assert_eq!(
        (t.state, t.worker, t.attempts),
        (TaskState::Pending, None, 0)
    );
    assert!(!t.state.is_final());
    let down = events(&out, EventKind::HostDown);
    assert!(
        down.len() == 1 && down[0].contains("gave back a") && down[0].contains("grace 10s"),
        "{down:?}"
    );
    assert_eq!(events(&out, EventKind::Requeued).len(), 1);
    assert!(events(&out, EventKind::Failed).is_empty());
    for w in [2, 3] {
        let w = &m.workers[&w];
        assert!(!w.live && w.task.is_none() && w.restarts == 0, "{w:?}");
        assert_eq!(w.agent, AgentState::Error);
    }
    assert!(starts(&out).is_empty(), "nothing started on a down host");

    // The local worker takes a given-back task as soon as it is free.
    let out = idle(&mut m, 1, 12_000);
    let given = prepares(&out);
    assert_eq!(given.len(), 1, "{out:?}");
    assert_eq!(given[0].0, 1);
    assert_eq!(m.tasks[&given[0].1].attempts, 1);

    // The host's old sessions show up again before it is seen back: not adopted.
    update(&mut m, listing(&[1, 2, 3]), 13_000);
    assert!(!m.workers[&2].live && m.workers[&2].task.is_none());
    let out = update(&mut m, Observation::Tick, 14_000);
    assert!(starts(&out).is_empty() && prepares(&out).is_empty());

    // Back: its workers start afresh (their old agents killed by the start), then take work.
    let out = host_seen(&mut m, true, 0, 20_000);
    assert!(events(&out, EventKind::HostUp)[0].contains("afresh"));
    assert_eq!(starts(&out), [2, 3]);
    assert!(prepares(&out).is_empty(), "no work before the fresh start");
    update(&mut m, listing(&[1, 2, 3]), 20_001);
    assert!(
        !m.workers[&2].live,
        "a listing before the start answers adopts nothing"
    );
    let started = Observation::WorkerStarted {
        worker: 2,
        result: Ok(()),
    };
    update(&mut m, started, 20_002);
    let out = idle(&mut m, 2, 20_003);
    assert_eq!(prepares(&out).len(), 1, "{out:?}");
    assert_eq!(m.workers[&2].restarts, 0, "a host's absence is no crash");
}
