//! Plans (`czar plan`): a goal a planner worker splits into tasks, each carrying the plan's id.
//! Here is how far each plan has got, from the tasks alone.

use super::command::{Command, EventKind};
use super::model::{Model, TaskState};
use serde::Serialize;
use std::collections::BTreeSet;

/// How far one plan has got: its planner's state, and of the tasks it added, how many are
/// done and landed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub id: String,
    /// The planner task's title (which holds the goal).
    pub title: String,
    /// The planner task's state (`pending`, `working`, `done`...), if it is known.
    pub planner: Option<&'static str>,
    /// Tasks the planner added (the planner itself not counted).
    pub added: usize,
    pub done: usize,
    /// Done and on the target (all done ones, with landing off).
    pub landed: usize,
    pub failed: usize,
}

impl Progress {
    /// The planner finished and every task it added is over.
    pub fn over(&self) -> bool {
        self.planner == Some(TaskState::Done.as_str()) && self.done + self.failed == self.added
    }
}

impl Progress {
    /// Nothing more will happen to it: its planner is over (done or failed) and every task it
    /// added failed or is on the target (landed, or done with landing off).
    pub fn finished(&self) -> bool {
        let planner_over = self.planner == Some(TaskState::Done.as_str())
            || self.planner == Some(TaskState::Failed.as_str());
        planner_over && self.landed + self.failed == self.added
    }
}

/// The plans finished now, by id (see `Progress::finished`).
pub fn finished(model: &Model) -> BTreeSet<String> {
    progress(model)
        .into_iter()
        .filter(Progress::finished)
        .map(|p| p.id)
        .collect()
}

/// One `plan` event for each plan that finished during this update (it was not finished in
/// `before`): a plan restored finished from the store is not announced again.
pub fn announce(model: &Model, before: &BTreeSet<String>, out: &mut Vec<Command>) {
    for p in progress(model) {
        if !p.finished() || before.contains(&p.id) {
            continue;
        }
        let planner = if p.planner == Some(TaskState::Failed.as_str()) {
            "; its planner failed"
        } else {
            ""
        };
        let said = format!(
            "{}: finished: {} of {} task(s) landed, {} failed{planner}",
            p.id, p.landed, p.added, p.failed
        );
        out.push(Command::record(None, None, EventKind::Plan, said));
    }
}

/// Every plan the tasks name, by id.
pub fn progress(model: &Model) -> Vec<Progress> {
    let mut plans: std::collections::BTreeMap<&str, Progress> = Default::default();
    for t in model.tasks.values() {
        let Some(id) = t.def.plan.as_deref() else {
            continue;
        };
        let p = plans.entry(id).or_insert_with(|| Progress {
            id: id.to_string(),
            title: String::new(),
            planner: None,
            added: 0,
            done: 0,
            landed: 0,
            failed: 0,
        });
        if t.def.planner {
            p.planner = Some(t.state.as_str());
            p.title = t.def.title.clone();
            continue;
        }
        p.added += 1;
        match t.state {
            TaskState::Done => p.done += 1,
            TaskState::Failed => p.failed += 1,
            _ => {}
        }
        if model.landed(&t.def.id) {
            p.landed += 1;
        }
    }
    plans.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{Policy, Task, TaskDef};

    #[test]
    fn a_plan_counts_the_tasks_it_added_not_its_planner() {
        let mut m = Model::new("p", "main", Policy::default());
        let mut add = |id: &str, planner: bool, state: TaskState| {
            let def = TaskDef {
                id: id.into(),
                title: format!("T {id}"),
                plan: Some("p1".into()),
                planner,
                ..TaskDef::default()
            };
            let mut t = Task::new(def, 0);
            t.state = state;
            m.tasks.insert(id.into(), t);
        };
        add("plan-p1", true, TaskState::Done);
        add("a", false, TaskState::Done);
        add("b", false, TaskState::Working);
        add("c", false, TaskState::Failed);
        m.tasks.insert(
            "other".into(),
            Task::new(
                TaskDef {
                    id: "other".into(),
                    ..TaskDef::default()
                },
                0,
            ),
        );
        let p = progress(&m);
        assert_eq!(p.len(), 1);
        let p = &p[0];
        assert_eq!((p.added, p.done, p.landed, p.failed), (3, 1, 1, 1));
        assert_eq!(p.planner, Some("done"));
        assert_eq!(p.title, "T plan-p1");
        assert!(!p.over());
    }
}
