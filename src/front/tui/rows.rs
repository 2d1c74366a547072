//! What the views show, derived from a model snapshot: the visible workers, the queue in its
//! groups, and the alerts. Pure functions, so views and keys agree on what row N is.

use crate::core::model::{AgentState, Model, Task, TaskState, Worker};
pub use crate::shown::{ago, clock};

/// The workers shown, in id order, after the filter.
pub fn visible_workers<'m>(model: &'m Model, filter: &str) -> Vec<&'m Worker> {
    model
        .workers
        .values()
        .filter(|w| filter.is_empty() || worker_matches(w, filter))
        .collect()
}

fn worker_matches(w: &Worker, filter: &str) -> bool {
    let f = filter.to_lowercase();
    let hay = format!(
        "{} {} {} {} {}",
        w.id,
        w.profile,
        w.task.as_deref().unwrap_or(""),
        state_name(w),
        w.last_line
    )
    .to_lowercase();
    hay.contains(&f)
}

pub fn task_matches(t: &Task, filter: &str) -> bool {
    let f = filter.to_lowercase();
    filter.is_empty()
        || t.def.id.to_lowercase().contains(&f)
        || t.def.title.to_lowercase().contains(&f)
}

/// The state word shown for a worker: its agent state, or `stopped` for a session that is gone.
pub fn state_name(w: &Worker) -> &'static str {
    if w.retired && !w.live {
        "stopped"
    } else if w.live || w.agent == AgentState::Crashed {
        w.agent.as_str()
    } else {
        "stopped"
    }
}

#[derive(Debug, Default)]
pub struct Queue<'m> {
    /// Pending with nothing in the way: ready for a worker.
    pub pending: Vec<&'m Task>,
    /// Held by the operator, with the note.
    pub held: Vec<&'m Task>,
    /// With the ids of the tasks still in the way.
    pub blocked: Vec<(&'m Task, Vec<String>)>,
    pub active: Vec<&'m Task>,
    pub done: Vec<&'m Task>,
    pub failed: Vec<&'m Task>,
}

/// The queue in groups; pending by priority (highest first), the rest by id.
pub fn queue<'m>(model: &'m Model, filter: &str) -> Queue<'m> {
    let mut q = Queue::default();
    for t in model.tasks.values().filter(|t| task_matches(t, filter)) {
        match t.state {
            TaskState::Pending => {
                let waiting: Vec<String> = t
                    .def
                    .needs
                    .iter()
                    .filter(|n| {
                        model
                            .tasks
                            .get(*n)
                            .is_none_or(|d| d.state != TaskState::Done)
                    })
                    .cloned()
                    .collect();
                if t.hold.is_some() {
                    q.held.push(t);
                } else if let Some(why) = &t.unrunnable {
                    // No agent can run it: what is in the way is the agent, not a task.
                    q.blocked.push((t, vec![format!("parked: {why}")]));
                } else if waiting.is_empty() {
                    q.pending.push(t);
                } else {
                    q.blocked.push((t, waiting));
                }
            }
            TaskState::Done => q.done.push(t),
            TaskState::Failed => q.failed.push(t),
            _ => q.active.push(t),
        }
    }
    q.pending.sort_by(|a, b| {
        b.def
            .priority
            .cmp(&a.def.priority)
            .then(a.def.id.cmp(&b.def.id))
    });
    // The most recently finished first: what just happened is what the operator looks for.
    q.done
        .sort_by_key(|t| (std::cmp::Reverse(t.times.finished), t.def.id.clone()));
    q.failed
        .sort_by_key(|t| (std::cmp::Reverse(t.times.finished), t.def.id.clone()));
    q
}

impl<'m> Queue<'m> {
    /// Every task, in the order the Queue panel lists them: what its selection counts through.
    pub fn in_order(&self) -> Vec<&'m Task> {
        let mut all: Vec<&'m Task> = Vec::new();
        all.extend(&self.pending);
        all.extend(&self.held);
        all.extend(self.blocked.iter().map(|(t, _)| *t));
        all.extend(&self.active);
        all.extend(&self.failed);
        all.extend(&self.done);
        all
    }
}

/// The task selected in the Queue panel, if any task is shown.
pub fn selected_task<'m>(model: &'m Model, ui_filter: &str, selected: usize) -> Option<&'m Task> {
    let all = queue(model, ui_filter).in_order();
    all.get(selected.min(all.len().saturating_sub(1))).copied()
}

/// Tasks the operator may give a worker right now: pending, nothing in the way.
pub fn ready_tasks(model: &Model) -> Vec<String> {
    queue(model, "")
        .pending
        .iter()
        .map(|t| t.def.id.clone())
        .collect()
}

pub use super::alerts::{Alert, Level, alert_count, alerts, branch_task, question};

pub use super::log_filter::log_rows;

/// An event kind in plain words.
pub fn kind_words(kind: &str) -> String {
    match kind {
        "auto_answer" => "answered by the czar".into(),
        "agent_state" => "state".into(),
        "worker_crashed" => "crashed".into(),
        "delivery_step" => "delivery".into(),
        "start_throttled" => "start held back".into(),
        "attached" => "client".into(),
        other => other.replace('_', " "),
    }
}

