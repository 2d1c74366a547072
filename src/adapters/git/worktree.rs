use std::path::{Path, PathBuf};

use git2::{
    Branch, BranchType, Commit, Repository, Status, StatusOptions, Worktree, WorktreeAddOptions,
    WorktreeLockStatus,
};

use super::error::{GitContext, GitError, io_error};
use super::{Git, normalize, resolve_commit, short_branch, symbolic_head};

/// Worktree registrations are added one at a time. libgit2 adding two at once races on
/// creating `.git/worktrees`, reads the other's half-written registration, and finds the other's
/// scaffolding branch "checked out"; a fleet starting all its workers together hit it for most
/// of them. One czar runs per project, so a lock in this process is enough.
static REGISTERING: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Git {
    /// Makes sure a linked worktree named `wt_name` exists at `wt_path`. A new one is checked out
    /// detached at `base`; an existing registration at that path is left alone; a registration
    /// whose folder was deleted is pruned and recreated.
    pub fn ensure_worktree(
        &self,
        wt_path: &Path,
        wt_name: &str,
        base: &str,
    ) -> Result<(), GitError> {
        validate_wt_name(wt_name)?;
        // Nothing inside panics while holding it, and a poisoned lock guards no data anyway.
        let _one_at_a_time = REGISTERING.lock().unwrap_or_else(|e| e.into_inner());
        let target = normalize(wt_path);
        let repo = self.repo();
        let base_commit = resolve_commit(&repo, base)?;
        for name in registered_names(&repo, &self.root)? {
            let wt = repo
                .find_worktree(&name)
                .doing(&self.root, || format!("looking up worktree {name}"))?;
            let wt_dir = normalize(wt.path());
            if wt_dir == target {
                if self.is_linked_here(&target) {
                    return Ok(());
                }
                // Registered here, but the folder is gone or emptied: start over.
                if target.exists() {
                    clear_empty_dir(&target, &self.root)?;
                }
                prune(&wt, &target)?;
            } else if name == wt_name {
                if wt_dir.exists() {
                    return Err(GitError::NameTaken {
                        name,
                        path: target,
                        other: wt_dir,
                    });
                }
                prune(&wt, &wt_dir)?;
            }
        }
        if target.exists() {
            clear_empty_dir(&target, &self.root)?;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| io_error("cannot create the parent folder of", &target, e))?;
        }
        add_detached(&repo, &target, wt_name, &base_commit)
    }

    /// Removes a linked worktree of this repository (its folder and its registration); a folder
    /// git does not know as one of its worktrees is left alone.
    pub fn remove_worktree(&self, wt_path: &Path) -> Result<(), GitError> {
        let target = normalize(wt_path);
        let repo = self.repo();
        for name in registered_names(&repo, &self.root)? {
            let Ok(wt) = repo.find_worktree(&name) else {
                continue;
            };
            if normalize(wt.path()) != target {
                continue;
            }
            if target.exists() {
                std::fs::remove_dir_all(&target)
                    .map_err(|e| io_error("cannot remove the worktree", &target, e))?;
            }
            return prune(&wt, &target);
        }
        Ok(())
    }

    /// Whether the worktree has modified, deleted or untracked (not ignored) files.
    pub fn is_dirty(&self, wt_path: &Path) -> Result<bool, GitError> {
        let (wt, path) = self.open_worktree(wt_path, true)?;
        has_changes(&wt).doing(&path, || "reading worktree status".into())
    }

    /// The branch checked out in the worktree; `None` when its HEAD is detached.
    pub fn worktree_branch(&self, wt_path: &Path) -> Result<Option<String>, GitError> {
        let (wt, path) = self.open_worktree(wt_path, true)?;
        let head = symbolic_head(&wt).doing(&path, || "reading HEAD".into())?;
        Ok(head.map(|t| short_branch(&t).to_string()))
    }

    fn is_linked_here(&self, path: &Path) -> bool {
        self.open_worktree(path, false).is_ok()
    }

    /// Where else `refname` is checked out (main checkout or another linked worktree), if
    /// anywhere besides `own_path`. Reads HEAD files directly so that worktrees whose folder
    /// is gone still count, as they do for git itself.
    pub(super) fn checked_out_elsewhere(
        &self,
        refname: &str,
        own_path: &Path,
    ) -> Result<Option<PathBuf>, GitError> {
        let repo = self.repo();
        let points_here = |head_file: &Path| {
            std::fs::read_to_string(head_file)
                .map(|text| text.trim().strip_prefix("ref:").map(str::trim) == Some(refname))
                .unwrap_or(false)
        };
        if own_path != self.root && points_here(&self.git_dir.join("HEAD")) {
            return Ok(Some(self.root.clone()));
        }
        for name in registered_names(&repo, &self.root)? {
            let Ok(wt) = repo.find_worktree(&name) else {
                continue;
            };
            let wt_dir = normalize(wt.path());
            if wt_dir != own_path
                && points_here(&self.git_dir.join("worktrees").join(&name).join("HEAD"))
            {
                return Ok(Some(wt_dir));
            }
        }
        Ok(None)
    }
}

