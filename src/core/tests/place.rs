//! Placement on hosts: a task's `labels` send it only to workers on a host declaring them all
//! (this machine declares none), a host's `agents` keep other profiles off it, and a host's
//! workers start as one of its agents.

use super::{boot, def, idle, load, model, prepares, seen};
use crate::core::command::{Command, EventKind};
use crate::core::model::{AgentState, HostPlace, Input, Model, TaskDef, TaskState};
use crate::core::observation::Observation;
use crate::core::route::{choose, elsewhere, misplaced, profile_to_start};
use crate::core::update;

fn host(name: &str, workers: u32, agents: &[&str], labels: &[&str]) -> HostPlace {
    HostPlace {
        name: name.into(),
        workers,
        grace_ms: 10_000,
        agents: agents.iter().map(|s| s.to_string()).collect(),
        labels: labels.iter().map(|s| s.to_string()).collect(),
    }
}

fn labelled(id: &str, agent: &[&str], labels: &[&str]) -> TaskDef {
    TaskDef {
        agent: agent.iter().map(|s| s.to_string()).collect(),
        labels: labels.iter().map(|s| s.to_string()).collect(),
        ..def(id, &[], None)
    }
}

/// Worker 1 here, 2 on host `cpu` (no labels), 3 on host `gpu` (labels gpu and mem); all idle,
/// all of the default profile `sim`.
fn fleet() -> Model {
    let mut m = model(3);
    m.policy.hosts = vec![
        host("cpu", 1, &[], &[]),
        host("gpu", 1, &[], &["gpu", "mem"]),
    ];
    boot(&mut m, 0);
    m
}

