//! Where a task goes next, and the worker with it: given to a worker, done, back to the queue
//! (with or without an attempt counted), failed. The moves every decision ends in; they decide
//! nothing themselves.

use super::command::{Command, EventKind};
use super::model::{AgentState, Model, TaskState, WorkerId};
use super::queue;

/// Gives every idle worker the best ready task it may take.
pub(super) fn assign(model: &mut Model, out: &mut Vec<Command>) {
    let (assignments, waiting) = queue::routes(model);
    note_waiting(model, waiting, out);
    for (worker, task, skipped) in assignments {
        if !skipped.is_empty() {
            let profile = model.workers.get(&worker).map(|w| w.profile.clone());
            out.push(Command::record(
                Some(worker),
                Some(&task),
                EventKind::Routed,
                format!(
                    "to {}; passed over {}",
                    profile.unwrap_or_default(),
                    skipped.join("; ")
                ),
            ));
        }
        if let Some(t) = model.tasks.get_mut(&task) {
            t.route.skipped = skipped;
            t.route.waiting = None;
        }
        assign_one(model, worker, &task, out);
    }
}

pub(super) fn assign_one(model: &mut Model, worker: WorkerId, task: &str, out: &mut Vec<Command>) {
    let Some(t) = model.tasks.get_mut(task) else {
        return;
    };
    t.state = TaskState::Assigned;
    t.worker = Some(worker);
    t.attempts += 1;
    t.done_signal = false;
    // The reason of the last attempt stays until the task is delivered: the prompt tells the
    // next agent why it was tried before (see `prompt`).
    let branch = t.branch();
    let attempt = t.attempts;
    let from = start_point(model, task);
    if let Some(w) = model.workers.get_mut(&worker) {
        w.task = Some(task.to_string());
        w.branch = None;
        w.vitals.nudges = 0;
        w.vitals.nudged_at = None;
    }
    out.push(Command::record(
        Some(worker),
        Some(task),
        EventKind::Assigned,
        format!("attempt {attempt} on {branch}"),
    ));
    out.push(Command::PrepareBranch {
        worker,
        task: task.to_string(),
        branch,
        from,
    });
}

/// Where a new task branch begins. With landing on, on the target: what the task needs has
/// landed there. With landing off, on the branch of the first task it needs (stacked), so it
/// builds on that work; a task that needs nothing starts from the base.
pub(super) fn start_point(model: &Model, task: &str) -> String {
    let land = &model.policy.land;
    if land.mode.is_on() && !land.into.is_empty() {
        return land.into.clone();
    }
    model
        .tasks
        .get(task)
        .and_then(|t| t.def.needs.first())
        .filter(|n| model.tasks.contains_key(*n))
        .map(|n| super::model::branch_for(n))
        .unwrap_or_else(|| model.base.clone())
}

pub(super) fn complete(
    model: &mut Model,
    worker: WorkerId,
    task: &str,
    now: u64,
    out: &mut Vec<Command>,
) {
    if let Some(t) = model.tasks.get_mut(task) {
        t.state = TaskState::Done;
        t.times.finished = Some(now);
        t.worker = Some(worker);
    }
    model.queue_landing(task, now);
    if let Some(w) = model.workers.get_mut(&worker) {
        w.let_go();
        // Its prompt says idle; what the operator wants to know is that it finished.
        w.set_agent(AgentState::Done, &format!("finished {task}"), now);
    }
    out.push(Command::record(
        Some(worker),
        Some(task),
        EventKind::Done,
        "task done",
    ));
}

/// Back to the queue, unless it has used its attempts.
pub(super) fn requeue(model: &mut Model, task: &str, why: &str, now: u64, out: &mut Vec<Command>) {
    let Some(t) = model.tasks.get(task) else {
        return;
    };
    if t.attempts >= model.policy.max_attempts {
        let reason = format!("gave up after {} attempts; last: {why}", t.attempts);
        fail(model, task, &reason, now, out);
        return;
    }
    give_back(model, task, why, out);
}

/// Back to the queue for a reason that is not the task's fault (the operator's doing): no
/// attempt limit applies.
pub(super) fn give_back(model: &mut Model, task: &str, why: &str, out: &mut Vec<Command>) {
    let Some(t) = model.tasks.get_mut(task) else {
        return;
    };
    if t.state.is_final() {
        return;
    }
    t.state = TaskState::Pending;
    t.worker = None;
    t.done_signal = false;
    t.held_by = None;
    t.reason = Some(why.to_string());
    out.push(Command::record(None, Some(task), EventKind::Requeued, why));
}

pub(super) fn fail(model: &mut Model, task: &str, reason: &str, now: u64, out: &mut Vec<Command>) {
    let Some(t) = model.tasks.get_mut(task) else {
        return;
    };
    t.state = TaskState::Failed;
    t.times.finished = Some(now);
    t.reason = Some(reason.to_string());
    out.push(Command::record(
        t.worker,
        Some(task),
        EventKind::Failed,
        reason,
    ));
}

/// Tasks whose dependency failed fail too, each saying which one.
pub(super) fn fail_doomed(model: &mut Model, now: u64, out: &mut Vec<Command>) {
    for (task, need) in queue::doomed_by_failure(model) {
        fail(
            model,
            &task,
            &format!("it needs `{need}`, which failed"),
            now,
            out,
        );
    }
}

pub(super) fn release(model: &mut Model, worker: WorkerId) {
    if let Some(w) = model.workers.get_mut(&worker) {
        w.let_go();
    }
}

/// A ready task that every profile it accepts passed over keeps why on it (status, explain),
/// and one `routed` event is recorded each time that reason changes, not on every tick.
fn note_waiting(model: &mut Model, waiting: queue::Waiting, out: &mut Vec<Command>) {
    // A task no longer waiting on routing (assigned, held, removed from the queue) says so.
    for (id, t) in model.tasks.iter_mut() {
        if t.route.waiting.is_some() && !waiting.iter().any(|(w, _)| w == id) {
            t.route.waiting = None;
        }
    }
    for (task, skipped) in waiting {
        let why = skipped.join("; ");
        let Some(t) = model.tasks.get_mut(&task) else {
            continue;
        };
        if t.route.waiting.as_deref() == Some(why.as_str()) {
            continue;
        }
        let said = format!("waits; passed over {why}");
        t.route.waiting = Some(why);
        out.push(Command::record(None, Some(&task), EventKind::Routed, said));
    }
}
