//! Gathers, from git, what each worker's work touches (committed on its task branch or still
//! uncommitted) and which merges would conflict; the core decides what to raise.
//!
//! It runs every few seconds while tasks are active, so what it learns is kept: a branch's files
//! and a merge's conflicts are facts about commits and are only worked out again when a tip
//! moves, and only a few worktrees have their status read per round (a hundred `git status`
//! every five seconds would cost a core on a large repository).

use super::ports::Repo;
use super::{Ctx, Msg};
use crate::adapters::git::GitError;
use crate::core::model::{Conflict, Survey};
use crate::core::model::{Model, TaskState, WorkerId, branch_for};
use crate::core::observation::Observation;
use crate::core::survey;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// How often the work is compared while tasks are active.
pub(crate) const EVERY_MS: u64 = 5_000;
/// Worktrees whose uncommitted files are read per round, longest unread first: a small fleet
/// is read every round, a hundred workers each once a minute or so.
const STATUS_PER_ROUND: usize = 8;

/// What earlier rounds learned, keyed by commit ids so it never goes stale.
#[derive(Default)]
pub(crate) struct SurveyCache {
    /// Task → (base commit, tip commit, files changed since their merge base).
    committed: HashMap<String, (String, String, BTreeSet<String>)>,
    /// (commit, commit) → files a merge of the two leaves in conflict.
    conflicts: HashMap<(String, String), Vec<String>>,
    /// Worker → (when read, uncommitted files in its worktree).
    uncommitted: HashMap<WorkerId, (u64, Vec<String>)>,
}

pub(crate) type SharedCache = Mutex<SurveyCache>;

pub(crate) fn spawn(ctx: &Arc<Ctx>, model: &Model, now: u64) {
    let active: Vec<(WorkerId, String, PathBuf)> = model
        .workers
        .values()
        .filter_map(|w| {
            let task = w.task.as_ref()?;
            let t = model.tasks.get(task)?;
            matches!(t.state, TaskState::Working | TaskState::Verifying)
                .then(|| (w.id, branch_for(task), ctx.setup.paths.worktree(w.id)))
        })
        .collect();
    let started: Vec<String> = model
        .tasks
        .values()
        .filter(|t| t.times.started.is_some())
        .map(|t| t.def.id.clone())
        .collect();
    let ctx = Arc::clone(ctx);
    tokio::task::spawn_blocking(move || {
        let mut cache = ctx.survey.lock().unwrap_or_else(|p| p.into_inner());
        match gather(&ctx, &mut cache, &active, &started, now) {
            Ok(s) => {
                let _ = ctx.tx.send(Msg::Obs(Observation::Surveyed(s)));
            }
            Err(e) => tracing::warn!("comparing the workers' changes: {e}"),
        }
    });
}

