//! Cost and context through `update`: tokens priced by the profile (or as the agent priced them),
//! dollar budgets stopping assignments, and a near-full context compacted once, at a safe moment.

use super::limits::events;
use super::*;
use crate::core::command::EventKind;
use crate::core::compact::METER_WAIT_MS;
use crate::core::model::{Meter, Prices, Usage};
use crate::core::reports::Report;

fn metered(w: u32, session: &str, totals: Usage, context: Option<u64>) -> Observation {
    read_at(w, session, totals, context, 0)
}

fn read_at(w: u32, session: &str, totals: Usage, context: Option<u64>, at: u64) -> Observation {
    Observation::Metered {
        worker: w,
        session: session.into(),
        report: Report { totals, context },
        read_at: at,
    }
}

fn tokens(input: u64, output: u64) -> Usage {
    Usage {
        input,
        output,
        ..Usage::default()
    }
}

/// 1 dollar per million input tokens, 10 per million output.
fn priced(m: &mut Model, window: u64, compact: Option<&str>) {
    let meter = Meter {
        prices: Some(Prices {
            input: 1_000_000,
            output: 10_000_000,
            cached_input: 100_000,
            cache_write: 1_000_000,
        }),
        context_window: window,
        compact: compact.map(str::to_string),
        compact_at_permille: 850,
    };
    m.policy.meters.insert("sim".into(), meter);
}

#[test]
fn tokens_are_priced_by_the_profile_unless_the_agent_priced_them() {
    let mut m = model(1);
    priced(&mut m, 0, None);
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    start_work(&mut m, 1, "a", 2);
    update(&mut m, metered(1, "/s", tokens(1000, 100), Some(1000)), 3);
    // 1000 × 1 + 100 × 10 millionths of a dollar per token... per million: 2000 millionths.
    assert_eq!(m.tasks["a"].usage.cost_micros, 2_000);
    // The session grew: only what grew is priced and added.
    update(&mut m, metered(1, "/s", tokens(3000, 100), Some(2000)), 4);
    assert_eq!(m.tasks["a"].usage.cost_micros, 4_000);
    assert_eq!(m.workers[&1].vitals.tokens.usage.cost_micros, 4_000);
    // An agent that reports its own cost (Aider) is taken at its word.
    let own = Usage {
        cost_micros: 9_000,
        ..tokens(3500, 100)
    };
    update(&mut m, metered(1, "/s", own, Some(500)), 5);
    assert_eq!(m.tasks["a"].usage.cost_micros, 13_000);
    assert_eq!(m.workers[&1].vitals.tokens.context, Some(500));
}

#[test]
fn a_spent_cost_budget_stops_assignments_and_says_so_once() {
    let mut m = model(1);
    priced(&mut m, 0, None);
    m.policy.budget.max_cost_micros = 5_000;
    m.policy.budget.max_task_cost_micros = 3_000;
    load(&mut m, vec![def("a", &[], None), def("b", &[], None)], 0);
    boot(&mut m, 1);
    let first = m.workers[&1].task.clone().unwrap();
    let second = if first == "a" { "b" } else { "a" };
    start_work(&mut m, 1, &first, 2);
    let out = update(&mut m, metered(1, "/s", tokens(1000, 300), None), 3);
    let said = events(&out, EventKind::Budget);
    assert!(
        said.iter()
            .any(|e| e.contains("budget.max_task_cost") && e.contains("$0.0040")),
        "{said:?}"
    );
    let again = update(&mut m, metered(1, "/s", tokens(1000, 300), None), 4);
    assert!(events(&again, EventKind::Budget).is_empty(), "once only");
    assert!(!crate::core::budget::run_spent(&m));
    // The first task ends; the second spends the run's budget.
    m.workers.get_mut(&1).unwrap().let_go();
    m.tasks.get_mut(&first).unwrap().state = TaskState::Done;
    idle(&mut m, 1, 5);
    start_work(&mut m, 1, second, 6);
    let out = update(&mut m, metered(1, "/s", tokens(2000, 300), None), 7);
    assert!(crate::core::budget::run_spent(&m));
    let said = events(&out, EventKind::Budget);
    assert!(
        said.iter()
            .any(|e| e.contains("budget.max_cost") && e.contains("no new task is handed out")),
        "{said:?}"
    );
    // A new task is not handed out: it fails once nothing is in progress.
    load(&mut m, vec![def("c", &[], None)], 8);
    idle(&mut m, 1, 9);
    assert_eq!(m.tasks["c"].state, TaskState::Pending);
    m.workers.get_mut(&1).unwrap().let_go();
    m.tasks.get_mut(second).unwrap().state = TaskState::Done;
    update(&mut m, Observation::Tick, 10);
    assert_eq!(m.tasks["c"].state, TaskState::Failed);
    let reason = m.tasks["c"].reason.clone().unwrap_or_default();
    assert!(reason.contains("budget.max_cost"), "{reason}");
}

