//! A task's landing record, read and written: its state, a wait with its reason said once, and
//! the landed branches. Below both deciders of landings (`land` for merges, `land_pr` for pull
//! requests), which use it and not each other's internals.

use super::command::{Command, EventKind};
use super::model::{Landing, Model, TaskState};

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
