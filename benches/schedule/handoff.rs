//! One run's handoffs and makespan, from what both the czar and the sims wrote down: the sims'
//! timeline (when each agent took a task and ended it, `busy` / `idle`) and the czar's events
//! `assigned`, `finished`, `done` and `delivered`, which every czar version records.
//!
//! A handoff starts when the agent ends its task (its `idle` mark: it has committed and run
//! `czar done`, and from then on it sits at its prompt). That, rather than the `done` event, is
//! when the worker stops being of use, and the czar's noticing the end and verifying it are
//! part of what the next task waits for. It ends when the agent takes the next task (its next
//! `busy` mark: the sim noted the submit) and when the czar records that delivery.
//!
//! Only handoffs with work waiting count: at the moment the task ended, more tasks were ready
//! for the worker (every `needs` done, or needing only the task it just ended, and given to no
//! one yet) than other workers sat at their prompt with nothing given to them.

use super::plan::Plan;
use super::shared::Mark;
use czar::adapters::store::EventRow;
use std::collections::{BTreeMap, BTreeSet};

/// The steps of a handoff, as events tell them.
pub const STAGES: [&str; 5] = [
    "task ended -> czar's finished event",
    "finished -> done (tasks with a verify)",
    "done -> next task assigned",
    "assigned -> agent busy (paste, Enter)",
    "agent busy -> delivered event",
];

#[derive(Debug, Clone)]
pub struct Handoff {
    pub worker: u32,
    /// A ready task was waiting for this worker (see the module's comment).
    pub counted: bool,
    /// Task ended -> the agent took the next one (busy mark).
    pub to_busy: u64,
    /// Task ended -> the czar recorded the delivery.
    pub to_delivered: Option<u64>,
    /// Each of `STAGES`; a step the czar recorded a few ms before the sim wrote its mark (the
    /// sim notes its end after its `czar done`) counts as 0.
    pub stages: [Option<u64>; 5],
}

/// Where the workers' time went between the first assignment and the last done, in
/// worker-milliseconds.
#[derive(Debug, Clone, Default)]
pub struct WorkerTime {
    pub working: u64,
    pub handoffs: u64,
    pub nothing_ready: u64,
    /// Before the worker's first task: the fleet starting.
    pub before_first: u64,
    /// After its last task, while others finish theirs.
    pub after_last: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub handoffs: Vec<Handoff>,
    /// First `assigned` to last `done`.
    pub makespan_ms: u64,
    pub time: WorkerTime,
    /// Per task, the agent's time beyond the planned duration (its commit and `czar done`).
    pub overrun: Vec<u64>,
    /// The makespan the run's own order of assignments would give with no time between tasks
    /// (see [`order_only_ms`]).
    pub order_only_ms: u64,
    pub tasks_done: usize,
}

/// A span of work on one worker: the busy mark, the idle mark that ended it, its task and
/// when the czar assigned it.
struct Span {
    busy: u64,
    idle: Option<u64>,
    task: Option<String>,
    assigned: Option<u64>,
}

pub fn analyse(marks: &[Mark], events: &[EventRow], plan: &Plan, workers: usize) -> Analysis {
    let of = |kind: &'static str| events.iter().filter(move |e| e.kind == kind);
    let first_assigned = of("assigned").map(|e| e.at).min().unwrap_or(0);
    let done: BTreeMap<&str, u64> = of("done")
        .filter_map(|e| Some((e.task.as_deref()?, e.at)))
        .fold(BTreeMap::new(), |mut m, (t, at)| {
            m.entry(t).or_insert(at);
            m
        });
    let last_done = done.values().copied().max().unwrap_or(first_assigned);
    let spans = spans(marks, events);
    let mut a = Analysis {
        makespan_ms: last_done.saturating_sub(first_assigned),
        tasks_done: done.len(),
        ..Analysis::default()
    };
    for (&worker, list) in &spans {
        for (i, s) in list.iter().enumerate() {
            let Some(idle) = s.idle else { continue };
            let planned = s.task.as_ref().and_then(|t| plan.tasks.get(t));
            if let Some(p) = planned {
                a.overrun
                    .push(idle.saturating_sub(s.busy).saturating_sub(p.duration_ms));
            }
            let Some(next) = list.get(i + 1) else {
                continue;
            };
            let h = handoff(worker, s, next, events, &spans, plan, &done);
            a.handoffs.push(h);
        }
    }
    a.time = worker_time(&spans, &a.handoffs, first_assigned, last_done, workers);
    a.order_only_ms = order_only_ms(events, plan, workers);
    a
}

/// The tasks in the order the czar first assigned them, each started as soon as a worker is
/// free and its needs are done, each taking its planned duration: what that order costs
/// without any handoff, start-up or agent overhead. Against the measured makespan it tells
/// the time between tasks from the order the tasks were taken in.
pub fn order_only_ms(events: &[EventRow], plan: &Plan, workers: usize) -> u64 {
    let mut free = vec![0u64; workers.max(1)];
    let mut end: BTreeMap<&str, u64> = BTreeMap::new();
    for e in events.iter().filter(|e| e.kind == "assigned") {
        let Some(id) = e.task.as_deref() else {
            continue;
        };
        let Some(t) = plan.tasks.get(id) else {
            continue;
        };
        if end.contains_key(id) {
            continue;
        }
        let ready = t.needs.iter().filter_map(|n| end.get(n.as_str())).max();
        let Some((slot, at)) = free.iter().copied().enumerate().min_by_key(|(_, at)| *at) else {
            continue;
        };
        let start = at.max(ready.copied().unwrap_or(0));
        free[slot] = start + t.duration_ms;
        end.insert(id, start + t.duration_ms);
    }
    end.values().copied().max().unwrap_or(0)
}

