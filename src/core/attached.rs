//! A worker someone is attached to. Whatever the czar would type into its pane (a task's text,
//! an answer, a nudge, the operator's own typing from the dashboard) would land in the middle of
//! what that person types, so with `attached = "wait"` nothing is typed there until they detach:
//! the delivery waits at its step (see `delivery::advance`), dialogs stay unanswered, nudges are
//! not given, the queue passes the worker over, and the operator's keys are kept here and
//! pressed once the client has gone.

use super::command::{Command, EventKind};
use super::model::{HeldInput, Model, WorkerId};

/// A session listing said whether the worker's session has a client attached.
pub(super) fn seen(model: &mut Model, id: WorkerId, attached: bool, out: &mut Vec<Command>) {
    let waits = model.policy.attached == super::model::Attached::Wait;
    let Some(w) = model.workers.get_mut(&id) else {
        return;
    };
    if w.vitals.attached == attached {
        return;
    }
    w.vitals.attached = attached;
    let task = w.task.clone();
    if !waits {
        return;
    }
    if attached {
        out.push(Command::record(
            Some(id),
            task.as_deref(),
            EventKind::Attached,
            "a client attached: nothing is typed into its pane until it detaches",
        ));
        return;
    }
    let held = model.held_input.remove(&id).unwrap_or_default();
    let detail = match held.len() {
        0 => "the client detached: typing into its pane again".to_string(),
        n => format!(
            "the client detached: typing into its pane again ({n} held operator input{})",
            if n == 1 { "" } else { "s" }
        ),
    };
    out.push(Command::record(
        Some(id),
        task.as_deref(),
        EventKind::Attached,
        detail,
    ));
    for input in held {
        out.push(press(id, input));
    }
    // A delivery that waited goes by a screen read after the client left.
    out.push(Command::ReadScreen { worker: id });
}

/// The operator's keys or text for the worker: pressed now, or kept until its client detaches.
pub(super) fn operator_input(
    model: &mut Model,
    id: WorkerId,
    input: HeldInput,
    out: &mut Vec<Command>,
) {
    if !model.hands_off(id) {
        out.push(press(id, input));
        return;
    }
    let task = model.workers.get(&id).and_then(|w| w.task.clone());
    model.held_input.entry(id).or_default().push(input);
    out.push(Command::record(
        Some(id),
        task.as_deref(),
        EventKind::Attached,
        "held the operator's input: a client is attached; it is typed when the client detaches",
    ));
}

fn press(worker: WorkerId, input: HeldInput) -> Command {
    match input {
        HeldInput::Keys(keys) => Command::PressKeys { worker, keys },
        HeldInput::Text(text) => Command::TypeText { worker, text },
    }
}
