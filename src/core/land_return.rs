//! A task sent back to an agent after a landing went wrong (conflict, failing verify, rejection,
//! a refused PR). Apart from `land` because it is the one step both landing paths (`land` and
//! `land_pr`) share, and it only reaches downward (`outcome`, `queue`, `prompt`).

use super::command::{Command, EventKind};
use super::model::{LandRecord, Landing, Model, TaskState};
use super::outcome;
use super::prompt::fill;

/// The task goes back to an agent with a follow-up: to the worker that did it when that one is
/// free, else to the next fitting worker. After `max_attempts` follow-ups it fails, its branch
/// kept.
#[allow(clippy::too_many_arguments)]
pub(super) fn send_back(
    model: &mut Model,
    task: &str,
    template: &str,
    values: &[(&str, &str)],
    files: Vec<String>,
    detail: String,
    now: u64,
    out: &mut Vec<Command>,
) {
    send_back_as(model, task, template, values, files, detail, now, out, None);
}

/// `send_back`, recorded as `kind` when given (an operator's rejection), else as a conflict
/// (files given) or a verify failure.
#[allow(clippy::too_many_arguments)]
pub(super) fn send_back_as(
    model: &mut Model,
    task: &str,
    template: &str,
    values: &[(&str, &str)],
    files: Vec<String>,
    detail: String,
    now: u64,
    out: &mut Vec<Command>,
    kind: Option<EventKind>,
) {
    let max = model.policy.land.max_attempts;
    let into = model.policy.land.into.clone();
    let conflict = !files.is_empty();
    let kind = kind.unwrap_or(if conflict {
        EventKind::LandConflict
    } else {
        EventKind::LandVerifyFailed
    });
    let Some(t) = model.tasks.get_mut(task) else {
        return;
    };
    let branch = t.branch();
    let (title, body) = (t.def.title.clone(), t.def.body.clone());
    let previous = t.worker;
    let rec = t.land.get_or_insert_with(LandRecord::default);
    rec.returns += 1;
    match kind {
        EventKind::LandConflict => rec.conflicts += 1,
        EventKind::LandVerifyFailed => rec.verify_failures += 1,
        _ => {}
    }
    let attempt = rec.returns;
    rec.state = Landing::Returned {
        files,
        verify_failed: !conflict,
    };
    out.push(Command::record(previous, Some(task), kind, detail.clone()));
    if attempt > max {
        let reason = format!(
            "could not land on {into} after {max} follow-ups; last: {detail}; its branch {branch} is kept"
        );
        outcome::fail(model, task, &reason, now, out);
        return;
    }
    let (attempt, max) = (attempt.to_string(), max.to_string());
    let mut all: Vec<(&str, &str)> = vec![
        ("title", &title),
        ("task", task),
        ("branch", &branch),
        ("into", &into),
        ("attempt", &attempt),
        ("max", &max),
        ("body", &body),
    ];
    all.extend_from_slice(values);
    let followup = fill(template, &all);
    rework(model, task, followup, detail, out);
}

/// The task goes back to be worked on with `followup` instead of its text: to the worker that
/// did it when that one is free, else to the next fitting worker.
pub(super) fn rework(
    model: &mut Model,
    task: &str,
    followup: String,
    detail: String,
    out: &mut Vec<Command>,
) {
    let Some(t) = model.tasks.get_mut(task) else {
        return;
    };
    let previous = t.worker;
    if let Some(rec) = t.land.as_mut() {
        rec.followup = Some(followup);
    }
    t.state = TaskState::Pending;
    t.done_signal = false;
    t.held_by = None;
    t.worker = None;
    t.reason = Some(detail);
    let free = previous.filter(|w| super::queue::idle_workers(model).contains(w));
    if let Some(w) = free {
        outcome::assign_one(model, w, task, out);
    }
}
