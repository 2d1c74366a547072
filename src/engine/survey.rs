//! Gathers, from git, what each worker's work touches (committed on its task branch or still
//! uncommitted) and which merges would conflict; the core decides what to raise.

use super::{Ctx, Msg};
use crate::adapters::git::Git;
use crate::core::model::{Model, TaskState, WorkerId, branch_for};
use crate::core::observation::Observation;
use crate::core::survey::{self, Conflict, Survey};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

/// How often the work is compared while tasks are active.
pub(crate) const EVERY_MS: u64 = 5_000;

pub(crate) fn spawn(ctx: &Arc<Ctx>, model: &Model) {
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
    tokio::task::spawn_blocking(move || match gather(&ctx, &active, &started) {
        Ok(s) => {
            let _ = ctx.tx.send(Msg::Obs(Observation::Surveyed(s)));
        }
        Err(e) => tracing::warn!("comparing the workers' changes: {e}"),
    });
}

fn gather(
    ctx: &Ctx,
    active: &[(WorkerId, String, PathBuf)],
    started: &[String],
) -> Result<Survey, crate::adapters::git::GitError> {
    let git = Git::discover(&ctx.setup.paths.repo_root)?;
    let base = &ctx.setup.base;
    let mut by_worker: BTreeMap<WorkerId, BTreeSet<String>> = BTreeMap::new();
    let mut by_task: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for task in started {
        let branch = branch_for(task);
        if git.branch_exists(&branch) {
            let stats = git.branch_stats(base, &branch)?;
            by_task.insert(
                task.clone(),
                stats.files.into_iter().map(|f| f.path).collect(),
            );
        }
    }
    // Two branches can only conflict on a file both changed: only such pairs are merged (a
    // hundred workers would otherwise mean thousands of merges each round).
    let committed = by_task.clone();
    let mut conflicts = Vec::new();
    for (worker, branch, wt) in active {
        let task = branch.trim_start_matches("czar/").to_string();
        let mut files = by_task.get(&task).cloned().unwrap_or_default();
        // A worktree may already be on its next branch or gone; its uncommitted files are a hint.
        if let Ok(paths) = git.uncommitted_paths(wt) {
            files.extend(paths);
        }
        by_task.insert(task, files.clone());
        by_worker.insert(*worker, files);
        if git.branch_exists(branch) {
            push_conflict(
                &mut conflicts,
                base,
                branch,
                git.predict_conflicts(base, branch)?,
            );
        }
    }
    let files_of = |branch: &str| committed.get(branch.trim_start_matches("czar/"));
    for (i, (_, a, _)) in active.iter().enumerate() {
        for (_, b, _) in &active[i + 1..] {
            let shared = match (files_of(a), files_of(b)) {
                (Some(fa), Some(fb)) => !fa.is_disjoint(fb),
                _ => false,
            };
            if shared {
                push_conflict(&mut conflicts, a, b, git.predict_conflicts(a, b)?);
            }
        }
    }
    let (shared_files, changed_files) = survey::duplication(&by_task);
    Ok(Survey {
        overlaps: survey::overlaps(&by_worker),
        conflicts,
        shared_files,
        changed_files,
        touched: by_worker,
    })
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
