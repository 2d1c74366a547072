//! Routing: a task that accepts several profiles, or requires tags, goes to the first of them
//! that is available; every profile passed over is recorded with why.

use super::storms::{Agent, Fleet};
use super::{def, load, model};
use crate::core::command::EventKind;
use crate::core::model::{
    AccountLimit, AgentState, Model, ProfileHealth, TaskDef, TaskState, Unavailable, Worker,
};
use crate::core::queue::plan_assignments;
use crate::core::route::{accepts, candidates, choose};

fn idle_worker(m: &mut Model, id: u32, profile: &str) {
    m.workers.insert(
        id,
        Worker {
            id,
            profile: profile.into(),
            live: true,
            agent: AgentState::Idle,
            ..Worker::default()
        },
    );
}

fn routed(agent: &[&str], tags: &[&str]) -> TaskDef {
    TaskDef {
        agent: agent.iter().map(|s| s.to_string()).collect(),
        tags: tags.iter().map(|s| s.to_string()).collect(),
        ..def("t", &[], None)
    }
}

fn break_profile(m: &mut Model, profile: &str) {
    let health = ProfileHealth {
        unavailable: Some(Unavailable {
            since: 0,
            cause: "exited with status 127".into(),
            worker: 9,
            probes: 0,
            probe_at: None,
            probing: false,
        }),
        ..ProfileHealth::default()
    };
    m.profiles.insert(profile.into(), health);
}

fn fleet_of(profiles: &[(&str, &[&str])]) -> Model {
    let mut m = model(0);
    for (i, (p, tags)) in profiles.iter().enumerate() {
        idle_worker(&mut m, i as u32 + 1, p);
        let tags = tags.iter().map(|t| t.to_string()).collect();
        m.policy.tags.insert(p.to_string(), tags);
    }
    m
}

#[test]
fn the_first_accepted_profile_with_a_free_worker_takes_it() {
    let m = fleet_of(&[("claude", &[]), ("codex", &[])]);
    let r = choose(&m, &routed(&["codex", "claude"], &[]), &[1, 2]);
    assert_eq!((r.worker, r.skipped.len()), (Some(2), 0));
    let r = choose(&m, &routed(&["codex", "claude"], &[]), &[1]);
    assert_eq!(r.worker, Some(1));
    assert_eq!(r.skipped, ["codex: no free worker"]);
}

#[test]
fn a_profile_whose_breaker_is_open_is_passed_over_with_its_cause() {
    let mut m = fleet_of(&[("claude", &[]), ("codex", &[])]);
    break_profile(&mut m, "codex");
    let r = choose(&m, &routed(&["codex", "claude"], &[]), &[1, 2]);
    assert_eq!(r.worker, Some(1));
    assert_eq!(
        r.skipped,
        ["codex: profile unavailable: exited with status 127"]
    );
}

#[test]
fn a_profile_whose_accounts_are_all_limited_is_passed_over() {
    let mut m = fleet_of(&[("claude", &[]), ("codex", &[])]);
    m.policy
        .accounts
        .insert("codex".into(), vec!["a".into(), "b".into()]);
    let limit = AccountLimit {
        until: 10,
        tries: 1,
        why: "429".into(),
        holding: true,
    };
    m.limits.insert("codex/a".into(), limit.clone());
    let r = choose(&m, &routed(&["codex", "claude"], &[]), &[1, 2]);
    assert_eq!(r.worker, Some(2), "one account of codex is still free");
    m.limits.insert("codex/b".into(), limit);
    let r = choose(&m, &routed(&["codex", "claude"], &[]), &[1, 2]);
    assert_eq!(r.worker, Some(1));
    assert_eq!(
        r.skipped,
        ["codex: every account rate-limited or out of quota"]
    );
}

#[test]
fn tags_pick_the_profiles_declaring_all_of_them_default_first() {
    let mut m = fleet_of(&[
        ("aider", &["rust"]),
        ("claude", &["rust", "big-context"]),
        ("codex", &["rust", "big-context"]),
    ]);
    m.policy.default_profile = "codex".into();
    let def = routed(&[], &["rust", "big-context"]);
    assert_eq!(candidates(&m, &def), ["codex", "claude"]);
    assert!(!accepts(&m, &def, "aider"));
    assert_eq!(choose(&m, &def, &[1, 2, 3]).worker, Some(3));
    assert_eq!(choose(&m, &def, &[1, 2]).worker, Some(2));
    let r = choose(&m, &def, &[1]);
    assert_eq!(r.worker, None, "aider lacks big-context");
    assert_eq!(
        r.skipped,
        ["codex: no free worker", "claude: no free worker"]
    );
    // A list and tags: the listed profiles that declare the tags.
    let both = routed(&["aider", "claude"], &["big-context"]);
    assert_eq!(candidates(&m, &both), ["claude"]);
}

#[test]
fn a_worker_only_takes_tasks_that_accept_its_profile() {
    let mut m = fleet_of(&[("claude", &[]), ("sim", &[])]);
    let mut only_codex = routed(&["codex"], &[]);
    only_codex.id = "c".into();
    let mut either = routed(&["sim", "claude"], &[]);
    either.id = "e".into();
    either.priority = -1;
    load(&mut m, vec![only_codex, either], 0);
    let plan = plan_assignments(&m);
    let ids: Vec<(u32, &str)> = plan.iter().map(|(w, t, _)| (*w, t.as_str())).collect();
    // Worker 1 would have been free for the codex task; it gets none. (Assignments were made
    // by the load itself: they are checked on the model.)
    assert!(ids.is_empty(), "{ids:?}");
    assert_eq!(m.tasks["e"].worker, Some(2));
    assert_eq!(m.tasks["c"].state, TaskState::Pending);
    assert_eq!(m.workers[&1].task, None);
}

