//! Which task goes to which idle worker, and what a task's failure means for the tasks that need it.

use super::model::{Model, Task, TaskId, TaskState, WorkerId};
use std::cmp::Reverse;
use std::collections::HashMap;

/// Pending tasks whose needs are all done, best first: a plan's planner, then priority (high
/// first); among equals, the one with the longest chain of tasks waiting on it (so the critical
/// path starts early and the run does not end with one worker going down a chain while the
/// others sit idle); then the order they were queued in, then id so the choice is stable.
pub fn ready_tasks(model: &Model) -> Vec<TaskId> {
    let chains = chain_lengths(model);
    let mut ready: Vec<&Task> = model
        .tasks
        .values()
        .filter(|t| t.state == TaskState::Pending && t.hold.is_none() && needs_done(model, t))
        .collect();
    ready.sort_by_key(|t| {
        let chain = chains.get(&t.def.id).copied().unwrap_or(1);
        (
            // A plan's planner first: the tasks it makes exist only once it has run.
            !t.def.planner,
            Reverse(t.def.priority),
            Reverse(chain),
            t.times.queued,
            t.def.id.clone(),
        )
    });
    ready.into_iter().map(|t| t.def.id.clone()).collect()
}

/// For each unfinished task, how many tasks its longest chain of dependents holds, itself
/// included. The task files are checked for cycles, but a loop is cut anyway.
fn chain_lengths(model: &Model) -> HashMap<TaskId, usize> {
    let mut dependents: HashMap<&str, Vec<&str>> = HashMap::new();
    for t in model.tasks.values().filter(|t| !t.state.is_final()) {
        for need in &t.def.needs {
            dependents.entry(need.as_str()).or_default().push(&t.def.id);
        }
    }
    fn length<'a>(
        id: &'a str,
        dependents: &HashMap<&'a str, Vec<&'a str>>,
        memo: &mut HashMap<&'a str, usize>,
        depth: usize,
    ) -> usize {
        if let Some(n) = memo.get(id) {
            return *n;
        }
        let below = match dependents.get(id) {
            Some(ds) if depth < 1_000 => ds
                .iter()
                .map(|d| length(d, dependents, memo, depth + 1))
                .max()
                .unwrap_or(0),
            _ => 0,
        };
        memo.insert(id, below + 1);
        below + 1
    }
    let mut memo = HashMap::new();
    for t in model.tasks.values().filter(|t| !t.state.is_final()) {
        length(&t.def.id, &dependents, &mut memo, 0);
    }
    memo.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Every task it needs is done, and, with landing on, landed: it starts from their work.
pub fn needs_done(model: &Model, task: &Task) -> bool {
    task.def.needs.iter().all(|n| model.landed(n))
}

/// Workers able to take a task now: alive, at their ready prompt, holding nothing, not resting.
pub fn idle_workers(model: &Model) -> Vec<WorkerId> {
    model
        .workers
        .values()
        .filter(|w| w.live && !w.starting && !w.retired && w.task.is_none() && w.agent.is_ready())
        .filter(|w| w.vitals.rest_until.is_none())
        // Its host does not answer: nothing goes there until it is back.
        .filter(|w| model.host_up(w.id))
        // Reading another's work for the review gate.
        .filter(|w| model.reviewing(w.id).is_none())
        // An account under a rate limit takes no new work until it passes.
        .filter(|w| !model.limits.get(&w.account()).is_some_and(|l| l.holding))
        // Someone is in its pane: a task would be typed under their hands.
        .filter(|w| !model.hands_off(w.id))
        // Its context is nearly full: it is told to compact first; or its last task just
        // ended and how full its context is has not been read since.
        .filter(|w| !super::compact::due(model, w) && w.vitals.tokens.meter_wait.is_none())
        .map(|w| w.id)
        .collect()
}

/// Pairs ready tasks with idle workers, each with the profiles its route passed over. A task
/// goes only to a worker of a profile it accepts: the first of its profiles that is available
/// and has a free worker (see `route`).
pub fn plan_assignments(model: &Model) -> Vec<(WorkerId, TaskId, Vec<String>)> {
    routes(model).0
}

/// Why each ready task that routing left unassigned waits: the profiles it accepts, each passed
/// over with why. Tasks that accept any profile are not listed (they wait for a free worker).
pub type Waiting = Vec<(TaskId, Vec<String>)>;

