//! The operator's hand on a task: hold, release, cancel, retry, reprioritise. The dashboard's
//! Queue panel and `czar task` both come here (through the engine, or straight onto the store
//! when no czar runs), so the two can never decide differently.

use super::command::{Command, EventKind};
use super::model::{HeldInput, Model, TaskState};
use super::observation::TaskAction;

/// Carries out `action` on `task`. Refusals are recorded (they answer the operator), never
/// silent.
pub fn apply(model: &mut Model, task: &str, action: TaskAction, now: u64, out: &mut Vec<Command>) {
    let Some(t) = model.tasks.get(task) else {
        return refuse(out, task, "there is no such task");
    };
    let state = t.state;
    match action {
        TaskAction::Hold { note } => {
            if state.is_final() {
                return refuse(out, task, &format!("it is {} already", state.as_str()));
            }
            let note = if note.trim().is_empty() {
                "held by the operator".to_string()
            } else {
                note
            };
            take_back(model, task, &format!("held by the operator: {note}"), out);
            if let Some(t) = model.tasks.get_mut(task) {
                t.hold = Some(note.clone());
            }
            out.push(Command::record(None, Some(task), EventKind::Held, note));
        }
        TaskAction::Release => {
            let Some(t) = model.tasks.get_mut(task).filter(|t| t.hold.is_some()) else {
                return refuse(out, task, "it is not held");
            };
            t.hold = None;
            out.push(Command::record(
                None,
                Some(task),
                EventKind::Requeued,
                "released by the operator",
            ));
        }
        TaskAction::Cancel => {
            if state.is_final() {
                return refuse(out, task, &format!("it is {} already", state.as_str()));
            }
            take_back(model, task, "cancelled by the operator", out);
            if let Some(t) = model.tasks.get_mut(task) {
                t.hold = None;
            }
            super::outcome::fail(model, task, "cancelled by the operator", now, out);
        }
        TaskAction::Retry => {
            let Some(t) = model
                .tasks
                .get_mut(task)
                .filter(|t| t.state == TaskState::Failed)
            else {
                return refuse(out, task, "only a failed task can be retried");
            };
            t.state = TaskState::Pending;
            t.attempts = 0;
            t.verify_failures = 0;
            t.unrunnable = None;
            t.hold = None;
            t.times.finished = None;
            t.reason = Some("retried by the operator".into());
            out.push(Command::record(
                None,
                Some(task),
                EventKind::Requeued,
                "retried by the operator",
            ));
        }
        TaskAction::Priority(p) => {
            // The file may say it already (`czar task priority` writes it there too).
            if let Some(t) = model.tasks.get_mut(task).filter(|t| t.def.priority != p) {
                let was = t.def.priority;
                t.def.priority = p;
                out.push(Command::record(
                    None,
                    Some(task),
                    EventKind::Operator,
                    format!("priority {was} -> {p}"),
                ));
            }
        }
    }
}

/// A task a worker holds is taken from it: its agent stops (Escape, held while someone is
/// attached) and the work stays on the branch for whoever takes it next.
fn take_back(model: &mut Model, task: &str, why: &str, out: &mut Vec<Command>) {
    let holder = model
        .workers
        .values()
        .find(|w| w.task.as_deref() == Some(task))
        .map(|w| w.id);
    let Some(worker) = holder else {
        return;
    };
    if let Some(w) = model.workers.get_mut(&worker) {
        w.let_go();
    }
    super::attached::operator_input(model, worker, HeldInput::Keys(vec!["Escape".into()]), out);
    super::outcome::give_back(model, task, why, out);
}

fn refuse(out: &mut Vec<Command>, task: &str, why: &str) {
    out.push(Command::record(
        None,
        Some(task),
        EventKind::Operator,
        format!("refused: {why}"),
    ));
}
