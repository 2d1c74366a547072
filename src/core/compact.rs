//! A near-full context: once its agent's last turn filled `compact_at` of its profile's context
//! window, the agent is told to compact it (the profile's `compact`, typed as literal text and
//! submitted), once, while it sits idle between turns with nothing being handed to it and
//! nobody in its pane. Asked again only after a report shows it below the mark.

use super::command::{Command, EventKind};
use super::model::{Input, Model, Worker, WorkerId};

/// Whether the worker's agent should be told to compact before it takes new work: its context
/// is past the mark, it has not been told yet, and it can be now (so the queue, which holds new
/// work back meanwhile, never waits on a compaction that cannot come).
pub(super) fn due(model: &Model, w: &Worker) -> bool {
    !w.vitals.tokens.compact_asked && safe(w) && full(model, w).is_some_and(|(full, ..)| full)
}

/// Between turns, at its prompt with nothing typed, nothing being handed to it and nobody in
/// its pane.
fn safe(w: &Worker) -> bool {
    // An empty box, or one the profile cannot read: typing goes into nothing the agent holds.
    let box_free = w
        .vitals
        .screen
        .as_ref()
        .is_none_or(|s| matches!(s.input, Input::Empty | Input::Unknown));
    w.live
        && !w.starting
        && !w.retired
        && w.agent.is_ready()
        && !w.vitals.attached
        && w.delivery.is_none()
        && box_free
}

/// Whether its context is past its profile's mark, with what is typed to compact it, the
/// tokens its context holds and its window; None when the profile does not compact or no
/// report came.
fn full(model: &Model, w: &Worker) -> Option<(bool, String, u64, u64)> {
    let meter = model.policy.meters.get(&w.profile)?;
    let text = meter.compact.clone()?;
    let used = w.vitals.tokens.context?;
    if meter.context_window == 0 {
        return None;
    }
    let mark = meter.context_window as u128 * meter.compact_at_permille as u128 / 1000;
    Some((used as u128 >= mark, text, used, meter.context_window))
}

/// The longest a worker that finished a task waits for a reading of its session before it
/// takes the next: the meter looks every 2 s, and a client that reports nothing (no session
/// file, an unreadable one) must not hold its worker for ever.
pub const METER_WAIT_MS: u64 = 6_000;

/// A worker whose profile compacts and whose task just ended takes no new task until its
/// session has been read after that (or `METER_WAIT_MS` passed): the last turns of the task may
/// have filled its context, and the reading taken before them said it was not full, so the
/// next task would go in before the compaction. Run before tasks are handed out.
pub(super) fn await_meter(model: &mut Model, now: u64) {
    let meters = &model.policy.meters;
    for w in model.workers.values_mut() {
        let compacts = meters
            .get(&w.profile)
            .is_some_and(|m| m.compact.is_some() && m.context_window > 0);
        if !compacts {
            continue;
        }
        let t = &mut w.vitals.tokens;
        if w.task.is_some() {
            t.had_task = true;
            t.meter_wait = None;
            continue;
        }
        if std::mem::take(&mut t.had_task) && w.live && !w.retired {
            t.meter_wait = Some(now);
        }
        if t.meter_wait
            .is_some_and(|since| now >= since.saturating_add(METER_WAIT_MS))
        {
            t.meter_wait = None;
        }
    }
}

/// A reading of the worker's session, read at `read_at`: one from after its task ended ends
/// its wait (`tokens::metered`, next, tells it to compact when that reading says so).
pub(super) fn metered_since(model: &mut Model, id: WorkerId, read_at: u64) {
    if let Some(w) = model.workers.get_mut(&id)
        && w.vitals
            .tokens
            .meter_wait
            .is_some_and(|since| read_at >= since)
    {
        w.vitals.tokens.meter_wait = None;
    }
}

/// How long a worker told to compact takes no new task: until its screen shows the client at
/// work on it (a task pasted before then would land in the command's own menu).
const REST_MS: u64 = 3_000;

/// Tells the worker's agent to compact its context, when it should and safely can.
pub(super) fn check(model: &mut Model, id: WorkerId, now: u64, out: &mut Vec<Command>) {
    let Some(w) = model.workers.get(&id) else {
        return;
    };
    let Some((full, text, used, window)) = full(model, w) else {
        return;
    };
    if !full {
        // Below the mark (compacted, or a new session): the next crossing asks again.
        if let Some(w) = model.workers.get_mut(&id) {
            w.vitals.tokens.compact_asked = false;
        }
        return;
    }
    if w.vitals.tokens.compact_asked || !safe(w) {
        return;
    }
    let share = used as f64 / window as f64;
    let detail = format!(
        "its context holds {used} tokens, {:.0}% of {window}: typed {text:?}",
        share * 100.0
    );
    let task = w.task.clone();
    out.push(Command::record(
        Some(id),
        task.as_deref(),
        EventKind::Compact,
        detail,
    ));
    out.push(Command::TypeText { worker: id, text });
    if let Some(w) = model.workers.get_mut(&id) {
        w.vitals.tokens.compact_asked = true;
        w.vitals.rest_until = Some(now + REST_MS);
    }
}
