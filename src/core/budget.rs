//! Budgets: the run's and each task's, in tokens (`max_tokens`, `max_task_tokens`) and in
//! dollars (`max_cost`, `max_task_cost`), against what agents reported (see `tokens`).
//! Reached, they stop new assignments and say so once.

use super::command::{Command, EventKind};
use super::model::{Budget, Model, TaskState, Usage};

/// One measure a budget is kept in.
#[derive(Clone, Copy)]
struct Measure {
    /// What the run may use, and each task (0: no limit).
    run: u64,
    task: u64,
    /// How much of it some usage is.
    of: fn(&Usage) -> u64,
    /// The keys, for messages.
    run_key: &'static str,
    task_key: &'static str,
    /// "tokens" or "dollars".
    unit: &'static str,
    /// How an amount reads ("1234" or "$1.23").
    show: fn(u64) -> String,
}

fn measures(b: Budget) -> [Measure; 2] {
    [
        Measure {
            run: b.max_tokens,
            task: b.max_task_tokens,
            of: Usage::total,
            run_key: "budget.max_tokens",
            task_key: "budget.max_task_tokens",
            unit: "tokens",
            show: |n| format!("{n} tokens"),
        },
        Measure {
            run: b.max_cost_micros,
            task: b.max_task_cost_micros,
            of: |u| u.cost_micros,
            run_key: "budget.max_cost",
            task_key: "budget.max_task_cost",
            unit: "cost",
            show: |n| format!("${:.4}", n as f64 / 1e6),
        },
    ]
}

/// Whether the run's budget is spent, in tokens or dollars: no new task is handed out.
pub fn run_spent(model: &Model) -> bool {
    measures(model.policy.budget)
        .iter()
        .any(|m| m.run > 0 && used(model, m) >= m.run)
}

fn used(model: &Model, m: &Measure) -> u64 {
    model.tasks.values().map(|t| (m.of)(&t.usage)).sum()
}

/// Announces budgets reached (once each); fails the tasks a budget keeps from ever starting:
/// a pending task over its own, and, once the run's is spent and nothing is in progress,
/// every pending task, so a headless run ends.
pub(super) fn review(model: &mut Model, now: u64, out: &mut Vec<Command>) {
    for m in measures(model.policy.budget) {
        review_one(model, &m, now, out);
    }
}

fn review_one(model: &mut Model, m: &Measure, now: u64, out: &mut Vec<Command>) {
    if m.run > 0 && used(model, m) >= m.run {
        // The token budget's alert keeps its old key (the empty task id).
        let key = if m.unit == "tokens" {
            String::new()
        } else {
            format!("run {}", m.unit)
        };
        if model.budget_alerted.insert(key) {
            out.push(Command::record(
                None,
                None,
                EventKind::Budget,
                format!(
                    "the run used {} of its budget of {} ({}): no new task is handed out",
                    (m.show)(used(model, m)),
                    (m.show)(m.run),
                    m.run_key
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
                let why = format!("the run's {} budget ({}) is spent", m.unit, m.run_key);
                super::outcome::fail(model, &id, &why, now, out);
            }
        }
    }
    if m.task == 0 {
        return;
    }
    let over: Vec<(String, u64, TaskState)> = model
        .tasks
        .values()
        .filter(|t| !t.state.is_final() && (m.of)(&t.usage) >= m.task)
        .map(|t| (t.def.id.clone(), (m.of)(&t.usage), t.state))
        .collect();
    for (id, n, state) in over {
        let why = format!(
            "used {}, its budget is {} ({})",
            (m.show)(n),
            (m.show)(m.task),
            m.task_key
        );
        let key = if m.unit == "tokens" {
            id.clone()
        } else {
            format!("{id} {}", m.unit)
        };
        if state == TaskState::Pending {
            super::outcome::fail(model, &id, &why, now, out);
        } else if model.budget_alerted.insert(key) {
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
