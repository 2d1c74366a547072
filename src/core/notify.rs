//! When to tell the operator outside the dashboard: a worker that starts waiting on a question,
//! goes stuck, crashes or hits a rate limit; a task that fails; the run that finishes. The core
//! decides, once per change: a worker that stays waiting is announced once, and again only
//! after it left that state and came back. The engine runs the user's command (`[notify]`) and
//! the dashboard rings the terminal.

use super::command::{Command, EventKind};
use super::model::{Model, Notice, NoticeKind, TaskState};

/// Looks at the model after a step and says what is new, once.
pub fn review(model: &mut Model, out: &mut Vec<Command>) {
    let mut notices = Vec::new();
    let primed = model.notified.primed;
    for w in model.workers.values() {
        let now_is = (w.agent, w.since);
        let was = model.notified.workers.insert(w.id, now_is);
        if !primed || was == Some(now_is) {
            continue;
        }
        let Some(kind) = NoticeKind::of_state(w.agent) else {
            continue;
        };
        let detail = match kind {
            NoticeKind::Waiting => w.question(),
            _ => w.reason.clone(),
        };
        notices.push((kind, Some(w.id), w.task.clone(), detail));
    }
    let workers = &model.workers;
    model
        .notified
        .workers
        .retain(|id, _| workers.contains_key(id));
    for t in model
        .tasks
        .values()
        .filter(|t| t.state == TaskState::Failed)
    {
        if !model.notified.failed.contains(&t.def.id) {
            model.notified.failed.insert(t.def.id.clone());
            if primed {
                let why = t.reason.clone().unwrap_or_else(|| "failed".into());
                notices.push((NoticeKind::Failed, t.worker, Some(t.def.id.clone()), why));
            }
        }
    }
    // A retried task may fail again, and be announced again.
    let tasks = &model.tasks;
    model
        .notified
        .failed
        .retain(|id| tasks.get(id).is_some_and(|t| t.state == TaskState::Failed));
    let finished = !model.tasks.is_empty() && model.drained();
    if finished && !model.notified.finished && primed {
        let done = model
            .tasks
            .values()
            .filter(|t| t.state == TaskState::Done)
            .count();
        let failed = model.tasks.len() - done;
        let detail = format!("{done} done, {failed} failed");
        notices.push((NoticeKind::RunFinished, None, None, detail));
    }
    model.notified.finished = finished;
    model.notified.primed = true;
    for (event, worker, task, detail) in notices {
        if !model.policy.notify.contains(&event) {
            continue;
        }
        let notice = Notice {
            event,
            project: model.project.clone(),
            worker,
            task,
            detail: crate::visible::one_line(&detail).into_owned(),
        };
        out.push(Command::record(
            worker,
            notice.task.as_deref(),
            EventKind::Notified,
            notice.summary(),
        ));
        out.push(Command::Notify(notice));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{ALL_NOTICES, AgentState, Policy, Task, TaskDef, Worker, WorkerId};

    fn model() -> Model {
        let policy = Policy {
            notify: ALL_NOTICES.to_vec(),
            ..Policy::default()
        };
        let mut m = Model::new("proj", "main", policy);
        m.workers.insert(
            1,
            Worker {
                id: 1,
                live: true,
                agent: AgentState::Busy,
                ..Worker::default()
            },
        );
        let t = Task::new(
            TaskDef {
                id: "a".into(),
                ..TaskDef::default()
            },
            0,
        );
        m.tasks.insert("a".into(), t);
        m
    }

    fn notices(out: &[Command]) -> Vec<(NoticeKind, Option<WorkerId>)> {
        out.iter()
            .filter_map(|c| match c {
                Command::Notify(n) => Some((n.event, n.worker)),
                _ => None,
            })
            .collect()
    }

    fn step(m: &mut Model) -> Vec<(NoticeKind, Option<WorkerId>)> {
        let mut out = Vec::new();
        review(m, &mut out);
        notices(&out)
    }

    #[test]
    fn a_worker_that_stays_waiting_is_announced_once_per_change_of_state() {
        let mut m = model();
        assert!(step(&mut m).is_empty(), "the first look only takes note");
        let w = m.workers.get_mut(&1).unwrap();
        w.set_agent(AgentState::Waiting, "matched \"Proceed?\"", 10);
        assert_eq!(step(&mut m), vec![(NoticeKind::Waiting, Some(1))]);
        assert!(step(&mut m).is_empty(), "still waiting: nothing new");
        // The reason changing (another reading) is not a change of state.
        m.workers.get_mut(&1).unwrap().reason = "other".into();
        assert!(step(&mut m).is_empty());
        let w = m.workers.get_mut(&1).unwrap();
        w.set_agent(AgentState::Busy, "", 20);
        assert!(step(&mut m).is_empty(), "busy is not announced");
        let w = m.workers.get_mut(&1).unwrap();
        w.set_agent(AgentState::Waiting, "again", 30);
        assert_eq!(step(&mut m), vec![(NoticeKind::Waiting, Some(1))]);
    }

    #[test]
    fn the_question_goes_in_the_notice_and_an_event_is_recorded() {
        let mut m = model();
        step(&mut m);
        let w = m.workers.get_mut(&1).unwrap();
        w.task = Some("a".into());
        w.set_agent(
            AgentState::Waiting,
            "waiting pattern /x/ matched \"Push to origin?\"",
            10,
        );
        let mut out = Vec::new();
        review(&mut m, &mut out);
        let Some(Command::Notify(n)) = out.iter().find(|c| matches!(c, Command::Notify(_))) else {
            panic!("no notice: {out:?}");
        };
        assert_eq!(n.detail, "Push to origin?");
        assert_eq!(n.task.as_deref(), Some("a"));
        assert_eq!(n.summary(), "w1 a waiting: Push to origin?");
        assert!(out.iter().any(|c| matches!(
            c,
            Command::Record(e) if e.kind == EventKind::Notified
        )));
    }

    #[test]
    fn only_the_kinds_the_rules_name_are_announced() {
        let mut m = model();
        m.policy.notify = vec![NoticeKind::RunFinished];
        step(&mut m);
        m.workers
            .get_mut(&1)
            .unwrap()
            .set_agent(AgentState::Stuck, "no output", 5);
        assert!(step(&mut m).is_empty());
        m.tasks.get_mut("a").unwrap().state = TaskState::Done;
        assert_eq!(step(&mut m), vec![(NoticeKind::RunFinished, None)]);
        assert!(step(&mut m).is_empty(), "finished once");
    }

    #[test]
    fn a_failed_task_and_the_finished_run_are_announced_once_each() {
        let mut m = model();
        step(&mut m);
        let t = m.tasks.get_mut("a").unwrap();
        t.state = TaskState::Failed;
        t.reason = Some("verify failed".into());
        assert_eq!(
            step(&mut m),
            vec![(NoticeKind::Failed, None), (NoticeKind::RunFinished, None)]
        );
        assert!(step(&mut m).is_empty());
        // Retried, failed again: news again.
        m.tasks.get_mut("a").unwrap().state = TaskState::Pending;
        assert!(step(&mut m).is_empty());
        m.tasks.get_mut("a").unwrap().state = TaskState::Failed;
        assert_eq!(
            step(&mut m),
            vec![(NoticeKind::Failed, None), (NoticeKind::RunFinished, None)]
        );
    }

    #[test]
    fn what_was_so_before_the_czar_started_is_not_news() {
        let mut m = model();
        m.workers.get_mut(&1).unwrap().agent = AgentState::Crashed;
        m.tasks.get_mut("a").unwrap().state = TaskState::Failed;
        assert!(step(&mut m).is_empty());
        assert!(step(&mut m).is_empty());
    }

    #[test]
    fn a_worker_the_operator_killed_raises_no_crash_notice() {
        let mut m = model();
        step(&mut m);
        use crate::core::observation::{Intent, Observation};
        use crate::core::update::update;
        let mut out = update(&mut m, Observation::Intent(Intent::Kill { worker: 1 }), 100);
        // Its session is then found gone, as after a restart.
        out.extend(update(&mut m, Observation::Sessions(vec![]), 200));
        out.extend(update(&mut m, Observation::Resumed, 300));
        out.extend(update(&mut m, Observation::Sessions(vec![]), 400));
        // (Worker 2, started in its place, is not in these listings: it is found gone.)
        assert!(
            !notices(&out).contains(&(NoticeKind::Crashed, Some(1))),
            "{out:?}"
        );
        assert!(
            !out.iter().any(|c| matches!(
                c,
                Command::Record(e) if e.kind == EventKind::WorkerCrashed && e.worker == Some(1)
            )),
            "no crash alert either: {out:?}"
        );
    }
}
