//! Failure storms through `update`: agents that cannot start are started again only after a
//! doubling wait, a profile is closed after failing `breaker_after` times in a row, its tasks are
//! parked (or failed in a run that must end), and starts stay under the cap.

use super::{def, load, model};
use crate::core::command::{Command, EventKind};
use crate::core::model::{AgentState, Model, TaskState};
use crate::core::observation::{Observation, SessionSeen};
use crate::core::update;

/// What the simulated fleet does with a start.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Agent {
    /// Shows its prompt at once.
    Good,
    /// Exits at once with status 127.
    Missing,
    /// Its session never shows up (a bad tmux socket).
    Vanishes,
    /// Comes up, then crashes after `secs`.
    CrashesAfter(u64),
}

pub(super) struct Fleet {
    pub(super) kind: fn(&str) -> Agent,
    /// Worker → when its agent dies (ms), for the agents that will.
    dies_at: Vec<(u32, u64)>,
    vanished: Vec<u32>,
    pub(super) commands: Vec<Command>,
    /// (profile, when) of every start asked for.
    started: Vec<(String, u64)>,
}

impl Fleet {
    pub(super) fn new(kind: fn(&str) -> Agent) -> Fleet {
        Fleet {
            kind,
            dies_at: Vec::new(),
            vanished: Vec::new(),
            commands: Vec::new(),
            started: Vec::new(),
        }
    }

    /// Ticks every 200 ms and lists the sessions every 2 s, from `from` to `to` (ms).
    pub(super) fn run(&mut self, m: &mut Model, from: u64, to: u64) {
        let mut now = from;
        while now < to {
            let out = update(m, Observation::Tick, now);
            self.react(m, out, now);
            if now.is_multiple_of(2_000) {
                let seen = self.listing(m, now);
                let out = update(m, Observation::Sessions(seen), now);
                self.react(m, out, now);
            }
            now += 200;
        }
    }

    fn listing(&mut self, m: &Model, now: u64) -> Vec<SessionSeen> {
        m.workers
            .values()
            .filter(|w| w.live && !w.starting && !self.vanished.contains(&w.id))
            .map(|w| {
                let dead = self
                    .dies_at
                    .iter()
                    .any(|(id, at)| *id == w.id && *at <= now);
                SessionSeen {
                    worker: w.id,
                    dead,
                    exit_status: dead.then_some(127),
                    activity: 0,
                    output: if dead {
                        vec!["czar pane-log: cannot run nosuch: No such file".into()]
                    } else {
                        Vec::new()
                    },
                    attached: false,
                }
            })
            .collect()
    }

    pub(super) fn react(&mut self, m: &mut Model, out: Vec<Command>, now: u64) {
        for c in out {
            if let Command::StartWorker { worker, profile } = &c {
                let worker = *worker;
                self.started.push((profile.clone(), now));
                self.dies_at.retain(|(id, _)| *id != worker);
                self.vanished.retain(|id| *id != worker);
                let more = update(
                    m,
                    Observation::WorkerStarted {
                        worker,
                        result: Ok(()),
                    },
                    now,
                );
                self.commands.extend(more);
                match (self.kind)(profile) {
                    Agent::Good => {
                        let more = super::idle(m, worker, now);
                        self.commands.extend(more);
                    }
                    Agent::Missing => self.dies_at.push((worker, now)),
                    Agent::Vanishes => self.vanished.push(worker),
                    Agent::CrashesAfter(secs) => {
                        super::idle(m, worker, now);
                        self.dies_at.push((worker, now + secs * 1000));
                    }
                }
            }
            self.commands.push(c);
        }
    }

    pub(super) fn starts(&self, profile: &str) -> usize {
        self.started.iter().filter(|(p, _)| p == profile).count()
    }

    pub(super) fn events(&self, kind: EventKind) -> Vec<String> {
        self.commands
            .iter()
            .filter_map(|c| match c {
                Command::Record(e) if e.kind == kind => Some(e.detail.clone()),
                _ => None,
            })
            .collect()
    }
}

fn headless(workers: u32, profile: &str) -> Model {
    let mut m = model(workers);
    m.policy.default_profile = profile.into();
    m.policy.spawn.probe_after_ms = None;
    m
}