fn typed(out: &[Command]) -> Vec<String> {
    out.iter()
        .filter_map(|c| match c {
            Command::TypeText { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_near_full_context_is_compacted_once_while_idle_and_never_while_busy_or_attached() {
    let mut m = model(1);
    priced(&mut m, 10_000, Some("/compact"));
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    start_work(&mut m, 1, "a", 2);
    // Busy: a full context waits for the turn to end.
    update(&mut m, seen(1, AgentState::Busy, Input::Empty, 3), 3);
    let out = update(&mut m, metered(1, "/s", tokens(9000, 10), Some(9000)), 3);
    assert!(typed(&out).is_empty(), "{out:?}");
    // Idle, but someone is in its pane: not either.
    m.workers.get_mut(&1).unwrap().vitals.attached = true;
    let out = update(&mut m, seen(1, AgentState::Idle, Input::Empty, 4), 4);
    assert!(typed(&out).is_empty(), "{out:?}");
    // Idle and alone: told once, with an event.
    m.workers.get_mut(&1).unwrap().vitals.attached = false;
    let out = update(&mut m, Observation::Tick, 5);
    assert_eq!(typed(&out), ["/compact"]);
    let said = events(&out, EventKind::Compact);
    assert!(said.iter().any(|e| e.contains("90%")), "{said:?}");
    let out = update(&mut m, Observation::Tick, 6);
    assert!(typed(&out).is_empty(), "once: {out:?}");
    // Compacted (a small turn), then full again: told again.
    update(&mut m, metered(1, "/s", tokens(9500, 20), Some(1000)), 7);
    let out = update(&mut m, metered(1, "/s", tokens(18_500, 30), Some(8600)), 8);
    assert_eq!(typed(&out), ["/compact"]);
    // Below the mark nothing happens, and a profile without `compact` is never told.
    let mut m = model(1);
    priced(&mut m, 10_000, None);
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    let out = update(&mut m, metered(1, "/s", tokens(9900, 10), Some(9900)), 3);
    assert!(typed(&out).is_empty(), "{out:?}");
}

#[test]
fn a_full_worker_is_told_to_compact_before_it_is_handed_the_next_task() {
    let mut m = model(1);
    priced(&mut m, 10_000, Some("/compact"));
    boot(&mut m, 1);
    update(&mut m, seen(1, AgentState::Busy, Input::Empty, 2), 2);
    // Its report comes while it is busy: not told yet.
    let out = update(&mut m, metered(1, "/s", tokens(9000, 10), Some(9000)), 2);
    assert!(typed(&out).is_empty(), "{out:?}");
    load(&mut m, vec![def("a", &[], None)], 3);
    // At its prompt it is told first, and takes no task meanwhile...
    let out = idle(&mut m, 1, 4);
    assert!(prepares(&out).is_empty(), "{out:?}");
    let out = update(&mut m, Observation::Tick, 5);
    assert_eq!(typed(&out), ["/compact"]);
    assert!(prepares(&out).is_empty(), "{out:?}");
    // ...until its client is at work on it (a moment later), and back at its prompt.
    update(
        &mut m,
        seen(1, AgentState::Busy, Input::Empty, 1_000),
        1_000,
    );
    let out = update(&mut m, Observation::Tick, 4_000);
    assert!(prepares(&out).is_empty(), "busy compacting: {out:?}");
    let out = idle(&mut m, 1, 5_000);
    assert_eq!(prepares(&out), [(1, "a".to_string())]);
    assert!(typed(&out).is_empty(), "told once: {out:?}");
}

/// The race seen with the real Claude client: the first task's last turns fill the context,
/// but the reading of them comes after the agent is back at its prompt. The worker waits for
/// a reading taken after its task ended (an older one that arrives late does not count), is
/// told to compact, and only then takes the next task.
#[test]
fn a_worker_that_finished_a_task_waits_for_a_fresh_reading_before_the_next() {
    let mut m = model(1);
    priced(&mut m, 10_000, Some("/compact"));
    load(&mut m, vec![def("a", &[], None), def("b", &[], None)], 0);
    boot(&mut m, 1);
    let first = m.workers[&1].task.clone().unwrap();
    let second = if first == "a" { "b" } else { "a" };
    start_work(&mut m, 1, &first, 2);
    update(&mut m, read_at(1, "/s", tokens(1000, 10), Some(1000), 3), 3);
    commits(&mut m, 1, &first, 1, 4);
    said_done(&mut m, 1, 5);
    // Back at its prompt: the task is over, and the next waits.
    let out = idle(&mut m, 1, 10);
    assert!(m.workers[&1].task.is_none(), "the task is over");
    assert!(prepares(&out).is_empty(), "{out:?}");
    // A reading taken before the task ended, arriving now, changes nothing.
    let out = update(
        &mut m,
        read_at(1, "/s", tokens(1000, 10), Some(1000), 4),
        11,
    );
    assert!(prepares(&out).is_empty(), "{out:?}");
    // The fresh one shows the last turns filled it: compact first, then the next task.
    let out = update(
        &mut m,
        read_at(1, "/s", tokens(10_000, 20), Some(9000), 12),
        12,
    );
    assert_eq!(typed(&out), ["/compact"]);
    assert!(prepares(&out).is_empty(), "{out:?}");
    update(&mut m, seen(1, AgentState::Busy, Input::Empty, 13), 13);
    update(
        &mut m,
        read_at(1, "/s", tokens(11_000, 30), Some(500), 14),
        14,
    );
    update(&mut m, Observation::Tick, 4_000);
    let out = idle(&mut m, 1, 5_000);
    assert_eq!(prepares(&out), [(1, second.to_string())]);
}

/// A client that reports nothing after its task holds its worker only for a while.
#[test]
fn a_worker_waits_for_a_reading_only_so_long() {
    let mut m = model(1);
    priced(&mut m, 10_000, Some("/compact"));
    load(&mut m, vec![def("a", &[], None), def("b", &[], None)], 0);
    boot(&mut m, 1);
    let first = m.workers[&1].task.clone().unwrap();
    start_work(&mut m, 1, &first, 2);
    commits(&mut m, 1, &first, 1, 4);
    said_done(&mut m, 1, 5);
    let out = idle(&mut m, 1, 10);
    assert!(prepares(&out).is_empty(), "{out:?}");
    let out = update(&mut m, Observation::Tick, 10 + METER_WAIT_MS - 1);
    assert!(prepares(&out).is_empty(), "{out:?}");
    let out = update(&mut m, Observation::Tick, 10 + METER_WAIT_MS);
    assert_eq!(prepares(&out).len(), 1, "{out:?}");
    // A profile that does not compact never waits.
    let mut m = model(1);
    priced(&mut m, 10_000, None);
    load(&mut m, vec![def("a", &[], None), def("b", &[], None)], 0);
    boot(&mut m, 1);
    let first = m.workers[&1].task.clone().unwrap();
    start_work(&mut m, 1, &first, 2);
    commits(&mut m, 1, &first, 1, 4);
    said_done(&mut m, 1, 5);
    let out = idle(&mut m, 1, 10);
    assert_eq!(prepares(&out).len(), 1, "{out:?}");
}
