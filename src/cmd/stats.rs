//! `czar stats`: what the run cost and how much of it needed a human, from the state store.

use crate::adapters::store::EventRow;
use crate::core::model::{Task, TaskState, Usage, Worker, WorkerId};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize, PartialEq)]
pub struct TaskStats {
    pub id: String,
    pub state: &'static str,
    pub attempts: u32,
    /// From queued to first handed out, seconds.
    pub queued_secs: Option<f64>,
    /// From the first accepted delivery to done or failed, seconds.
    pub worked_secs: Option<f64>,
    pub restarts: u32,
    pub auto_answers: u32,
    pub interventions: u32,
    pub verify_failures: u32,
    /// Tokens its agents reported (Claude Code: from its transcript).
    pub tokens: Usage,
    /// What they cost, in dollars (None: no prices and none reported).
    pub cost: Option<f64>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct RunStats {
    pub tasks: usize,
    pub done: usize,
    pub failed: usize,
    pub attempts: u32,
    pub restarts: u32,
    pub auto_answers: u32,
    pub interventions: u32,
    pub verify_failures: u32,
    /// Share of done tasks finished with no operator intervention (1.0 = fully autonomous).
    pub autonomy: Option<f64>,
    /// Share of changed files touched by more than one task, from the latest comparison.
    pub duplication: Option<f64>,
    /// Agents started and lost, in all and per profile: a failure storm shows here.
    pub churn: Churn,
    /// Landing on the target: `None` when nothing was queued to land.
    pub landing: Option<super::land_stats::LandStats>,
    /// Tokens of every task together.
    pub tokens: Usage,
    pub per_task: Vec<TaskStats>,
    /// The run's cost and each worker's tokens, cost and context (see `spend`).
    #[serde(flatten)]
    pub spend: super::spend::Spend,
}

/// How often agents were started and how those starts went.
#[derive(Debug, Serialize, PartialEq, Default, Clone)]
pub struct ChurnCounts {
    /// Sessions started.
    pub worker_starts: u32,
    /// Sessions that could not be started.
    pub failed_starts: u32,
    /// Agents gone before they came up.
    pub early_exits: u32,
    /// Agents that crashed after they came up.
    pub crashes: u32,
    pub retirements: u32,
    /// Times a profile was marked unavailable.
    pub breaker_openings: u32,
    /// Starts held back by the cap on starts per minute.
    pub throttled: u32,
}

#[derive(Debug, Serialize, PartialEq, Default)]
pub struct Churn {
    #[serde(flatten)]
    pub all: ChurnCounts,
    pub per_profile: BTreeMap<String, ChurnCounts>,
}

/// Counts the events of starts and losses, each under its worker's profile (or, for an event
/// of no worker, the profile its detail names: "the <profile> agent ...").
pub fn churn(workers: &BTreeMap<WorkerId, Worker>, events: &[EventRow]) -> Churn {
    let mut c = Churn::default();
    for e in events {
        if !bump(&mut c.all, &e.kind) {
            continue;
        }
        let profile = match e.worker.and_then(|w| workers.get(&w)) {
            Some(w) => w.profile.as_str(),
            None => e
                .detail
                .strip_prefix("the ")
                .and_then(|d| d.split_once(" agent "))
                .map_or("?", |(p, _)| p),
        };
        bump(
            c.per_profile.entry(profile.to_string()).or_default(),
            &e.kind,
        );
    }
    c
}

/// Adds one to the count an event of `kind` belongs to; false when it belongs to none.
fn bump(n: &mut ChurnCounts, kind: &str) -> bool {
    let slot = match kind {
        "worker_started" => &mut n.worker_starts,
        "worker_failed" => &mut n.failed_starts,
        "early_exit" => &mut n.early_exits,
        "worker_crashed" => &mut n.crashes,
        "worker_retired" => &mut n.retirements,
        "profile_unavailable" => &mut n.breaker_openings,
        "start_throttled" => &mut n.throttled,
        _ => return false,
    };
    *slot += 1;
    true
}

fn secs(from: u64, to: u64) -> f64 {
    to.saturating_sub(from) as f64 / 1000.0
}

pub fn compute(
    tasks: &BTreeMap<String, Task>,
    workers: &BTreeMap<WorkerId, Worker>,
    events: &[EventRow],
) -> RunStats {
    let count = |kind: &str, task: &str| -> u32 {
        events
            .iter()
            .filter(|e| e.kind == kind && e.task.as_deref() == Some(task))
            .count() as u32
    };
    let per_task: Vec<TaskStats> = tasks
        .values()
        .map(|t| {
            let id = t.def.id.as_str();
            let first_assigned = events
                .iter()
                .find(|e| e.kind == "assigned" && e.task.as_deref() == Some(id))
                .map(|e| e.at);
            TaskStats {
                id: id.to_string(),
                state: t.state.as_str(),
                attempts: t.attempts,
                queued_secs: first_assigned.map(|a| secs(t.times.queued, a)),
                worked_secs: t
                    .times
                    .started
                    .zip(t.times.finished)
                    .map(|(s, f)| secs(s, f)),
                restarts: count("worker_crashed", id) + count("early_exit", id),
                auto_answers: count("auto_answer", id),
                interventions: count("operator", id),
                verify_failures: t.verify_failures,
                tokens: t.usage,
                cost: crate::core::tokens::dollars(t.usage.cost_micros),
            }
        })
        .collect();
    let done: Vec<&TaskStats> = per_task
        .iter()
        .filter(|t| t.state == TaskState::Done.as_str())
        .collect();
    let autonomous = done.iter().filter(|t| t.interventions == 0).count();
    RunStats {
        tasks: per_task.len(),
        done: done.len(),
        failed: per_task
            .iter()
            .filter(|t| t.state == TaskState::Failed.as_str())
            .count(),
        attempts: per_task.iter().map(|t| t.attempts).sum(),
        restarts: per_task.iter().map(|t| t.restarts).sum(),
        auto_answers: events.iter().filter(|e| e.kind == "auto_answer").count() as u32,
        interventions: events.iter().filter(|e| e.kind == "operator").count() as u32,
        verify_failures: per_task.iter().map(|t| t.verify_failures).sum(),
        autonomy: (!done.is_empty()).then(|| autonomous as f64 / done.len() as f64),
        duplication: events
            .iter()
            .rev()
            .find(|e| e.kind == "duplication")
            .and_then(|e| duplication_share(&e.detail)),
        churn: churn(workers, events),
        landing: super::land_stats::compute(tasks, events),
        tokens: per_task
            .iter()
            .fold(Usage::default(), |a, t| a.plus(&t.tokens)),
        per_task,
        spend: Default::default(),
    }
}

/// "3 of 12 changed files ..." -> 0.25
fn duplication_share(detail: &str) -> Option<f64> {
    let mut words = detail.split_whitespace();
    let shared: f64 = words.next()?.parse().ok()?;
    let total: f64 = words.nth(1)?.parse().ok()?;
    Some(if total > 0.0 { shared / total } else { 0.0 })
}

pub fn table(s: &RunStats) -> String {
    let mut out = format!(
        "tasks {}  done {}  failed {}  attempts {}  restarts {}  auto-answers {}  operator interventions {}  verify failures {}  autonomy {}  duplication {}  tokens {}\n\n",
        s.tasks,
        s.done,
        s.failed,
        s.attempts,
        s.restarts,
        s.auto_answers,
        s.interventions,
        s.verify_failures,
        s.autonomy
            .map_or("-".to_string(), |a| format!("{:.0}%", a * 100.0)),
        s.duplication
            .map_or("-".to_string(), |d| format!("{:.0}%", d * 100.0)),
        super::spend::tokens(&s.tokens)
    );
    let churn_line = |n: &ChurnCounts| {
        format!(
            "starts {}  failed starts {}  early exits {}  crashes {}  retirements {}  breaker openings {}  throttled {}",
            n.worker_starts,
            n.failed_starts,
            n.early_exits,
            n.crashes,
            n.retirements,
            n.breaker_openings,
            n.throttled
        )
    };
    out.push_str(&super::spend::table(&s.spend));
    if let Some(l) = &s.landing {
        out.push_str(&super::land_stats::line(l));
    }
    out.push_str(&format!("workers: {}\n", churn_line(&s.churn.all)));
    for (profile, n) in &s.churn.per_profile {
        out.push_str(&format!("  {profile}: {}\n", churn_line(n)));
    }
    out.push('\n');
    out.push_str(&format!(
        "{:<24} {:<9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}  {}\n",
        "TASK",
        "STATE",
        "ATTEMPTS",
        "QUEUED",
        "WORKED",
        "RESTARTS",
        "ANSWERS",
        "OPERATOR",
        "VERIFY✗",
        "TOKENS (in/out/cache read/cache write) COST"
    ));
    let fmt = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.1}s"));
    for t in &s.per_task {
        out.push_str(&format!(
            "{:<24} {:<9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}  {} {}\n",
            crate::visible::one_line(&t.id),
            t.state,
            t.attempts,
            fmt(t.queued_secs),
            fmt(t.worked_secs),
            t.restarts,
            t.auto_answers,
            t.interventions,
            t.verify_failures,
            super::spend::tokens(&t.tokens),
            super::spend::cost(t.cost)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::TaskDef;

    fn ev(at: u64, kind: &str, task: &str) -> EventRow {
        EventRow {
            seq: 0,
            at,
            worker: Some(1),
            task: Some(task.into()),
            kind: kind.into(),
            detail: String::new(),
        }
    }

    #[test]
    fn autonomy_counts_done_tasks_without_operator_events() {
        let mut tasks = BTreeMap::new();
        for (id, state) in [
            ("a", TaskState::Done),
            ("b", TaskState::Done),
            ("c", TaskState::Failed),
        ] {
            let mut t = Task::new(
                TaskDef {
                    id: id.into(),
                    ..TaskDef::default()
                },
                1000,
            );
            t.state = state;
            t.attempts = 1;
            t.times.started = Some(3000);
            t.times.finished = Some(5500);
            tasks.insert(id.to_string(), t);
        }
        let events = vec![
            ev(2000, "assigned", "a"),
            ev(2100, "operator", "b"),
            ev(2200, "worker_crashed", "a"),
            ev(2300, "auto_answer", "a"),
            EventRow {
                detail: "1 of 4 changed files touched by more than one task".into(),
                ..ev(2400, "duplication", "a")
            },
        ];
        let s = compute(&tasks, &BTreeMap::new(), &events);
        assert_eq!(
            (
                s.done,
                s.failed,
                s.restarts,
                s.auto_answers,
                s.interventions
            ),
            (2, 1, 1, 1, 1)
        );
        assert_eq!(s.autonomy, Some(0.5));
        assert_eq!(s.duplication, Some(0.25));
        assert_eq!(s.per_task[0].queued_secs, Some(1.0));
        assert_eq!(s.per_task[0].worked_secs, Some(2.5));
    }

    #[test]
    fn churn_counts_starts_and_losses_per_profile() {
        let workers: BTreeMap<WorkerId, Worker> = [(1, "sim"), (3, "broken")]
            .into_iter()
            .map(|(id, p)| {
                let w = Worker {
                    id,
                    profile: p.into(),
                    ..Worker::default()
                };
                (id, w)
            })
            .collect();
        let ev = |worker: Option<u32>, kind: &str, detail: &str| EventRow {
            seq: 0,
            at: 0,
            worker,
            task: None,
            kind: kind.into(),
            detail: detail.into(),
        };
        let events = vec![
            ev(Some(1), "worker_started", "sim"),
            ev(Some(3), "worker_started", "broken"),
            ev(Some(3), "early_exit", "exited with status 127"),
            ev(Some(3), "worker_started", "broken"),
            ev(Some(3), "early_exit", "exited with status 127"),
            ev(
                Some(3),
                "profile_unavailable",
                "the broken agent is unavailable",
            ),
            ev(
                None,
                "start_throttled",
                "the broken agent was started 12 times",
            ),
            ev(Some(1), "worker_crashed", "agent process exited"),
            ev(Some(1), "worker_retired", "retired after 5 restarts"),
            ev(Some(1), "assigned", "attempt 1"),
        ];
        let c = churn(&workers, &events);
        let expect = |starts, early, crashes, retired, opened, throttled| ChurnCounts {
            worker_starts: starts,
            failed_starts: 0,
            early_exits: early,
            crashes,
            retirements: retired,
            breaker_openings: opened,
            throttled,
        };
        assert_eq!(c.all, expect(3, 2, 1, 1, 1, 1));
        assert_eq!(c.per_profile["broken"], expect(2, 2, 0, 0, 1, 1));
        assert_eq!(c.per_profile["sim"], expect(1, 0, 1, 1, 0, 0));
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["early_exits"], 2);
        assert_eq!(json["per_profile"]["broken"]["breaker_openings"], 1);
    }
}