#[test]
fn a_missing_agent_backs_off_opens_the_breaker_once_and_fails_the_tasks_with_the_cause() {
    let mut m = headless(2, "bad");
    let mut fleet = Fleet::new(|_| Agent::Missing);
    let out = load(&mut m, vec![def("a", &[], None), def("b", &["a"], None)], 0);
    fleet.react(&mut m, out, 0);
    fleet.run(&mut m, 0, 30_000);
    let starts = fleet.starts("bad");
    // Two at once, then one at a time after 2 s and 4 s: the fourth failure opens the breaker.
    assert_eq!(starts, 4, "{:?}", fleet.events(EventKind::WorkerStarted));
    let opened = fleet.events(EventKind::ProfileUnavailable);
    assert_eq!(opened.len(), 1, "{opened:?}");
    assert!(
        opened[0].contains("status 127 (command not found)")
            && opened[0].contains("cannot run nosuch"),
        "{}",
        opened[0]
    );
    assert_eq!(fleet.events(EventKind::EarlyExit).len(), 4);
    assert!(fleet.events(EventKind::WorkerCrashed).is_empty());
    assert_eq!(m.tasks["a"].state, TaskState::Failed);
    let reason = m.tasks["a"].reason.clone().unwrap();
    assert!(
        reason.contains("bad agent is unavailable") && reason.contains("127"),
        "{reason}"
    );
    assert_eq!(m.tasks["b"].state, TaskState::Failed);
    assert!(m.tasks["b"].unrunnable.is_some(), "tried again next time");
    assert!(m.drained(), "a headless run can end");
    // Nothing starts again, however long it runs.
    fleet.run(&mut m, 30_000, 600_000);
    assert_eq!(fleet.starts("bad"), 4);
}

#[test]
fn the_waits_between_tries_double() {
    let mut m = headless(1, "bad");
    m.policy.spawn.breaker_after = 6;
    let mut fleet = Fleet::new(|_| Agent::Missing);
    let out = load(&mut m, vec![def("a", &[], None)], 0);
    fleet.react(&mut m, out, 0);
    fleet.run(&mut m, 0, 120_000);
    let at: Vec<u64> = fleet.started.iter().map(|(_, t)| *t).collect();
    // Each try is seen dead at the next listing (every 2 s), then waits 1, 2, 4, 8, 16 s.
    let gaps: Vec<u64> = at.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(at.len(), 6, "{at:?}");
    for (gap, wait) in gaps.iter().zip([1_000u64, 2_000, 4_000, 8_000, 16_000]) {
        assert!(*gap >= wait && *gap < wait + 2_400, "gaps {gaps:?}");
    }
}

#[test]
fn a_vanishing_session_and_a_failed_start_count_as_failed_starts() {
    let mut m = headless(1, "bad");
    let mut fleet = Fleet::new(|_| Agent::Vanishes);
    let out = load(&mut m, vec![def("a", &[], None)], 0);
    fleet.react(&mut m, out, 0);
    fleet.run(&mut m, 0, 60_000);
    assert_eq!(fleet.events(EventKind::ProfileUnavailable).len(), 1);
    assert!(fleet.events(EventKind::EarlyExit)[0].contains("session disappeared"));
    assert_eq!(fleet.starts("bad"), 4);

    let mut m = headless(1, "bad");
    let mut out = load(&mut m, vec![def("a", &[], None)], 0);
    let mut now = 0;
    let mut starts = 0;
    while now < 60_000 {
        out.extend(update(&mut m, Observation::Tick, now));
        for c in std::mem::take(&mut out) {
            if let Command::StartWorker { worker, .. } = c {
                starts += 1;
                let result = Err("tmux new-session: error connecting".to_string());
                update(&mut m, Observation::WorkerStarted { worker, result }, now);
            }
        }
        now += 200;
    }
    assert_eq!(starts, 4);
    assert!(!m.profile_available("bad"));
    assert!(
        m.tasks["a"]
            .reason
            .as_deref()
            .unwrap()
            .contains("error connecting")
    );
}

#[test]
fn a_broken_profile_added_mid_run_is_closed_while_the_good_fleet_works_on() {
    let mut m = model(2);
    m.policy.spawn.probe_after_ms = Some(300_000);
    let out = load(&mut m, vec![def("good", &[], None)], 0);
    let kind = |p: &str| {
        if p == "broken" {
            Agent::Missing
        } else {
            Agent::Good
        }
    };
    let mut fleet = Fleet::new(kind);
    fleet.react(&mut m, out, 0);
    fleet.run(&mut m, 0, 2_000);
    let mut broken = def("needs-broken", &[], None);
    broken.agent = vec!["broken".into()];
    let out = load(&mut m, vec![def("good", &[], None), broken], 2_000);
    fleet.react(&mut m, out, 2_000);
    fleet.run(&mut m, 2_000, 62_000);
    assert_eq!(
        m.tasks["good"].state,
        TaskState::Assigned,
        "the fleet works on"
    );
    assert_eq!(fleet.starts("broken"), 4);
    assert_eq!(
        fleet.events(EventKind::WorkerAdded).len(),
        1,
        "one worker added"
    );
    assert_eq!(fleet.events(EventKind::ProfileUnavailable).len(), 1);
    let t = &m.tasks["needs-broken"];
    assert_eq!(t.state, TaskState::Pending);
    assert!(
        t.reason
            .as_deref()
            .unwrap()
            .starts_with("parked: the broken agent is unavailable"),
        "{:?}",
        t.reason
    );
    assert!(fleet.commands.len() < 100, "{}", fleet.commands.len());
}

