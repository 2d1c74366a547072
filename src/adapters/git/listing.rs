//! The linked worktrees git has registered, as they are on disk, for `czar doctor`: a
//! registration whose folder was deleted by hand keeps its branch "checked out" for git until
//! `git worktree prune`, and the czar's own worktree code only prunes the ones it reuses.

use std::path::{Path, PathBuf};

use git2::WorktreeLockStatus;

use super::error::{GitContext, GitError};
use super::{Git, normalize};

/// One registered linked worktree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// Its name under `.git/worktrees`.
    pub name: String,
    /// Where git says its folder is (absolute, symlinks resolved where they exist).
    pub path: PathBuf,
    /// Its folder is there and is this worktree (not deleted, emptied or replaced).
    pub present: bool,
    /// `git worktree lock`ed: `git worktree prune` leaves it alone.
    pub locked: bool,
}

impl Git {
    /// Every linked worktree registered in the repository (the main checkout is not one), and
    /// `dir` spelled as their paths are, to tell which are in it.
    pub fn registered_worktrees(&self, dir: &Path) -> Result<(Vec<Registered>, PathBuf), GitError> {
        let mut out = Vec::new();
        let names = {
            let repo = self.repo();
            let names = repo
                .worktrees()
                .doing(&self.root, || "listing worktrees".into())?;
            let mut found = Vec::new();
            for name in names.iter().filter_map(|n| n.ok().flatten()) {
                // A registration libgit2 cannot read is git's to report, not ours.
                let Ok(wt) = repo.find_worktree(name) else {
                    continue;
                };
                let locked = matches!(wt.is_locked(), Ok(WorktreeLockStatus::Locked(_)));
                found.push((name.to_string(), normalize(wt.path()), locked));
            }
            found
        };
        for (name, path, locked) in names {
            let present = self.open_worktree(&path, false).is_ok();
            out.push(Registered {
                name,
                path,
                present,
                locked,
            });
        }
        Ok((out, normalize(dir)))
    }
}