/// The assignments (see `plan_assignments`) and the routed tasks left waiting.
pub fn routes(model: &Model) -> (Vec<(WorkerId, TaskId, Vec<String>)>, Waiting) {
    let mut free = idle_workers(model);
    let mut plan = Vec::new();
    let mut waiting = Vec::new();
    for task_id in ready_tasks(model) {
        if free.is_empty() {
            break;
        }
        let Some(task) = model.tasks.get(&task_id) else {
            continue;
        };
        // Predicted to conflict with active work: the rest of the queue goes first.
        if super::predict::hold_of(model, &task_id).is_some() {
            continue;
        }
        let route = super::route::choose(model, &task.def, &free);
        match route.worker {
            Some(w) => {
                free.retain(|f| *f != w);
                plan.push((w, task_id, route.skipped));
            }
            None if !route.skipped.is_empty() => waiting.push((task_id, route.skipped)),
            None => {}
        }
    }
    (plan, waiting)
}

/// Pending tasks that can never start because something they need failed (directly or through
/// another task), in dependency order.
pub fn doomed_by_failure(model: &Model) -> Vec<(TaskId, TaskId)> {
    let mut doomed: Vec<(TaskId, TaskId)> = Vec::new();
    loop {
        let before = doomed.len();
        for t in model.tasks.values() {
            if t.state != TaskState::Pending || doomed.iter().any(|(id, _)| id == &t.def.id) {
                continue;
            }
            let failed_need = t.def.needs.iter().find(|n| {
                model
                    .tasks
                    .get(*n)
                    .is_some_and(|d| d.state == TaskState::Failed)
                    || doomed.iter().any(|(id, _)| id == *n)
            });
            if let Some(n) = failed_need {
                doomed.push((t.def.id.clone(), n.clone()));
            }
        }
        if doomed.len() == before {
            return doomed;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{AgentState, Policy, TaskDef, Worker};

    fn model_with(tasks: &[(&str, i64, &[&str])], idle: &[(u32, &str)]) -> Model {
        let mut m = Model::new("p", "main", Policy::default());
        for (i, (id, prio, needs)) in tasks.iter().enumerate() {
            let def = TaskDef {
                id: id.to_string(),
                priority: *prio,
                needs: needs.iter().map(|s| s.to_string()).collect(),
                ..TaskDef::default()
            };
            m.tasks.insert(id.to_string(), Task::new(def, i as u64));
        }
        for (id, profile) in idle {
            m.workers.insert(
                *id,
                Worker {
                    id: *id,
                    profile: profile.to_string(),
                    live: true,
                    agent: AgentState::Idle,
                    ..Worker::default()
                },
            );
        }
        m
    }

    #[test]
    fn higher_priority_first_and_needs_respected() {
        let mut m = model_with(
            &[("a", 0, &[]), ("b", 5, &["a"]), ("c", 1, &[])],
            &[(1, "sim"), (2, "sim")],
        );
        assert_eq!(ready_tasks(&m), vec!["c".to_string(), "a".to_string()]);
        m.tasks.get_mut("a").unwrap().state = TaskState::Done;
        assert_eq!(ready_tasks(&m), vec!["b".to_string(), "c".to_string()]);
    }

    #[test]
    fn among_equals_the_task_with_the_longest_chain_waiting_on_it_goes_first() {
        let m = model_with(
            &[
                ("a", 0, &[]),
                ("b", 0, &[]),
                ("b2", 0, &["b"]),
                ("b3", 0, &["b2"]),
                ("c", 1, &[]),
            ],
            &[],
        );
        assert_eq!(
            ready_tasks(&m),
            vec!["c".to_string(), "b".to_string(), "a".to_string()]
        );
    }

    #[test]
    fn agent_named_by_task_must_match_profile() {
        let mut m = model_with(
            &[("x", 9, &[]), ("y", 0, &[])],
            &[(1, "sim"), (2, "claude")],
        );
        m.tasks.get_mut("x").unwrap().def.agent = vec!["claude".into()];
        assert_eq!(
            plan_assignments(&m),
            vec![(2, "x".to_string(), vec![]), (1, "y".to_string(), vec![])]
        );
    }

    #[test]
    fn busy_or_holding_workers_get_nothing() {
        let mut m = model_with(&[("x", 0, &[])], &[(1, "sim"), (2, "sim")]);
        m.workers.get_mut(&1).unwrap().agent = AgentState::Busy;
        m.workers.get_mut(&2).unwrap().task = Some("z".into());
        assert!(plan_assignments(&m).is_empty());
    }

    #[test]
    fn failure_dooms_the_whole_chain() {
        let mut m = model_with(
            &[
                ("a", 0, &[]),
                ("b", 0, &["a"]),
                ("c", 0, &["b"]),
                ("d", 0, &[]),
            ],
            &[],
        );
        m.tasks.get_mut("a").unwrap().state = TaskState::Failed;
        let doomed = doomed_by_failure(&m);
        assert_eq!(
            doomed,
            vec![
                ("b".to_string(), "a".to_string()),
                ("c".to_string(), "b".to_string())
            ]
        );
    }
}
