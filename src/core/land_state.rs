//! A task's landing record, read and written: its state, a wait with its reason said once, and
//! the landed branches. Below both deciders of landings (`land` for merges, `land_pr` for pull
//! requests), which use it and not each other's internals.

use super::command::{Command, EventKind};
use super::model::{Landing, Model, TaskState};

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

/// A landing's new state, on the task's record.
pub(super) fn set(model: &mut Model, task: &str, state: Landing) {
    if let Some(rec) = model.tasks.get_mut(task).and_then(|t| t.land.as_mut()) {
        rec.state = state;
    }
}

/// The landing cannot go on now: it waits, and says why once per reason.
pub(super) fn wait(model: &mut Model, task: &str, why: &str, now: u64, out: &mut Vec<Command>) {
    let said = matches!(state_of(model, task), Some(Landing::Waiting { why: w, .. }) if w == why);
    set(
        model,
        task,
        Landing::Waiting {
            why: why.to_string(),
            since: now,
        },
    );
    // Said once per reason: a dirty checkout is tried again every few seconds.
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
