//! What comes back from a delivery's commands: the paste's outcome and the submit key's, and
//! the delivery's end, confirmed or failed.

use super::journal::{current, delivery_mut};
use crate::core::command::{Command, EventKind};
use crate::core::model::Step;
use crate::core::model::{AgentState, Model, TaskState, WorkerId};
use crate::core::observation::PasteRefused;
use crate::core::outcome;

/// The paste's outcome.
pub(crate) fn pasted(
    model: &mut Model,
    worker: WorkerId,
    id: u64,
    result: Result<(), PasteRefused>,
    now: u64,
    out: &mut Vec<Command>,
) {
    if !current(model, worker, id, Step::Pasting) {
        return;
    }
    match result {
        Ok(()) => {
            // `update` moves it on (Enter at once when the profile needs no settling).
            if let Some(d) = delivery_mut(model, worker) {
                d.step = Step::Pasted;
                d.since = now;
            }
        }
        Err(PasteRefused::WrongBranch { on }) => {
            let on = on.unwrap_or_else(|| "no branch".into());
            let why = format!("its worktree was on {on}, not the task's branch: nothing pasted");
            fail(model, worker, &why, now, out);
        }
        Err(PasteRefused::NoWorktree) => {
            let why = "its worktree is gone: nothing pasted";
            fail(model, worker, why, now, out);
            crate::core::repair::worktree_missing(model, worker, now, out);
        }
        Err(PasteRefused::Failed(e)) => {
            fail(model, worker, &format!("paste failed: {e}"), now, out)
        }
    }
}

/// The submit key's outcome: pressed, so look at the screen to see the text leave the box.
pub(crate) fn submitted(
    model: &mut Model,
    worker: WorkerId,
    id: u64,
    result: Result<(), String>,
    now: u64,
    out: &mut Vec<Command>,
) {
    if !current(model, worker, id, Step::Submitting) {
        return;
    }
    match result {
        Ok(()) => out.push(Command::ReadScreen { worker }),
        Err(e) => fail(model, worker, &format!("submit failed: {e}"), now, out),
    }
}

pub(super) fn confirmed(
    model: &mut Model,
    worker: WorkerId,
    how: &str,
    now: u64,
    out: &mut Vec<Command>,
) {
    let Some(w) = model.workers.get_mut(&worker) else {
        return;
    };
    let Some(d) = w.delivery.take() else {
        return;
    };
    if d.note.is_none() {
        w.vitals.tokens.usage_task = Some(d.task.clone());
    }
    // The agent's state counts from the submit: a prompt seen since (a screen right after Enter,
    // before the spinner; or a shell that already ran the lines) is judged from now, not from
    // when it first sat there idle.
    if w.agent.is_ready() {
        w.set_agent(AgentState::Idle, "at its prompt after the submit", now);
        w.since = now;
    } else if w.agent == AgentState::Starting {
        w.set_agent(AgentState::Busy, "delivery confirmed", now);
    }
    if d.review {
        // The task is done (another worker's) and stays so; a verdict is awaited from here.
        out.push(Command::record(
            Some(worker),
            Some(&d.task),
            EventKind::Delivered,
            format!("review submitted; confirmed: {how}"),
        ));
        return;
    }
    if let Some(t) = model.tasks.get_mut(&d.task) {
        if d.note.is_none() {
            // Handed over, with the last attempt's reason in its text.
            t.reason = None;
        }
        t.state = TaskState::Working;
        t.times.started.get_or_insert(now);
        t.times.delivered = Some(now);
    }
    let what = if d.note.is_some() { "note" } else { "task" };
    out.push(Command::record(
        Some(worker),
        Some(&d.task),
        EventKind::Delivered,
        format!("{what} submitted; confirmed: {how}"),
    ));
    // Whatever the agent did with it may show on the branch already (a shell is that quick);
    // `update` looks whether the task is finished.
    out.push(Command::RefreshBranch { worker });
}

pub(super) fn fail(
    model: &mut Model,
    worker: WorkerId,
    why: &str,
    now: u64,
    out: &mut Vec<Command>,
) {
    let Some(w) = model.workers.get_mut(&worker) else {
        return;
    };
    let Some(d) = w.delivery.take() else {
        return;
    };
    if d.review {
        // The task is done (another worker's): only the review goes back, to any reviewer.
        out.push(Command::record(
            Some(worker),
            Some(&d.task),
            EventKind::DeliveryFailed,
            format!("the review: {why}"),
        ));
        return crate::core::land_state::hand_back(model, worker, &d.task, now);
    }
    w.let_go();
    out.push(Command::record(
        Some(worker),
        Some(&d.task),
        EventKind::DeliveryFailed,
        why,
    ));
    outcome::requeue(model, &d.task, &format!("delivery failed: {why}"), now, out);
}