/// Each worker's spans of work, in order, each with the task last assigned to it by then.
fn spans(marks: &[Mark], events: &[EventRow]) -> BTreeMap<u32, Vec<Span>> {
    let mut out: BTreeMap<u32, Vec<Span>> = BTreeMap::new();
    for m in marks {
        let list = out.entry(m.worker).or_default();
        match m.state.as_str() {
            "busy" => {
                let assigned = events
                    .iter()
                    .rfind(|e| e.kind == "assigned" && e.worker == Some(m.worker) && e.at <= m.at);
                list.push(Span {
                    busy: m.at,
                    idle: None,
                    task: assigned.and_then(|e| e.task.clone()),
                    assigned: assigned.map(|e| e.at),
                });
            }
            "idle" => {
                if let Some(s) = list.last_mut().filter(|s| s.idle.is_none()) {
                    s.idle = Some(m.at);
                }
            }
            _ => {}
        }
    }
    out
}

/// The first `kind` event for `task` from `from` on, or up to 50 ms before it: the sim notes
/// its marks after the fact, so the czar can record a step a moment earlier.
fn first(events: &[EventRow], kind: &str, task: Option<&str>, from: u64) -> Option<u64> {
    let task = task?;
    events
        .iter()
        .find(|e| e.kind == kind && e.task.as_deref() == Some(task) && e.at + 50 >= from)
        .map(|e| e.at)
}

fn handoff(
    worker: u32,
    ended: &Span,
    next: &Span,
    events: &[EventRow],
    spans: &BTreeMap<u32, Vec<Span>>,
    plan: &Plan,
    done: &BTreeMap<&str, u64>,
) -> Handoff {
    let t0 = ended.idle.unwrap_or(ended.busy);
    let (old, new) = (ended.task.as_deref(), next.task.as_deref());
    let finished = first(events, "finished", old, ended.busy);
    let done_at = old.and_then(|t| done.get(t).copied());
    let assigned = next.assigned;
    let delivered = first(events, "delivered", new, assigned.unwrap_or(t0));
    let gap = |from: Option<u64>, to: Option<u64>| Some(to?.saturating_sub(from?));
    let verify = old
        .and_then(|t| plan.tasks.get(t))
        .is_some_and(|p| p.verify);
    let stages = [
        gap(Some(t0), finished),
        if verify { gap(finished, done_at) } else { None },
        gap(done_at, assigned),
        gap(assigned, Some(next.busy)),
        gap(Some(next.busy), delivered),
    ];
    Handoff {
        worker,
        counted: work_waiting(worker, t0, ended, events, spans, plan, done),
        to_busy: next.busy.saturating_sub(t0),
        to_delivered: gap(Some(t0), delivered),
        stages,
    }
}

/// Whether more tasks were ready for `worker` when its task ended at `t0` than other workers
/// waited at their prompt with nothing assigned.
fn work_waiting(
    worker: u32,
    t0: u64,
    ended: &Span,
    events: &[EventRow],
    spans: &BTreeMap<u32, Vec<Span>>,
    plan: &Plan,
    done: &BTreeMap<&str, u64>,
) -> bool {
    let done_by: BTreeSet<&str> = done
        .iter()
        .filter(|(_, at)| **at <= t0)
        .map(|(t, _)| *t)
        .collect();
    let own = ended.task.as_deref();
    let mut first_assigned: BTreeMap<&str, &EventRow> = BTreeMap::new();
    for e in events.iter().filter(|e| e.kind == "assigned") {
        if let Some(t) = e.task.as_deref() {
            first_assigned.entry(t).or_insert(e);
        }
    }
    let ready = plan
        .tasks
        .iter()
        .filter(|(id, _)| Some(id.as_str()) != own && !done_by.contains(id.as_str()))
        .filter(|(id, _)| match first_assigned.get(id.as_str()) {
            None => true,
            // Its own next task, given to it a moment before its mark (the czar can be faster
            // than the sim's note), was still waiting for it.
            Some(e) => e.at > t0 || (e.worker == Some(worker) && e.at >= ended.busy),
        })
        .filter(|(_, t)| {
            t.needs
                .iter()
                .all(|n| done_by.contains(n.as_str()) || Some(n.as_str()) == own)
        })
        .count();
    let waiting = spans
        .iter()
        .filter(|(w, _)| **w != worker)
        .filter(|(w, list)| {
            let Some(last) = list.iter().rfind(|s| s.busy <= t0) else {
                return false;
            };
            let Some(idle) = last.idle.filter(|i| *i < t0) else {
                return false;
            };
            !events
                .iter()
                .any(|e| e.kind == "assigned" && e.worker == Some(**w) && e.at > idle && e.at <= t0)
        })
        .count();
    ready > waiting
}

fn worker_time(
    spans: &BTreeMap<u32, Vec<Span>>,
    handoffs: &[Handoff],
    from: u64,
    to: u64,
    workers: usize,
) -> WorkerTime {
    let clip = |a: u64, b: u64| b.min(to).saturating_sub(a.max(from));
    let mut t = WorkerTime::default();
    for list in spans.values() {
        for s in list {
            t.working += clip(s.busy, s.idle.unwrap_or(to));
        }
        if let (Some(first), Some(last)) = (list.first(), list.last()) {
            t.before_first += clip(from, first.busy);
            t.after_last += clip(last.idle.unwrap_or(to), to);
        }
    }
    // A worker that never took a task sat out the whole run.
    let idle_workers = workers.saturating_sub(spans.len()) as u64;
    t.before_first += idle_workers * to.saturating_sub(from);
    for h in handoffs {
        if h.counted {
            t.handoffs += h.to_busy;
        } else {
            t.nothing_ready += h.to_busy;
        }
    }
    t
}