/// True when anything would go into a WIP commit: staged, modified, deleted or untracked files.
pub(super) fn has_changes(repo: &Repository) -> Result<bool, git2::Error> {
    let mut opts = StatusOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false)
        .exclude_submodules(true);
    let statuses = repo.statuses(Some(&mut opts))?;
    Ok(statuses.iter().any(|entry| {
        entry.status() != Status::CURRENT && !entry.status().contains(Status::IGNORED)
    }))
}

fn validate_wt_name(name: &str) -> Result<(), GitError> {
    // The name becomes both a folder under .git/worktrees and part of a branch name.
    let usable = !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && Branch::name_is_valid(name).unwrap_or(false);
    if usable {
        Ok(())
    } else {
        Err(GitError::InvalidName {
            name: name.to_string(),
            what: "worktree",
        })
    }
}

fn registered_names(repo: &Repository, root: &Path) -> Result<Vec<String>, GitError> {
    let names = repo
        .worktrees()
        .doing(root, || "listing worktrees".into())?;
    Ok(names
        .iter()
        .filter_map(|name| name.ok().flatten().map(str::to_string))
        .collect())
}

fn prune(wt: &Worktree, path: &Path) -> Result<(), GitError> {
    if matches!(wt.is_locked(), Ok(WorktreeLockStatus::Locked(_))) {
        return Err(GitError::Locked {
            path: path.to_path_buf(),
        });
    }
    tracing::info!(path = %path.display(), "pruning stale worktree registration");
    wt.prune(None)
        .doing(path, || "pruning the stale worktree registration".into())
}

/// An empty folder (say, made by the caller ahead of time) is fine to replace; anything else is
/// somebody's data and is never touched.
fn clear_empty_dir(target: &Path, root: &Path) -> Result<(), GitError> {
    let occupied = || GitError::PathOccupied {
        path: target.to_path_buf(),
        repo: root.to_path_buf(),
    };
    let mut entries = std::fs::read_dir(target).map_err(|_| occupied())?;
    if entries.next().is_some() {
        return Err(occupied());
    }
    std::fs::remove_dir(target).map_err(|e| io_error("cannot replace the empty folder", target, e))
}

/// libgit2 can only add a worktree on a branch, so it gets a scaffolding branch that is removed
/// again once the new worktree's HEAD is detached at the base commit.
fn add_detached(
    repo: &Repository,
    target: &Path,
    wt_name: &str,
    base: &Commit<'_>,
) -> Result<(), GitError> {
    let scaffold = format!("czar-worktree-init-{wt_name}");
    let branch = repo
        .branch(&scaffold, base, true)
        .doing(target, || format!("creating scaffolding branch {scaffold}"))?;
    let mut opts = WorktreeAddOptions::new();
    opts.reference(Some(branch.get()));
    let added = repo.worktree(wt_name, target, Some(&opts)).and_then(|wt| {
        let wt_repo = Repository::open_from_worktree(&wt)?;
        wt_repo.set_head_detached(base.id())
    });
    let removed = repo
        .find_branch(&scaffold, BranchType::Local)
        .and_then(|mut b| b.delete());
    added.doing(target, || format!("adding worktree {wt_name}"))?;
    removed.doing(target, || format!("deleting scaffolding branch {scaffold}"))
}
