//! Who else is touching the same files: overlaps between workers, predicted merge conflicts and
//! the run's duplication figure. Gathered by the engine from git; judged here.

use super::command::{Command, EventKind};
use super::model::{Model, WorkerId};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Survey {
    /// Pairs of workers whose current work (on the branch or uncommitted) changes the same files.
    pub overlaps: Vec<Overlap>,
    /// Merges that would conflict, and in which files.
    pub conflicts: Vec<Conflict>,
    /// Files changed by more than one task, and files changed by any task.
    pub shared_files: usize,
    pub changed_files: usize,
    /// What each active worker's work touches so far (for the status file).
    pub touched: BTreeMap<WorkerId, BTreeSet<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    pub workers: (WorkerId, WorkerId),
    pub files: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub left: String,
    pub right: String,
    pub files: Vec<String>,
}

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
