//! The git adapter: worktrees, task branches, WIP rescue commits, branch statistics and a ref
//! watcher, all through libgit2 (git2) so no `git` executable is needed at run time.
//!
//! Every call is blocking; callers on an async runtime wrap them in `spawn_blocking`.

mod bringing;
mod checkout;
mod error;
mod history;
mod init;
mod land;
mod listing;
mod locks;
mod overlap;
mod patch;
mod signature;
mod stats;
mod switch;
mod watch;
mod worktree;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use git2::{BranchType, Commit, Repository};

pub use error::GitError;
pub use init::init_repo;
pub use land::{MergeStyle, Merged, Moved};
pub use listing::Registered;
pub use overlap::{branch_at, checkout_root};
pub use signature::{FALLBACK_EMAIL, FALLBACK_NAME, signature_from_config};
pub use stats::{BranchStats, CommitInfo, FileChange};
pub use switch::SwitchOutcome;
pub use watch::{RefWatcher, watch_refs};

use error::{GitContext, io_error};

/// A handle on the MAIN repository (never a linked worktree), shareable across threads.
pub struct Git {
    // libgit2 handles are Send but not Sync; the mutex lets one `Git` serve several threads.
    repo: Mutex<Repository>,
    root: PathBuf,
    git_dir: PathBuf,
}

impl fmt::Debug for Git {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Git")
            .field("root", &self.root)
            .field("git_dir", &self.git_dir)
            .finish()
    }
}

impl Git {
    /// Opens the main repository from any path inside it or inside one of its linked worktrees.
    pub fn discover(path: &Path) -> Result<Git, GitError> {
        let open_err = |source| GitError::Open {
            path: path.to_path_buf(),
            source,
        };
        let found = Repository::discover(path).map_err(open_err)?;
        // A linked worktree shares the common dir with the main repo; reopening that dir gives
        // the main repository, whose working directory is the operator's checkout.
        let repo = if found.is_worktree() {
            Repository::open(found.commondir()).map_err(open_err)?
        } else {
            found
        };
        let Some(workdir) = repo.workdir() else {
            return Err(GitError::Bare {
                path: path.to_path_buf(),
            });
        };
        let root = canonical(workdir)?;
        let git_dir = canonical(repo.path())?;
        Ok(Git {
            repo: Mutex::new(repo),
            root,
            git_dir,
        })
    }

    /// The main working directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The common `.git` directory shared by the main checkout and all linked worktrees.
    pub fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// Short name of the branch checked out in the main worktree.
    pub fn current_branch(&self) -> Result<String, GitError> {
        let repo = self.repo();
        let head = symbolic_head(&repo).doing(&self.root, || "reading HEAD".into())?;
        let Some(target) = head else {
            return Err(GitError::DetachedHead {
                root: self.root.clone(),
            });
        };
        let name = short_branch(&target).to_string();
        if repo.find_reference(&target).is_err() {
            return Err(GitError::UnbornBranch {
                root: self.root.clone(),
                branch: name,
            });
        }
        Ok(name)
    }

    /// A repository with no commit at all (a fresh `git init`): nothing to branch from.
    pub fn has_no_commits(&self) -> bool {
        // Not libgit2's `is_empty`: it knows only `master` as the unborn default branch.
        let repo = self.repo();
        let unborn = repo
            .head()
            .is_err_and(|e| e.code() == git2::ErrorCode::UnbornBranch);
        let no_branch = repo
            .branches(Some(BranchType::Local))
            .is_ok_and(|mut b| b.next().is_none());
        unborn && no_branch
    }

    /// The local branches' short names, sorted.
    pub fn branch_names(&self) -> Vec<String> {
        let repo = self.repo();
        let Ok(branches) = repo.branches(Some(BranchType::Local)) else {
            return Vec::new();
        };
        let mut names: Vec<String> = branches
            .filter_map(|b| b.ok())
            .filter_map(|(b, _)| b.name().ok().flatten().map(str::to_string))
            .collect();
        names.sort();
        names
    }

    /// Whether a local branch with this short name exists.
    pub fn branch_exists(&self, name: &str) -> bool {
        self.repo().find_branch(name, BranchType::Local).is_ok()
    }

    /// The commit a local branch points at (full hex); `None` when there is no such branch.
    pub fn branch_tip(&self, name: &str) -> Option<String> {
        let repo = self.repo();
        let branch = repo.find_branch(name, BranchType::Local).ok()?;
        let commit = branch.get().peel_to_commit().ok()?;
        Some(commit.id().to_string())
    }

    /// The commit `rev` (a branch name, a revision) names, in full hex.
    pub fn commit_of(&self, rev: &str) -> Result<String, GitError> {
        resolve_commit(&self.repo(), rev).map(|c| c.id().to_string())
    }

    fn repo(&self) -> MutexGuard<'_, Repository> {
        // A panic while holding the lock leaves libgit2 state intact (every call is atomic from
        // our side), so a poisoned lock is safe to keep using.
        self.repo
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Opens the worktree at `wt_path` after checking it belongs to this repository. Mutating
    /// operations pass `allow_main = false` so the operator's own checkout is never touched.
    fn open_worktree(
        &self,
        wt_path: &Path,
        allow_main: bool,
    ) -> Result<(Repository, PathBuf), GitError> {
        let not_ours = || GitError::NotOurWorktree {
            path: wt_path.to_path_buf(),
            repo: self.root.clone(),
        };
        let path = std::fs::canonicalize(wt_path).map_err(|_| not_ours())?;
        let repo = Repository::open(&path).map_err(|_| not_ours())?;
        let common = canonical(repo.commondir())?;
        if common != self.git_dir || (!allow_main && !repo.is_worktree()) {
            return Err(not_ours());
        }
        if !allow_main {
            // About to write there: a lock a killed czar left would refuse every write.
            locks::clear_stale(&locks::of_worktree(repo.path()));
        }
        Ok((repo, path))
    }
}

/// What HEAD points at (`refs/heads/...`), or `None` when it is detached.
fn symbolic_head(repo: &Repository) -> Result<Option<String>, git2::Error> {
    let head = repo.find_reference("HEAD")?;
    Ok(head.symbolic_target()?.map(str::to_string))
}

/// `refs/heads/czar/x` -> `czar/x`; other names are returned unchanged.
fn short_branch(refname: &str) -> &str {
    refname.strip_prefix("refs/heads/").unwrap_or(refname)
}

fn resolve_commit<'r>(repo: &'r Repository, rev: &str) -> Result<Commit<'r>, GitError> {
    repo.revparse_single(rev)
        .and_then(|obj| obj.peel_to_commit())
        .map_err(|source| GitError::Resolve {
            rev: rev.to_string(),
            repo: repo.workdir().unwrap_or(repo.path()).to_path_buf(),
            source,
        })
}

fn short_id(repo: &Repository, oid: git2::Oid) -> String {
    // The abbreviated id needs an object lookup; the full hex is a fine answer if that fails.
    repo.find_object(oid, None)
        .and_then(|obj| obj.short_id())
        .ok()
        .and_then(|buf| buf.as_str().ok().map(str::to_string))
        .unwrap_or_else(|| oid.to_string())
}

fn canonical(path: &Path) -> Result<PathBuf, GitError> {
    std::fs::canonicalize(path).map_err(|e| io_error("cannot resolve", path, e))
}

/// An absolute, symlink-free spelling of a path that may not exist yet, so registered worktree
/// paths compare equal however they were written.
fn normalize(path: &Path) -> PathBuf {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    if let Ok(p) = std::fs::canonicalize(&path) {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => normalize(parent).join(name),
        _ => path,
    }
}