#[test]
fn a_task_runs_on_its_second_profile_when_the_first_cannot_start() {
    let mut m = model(1);
    m.policy.default_profile = "broken".into();
    m.policy.spawn.probe_after_ms = Some(300_000);
    let mut fleet = Fleet::new(|p| {
        if p == "broken" {
            Agent::Missing
        } else {
            Agent::Good
        }
    });
    let mut t = def("t", &[], None);
    t.agent = vec!["broken".into(), "sim".into()];
    let out = load(&mut m, vec![t], 0);
    fleet.react(&mut m, out, 0);
    fleet.run(&mut m, 0, 60_000);
    assert_eq!(fleet.starts("broken"), 4, "until its breaker opened");
    assert_eq!(fleet.starts("sim"), 1, "one worker added for the task");
    let t = &m.tasks["t"];
    assert_eq!(t.state, TaskState::Assigned);
    let w = t.worker.unwrap();
    assert_eq!(m.workers[&w].profile, "sim");
    assert_eq!(t.route.skipped.len(), 1, "{:?}", t.route.skipped);
    assert!(
        t.route.skipped[0].starts_with("broken: profile unavailable"),
        "{:?}",
        t.route.skipped
    );
    let said = fleet.events(EventKind::Routed);
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("to sim; passed over broken: profile unavailable"),
        "{said:?}"
    );
}

/// Worker 1 (sim) works on `a`, which accepts `agent`; workers 2 (codex) and 3 (claude) are
/// idle. Worker 1's agent then shows a rate limit.
fn limited_on_sim(agent: &[&str]) -> Model {
    use crate::core::model::Input;
    use crate::core::observation::{Observation, Seen};
    let mut m = fleet_of(&[("sim", &[]), ("codex", &[]), ("claude", &[])]);
    let mut t = crate::core::model::Task::new(routed(agent, &[]), 0);
    t.def.id = "a".into();
    t.state = TaskState::Working;
    t.worker = Some(1);
    m.tasks.insert("a".into(), t);
    let w = m.workers.get_mut(&1).unwrap();
    w.task = Some("a".into());
    w.agent = AgentState::Busy;
    let limited = Observation::AgentSeen {
        worker: 1,
        seen: Seen {
            state: AgentState::RateLimited,
            reason: "rate limit: resets in 3600s".into(),
            input: Input::Empty,
            ..Seen::default()
        },
    };
    crate::core::update(&mut m, limited, 5);
    m
}

#[test]
fn a_rate_limited_task_moves_only_to_another_profile_it_accepts() {
    let m = limited_on_sim(&["sim", "claude"]);
    assert_eq!(m.tasks["a"].worker, Some(3), "claude, not codex");
    assert_eq!(m.workers[&1].task, None);
    let m = limited_on_sim(&["sim"]);
    assert_eq!(
        m.tasks["a"].worker,
        Some(1),
        "it accepts no other profile: it waits"
    );
}

/// The `routed` events in `out`.
fn routed_events(out: &[crate::core::command::Command]) -> Vec<String> {
    out.iter()
        .filter_map(|c| match c {
            crate::core::command::Command::Record(e) if e.kind == EventKind::Routed => {
                Some(e.detail.clone())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_task_every_accepted_profile_passes_over_says_why_it_waits_once_per_reason() {
    use crate::core::observation::Observation;
    use crate::core::update;
    // codex's breaker is open; claude's only worker is busy on another task.
    let mut m = fleet_of(&[("codex", &[]), ("claude", &[])]);
    break_profile(&mut m, "codex");
    m.workers.get_mut(&2).unwrap().agent = AgentState::Busy;
    m.workers.get_mut(&2).unwrap().task = Some("other".into());
    let out = load(&mut m, vec![routed(&["codex", "claude"], &[])], 0);
    let why = "codex: profile unavailable: exited with status 127; claude: no free worker";
    assert_eq!(m.tasks["t"].state, TaskState::Pending);
    assert_eq!(m.tasks["t"].route.waiting.as_deref(), Some(why));
    assert_eq!(routed_events(&out), [format!("waits; passed over {why}")]);
    // The same reason on the next ticks: no new event.
    for now in [1_000, 2_000] {
        let out = update(&mut m, Observation::Tick, now);
        assert!(routed_events(&out).is_empty(), "{out:?}");
    }
    // claude's worker comes free: the task goes there, and no longer waits.
    let w = m.workers.get_mut(&2).unwrap();
    w.agent = AgentState::Idle;
    w.task = None;
    let out = update(&mut m, Observation::Tick, 3_000);
    assert_eq!(m.tasks["t"].worker, Some(2));
    assert_eq!(m.tasks["t"].route.waiting, None);
    assert_eq!(
        routed_events(&out),
        ["to claude; passed over codex: profile unavailable: exited with status 127"]
    );
}

#[test]
fn a_task_whose_named_profiles_lack_its_tags_goes_to_no_worker() {
    // Only claude declares rust; the task names codex alone. It must not fall back to "any".
    let m = fleet_of(&[("codex", &[]), ("claude", &["rust"]), ("sim", &[])]);
    let def = routed(&["codex"], &["rust"]);
    assert!(candidates(&m, &def).is_empty());
    let r = choose(&m, &def, &[1, 2, 3]);
    assert_eq!(r.worker, None, "{r:?}");
    assert_eq!(
        r.skipped,
        ["no profile it names declares every tag it requires"]
    );
    // A task with neither key still takes any free worker.
    assert_eq!(choose(&m, &routed(&[], &[]), &[3]).worker, Some(3));
}
