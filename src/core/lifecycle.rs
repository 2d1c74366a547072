//! A task's life on a worker: branch prepared, delivered, working, finished, verified.

use super::command::{Command, EventKind};
use super::model::{AgentState, Model, TaskState, WorkerId};
use super::observation::Prepared;
use super::outcome;

/// How long a worker whose worktree could not be put on a branch rests before it takes a task
/// again; it doubles with each failure in a row.
const PREPARE_REST_MS: u64 = 1_000;

pub(super) fn branch_prepared(
    model: &mut Model,
    worker: WorkerId,
    task: &str,
    result: Result<Prepared, String>,
    now: u64,
    out: &mut Vec<Command>,
) {
    if !holds(model, worker, task, TaskState::Assigned) {
        return;
    }
    match result {
        Ok(prepared) => {
            if let Some(t) = model.tasks.get_mut(task) {
                t.ahead_at_start = prepared.ahead;
                // The first attempt fixes where the task's own work begins.
                t.start.get_or_insert(prepared.tip);
            }
            if let Some(w) = model.workers.get_mut(&worker) {
                w.vitals.prepare_failures = 0;
            }
            // A task back from its landing gets the follow-up (conflict, verify) instead.
            let followup = model
                .tasks
                .get(task)
                .and_then(|t| t.land.as_ref())
                .and_then(|l| l.followup.clone());
            super::delivery::begin(model, worker, followup, now, out);
        }
        Err(e) => {
            outcome::release(model, worker);
            // Most likely the worker's worktree is what failed (a lock a killed process left, a
            // folder in a bad state): it rests, longer each time, so the task goes to another
            // worker instead of burning its attempts here in a loop.
            if let Some(w) = model.workers.get_mut(&worker) {
                w.vitals.prepare_failures += 1;
                let shift = (w.vitals.prepare_failures - 1).min(6);
                w.vitals.rest_until = Some(now + (PREPARE_REST_MS << shift));
            }
            outcome::requeue(
                model,
                task,
                &format!("could not prepare its branch: {e}"),
                now,
                out,
            );
        }
    }
}

/// A working task is finished when the worker said `czar done` and is back at its prompt, or is
/// back at its prompt with new commits. It counts only when its own branch carries commits made
/// since the task began there (unless the task says it changes nothing): a `done` over an empty
/// branch, or a branch that lost its history, is no finished task. An idle worker with neither,
/// past the grace time, failed this attempt.
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
    let info = w.branch.as_ref().filter(|b| b.branch == branch);
    if info.is_some_and(|b| b.own.is_none()) {
        // Its history is lost; `repair` deals with that, and nothing on it counts.
        return;
    }
    let new_commits = info.is_some_and(|b| b.ahead > t.ahead_at_start);
    let own = info.and_then(|b| b.own).unwrap_or(0);
    let grace_over = now.saturating_sub(w.since) >= model.policy.idle_grace_ms;
    // Some clients show their prompt for a moment inside a turn (Aider between writing a file
    // and asking to run a command): a prompt counts as the end of the work only once it has
    // shown unbroken for the profile's settle time, unless the agent said `czar done`.
    let settle = model.policy.delivery.agent(&w.profile).ready_settle_ms;
    let settled = settle == 0 || w.vitals.said.ready_since.is_some_and(|t| now >= t + settle);
    if !t.done_signal && new_commits && !settled {
        return;
    }
    if !(t.done_signal || new_commits) {
        if grace_over {
            let why = "the agent went back to its prompt without new commits or `czar done`";
            outcome::release(model, worker);
            outcome::requeue(model, &task_id, why, now, out);
        }
        return;
    }
    if own == 0 && !t.def.no_changes {
        // The branch figures may lag behind the agent's last commit: give them the grace.
        if grace_over {
            let why = format!(
                "the worker said done, but {branch} has no commits of this task (a task that \
                 changes nothing says `no_changes = true`)"
            );
            outcome::release(model, worker);
            outcome::requeue(model, &task_id, &why, now, out);
        }
        return;
    }
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
        None => outcome::complete(model, worker, &task_id, now, out),
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
        outcome::complete(model, worker, task, now, out);
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
    // The first line says what failed, whatever the command printed (often nothing).
    let first = format!(
        "`{}` failed (attempt {} of {max})",
        t.def.verify.as_deref().unwrap_or(""),
        t.verify_failures
    );
    // ...and what it said last, so a one-line view (an alert, --auto's log) shows why.
    let detail = match tail.lines().rev().find(|l| !l.trim().is_empty()) {
        None => format!("{first}; it printed nothing"),
        Some(last) => format!("{first}: {}\n{tail}", last.trim()),
    };
    out.push(Command::record(
        Some(worker),
        Some(task),
        EventKind::VerifyFailed,
        detail,
    ));
    if t.verify_failures >= max {
        let reason = format!(
            "verify failed {} times; last output:\n{tail}",
            t.verify_failures
        );
        outcome::release(model, worker);
        outcome::fail(model, task, &reason, now, out);
        return;
    }
    // Same worker, same branch: it has the context to fix what failed.
    t.done_signal = false;
    t.ahead_at_start = ahead;
    let command = t.def.verify.clone().unwrap_or_default();
    let note = format!(
        "The verify command `{command}` failed (attempt {} of {max}). Its output ended with:\n\n{tail}\n\nFix the problem, commit, and run `czar done` again.",
        t.verify_failures
    );
    super::delivery::begin(model, worker, Some(note), now, out);
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

fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