fn routed_events(out: &[Command]) -> Vec<String> {
    out.iter()
        .filter_map(|c| match c {
            Command::Record(e) if e.kind == EventKind::Routed => Some(e.detail.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_labelled_task_goes_only_to_a_worker_on_a_host_declaring_all_its_labels() {
    let m = fleet();
    assert_eq!(m.workers[&3].host.as_deref(), Some("gpu"));
    let gpu = labelled("t", &[], &["gpu"]);
    assert_eq!(choose(&m, &gpu, &[1, 2, 3]).worker, Some(3));
    let r = choose(&m, &gpu, &[1, 2]);
    assert_eq!(r.worker, None, "{r:?}");
    assert_eq!(
        r.skipped,
        ["this machine lacks label gpu", "host cpu lacks label gpu"]
    );
    // All of them: gpu has both, and a label it lacks keeps the task off it too.
    assert_eq!(
        choose(&m, &labelled("t", &[], &["mem", "gpu"]), &[1, 2, 3]).worker,
        Some(3)
    );
    assert_eq!(
        misplaced(&m, &labelled("t", &[], &["gpu", "tpu"]), 3).as_deref(),
        Some("host gpu lacks label tpu")
    );
    // A named profile: its workers elsewhere are passed over with why.
    let r = choose(&m, &labelled("t", &["sim"], &["gpu"]), &[1, 2]);
    assert_eq!(r.worker, None);
    assert_eq!(r.skipped, ["sim: this machine lacks label gpu"]);
    // Without labels, any worker, here first.
    assert_eq!(choose(&m, &def("u", &[], None), &[1, 2, 3]).worker, Some(1));
}

#[test]
fn through_the_queue_a_labelled_task_waits_for_its_host_and_says_why_once() {
    let mut m = fleet();
    update(&mut m, seen(3, AgentState::Busy, Input::Empty, 1), 1);
    let out = load(
        &mut m,
        vec![labelled("g", &[], &["gpu"]), def("u", &[], None)],
        2,
    );
    // The labelled task, routed first, passes over workers 1 and 2 and waits for gpu's; the
    // unlabelled one takes worker 1.
    assert_eq!(prepares(&out), vec![(1, "u".to_string())]);
    let g = &m.tasks["g"];
    assert_eq!(g.state, TaskState::Pending);
    let why = "this machine lacks label gpu; host cpu lacks label gpu";
    assert_eq!(g.route.waiting.as_deref(), Some(why));
    assert_eq!(routed_events(&out), [format!("waits; passed over {why}")]);
    // gpu's worker comes free: it goes there.
    let out = idle(&mut m, 3, 3);
    assert_eq!(prepares(&out), vec![(3, "g".to_string())]);
    assert_eq!(m.tasks["g"].route.waiting, None);
}

#[test]
fn a_host_carrying_other_agents_takes_no_task_for_a_profile_it_lacks() {
    let mut m = model(2);
    m.policy.hosts = vec![host("mac", 1, &["claude"], &[])];
    boot(&mut m, 0);
    // The host's worker started as claude, the only profile the host carries.
    assert_eq!(m.workers[&1].profile, "sim");
    assert_eq!(m.workers[&2].profile, "claude");
    // A worker placed there with a stored profile the host no longer carries.
    m.workers.get_mut(&2).unwrap().profile = "codex".into();
    let r = choose(&m, &labelled("t", &["codex"], &[]), &[2]);
    assert_eq!(r.worker, None);
    assert_eq!(r.skipped, ["codex: profile codex not on host mac"]);
    let r = choose(&m, &def("t", &[], None), &[2]);
    assert_eq!(r.skipped, ["profile codex not on host mac"]);
    assert!(!elsewhere(&m, &def("t", &[], None), "sim", &[2]));
}

#[test]
fn a_hosts_workers_start_as_its_first_agent_unless_it_carries_the_default() {
    let mut m = model(4);
    m.policy.hosts = vec![
        host("mac", 1, &["claude", "codex"], &[]),
        host("box", 1, &["codex", "sim"], &[]),
        host("any", 1, &[], &[]),
    ];
    boot(&mut m, 0);
    let profiles: Vec<&str> = (1..=4).map(|w| m.workers[&w].profile.as_str()).collect();
    assert_eq!(profiles, ["sim", "claude", "sim", "sim"]);
    // Restarted after a crash with a profile its host no longer carries: the host's instead.
    let mut m = model(2);
    m.policy.hosts = vec![host("mac", 1, &["claude"], &[])];
    boot(&mut m, 0);
    let w = m.workers.get_mut(&2).unwrap();
    w.profile = "codex".into();
    w.live = false;
    w.agent = AgentState::Crashed;
    let out = update(&mut m, Observation::Tick, 1);
    let starts: Vec<(u32, String)> = out
        .iter()
        .filter_map(|c| match c {
            Command::StartWorker { worker, profile } => Some((*worker, profile.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(starts, [(2, "claude".to_string())]);
}

#[test]
fn no_worker_is_added_here_for_a_labelled_task() {
    // No worker of codex anywhere: an unlabelled codex task gets one added on this machine, a
    // labelled one does not (this machine could never take it).
    let m = fleet();
    assert_eq!(
        profile_to_start(&m, &labelled("t", &["codex"], &[])).as_deref(),
        Some("codex")
    );
    assert_eq!(
        profile_to_start(&m, &labelled("t", &["codex"], &["gpu"])),
        None
    );
}

#[test]
fn a_labelled_task_no_worker_it_accepts_may_take_is_not_left_waiting_for_ever() {
    // gpu carries sim only: a codex task requiring gpu can never run; one requiring gpu of
    // any profile waits for gpu's busy worker.
    let mut m = model(2);
    m.policy.hosts = vec![host("gpu", 1, &["sim"], &["gpu"])];
    boot(&mut m, 0);
    update(&mut m, seen(2, AgentState::Busy, Input::Empty, 1), 1);
    let defs = vec![
        labelled("never", &["codex"], &["gpu"]),
        labelled("later", &[], &["gpu"]),
    ];
    load(&mut m, defs, 2);
    let why = "no worker it accepts runs on a host with its labels (gpu)";
    // A run that probes agents again parks it, saying why.
    assert!(m.policy.spawn.probe_after_ms.is_some());
    let never = &m.tasks["never"];
    assert_eq!(never.state, TaskState::Pending);
    assert_eq!(never.unrunnable.as_deref(), Some(why));
    assert_eq!(m.tasks["later"].unrunnable, None);
    // A run that must end (`--auto`) fails it instead of waiting for ever.
    m.policy.spawn.probe_after_ms = None;
    update(&mut m, Observation::Tick, 3);
    let never = &m.tasks["never"];
    assert_eq!(never.state, TaskState::Failed, "{never:?}");
    let reason = never.reason.as_deref().unwrap_or_default();
    assert!(reason.contains(why), "{reason}");
    assert_eq!(m.tasks["later"].state, TaskState::Pending);
    assert_eq!(m.tasks["later"].worker, None);
}
