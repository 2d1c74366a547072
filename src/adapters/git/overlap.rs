//! What two pieces of work have in common: uncommitted paths of a worktree, and the files two
//! commits would conflict on if merged, computed in memory (no checkout, no working files).

use std::path::Path;

use git2::{MergeOptions, Status, StatusOptions};

use super::error::{GitContext, GitError};
use super::{Git, resolve_commit};

impl Git {
    /// Paths with uncommitted changes in a worktree (modified, deleted, new; not ignored).
    pub fn uncommitted_paths(&self, wt_path: &Path) -> Result<Vec<String>, GitError> {
        let (wt, path) = self.open_worktree(wt_path, true)?;
        let mut opts = StatusOptions::new();
        opts.include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(false)
            .exclude_submodules(true);
        let statuses = wt
            .statuses(Some(&mut opts))
            .doing(&path, || "reading worktree status".into())?;
        let mut out: Vec<String> = statuses
            .iter()
            .filter(|e| e.status() != Status::CURRENT && !e.status().contains(Status::IGNORED))
            .filter_map(|e| e.path().ok().map(str::to_string))
            .collect();
        out.sort();
        Ok(out)
    }

    /// The files a merge of `a` and `b` (branch names or revisions) would leave in conflict,
    /// sorted. Empty when they merge cleanly.
    pub fn predict_conflicts(&self, a: &str, b: &str) -> Result<Vec<String>, GitError> {
        let repo = self.repo();
        let root = self.root.clone();
        let ca = resolve_commit(&repo, a)?;
        let cb = resolve_commit(&repo, b)?;
        let base_id = repo
            .merge_base(ca.id(), cb.id())
            .doing(&root, || format!("finding the merge base of {a} and {b}"))?;
        // One side contains the other: the merge is a fast-forward and cannot conflict.
        if base_id == ca.id() || base_id == cb.id() {
            return Ok(Vec::new());
        }
        let ancestor = repo
            .find_commit(base_id)
            .and_then(|c| c.tree())
            .doing(&root, || format!("reading the merge base of {a} and {b}"))?;
        let (ta, tb) = (
            ca.tree().doing(&root, || format!("reading {a}"))?,
            cb.tree().doing(&root, || format!("reading {b}"))?,
        );
        let index = repo
            .merge_trees(&ancestor, &ta, &tb, Some(&MergeOptions::new()))
            .doing(&root, || format!("merging {a} with {b} in memory"))?;
        let conflicts = index
            .conflicts()
            .doing(&root, || "reading merge conflicts".into())?;
        let mut paths: Vec<String> = conflicts
            .filter_map(Result::ok)
            .filter_map(|c| c.our.or(c.their).or(c.ancestor))
            .map(|entry| String::from_utf8_lossy(&entry.path).into_owned())
            .collect();
        paths.sort();
        paths.dedup();
        Ok(paths)
    }
}

/// The branch checked out where `path` is (a linked worktree's own HEAD); `None` when that
/// cannot be told (no repository, detached HEAD).
pub fn branch_at(path: &Path) -> Option<String> {
    let repo = git2::Repository::discover(path).ok()?;
    let head = repo.head().ok()?;
    if !head.is_branch() {
        return None;
    }
    head.shorthand().ok().map(str::to_string)
}

/// The top folder of the checkout (main or linked worktree) that contains `path`.
pub fn checkout_root(path: &Path) -> Result<std::path::PathBuf, GitError> {
    let repo = git2::Repository::discover(path).map_err(|source| GitError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let dir = repo.workdir().ok_or_else(|| GitError::Bare {
        path: path.to_path_buf(),
    })?;
    std::fs::canonicalize(dir).map_err(|e| super::error::io_error("cannot resolve", dir, e))
}
