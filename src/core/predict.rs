//! Scheduling by the conflict prediction (the survey's merges of task branches that would
//! conflict). With `overlap = "hold"` a pending task whose branch is predicted to conflict with
//! active work is not handed out while that work lasts: the rest of the queue goes first, and the
//! task is held with the reason on it. Landing does not put two tasks predicted to conflict
//! into one batch, and does not land one right after the other when something else can go
//! between (the next survey checks the pair again against the moved target).

use super::command::{Command, EventKind};
use super::model::{Model, TaskId, TaskState, branch_for};

/// The files the survey predicts a merge of `a`'s and `b`'s branches leaves in conflict.
pub fn predicted(model: &Model, a: &str, b: &str) -> Option<Vec<String>> {
    let (ba, bb) = (branch_for(a), branch_for(b));
    model
        .survey
        .conflicts
        .iter()
        .find(|c| (c.left == ba && c.right == bb) || (c.left == bb && c.right == ba))
        .map(|c| c.files.clone())
}

/// Why `task` (pending) is held by the prediction: the active task it would conflict with, and
/// the files. `None` when holding is off or nothing active conflicts with it.
pub fn hold_of(model: &Model, task: &str) -> Option<(TaskId, Vec<String>)> {
    if !model.policy.hold_overlaps {
        return None;
    }
    let t = model.tasks.get(task)?;
    if t.state != TaskState::Pending {
        return None;
    }
    model
        .tasks
        .values()
        .filter(|o| o.state.is_active() && o.def.id != task)
        .find_map(|o| predicted(model, task, &o.def.id).map(|f| (o.def.id.clone(), f)))
}

const HELD: &str = "held: predicted to conflict with ";

/// Puts the hold's reason on each pending task the prediction holds (said once, as a `held`
/// event), and takes it off those it no longer holds.
pub(super) fn review(model: &mut Model, out: &mut Vec<Command>) {
    let pending: Vec<TaskId> = model
        .tasks
        .values()
        .filter(|t| t.state == TaskState::Pending)
        .map(|t| t.def.id.clone())
        .collect();
    for id in pending {
        let why = hold_of(model, &id)
            .map(|(other, files)| format!("{HELD}`{other}` (active) in {}", files.join(", ")));
        let Some(t) = model.tasks.get_mut(&id) else {
            continue;
        };
        let ours = t.reason.as_deref().is_some_and(|r| r.starts_with(HELD));
        match why {
            Some(w) if t.reason.as_deref() != Some(w.as_str()) => {
                t.reason = Some(w.clone());
                out.push(Command::record(None, Some(&id), EventKind::Held, w));
            }
            None if ours => t.reason = None,
            _ => {}
        }
    }
}

/// Of the tasks ready to land (in landing order), the one to land next: the first, unless it is
/// predicted to conflict with the task that landed last and another can go before it.
pub fn next_landing(model: &Model, ready: &[TaskId], last_landed: Option<&str>) -> Option<TaskId> {
    let first = ready.first()?;
    let asked = |id: &str| {
        model
            .tasks
            .get(id)
            .and_then(|t| t.land.as_ref())
            .is_some_and(|l| l.asked)
    };
    let Some(last) = last_landed.filter(|_| !asked(first)) else {
        return Some(first.clone());
    };
    ready
        .iter()
        .find(|id| predicted(model, id, last).is_none())
        .or(Some(first))
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{Conflict, Policy, Task, TaskDef};

    fn m(hold: bool) -> Model {
        let mut m = Model::new(
            "p",
            "main",
            Policy {
                hold_overlaps: hold,
                ..Policy::default()
            },
        );
        for (id, state) in [
            ("active", TaskState::Working),
            ("late", TaskState::Pending),
            ("free", TaskState::Pending),
        ] {
            let mut t = Task::new(
                TaskDef {
                    id: id.into(),
                    ..TaskDef::default()
                },
                0,
            );
            t.state = state;
            m.tasks.insert(id.into(), t);
        }
        m.survey.conflicts.push(Conflict {
            left: "czar/active".into(),
            right: "czar/late".into(),
            files: vec!["src/db.rs".into()],
        });
        m
    }

    #[test]
    fn a_pending_task_predicted_to_conflict_with_active_work_is_held_with_its_reason() {
        let mut model = m(true);
        assert_eq!(
            hold_of(&model, "late"),
            Some(("active".into(), vec!["src/db.rs".into()]))
        );
        assert_eq!(hold_of(&model, "free"), None);
        let mut out = Vec::new();
        review(&mut model, &mut out);
        let why = model.tasks["late"].reason.clone().unwrap();
        assert_eq!(
            why,
            "held: predicted to conflict with `active` (active) in src/db.rs"
        );
        assert_eq!(out.len(), 1, "said once: {out:?}");
        review(&mut model, &mut out);
        assert_eq!(out.len(), 1, "not said again");
        // The active work is over: the hold and its reason go.
        model.tasks.get_mut("active").unwrap().state = TaskState::Done;
        review(&mut model, &mut out);
        assert_eq!(model.tasks["late"].reason, None);
        assert_eq!(hold_of(&model, "late"), None);
        // With overlap = "alert" nothing is held.
        assert_eq!(hold_of(&m(false), "late"), None);
    }

    #[test]
    fn a_landing_predicted_to_conflict_with_the_last_one_goes_after_another() {
        let model = m(true);
        let ready = vec!["late".to_string(), "free".to_string()];
        assert_eq!(
            next_landing(&model, &ready, Some("active")),
            Some("free".into())
        );
        assert_eq!(next_landing(&model, &ready, None), Some("late".into()));
        let only = vec!["late".to_string()];
        assert_eq!(
            next_landing(&model, &only, Some("active")),
            Some("late".into())
        );
    }
}
