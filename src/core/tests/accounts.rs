//! Accounts and budgets through `update`: workers spread over a profile's accounts, a quota
//! moving a task to another account, and token budgets stopping assignments.

use super::limits::{events, gave_up};
use super::*;
use crate::core::command::EventKind;

#[test]
fn workers_are_spread_over_accounts_and_a_quota_moves_the_task_to_another() {
    let mut m = model(2);
    m.policy
        .accounts
        .insert("sim".into(), vec!["a".into(), "b".into()]);
    load(&mut m, vec![def("x", &[], None), def("y", &[], None)], 0);
    boot(&mut m, 1);
    let mut accounts: Vec<String> = m.workers.values().map(|w| w.account()).collect();
    accounts.sort();
    assert_eq!(accounts, ["sim/a", "sim/b"]);
    let on_a = m
        .workers
        .values()
        .find(|w| w.account() == "sim/a")
        .map(|w| w.id)
        .unwrap();
    let task = m.workers[&on_a].task.clone().unwrap();
    start_work(&mut m, on_a, &task, 2);
    let out = update(&mut m, gave_up(on_a, "API Error: 429 quota", 100), 100);
    let said = events(&out, EventKind::RateLimit);
    assert!(
        said.iter().any(|e| e.contains("moved to another account")),
        "{said:?}"
    );
    assert_eq!(m.workers[&on_a].task, None);
    assert_eq!(m.tasks[&task].state, TaskState::Pending);
    let reason = m.tasks[&task].reason.clone().unwrap_or_default();
    assert!(reason.contains("account sim/a"), "{reason}");
    // Account a takes no new work while held: the task waits for account b's worker.
    idle(&mut m, on_a, 200);
    assert_eq!(m.workers[&on_a].task, None);
}

#[test]
fn a_spent_run_budget_stops_assignments_and_a_task_over_its_own_is_not_handed_out_again() {
    use crate::core::model::Usage;
    let mut m = model(1);
    m.policy.budget.max_tokens = 1_000;
    m.policy.budget.max_task_tokens = 600;
    load(&mut m, vec![def("a", &[], None), def("b", &[], None)], 0);
    boot(&mut m, 1);
    let first = m.workers[&1].task.clone().unwrap();
    let second = if first == "a" { "b" } else { "a" };
    start_work(&mut m, 1, &first, 2);
    let used = Usage {
        input: 500,
        output: 200,
        ..Usage::default()
    };
    let out = update(
        &mut m,
        Observation::Signal {
            worker: 1,
            signal: Signal::Usage {
                session: "/t.jsonl".into(),
                totals: used,
            },
        },
        3,
    );
    assert_eq!(m.tasks[&first].usage, used);
    let said = events(&out, EventKind::Budget);
    assert!(
        said.iter().any(|e| e.contains("budget.max_task_tokens")),
        "{said:?}"
    );
    // The task goes back (its agent gave up): over its own budget, it fails instead.
    m.workers.get_mut(&1).unwrap().let_go();
    crate::core::outcome::give_back(&mut m, &first, "test", &mut Vec::new());
    update(&mut m, Observation::Tick, 4);
    assert_eq!(m.tasks[&first].state, TaskState::Failed);
    // The next task runs, and its tokens spend the run's budget.
    idle(&mut m, 1, 5);
    start_work(&mut m, 1, second, 6);
    let more = Usage {
        input: 700,
        output: 300,
        ..Usage::default()
    };
    let out = update(
        &mut m,
        Observation::Signal {
            worker: 1,
            signal: Signal::Usage {
                session: "/t.jsonl".into(),
                totals: more,
            },
        },
        7,
    );
    assert_eq!(m.tasks[second].usage.total(), 300);
    assert!(crate::core::budget::run_spent(&m));
    let said = events(&out, EventKind::Budget);
    assert!(
        said.iter().any(|e| e.contains("no new task is handed out")),
        "{said:?}"
    );
    // A new task waits while work is in progress, and fails once none is.
    load(&mut m, vec![def("c", &[], None)], 8);
    assert_eq!(m.tasks["c"].state, TaskState::Pending);
    m.workers.get_mut(&1).unwrap().let_go();
    m.tasks.get_mut(second).unwrap().state = TaskState::Done;
    update(&mut m, Observation::Tick, 9);
    assert_eq!(m.tasks["c"].state, TaskState::Failed);
    assert!(
        m.tasks["c"]
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("budget")
    );
}