#[test]
fn a_probe_that_comes_up_reopens_the_profile_and_unparks_its_tasks() {
    let mut m = model(1);
    m.policy.default_profile = "flaky".into();
    m.policy.spawn.probe_after_ms = Some(300_000);
    let mut fleet = Fleet::new(|_| Agent::Missing);
    let out = load(&mut m, vec![def("a", &[], None)], 0);
    fleet.react(&mut m, out, 0);
    fleet.run(&mut m, 0, 30_000);
    assert!(
        m.tasks["a"]
            .reason
            .as_deref()
            .unwrap()
            .starts_with("parked:")
    );
    fleet.run(&mut m, 30_000, 290_000);
    assert_eq!(fleet.starts("flaky"), 4, "no probe before its time");
    // The operator fixed the agent meanwhile: the probe comes up.
    fleet.kind = |_| Agent::Good;
    fleet.run(&mut m, 290_000, 320_000);
    assert_eq!(fleet.starts("flaky"), 5, "one probe");
    assert_eq!(fleet.events(EventKind::ProfileAvailable).len(), 1);
    assert_eq!(m.tasks["a"].state, TaskState::Assigned);
    assert_eq!(m.tasks["a"].unrunnable, None);
}

#[test]
fn agents_that_come_up_then_crash_are_restarted_under_the_cap_and_never_close_the_profile() {
    let mut m = headless(1, "sim");
    m.policy.max_restarts = 1000;
    let mut fleet = Fleet::new(|_| Agent::CrashesAfter(1));
    let out = load(&mut m, vec![def("a", &[], None)], 0);
    fleet.react(&mut m, out, 0);
    fleet.run(&mut m, 0, 180_000);
    let starts = fleet.starts("sim");
    let cap = crate::core::spawn::start_cap(&m);
    assert!(starts > cap, "it keeps trying: {starts}");
    assert!(
        starts <= 3 * cap,
        "{starts} starts in 3 minutes, cap {cap} a minute"
    );
    let throttled = fleet.events(EventKind::Throttled).len();
    assert!(
        (1..=3).contains(&throttled),
        "one event per window: {throttled}"
    );
    assert!(m.profile_available("sim"));
    assert!(fleet.events(EventKind::EarlyExit).is_empty());
}

#[test]
fn an_agent_listed_alive_after_the_early_window_came_up_even_without_a_screen() {
    let mut m = headless(1, "quiet");
    update(&mut m, Observation::Tick, 0);
    let result = Ok(());
    update(&mut m, Observation::WorkerStarted { worker: 1, result }, 0);
    let alive = || {
        Observation::Sessions(vec![SessionSeen {
            worker: 1,
            dead: false,
            exit_status: None,
            activity: 0,
            output: Vec::new(),
            attached: false,
        }])
    };
    update(&mut m, alive(), 4_000);
    assert!(
        m.workers[&1].vitals.launched_at.is_some(),
        "still in the early window"
    );
    m.profiles.get_mut("quiet").unwrap().failures = 2;
    update(&mut m, alive(), 6_000);
    assert_eq!(m.workers[&1].vitals.launched_at, None);
    assert_eq!(m.workers[&1].agent, AgentState::Starting);
    assert_eq!(m.profiles["quiet"].failures, 0, "its profile starts again");
}

#[test]
fn the_next_czar_tries_again_what_the_last_could_not_run() {
    let mut m = headless(1, "bad");
    let mut fleet = Fleet::new(|_| Agent::Missing);
    let out = load(&mut m, vec![def("a", &[], None), def("b", &["a"], None)], 0);
    fleet.react(&mut m, out, 0);
    fleet.run(&mut m, 0, 30_000);
    assert_eq!(m.tasks["b"].state, TaskState::Failed);
    // The operator installs the agent and runs the czar again: it starts from the store.
    m.profiles.clear();
    let out = update(&mut m, Observation::Resumed, 40_000);
    for id in ["a", "b"] {
        assert_eq!(m.tasks[id].state, TaskState::Pending, "{id}");
        assert!(
            m.tasks[id]
                .reason
                .as_deref()
                .unwrap()
                .starts_with("tried again")
        );
    }
    assert!(
        out.iter()
            .any(|c| matches!(c, Command::Record(e) if e.kind == EventKind::Requeued))
    );
}
