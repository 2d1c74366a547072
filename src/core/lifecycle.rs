//! A task's life on a worker: branch prepared, delivered, working, finished, verified.

use super::command::{Command, Delivery, EventKind};
use super::model::{AgentState, Model, TaskState, WorkerId};
use super::queue;

pub(super) fn branch_prepared(
    model: &mut Model,
    worker: WorkerId,
    task: &str,
    result: Result<usize, String>,
    now: u64,
    out: &mut Vec<Command>,
) {
    if !holds(model, worker, task, TaskState::Assigned) {
        return;
    }
    match result {
        Ok(ahead) => {
            if let Some(t) = model.tasks.get_mut(task) {
                t.state = TaskState::Delivering;
                t.ahead_at_start = ahead;
            }
            out.push(Command::Deliver {
                worker,
                task: task.to_string(),
                what: Delivery::Task,
            });
        }
        Err(e) => {
            release(model, worker);
            requeue(
                model,
                task,
                &format!("could not prepare its branch: {e}"),
                now,
                out,
            );
        }
    }
}

pub(super) fn delivered(
    model: &mut Model,
    worker: WorkerId,
    task: &str,
    result: Result<(), String>,
    now: u64,
    out: &mut Vec<Command>,
) {
    if !holds(model, worker, task, TaskState::Delivering) {
        return;
    }
    match result {
        Ok(()) => {
            if let Some(t) = model.tasks.get_mut(task) {
                t.state = TaskState::Working;
                t.times.started.get_or_insert(now);
                t.times.delivered = Some(now);
            }
            if let Some(w) = model.workers.get_mut(&worker) {
                // The prompt we saw before the paste is stale now.
                super::update::set_agent(w, AgentState::Busy, "delivery confirmed", now);
            }
            out.push(Command::record(
                Some(worker),
                Some(task),
                EventKind::Delivered,
                "submit confirmed",
            ));
        }
        Err(e) => {
            out.push(Command::record(
                Some(worker),
                Some(task),
                EventKind::DeliveryFailed,
                e.clone(),
            ));
            release(model, worker);
            requeue(model, task, &format!("delivery failed: {e}"), now, out);
        }
    }
}

/// A working task is finished when the worker said `czar done` and is back at its prompt, or is
/// back at its prompt with new commits. An idle worker with neither, past the grace time, failed
/// this attempt.
pub(super) fn check_finished(
    model: &mut Model,
    worker: WorkerId,
    now: u64,
    out: &mut Vec<Command>,
) {
    let Some(w) = model.workers.get(&worker) else {
        return;
    };
    let Some(task_id) = w.task.clone() else {
        return;
    };
    let Some(t) = model.tasks.get(&task_id) else {
        return;
    };
    if t.state != TaskState::Working || w.agent != AgentState::Idle || t.held_by.is_some() {
        return;
    }
    let branch = t.branch();
    let ahead = w
        .branch
        .as_ref()
        .filter(|b| b.branch == branch)
        .map(|b| b.ahead);
    let new_commits = ahead.is_some_and(|a| a > t.ahead_at_start);
    if t.done_signal || new_commits {
        let why = if t.done_signal {
            "worker said done"
        } else {
            "back at its prompt with new commits"
        };
        out.push(Command::record(
            Some(worker),
            Some(&task_id),
            EventKind::Finished,
            why,
        ));
        match t.def.verify.clone() {
            Some(command) => {
                if let Some(t) = model.tasks.get_mut(&task_id) {
                    t.state = TaskState::Verifying;
                }
                out.push(Command::RunVerify {
                    worker,
                    task: task_id,
                    command,
                });
            }
            None => complete(model, worker, &task_id, now, out),
        }
    } else if now.saturating_sub(w.since) >= model.policy.idle_grace_ms {
        release(model, worker);
        requeue(
            model,
            &task_id,
            "the agent went back to its prompt without new commits or `czar done`",
            now,
            out,
        );
    }
}

pub(super) fn verified(
    model: &mut Model,
    worker: WorkerId,
    task: &str,
    passed: bool,
    output: &str,
    now: u64,
    out: &mut Vec<Command>,
) {
    if !holds(model, worker, task, TaskState::Verifying) {
        return;
    }
    if passed {
        complete(model, worker, task, now, out);
        return;
    }
    let max = model.policy.max_verify_attempts;
    let ahead = model
        .workers
        .get(&worker)
        .and_then(|w| w.branch.as_ref())
        .map_or(0, |b| b.ahead);
    let Some(t) = model.tasks.get_mut(task) else {
        return;
    };
    t.verify_failures += 1;
    let tail = tail_lines(output, 20);
    out.push(Command::record(
        Some(worker),
        Some(task),
        EventKind::VerifyFailed,
        tail.clone(),
    ));
    if t.verify_failures >= max {
        let reason = format!(
            "verify failed {} times; last output:\n{tail}",
            t.verify_failures
        );
        release(model, worker);
        fail(model, task, &reason, now, out);
        return;
    }
    // Same worker, same branch: it has the context to fix what failed.
    t.state = TaskState::Delivering;
    t.done_signal = false;
    t.ahead_at_start = ahead;
    let command = t.def.verify.clone().unwrap_or_default();
    let note = format!(
        "The verify command `{command}` failed (attempt {} of {max}). Its output ended with:\n\n{tail}\n\nFix the problem, commit, and run `czar done` again.",
        t.verify_failures
    );
    out.push(Command::Deliver {
        worker,
        task: task.to_string(),
        what: Delivery::FollowUp(note),
    });
}

fn complete(model: &mut Model, worker: WorkerId, task: &str, now: u64, out: &mut Vec<Command>) {
    if let Some(t) = model.tasks.get_mut(task) {
        t.state = TaskState::Done;
        t.times.finished = Some(now);
        t.worker = Some(worker);
    }
    if let Some(w) = model.workers.get_mut(&worker) {
        w.task = None;
        // Its prompt says idle; what the operator wants to know is that it finished.
        super::update::set_agent(w, AgentState::Done, &format!("finished {task}"), now);
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

fn holds(model: &Model, worker: WorkerId, task: &str, state: TaskState) -> bool {
    model
        .tasks
        .get(task)
        .is_some_and(|t| t.state == state && t.worker == Some(worker))
        && model
            .workers
            .get(&worker)
            .is_some_and(|w| w.task.as_deref() == Some(task))
}

fn release(model: &mut Model, worker: WorkerId) {
    if let Some(w) = model.workers.get_mut(&worker) {
        w.task = None;
    }
}

fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
