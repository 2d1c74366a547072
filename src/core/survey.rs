//! Who else is touching the same files: overlaps between workers, predicted merge conflicts and
//! the run's duplication figure. Gathered by the engine from git; judged here.

use super::command::{Command, EventKind};
use super::model::{Model, Overlap, Survey, TaskState, WorkerId};
use std::collections::{BTreeMap, BTreeSet};

/// Every pair of workers with files in common, lowest ids first.
pub fn overlaps(files: &BTreeMap<WorkerId, BTreeSet<String>>) -> Vec<Overlap> {
    let mut out = Vec::new();
    let ids: Vec<&WorkerId> = files.keys().collect();
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            let common: Vec<String> = files[*a].intersection(&files[*b]).cloned().collect();
            if !common.is_empty() {
                out.push(Overlap {
                    workers: (**a, **b),
                    files: common,
                });
            }
        }
    }
    out
}

/// (files changed by more than one task, files changed by any task).
pub fn duplication(per_task: &BTreeMap<String, BTreeSet<String>>) -> (usize, usize) {
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for files in per_task.values() {
        for f in files {
            *count.entry(f.as_str()).or_default() += 1;
        }
    }
    (count.values().filter(|n| **n > 1).count(), count.len())
}

/// Raises an alert for each overlap or conflict not seen in the previous survey, and records the
/// duplication figure when it changes.
pub(super) fn surveyed(model: &mut Model, survey: Survey, out: &mut Vec<Command>) {
    let before = std::mem::take(&mut model.survey);
    for o in survey
        .overlaps
        .iter()
        .filter(|o| !before.overlaps.contains(o))
    {
        let (a, b) = o.workers;
        let task = model.workers.get(&b).and_then(|w| w.task.clone());
        let detail = format!("workers {a} and {b} both change {}", o.files.join(", "));
        out.push(Command::record(
            Some(b),
            task.as_deref(),
            EventKind::Overlap,
            detail,
        ));
        if model.policy.hold_overlaps {
            hold_later(model, a, b, out);
        }
    }
    for c in survey
        .conflicts
        .iter()
        .filter(|c| !before.conflicts.contains(c))
    {
        let detail = format!(
            "{} and {} would conflict in {}",
            c.left,
            c.right,
            c.files.join(", ")
        );
        out.push(Command::record(None, None, EventKind::Conflict, detail));
    }
    if (survey.shared_files, survey.changed_files) != (before.shared_files, before.changed_files) {
        let detail = format!(
            "{} of {} changed files touched by more than one task",
            survey.shared_files, survey.changed_files
        );
        out.push(Command::record(None, None, EventKind::Duplication, detail));
    }
    model.survey = survey;
}

/// The worker whose delivery came later stops (Escape) and keeps its task until the other one's
/// task is over.
fn hold_later(model: &mut Model, a: WorkerId, b: WorkerId, out: &mut Vec<Command>) {
    let task_of = |w: WorkerId| model.workers.get(&w).and_then(|wk| wk.task.clone());
    let (Some(ta), Some(tb)) = (task_of(a), task_of(b)) else {
        return;
    };
    let delivered = |t: &str| {
        model
            .tasks
            .get(t)
            .and_then(|t| t.times.delivered)
            .unwrap_or(0)
    };
    let (later_worker, later, earlier) = if delivered(&tb) >= delivered(&ta) {
        (b, tb, ta)
    } else {
        (a, ta, tb)
    };
    // Two tasks holding each other would wait forever: only one hold per pair. One someone is
    // attached to is not stopped under their hands (the next survey tries again).
    if model.hands_off(later_worker)
        || model
            .tasks
            .get(&earlier)
            .is_some_and(|e| e.held_by.is_some())
    {
        return;
    }
    let Some(t) = model.tasks.get_mut(&later) else {
        return;
    };
    if t.state != TaskState::Working || t.held_by.is_some() {
        return;
    }
    t.held_by = Some(earlier.clone());
    out.push(Command::PressKeys {
        worker: later_worker,
        keys: vec!["Escape".into()],
    });
    out.push(Command::record(
        Some(later_worker),
        Some(&later),
        EventKind::Held,
        format!("waits for {earlier}, which changes the same files"),
    ));
}

