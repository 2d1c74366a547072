//! A near-full context: once its agent's last turn filled `compact_at` of its profile's context
//! window, the agent is told to compact it (the profile's `compact`, typed as literal text and
//! submitted), once, while it sits idle between turns with nothing being handed to it and
//! nobody in its pane. Asked again only after a report shows it below the mark.

use super::command::{Command, EventKind};
use super::model::{AgentState, Input, Model, WorkerId};

/// Tells the worker's agent to compact its context, when it should and safely can.
pub(super) fn check(model: &mut Model, id: WorkerId, out: &mut Vec<Command>) {
    let Some(w) = model.workers.get(&id) else {
        return;
    };
    let Some(meter) = model.policy.meters.get(&w.profile) else {
        return;
    };
    let (Some(text), Some(used)) = (meter.compact.clone(), w.vitals.tokens.context) else {
        return;
    };
    if meter.context_window == 0 {
        return;
    }
    let mark = meter.context_window as u128 * meter.compact_at_permille as u128 / 1000;
    let full = used as u128 >= mark;
    if !full {
        // Below the mark (compacted, or a new session): the next crossing asks again.
        if let Some(w) = model.workers.get_mut(&id) {
            w.vitals.tokens.compact_asked = false;
        }
        return;
    }
    // An empty box, or one the profile cannot read: typing goes into nothing the agent holds.
    let box_free = w
        .vitals
        .screen
        .as_ref()
        .is_none_or(|s| matches!(s.input, Input::Empty | Input::Unknown));
    let safe = w.live
        && !w.retired
        && w.agent == AgentState::Idle
        && !w.vitals.attached
        && w.delivery.is_none()
        && box_free;
    if w.vitals.tokens.compact_asked || !safe {
        return;
    }
    let share = used as f64 / meter.context_window as f64;
    let detail = format!(
        "its context holds {used} tokens, {:.0}% of {}: typed {text:?}",
        share * 100.0,
        meter.context_window
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
    }
}
