//! A task's landing record, read and written: its state, a wait with its reason said once, and
//! the landed branches. Below both deciders of landings (`land` for merges, `land_pr` for pull
//! requests), which use it and not each other's internals.

use super::command::{Command, EventKind};
use super::model::{Landing, Model, TaskState, Waited, WorkerId};

/// A landing that could not go on is tried again this long after.
pub const RETRY_MS: u64 = 5_000;

/// Where a done task's landing stands (None: not done, or landing off).
pub(super) fn state_of(model: &Model, task: &str) -> Option<Landing> {
    let t = model.tasks.get(task)?;
    (t.state == TaskState::Done)
        .then(|| t.land.as_ref().map(|l| l.state.clone()))
        .flatten()
}

/// The branches of every landed task, for the cleanup to remove those it can.
pub fn landed_branches(model: &Model) -> Vec<String> {
    model
        .tasks
        .values()
        .filter(|t| model.landed(&t.def.id) && t.land.is_some())
        .map(|t| t.branch())
        .collect()
}

/// Why the done tasks that have not landed wait, when that is all that is left: no worker holds
/// a task, none can start, and every one of them has waited on the same reason (the target
/// checked out with uncommitted changes, say) for at least `for_ms`, retries and all. `None`
/// while anything else may still move. A run with nobody watching ends on it, rather than wait
/// for a person who is not there.
pub fn only_waits_left(model: &Model, now: u64, for_ms: u64) -> Option<Vec<(String, String)>> {
    let idle = model.workers.values().all(|w| w.task.is_none())
        && model
            .tasks
            .values()
            .all(|t| t.state.is_final() || t.state == TaskState::Pending)
        && super::queue::ready_tasks(model).is_empty();
    if !idle {
        return None;
    }
    let mut waits = Vec::new();
    for t in model.tasks.values().filter(|t| model.awaits_landing(t)) {
        let rec = t.land.as_ref()?;
        // Not in the middle of a retry: the run ends between two.
        let waiting = matches!(rec.state, Landing::Waiting { .. });
        match &rec.waited {
            Some(w) if waiting && now >= w.since + for_ms => {
                waits.push((t.def.id.clone(), w.why.clone()))
            }
            _ => return None,
        }
    }
    (!waits.is_empty()).then_some(waits)
}

/// A landing's new state, on the task's record. Its wait is kept while it retries, and goes
/// with any other state.
pub(super) fn set(model: &mut Model, task: &str, state: Landing) {
    if let Some(rec) = model.tasks.get_mut(task).and_then(|t| t.land.as_mut()) {
        if !matches!(
            state,
            Landing::Waiting { .. } | Landing::Merging | Landing::Moving { .. }
        ) {
            rec.waited = None;
        }
        rec.state = state;
    }
}

/// The landing cannot go on now: it waits, and says why once per reason (it is tried again
/// every few seconds, and a dirty checkout stays dirty until someone comes).
pub(super) fn wait(model: &mut Model, task: &str, why: &str, now: u64, out: &mut Vec<Command>) {
    let Some(rec) = model.tasks.get_mut(task).and_then(|t| t.land.as_mut()) else {
        return;
    };
    let said = rec.waited.as_ref().is_some_and(|w| w.why == why);
    if !said {
        rec.waited = Some(Waited {
            why: why.to_string(),
            since: now,
        });
    }
    set(
        model,
        task,
        Landing::Waiting {
            why: why.to_string(),
            since: now,
        },
    );
    if !said {
        out.push(Command::record(
            None,
            Some(task),
            EventKind::LandWaiting,
            why,
        ));
    }
}

/// Every task that may land now, in the order they land: asked first, then the earliest done.
pub(super) fn ready_to_land(model: &Model, now: u64) -> Vec<String> {
    let mut ready: Vec<&super::model::Task> = model
        .tasks
        .values()
        .filter(|t| t.state == TaskState::Done)
        .filter(|t| {
            t.land.as_ref().is_some_and(|l| match &l.state {
                Landing::Queued => true,
                Landing::Waiting { since, .. } => l.asked || now >= since + RETRY_MS,
                _ => false,
            })
        })
        .filter(|t| t.def.needs.iter().all(|n| model.landed(n)))
        .collect();
    ready.sort_by_key(|t| {
        let (asked, at) = t
            .land
            .as_ref()
            .map_or((false, 0), |l| (l.asked, l.queued_at));
        (!asked, at, t.def.id.clone())
    });
    ready.into_iter().map(|t| t.def.id.clone()).collect()
}

/// The merge and verify of one task's landing.
pub(super) fn land_command(model: &Model, id: &str) -> Command {
    let policy = &model.policy.land;
    let t = &model.tasks[id];
    let verify: Vec<String> = [t.def.verify.clone(), policy.verify.clone()]
        .into_iter()
        .flatten()
        .collect();
    let landed = model
        .tasks
        .values()
        .filter_map(|o| match o.land.as_ref().map(|l| &l.state) {
            Some(Landing::Landed { commit, from, .. }) => {
                Some((o.def.id.clone(), from.clone(), commit.clone()))
            }
            _ => None,
        })
        .collect();
    Command::Land {
        task: id.to_string(),
        branch: t.branch(),
        into: policy.into.clone(),
        mode: policy.mode,
        verify,
        message: format!("czar: land {id}: {}\n", t.def.title),
        landed,
        also: Vec::new(),
    }
}

/// `worker`'s review of `task` waits for a reviewer again, and its text, if still on its way
/// to that worker's agent, goes no further (a worker that comes back must not get it too).
pub(crate) fn hand_back(model: &mut Model, worker: WorkerId, task: &str, now: u64) {
    if let Some(w) = model.workers.get_mut(&worker).filter(|w| {
        w.delivery
            .as_ref()
            .is_some_and(|d| d.review && d.task == task)
    }) {
        w.delivery = None;
    }
    let by_worker = model.tasks.get(task).is_some_and(|t| {
        matches!(
            t.land.as_ref().map(|l| &l.state),
            Some(Landing::Reviewing { reviewer: Some(r), .. }) if *r == worker
        )
    });
    if by_worker {
        set(
            model,
            task,
            Landing::Reviewing {
                reviewer: None,
                since: now,
            },
        );
    }
}
