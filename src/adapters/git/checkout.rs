//! The operator's checkout of the target, brought along after a landing moved the target:
//! only a clean tree, only a fast-forward. Apart from `land` (the merge in the czar's own
//! integration worktree) because this is the one step that touches the operator's files.

use std::path::Path;

use git2::{Commit, DiffOptions, Oid, Repository, build::CheckoutBuilder};

use super::error::{GitContext, GitError};

/// A checkout of the target brought from `from` to `to`: `None` when done (or already there),
/// else why not. Only a clean tree, and only a fast-forward of what it holds, is touched; the
/// checkout's own safe mode refuses to overwrite anything changed meanwhile.
pub(super) fn bring_checkout(path: &Path, from: Oid, to: Oid) -> Result<Option<String>, GitError> {
    let repo = Repository::open(path).doing(path, || "opening the checkout".into())?;
    let to_commit = repo
        .find_commit(to)
        .doing(path, || "reading the landed commit".into())?;
    // A czar killed after it updated the files but before it moved the ref left them at `to`.
    if changed_against(&repo, &to_commit)?.is_empty() {
        return Ok(None);
    }
    let from_commit = repo
        .find_commit(from)
        .doing(path, || "reading the target's commit".into())?;
    let changed = changed_against(&repo, &from_commit)?;
    if !changed.is_empty() {
        let shown: Vec<&str> = changed.iter().take(5).map(String::as_str).collect();
        let more = if changed.len() > 5 { ", ..." } else { "" };
        return Ok(Some(format!(
            "which has uncommitted changes ({}{more})",
            shown.join(", ")
        )));
    }
    if !repo.graph_descendant_of(to, from).unwrap_or(false) {
        return Ok(Some("and the move is not a fast-forward of it".into()));
    }
    let mut opts = CheckoutBuilder::new();
    opts.safe();
    if let Err(e) = repo.checkout_tree(to_commit.as_object(), Some(&mut opts)) {
        return Ok(Some(format!(
            "which could not be updated ({})",
            e.message()
        )));
    }
    Ok(None)
}

/// Tracked files whose index or working copy differs from `commit` (untracked files do not
/// count: a checkout leaves them alone, and refuses to overwrite one).
fn changed_against(repo: &Repository, commit: &Commit<'_>) -> Result<Vec<String>, GitError> {
    let path = repo.workdir().unwrap_or(repo.path()).to_path_buf();
    let tree = commit
        .tree()
        .doing(&path, || "reading a commit's tree".into())?;
    let mut opts = DiffOptions::new();
    opts.include_untracked(false);
    let diff = repo
        .diff_tree_to_workdir_with_index(Some(&tree), Some(&mut opts))
        .doing(&path, || "comparing the checkout with the target".into())?;
    Ok(diff
        .deltas()
        .filter_map(|d| d.new_file().path().or(d.old_file().path()))
        .map(|p| p.display().to_string())
        .collect())
}
