//! Whether a task branch still carries the history its task began on, and putting it back when
//! someone deleted or rewrote it under the czar.

use git2::Oid;

use super::Git;
use super::error::{GitContext, GitError};

impl Git {
    /// Commits in `from..to` when `from` is `to` or one of its ancestors; `None` when it is not,
    /// or when either is not a commit of this repository.
    pub fn commits_since(&self, from: &str, to: &str) -> Option<usize> {
        let repo = self.repo();
        let from = Oid::from_str(from).ok()?;
        let to = Oid::from_str(to).ok()?;
        repo.find_commit(from).ok()?;
        repo.find_commit(to).ok()?;
        if from != to && !repo.graph_descendant_of(to, from).ok()? {
            return None;
        }
        repo.graph_ahead_behind(to, from)
            .ok()
            .map(|(ahead, _)| ahead)
    }

    /// Points branch `branch` at commit `at`, making it if it is gone. With `keep`, the tip it
    /// had is first kept as branch `keep`. Only the ref moves: a worktree that has the branch
    /// checked out keeps its files, which then show as changes against `at`.
    pub fn put_branch(&self, branch: &str, at: &str, keep: Option<&str>) -> Result<(), GitError> {
        let repo = self.repo();
        let root = self.root.clone();
        let target = Oid::from_str(at)
            .and_then(|oid| repo.find_commit(oid))
            .doing(&root, || format!("finding commit {at} for {branch}"))?;
        let refname = format!("refs/heads/{branch}");
        super::locks::clear_stale(&[super::locks::of_branch(&self.git_dir, branch)]);
        if let Some(keep) = keep
            && let Ok(old) = repo.find_reference(&refname)
            && let Some(old_tip) = old.target()
        {
            repo.reference(
                &format!("refs/heads/{keep}"),
                old_tip,
                false,
                "czar: keep a task branch's tip that lost its history",
            )
            .doing(&root, || format!("keeping the tip of {branch} as {keep}"))?;
        }
        repo.reference(
            &refname,
            target.id(),
            true,
            "czar: put a task branch back where its work is",
        )
        .doing(&root, || format!("putting {branch} back at {at}"))?;
        Ok(())
    }
}