/// Held tasks whose holder is over go on, with a note saying why they stopped.
pub(super) fn release_held(model: &mut Model, now: u64, out: &mut Vec<Command>) {
    let ready: Vec<(String, String)> = model
        .tasks
        .values()
        .filter_map(|t| {
            let holder = t.held_by.as_ref()?;
            let over = model.tasks.get(holder).is_none_or(|h| !h.state.is_active());
            over.then(|| (t.def.id.clone(), holder.clone()))
        })
        .collect();
    for (id, holder) in ready {
        let Some(t) = model.tasks.get_mut(&id) else {
            continue;
        };
        t.held_by = None;
        let Some(worker) = t.worker.filter(|_| t.state == TaskState::Working) else {
            continue;
        };
        let note = format!(
            "You were paused because `{holder}` was changing the same files. It is finished now: pull in nothing, \
             just continue your task on your branch, and run `czar done` when it is complete."
        );
        out.push(Command::record(
            Some(worker),
            Some(&id),
            EventKind::Held,
            format!("{holder} is over; going on"),
        ));
        super::delivery::begin(model, worker, Some(note), now, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(files: &[&str]) -> BTreeSet<String> {
        files.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn overlaps_name_the_pair_and_the_common_files() {
        let files = BTreeMap::from([
            (1, set(&["a", "b"])),
            (2, set(&["b", "c"])),
            (3, set(&["d"])),
        ]);
        assert_eq!(
            overlaps(&files),
            vec![Overlap {
                workers: (1, 2),
                files: vec!["b".into()]
            }]
        );
    }

    #[test]
    fn duplication_counts_files_in_more_than_one_task() {
        let per_task = BTreeMap::from([
            ("x".to_string(), set(&["a", "b"])),
            ("y".to_string(), set(&["b"])),
            ("z".to_string(), set(&["c", "d"])),
        ]);
        assert_eq!(duplication(&per_task), (1, 4));
    }

    #[test]
    fn an_alert_is_raised_once_per_new_overlap() {
        let mut m = Model::default();
        let s = Survey {
            overlaps: vec![Overlap {
                workers: (1, 2),
                files: vec!["f".into()],
            }],
            ..Survey::default()
        };
        let mut out = Vec::new();
        surveyed(&mut m, s.clone(), &mut out);
        assert!(out.iter().any(|c| matches!(c, Command::Record(e) if e.kind == EventKind::Overlap && e.detail.contains("both change f"))));
        out.clear();
        surveyed(&mut m, s, &mut out);
        assert!(out.is_empty());
    }
}

#[cfg(test)]
mod hold_tests {
    use super::*;
    use crate::core::model::{AgentState, Policy, Task, TaskDef, Worker};

    fn two_working(hold: bool) -> Model {
        let mut m = Model::new(
            "p",
            "main",
            Policy {
                hold_overlaps: hold,
                ..Policy::default()
            },
        );
        for (w, id, at) in [(1, "early", 100), (2, "late", 200)] {
            let mut t = Task::new(
                TaskDef {
                    id: id.into(),
                    ..TaskDef::default()
                },
                0,
            );
            t.state = TaskState::Working;
            t.worker = Some(w);
            t.times.delivered = Some(at);
            m.tasks.insert(id.into(), t);
            let wk = Worker {
                id: w,
                live: true,
                agent: AgentState::Busy,
                task: Some(id.into()),
                ..Worker::default()
            };
            m.workers.insert(w, wk);
        }
        m
    }

    fn overlap() -> Survey {
        Survey {
            overlaps: vec![Overlap {
                workers: (1, 2),
                files: vec!["f".into()],
            }],
            ..Survey::default()
        }
    }

    #[test]
    fn hold_stops_the_later_worker_until_the_earlier_task_is_over() {
        let mut m = two_working(true);
        let mut out = Vec::new();
        surveyed(&mut m, overlap(), &mut out);
        assert!(out.contains(&Command::PressKeys {
            worker: 2,
            keys: vec!["Escape".into()]
        }));
        assert_eq!(m.tasks["late"].held_by.as_deref(), Some("early"));
        out.clear();
        release_held(&mut m, 10, &mut out);
        assert!(out.is_empty(), "early is still working");
        m.tasks.get_mut("early").unwrap().state = TaskState::Done;
        release_held(&mut m, 11, &mut out);
        let note = m.workers[&2].delivery.as_ref().and_then(|d| d.note.clone());
        assert!(note.is_some_and(|n| n.contains("`early` was changing the same files")));
        assert_eq!(
            (m.tasks["late"].state, m.tasks["late"].held_by.clone()),
            (TaskState::Delivering, None)
        );
    }

    #[test]
    fn alert_policy_only_alerts() {
        let mut m = two_working(false);
        let mut out = Vec::new();
        surveyed(&mut m, overlap(), &mut out);
        assert!(!out.iter().any(|c| matches!(c, Command::PressKeys { .. })));
        assert_eq!(m.tasks["late"].held_by, None);
    }
}
