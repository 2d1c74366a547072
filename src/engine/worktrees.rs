//! A worker's worktree put on its task's branch: the engine's side of `PrepareBranch`.

use super::Ctx;
use crate::adapters::git::GitError;
use crate::core::model::WorkerId;
use crate::core::observation::Prepared;

/// Puts the worker's worktree on `branch` (made at `from` if new), saving any leftovers
/// first; the branch's figures as the task begins.
pub(super) fn prepare_branch(
    ctx: &Ctx,
    worker: WorkerId,
    branch: &str,
    from: &str,
) -> Result<Prepared, String> {
    let setup = &ctx.setup;
    let git = &ctx.repo;
    let wt = setup.paths.worktree(worker);
    let outcome = match git.switch_worktree(&wt, branch, from) {
        // The task was last worked on by another of our workers, whose worktree still has its
        // branch: that worker holds other work now, so its worktree lets go (saving leftovers).
        Err(GitError::CheckedOutElsewhere { other, .. })
            if is_ours(&other, &setup.paths.worktrees_dir) =>
        {
            let wip = git
                .release_worktree(&other, "task moved")
                .map_err(|e| e.to_string())?;
            tracing::info!(
                worker,
                "released {branch} from {} (WIP: {wip:?})",
                other.display()
            );
            git.switch_worktree(&wt, branch, from)
        }
        other => other,
    }
    .map_err(|e| e.to_string())?;
    if let Some(commit) = &outcome.wip_commit {
        tracing::info!(
            worker,
            "uncommitted work saved as WIP commit {commit} before switching to {branch}"
        );
    }
    let stats = git
        .branch_stats(&setup.base, branch)
        .map_err(|e| e.to_string())?;
    let tip = git
        .branch_tip(branch)
        .ok_or_else(|| format!("{branch} has no tip after the switch"))?;
    Ok(Prepared {
        ahead: stats.ahead,
        tip,
    })
}

fn is_ours(path: &std::path::Path, worktrees_dir: &std::path::Path) -> bool {
    let dir = std::fs::canonicalize(worktrees_dir).unwrap_or_else(|_| worktrees_dir.to_path_buf());
    path.starts_with(&dir) || path.starts_with(worktrees_dir)
}