fn gather(
    ctx: &Ctx,
    cache: &mut SurveyCache,
    active: &[(WorkerId, String, PathBuf)],
    started: &[String],
    now: u64,
) -> Result<Survey, GitError> {
    let git = ctx.repo.as_ref();
    let base = git.commit_of(&ctx.setup.base)?;
    let mut tips: HashMap<String, String> = HashMap::new();
    let mut committed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for task in started {
        let branch = branch_for(task);
        let Some(tip) = git.branch_tip(&branch) else {
            continue;
        };
        let files = match cache.committed.get(task) {
            Some((b, t, files)) if *b == base && *t == tip => files.clone(),
            _ => {
                let stats = git.branch_stats(&base, &tip)?;
                let files: BTreeSet<String> = stats.files.into_iter().map(|f| f.path).collect();
                cache
                    .committed
                    .insert(task.clone(), (base.clone(), tip.clone(), files.clone()));
                files
            }
        };
        committed.insert(task.clone(), files);
        tips.insert(branch, tip);
    }
    cache
        .committed
        .retain(|task, _| committed.contains_key(task));

    read_statuses(git, cache, active, now);
    let mut by_task = committed.clone();
    let mut by_worker: BTreeMap<WorkerId, BTreeSet<String>> = BTreeMap::new();
    for (worker, branch, _) in active {
        let task = branch.trim_start_matches("czar/").to_string();
        let mut files = committed.get(&task).cloned().unwrap_or_default();
        // A worktree may already be on its next branch or gone; its uncommitted files are a hint.
        if let Some((_, paths)) = cache.uncommitted.get(worker) {
            files.extend(paths.iter().cloned());
        }
        by_task.insert(task, files.clone());
        by_worker.insert(*worker, files);
    }
    let mut conflicts = Vec::new();
    let mut merged = HashMap::new();
    let mut predict = |a: &str, b: &str, ta: &str, tb: &str| -> Result<(), GitError> {
        let key = (ta.to_string(), tb.to_string());
        let files = match cache.conflicts.get(&key) {
            Some(f) => f.clone(),
            None => git.predict_conflicts(ta, tb)?,
        };
        merged.insert(key, files.clone());
        push_conflict(&mut conflicts, a, b, files);
        Ok(())
    };
    for (_, branch, _) in active {
        if let Some(tip) = tips.get(branch) {
            predict(&ctx.setup.base, branch, &base, tip)?;
        }
    }
    // Two branches can only conflict on a file both changed: only such pairs are merged (a
    // hundred workers would otherwise mean thousands of merges each round).
    let files_of = |branch: &str| committed.get(branch.trim_start_matches("czar/"));
    for (i, (_, a, _)) in active.iter().enumerate() {
        for (_, b, _) in &active[i + 1..] {
            let shared = match (files_of(a), files_of(b)) {
                (Some(fa), Some(fb)) => !fa.is_disjoint(fb),
                _ => false,
            };
            if let (true, Some(ta), Some(tb)) = (shared, tips.get(a), tips.get(b)) {
                predict(a, b, ta, tb)?;
            }
        }
    }
    // Only what this round needed is kept: tips that moved on are forgotten.
    cache.conflicts = merged;
    let (shared_files, changed_files) = survey::duplication(&by_task);
    Ok(Survey {
        overlaps: survey::overlaps(&by_worker),
        conflicts,
        shared_files,
        changed_files,
        touched: by_worker,
    })
}

/// Reads the status of the worktrees that have waited longest, a few per round.
fn read_statuses(
    git: &dyn Repo,
    cache: &mut SurveyCache,
    active: &[(WorkerId, String, PathBuf)],
    now: u64,
) {
    cache
        .uncommitted
        .retain(|w, _| active.iter().any(|(a, _, _)| a == w));
    for (worker, path) in due_statuses(&cache.uncommitted, active, STATUS_PER_ROUND) {
        let paths = git.uncommitted_paths(&path).unwrap_or_default();
        cache.uncommitted.insert(worker, (now, paths));
    }
}

/// The worktrees to read this round: never read first, then the longest unread, at most `max`.
fn due_statuses(
    read: &HashMap<WorkerId, (u64, Vec<String>)>,
    active: &[(WorkerId, String, PathBuf)],
    max: usize,
) -> Vec<(WorkerId, PathBuf)> {
    let mut due: Vec<(Option<u64>, WorkerId, PathBuf)> = active
        .iter()
        .map(|(w, _, p)| (read.get(w).map(|r| r.0), *w, p.clone()))
        .collect();
    due.sort();
    due.into_iter().take(max).map(|(_, w, p)| (w, p)).collect()
}

fn push_conflict(out: &mut Vec<Conflict>, left: &str, right: &str, files: Vec<String>) {
    if !files.is_empty() {
        out.push(Conflict {
            left: left.to_string(),
            right: right.to_string(),
            files,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_read_never_read_first_then_longest_unread_a_few_per_round() {
        let active: Vec<(WorkerId, String, PathBuf)> = (1..=4)
            .map(|w| (w, format!("czar/t{w}"), PathBuf::from(format!("wt-{w}"))))
            .collect();
        let mut read = HashMap::new();
        read.insert(1, (300, vec![]));
        read.insert(2, (100, vec![]));
        read.insert(4, (200, vec![]));
        let due: Vec<WorkerId> = due_statuses(&read, &active, 3)
            .into_iter()
            .map(|(w, _)| w)
            .collect();
        assert_eq!(due, vec![3, 2, 4]);
        assert_eq!(due_statuses(&read, &active, 10).len(), 4);
    }
}