/// `1 commit`, `3 commits`.
pub fn count(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The finished tasks the Landing panel lists: those with a landing record, the ones still to
/// land first (in the order they were done), then the landed ones, latest first.
pub fn landing(model: &Model) -> Vec<&crate::core::model::Task> {
    use crate::core::model::Landing;
    let mut rows: Vec<&crate::core::model::Task> =
        model.tasks.values().filter(|t| t.land.is_some()).collect();
    rows.sort_by_key(|t| {
        let l = t.land.as_ref();
        match l.map(|l| &l.state) {
            Some(Landing::Landed { at, .. }) => (1, u64::MAX - at, t.def.id.clone()),
            _ => (0, l.map_or(0, |l| l.queued_at), t.def.id.clone()),
        }
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::store::EventRow;
    use crate::core::model::TaskDef;

    fn task(id: &str, state: TaskState, needs: &[&str], prio: i64) -> Task {
        let mut t = Task::new(
            TaskDef {
                id: id.into(),
                title: format!("Title {id}"),
                priority: prio,
                needs: needs.iter().map(|s| s.to_string()).collect(),
                ..TaskDef::default()
            },
            0,
        );
        t.state = state;
        t
    }

    #[test]
    fn the_queue_splits_blocked_from_ready_and_sorts_by_priority() {
        let mut m = Model::default();
        for t in [
            task("a", TaskState::Done, &[], 0),
            task("b", TaskState::Pending, &["a"], 1),
            task("c", TaskState::Pending, &["d"], 0),
            task("d", TaskState::Working, &[], 0),
            task("e", TaskState::Pending, &[], 5),
        ] {
            m.tasks.insert(t.def.id.clone(), t);
        }
        let q = queue(&m, "");
        let ids = |v: &[&Task]| v.iter().map(|t| t.def.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&q.pending), ["e", "b"]);
        assert_eq!(q.blocked.len(), 1);
        assert_eq!(q.blocked[0].1, ["d"]);
        assert_eq!(ids(&q.active), ["d"]);
        assert_eq!(ready_tasks(&m), ["e", "b"]);
        assert_eq!(ids(&queue(&m, "title e").pending), ["e"]);
    }

    #[test]
    fn a_broken_task_file_is_an_alert_until_it_is_fixed() {
        let mut m = Model::default();
        let error = "tasks/bad.md:3: the task text is empty";
        m.task_file_errors
            .insert("tasks/bad.md".into(), error.into());
        let row = |seq, kind: &str, detail: &str| EventRow {
            seq,
            at: seq as u64,
            worker: None,
            task: None,
            kind: kind.into(),
            detail: detail.into(),
        };
        let events = [row(1, "task_file_error", error)];
        let a = alerts(&m, &events);
        assert_eq!(a.len(), 1, "shown once, not again as an event: {a:?}");
        assert_eq!(a[0].text, "task file bad.md:3: the task text is empty");
        assert_eq!(a[0].level, Level::Warn);
        assert_eq!(alert_count(&m), 1);
        m.task_file_errors.clear();
        let fixed = "tasks/bad.md: no error any more (it was: ...)";
        let events = [
            row(1, "task_file_error", error),
            row(2, "task_file_fixed", fixed),
        ];
        let a = alerts(&m, &events);
        let texts: Vec<&str> = a.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                format!("task file fixed: {fixed}"),
                format!("task file error: {error}")
            ]
        );
        assert_eq!(alert_count(&m), 0);
    }

    #[test]
    fn a_waiting_worker_is_an_alert_with_its_question() {
        let mut m = Model::default();
        m.workers.insert(
            1,
            Worker {
                id: 1,
                live: true,
                agent: AgentState::Waiting,
                reason: "waiting pattern /x/ matched \"Do you want to proceed?\"".into(),
                ..Worker::default()
            },
        );
        let a = alerts(&m, &[]);
        assert_eq!(a[0].text, "w1 waiting: Do you want to proceed?");
        assert_eq!(a[0].level, Level::Act);
        assert_eq!(alert_count(&m), 1);
        assert_eq!(ago(61_000), "1m");
    }

    #[test]
    fn an_unavailable_agent_is_an_alert_and_its_tasks_show_as_parked() {
        let mut m = Model::default();
        let mut t = task("x", TaskState::Pending, &[], 0);
        t.unrunnable = Some("the broken agent is unavailable: exit 127".into());
        m.tasks.insert("x".into(), t);
        let health = m.profiles.entry("broken".into()).or_default();
        health.unavailable = Some(crate::core::model::Unavailable {
            since: 0,
            cause: "exited with status 127".into(),
            worker: 3,
            probes: 0,
            probe_at: None,
            probing: false,
        });
        let q = queue(&m, "");
        assert!(q.pending.is_empty());
        assert_eq!(
            q.blocked[0].1,
            ["parked: the broken agent is unavailable: exit 127"]
        );
        let a = alerts(&m, &[]);
        assert_eq!(
            a[0].text,
            "agent broken unavailable: exited with status 127"
        );
        assert_eq!(a[0].level, Level::Act);
    }
}
