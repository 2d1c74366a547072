//! Stuck agents: noticed from time passing, nudged with backoff, restarted when nudging fails.

use super::command::{Command, EventKind};
use super::model::{AgentState, Model, Nudge, TaskState, WorkerId};

/// A busy agent whose screen has not changed for `stuck_ms`, or that has worked on one task for
/// longer than `max_task_ms`, is stuck; so is one showing an error that long (a client that
/// stopped on a failure waits for someone: an error nobody clears never ends by itself).
/// Questions and rate limits have limits of their own (see `limits`). First nudge: Escape (the agent stops and comes back to
/// its prompt; without new commits the task then goes back to the queue). If it is still stuck
/// after twice the wait, it is restarted like a crashed agent.
pub(super) fn check_stuck(model: &mut Model, id: WorkerId, now: u64, out: &mut Vec<Command>) {
    let policy = model.policy.clone();
    let Some(w) = model.workers.get(&id) else {
        return;
    };
    let Some(task) = w.task.as_ref().and_then(|t| model.tasks.get(t)) else {
        return;
    };
    // Someone attached to it may be what keeps it quiet; nothing is pressed under their hands.
    if task.state != TaskState::Working
        || task.held_by.is_some()
        || model.hands_off(id)
        // Its host does not answer: its screen cannot show progress; the grace decides.
        || !model.host_up(id)
        || !matches!(
            w.agent,
            AgentState::Busy | AgentState::Stuck | AgentState::Error
        )
    {
        return;
    }
    let quiet_for = now.saturating_sub(w.vitals.activity_at.max(w.since));
    let working_for = now.saturating_sub(task.times.delivered.unwrap_or(now));
    let wait = policy.stuck_ms << w.vitals.nudges.min(6);
    let too_quiet = policy.stuck_ms > 0 && quiet_for >= policy.stuck_ms;
    let too_long = policy.max_task_ms > 0 && working_for >= policy.max_task_ms;
    let backoff_over = w
        .vitals
        .nudged_at
        .is_none_or(|t| now.saturating_sub(t) >= wait);
    if !(too_quiet || too_long) || !backoff_over {
        return;
    }
    let why = if too_quiet {
        format!("no screen change for {}s", quiet_for / 1000)
    } else {
        format!("working on one task for {}s", working_for / 1000)
    };
    let task_id = task.def.id.clone();
    let step = w.vitals.nudges as usize;
    // Past the configured steps, a restart is the last resort.
    let nudge = policy.nudges.get(step).copied().unwrap_or(Nudge::Restart);
    if let Some(w) = model.workers.get_mut(&id) {
        w.set_agent(AgentState::Stuck, &why, now);
        w.vitals.nudges += 1;
        w.vitals.nudged_at = Some(now);
    }
    let action = match nudge {
        Nudge::Escape => "pressed Escape",
        Nudge::Resend => "asked it to go on",
        Nudge::Restart => "restarting it",
    };
    out.push(Command::record(
        Some(id),
        Some(&task_id),
        EventKind::Stuck,
        format!("{why}; nudge {}: {action}", step + 1),
    ));
    match nudge {
        Nudge::Escape => out.push(Command::PressKeys {
            worker: id,
            keys: vec!["Escape".into()],
        }),
        Nudge::Resend => {
            let note = "You seem stuck. Continue the task from where you are; commit your work and run `czar done` when it is complete.";
            super::delivery::begin(model, id, Some(note.into()), now, out);
        }
        Nudge::Restart => super::workers::crashed(model, id, &format!("stuck: {why}"), now, out),
    }
}

