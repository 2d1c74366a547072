//! Token budgets: the run's (`max_tokens`) and each task's (`max_task_tokens`), against the
//! tokens agents reported (see `tokens`). Reached, they stop new assignments and say so once.

use super::command::{Command, EventKind};
use super::model::{Model, TaskState};

/// Whether the run's budget is spent: no new task is handed out.
pub fn run_spent(model: &Model) -> bool {
    let max = model.policy.budget.max_tokens;
    max > 0 && used(model) >= max
}

fn used(model: &Model) -> u64 {
    model.tasks.values().map(|t| t.usage.total()).sum()
}

/// Announces budgets reached (once each); fails the tasks a budget keeps from ever starting:
/// a pending task over its own, and, once the run's is spent and nothing is in progress,
/// every pending task, so a headless run ends.
pub(super) fn review(model: &mut Model, now: u64, out: &mut Vec<Command>) {
    let budget = model.policy.budget;
    if run_spent(model) {
        if model.budget_alerted.insert(String::new()) {
            out.push(Command::record(
                None,
                None,
                EventKind::Budget,
                format!(
                    "the run used {} tokens of its budget of {} (budget.max_tokens): no new task is handed out",
                    used(model),
                    budget.max_tokens
                ),
            ));
        }
        let busy = model.tasks.values().any(|t| t.state.is_active());
        if !busy {
            let pending: Vec<String> = model
                .tasks
                .values()
                .filter(|t| t.state == TaskState::Pending)
                .map(|t| t.def.id.clone())
                .collect();
            for id in pending {
                let why = "the run's token budget (budget.max_tokens) is spent";
                super::outcome::fail(model, &id, why, now, out);
            }
        }
    }
    if budget.max_task_tokens == 0 {
        return;
    }
    let over: Vec<(String, u64, TaskState)> = model
        .tasks
        .values()
        .filter(|t| !t.state.is_final() && t.usage.total() >= budget.max_task_tokens)
        .map(|t| (t.def.id.clone(), t.usage.total(), t.state))
        .collect();
    for (id, n, state) in over {
        let why = format!(
            "used {n} tokens, its budget is {} (budget.max_task_tokens)",
            budget.max_task_tokens
        );
        if state == TaskState::Pending {
            super::outcome::fail(model, &id, &why, now, out);
        } else if model.budget_alerted.insert(id.clone()) {
            let worker = model.tasks.get(&id).and_then(|t| t.worker);
            out.push(Command::record(
                worker,
                Some(&id),
                EventKind::Budget,
                format!("{why}: it is not handed out again"),
            ));
        }
    }
}