/// A rate-limited agent waits out its reset time by itself; the czar leaves it alone. But if its
/// task accepts another profile (see `route`) with a worker idle, the task moves there
/// (its work so far goes along on the branch) instead of waiting.
pub(super) fn rate_limited(model: &mut Model, id: WorkerId, out: &mut Vec<Command>) {
    let Some(w) = model.workers.get(&id) else {
        return;
    };
    let Some(task) = w.task.clone() else { return };
    let movable = model
        .tasks
        .get(&task)
        .is_some_and(|t| t.state == TaskState::Working && t.held_by.is_none());
    let free = super::queue::idle_workers(model);
    // Another profile the task accepts has a free worker (see `route`).
    let other_profile_idle = model
        .tasks
        .get(&task)
        .is_some_and(|t| super::route::elsewhere(model, &t.def, &w.profile, &free));
    if !(movable && other_profile_idle) || model.hands_off(id) {
        return;
    }
    let why = format!("worker {id} is rate-limited; moving to an agent of another profile");
    out.push(Command::PressKeys {
        worker: id,
        keys: vec!["Escape".into()],
    });
    if let Some(w) = model.workers.get_mut(&id) {
        w.let_go();
    }
    // The limited worker holds nothing now, but it is not idle, so the queue skips it.
    super::outcome::give_back(model, &task, &why, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{Policy, Task, TaskDef, Worker};

    fn model() -> Model {
        let policy = Policy {
            stuck_ms: 1000,
            max_task_ms: 0,
            ..Policy::default()
        };
        let mut m = Model::new("p", "main", policy);
        let mut t = Task::new(
            TaskDef {
                id: "a".into(),
                ..TaskDef::default()
            },
            0,
        );
        t.state = TaskState::Working;
        t.worker = Some(1);
        t.times.started = Some(0);
        t.times.delivered = Some(0);
        m.tasks.insert("a".into(), t);
        let w = Worker {
            id: 1,
            live: true,
            agent: AgentState::Busy,
            task: Some("a".into()),
            ..Worker::default()
        };
        m.workers.insert(1, w);
        m
    }

    #[test]
    fn escape_first_then_restart_after_backoff() {
        let mut m = model();
        let mut out = Vec::new();
        check_stuck(&mut m, 1, 500, &mut out);
        assert!(out.is_empty(), "not quiet long enough");
        check_stuck(&mut m, 1, 1000, &mut out);
        assert!(out.contains(&Command::PressKeys {
            worker: 1,
            keys: vec!["Escape".into()]
        }));
        assert_eq!(m.workers[&1].agent, AgentState::Stuck);
        out.clear();
        check_stuck(&mut m, 1, 2500, &mut out);
        assert!(out.is_empty(), "backoff doubles the wait");
        check_stuck(&mut m, 1, 3000, &mut out);
        assert!(out.contains(&Command::KillWorker { worker: 1 }));
        assert_eq!(m.tasks["a"].state, TaskState::Pending);
    }

    #[test]
    fn configured_nudges_run_in_order_and_a_restart_ends_them() {
        let mut m = model();
        m.policy.nudges = vec![Nudge::Resend];
        let mut out = Vec::new();
        check_stuck(&mut m, 1, 1000, &mut out);
        let note = m.workers[&1].delivery.as_ref().and_then(|d| d.note.clone());
        assert!(note.is_some_and(|n| n.contains("seem stuck")), "{out:?}");
        assert_eq!(m.tasks["a"].state, TaskState::Delivering);
        m.tasks.get_mut("a").unwrap().state = TaskState::Working;
        m.workers.get_mut(&1).unwrap().delivery = None;
        out.clear();
        check_stuck(&mut m, 1, 3000, &mut out);
        assert!(
            out.contains(&Command::KillWorker { worker: 1 }),
            "restart after the list: {out:?}"
        );
    }

    #[test]
    fn output_keeps_it_alive_unless_the_task_runs_too_long() {
        let mut m = model();
        m.workers.get_mut(&1).unwrap().vitals.activity_at = 5000;
        let mut out = Vec::new();
        check_stuck(&mut m, 1, 5500, &mut out);
        assert!(out.is_empty());
        m.policy.max_task_ms = 5000;
        check_stuck(&mut m, 1, 5500, &mut out);
        assert!(
            out.iter().any(
                |c| matches!(c, Command::Record(e) if e.detail.contains("working on one task"))
            )
        );
    }

    #[test]
    fn an_error_nobody_clears_is_stuck_too_but_a_question_is_not() {
        let mut m = model();
        m.workers.get_mut(&1).unwrap().agent = AgentState::Error;
        let mut out = Vec::new();
        check_stuck(&mut m, 1, 1000, &mut out);
        assert!(
            out.iter()
                .any(|c| matches!(c, Command::Record(e) if e.kind == EventKind::Stuck)),
            "{out:?}"
        );
        let mut m = model();
        m.workers.get_mut(&1).unwrap().agent = AgentState::Waiting;
        let mut out = Vec::new();
        check_stuck(&mut m, 1, 10_000, &mut out);
        assert!(out.is_empty(), "questions have a limit of their own");
    }
}
