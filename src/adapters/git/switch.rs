use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use git2::{
    Branch, BranchType, Commit, IndexAddOption, Repository, Worktree, build::CheckoutBuilder,
};

use super::error::{GitContext, GitError};
use super::locks;
use super::signature::signature_for;
use super::worktree::has_changes;
use super::{Git, resolve_commit, short_branch, short_id, symbolic_head};

/// What `switch_worktree` did besides the checkout itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SwitchOutcome {
    /// Short id of the WIP commit that saved uncommitted work, if there was any.
    pub wip_commit: Option<String>,
    /// The branch holding that WIP commit: the previous branch, or a fresh rescue branch
    /// `czar/wip-<worktree>-<unix time>` when HEAD was detached.
    pub wip_branch: Option<String>,
    /// True when `branch` was created from base; false when an existing branch was resumed.
    pub created: bool,
}

/// A commit made to save work in progress, and the branch it landed on.
struct Wip {
    id: String,
    branch: String,
}

/// A new branch at `base`. Deleting a repository's last loose ref under `refs/heads/czar/`
/// (a landed branch, say) removes that empty folder, and a creation racing it finds the folder
/// gone as it opens its lock file (ENOENT, reported as "Locked"): tried again, a few times.
/// A lock file that is there is a czar's killed mid-creation (nobody else makes task branches):
/// it is waited out to [`locks::STALE_NEW_BRANCH`] and removed, once.
fn create_branch<'r>(
    wt: &'r Repository,
    lock: &Path,
    branch: &str,
    base: &git2::Commit<'_>,
) -> Result<git2::Commit<'r>, git2::Error> {
    let mut tries = 0;
    let mut waited = false;
    loop {
        match wt.branch(branch, base, false) {
            Ok(b) => return b.get().peel_to_commit(),
            Err(e) if e.code() == git2::ErrorCode::Locked && !waited && lock.exists() => {
                waited = true;
                let age = std::fs::metadata(lock)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok())
                    .unwrap_or_default();
                std::thread::sleep(locks::STALE_NEW_BRANCH.saturating_sub(age));
                locks::clear_older(&[lock.to_path_buf()], locks::STALE_NEW_BRANCH);
            }
            Err(e)
                if tries < 5
                    && e.code() == git2::ErrorCode::Locked
                    && e.class() == git2::ErrorClass::Os =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => return Err(e),
        }
    }
}

impl Git {
    /// Moves a linked worktree to task branch `branch`, saving any uncommitted work first as a
    /// WIP commit on the branch it was on. Creates `branch` from `base` unless it exists.
    pub fn switch_worktree(
        &self,
        wt_path: &Path,
        branch: &str,
        base: &str,
    ) -> Result<SwitchOutcome, GitError> {
        let (wt, path) = self.open_worktree(wt_path, false)?;
        if !Branch::name_is_valid(branch).unwrap_or(false) {
            return Err(GitError::InvalidName {
                name: branch.to_string(),
                what: "branch",
            });
        }
        let refname = format!("refs/heads/{branch}");
        let lock = locks::of_branch(&self.git_dir, branch);
        let stale = match wt.find_reference(&refname) {
            Ok(_) => locks::STALE,
            Err(_) => locks::STALE_NEW_BRANCH,
        };
        locks::clear_older(std::slice::from_ref(&lock), stale);
        // Everything that can refuse the switch is checked before anything is committed.
        let base_commit = resolve_commit(&wt, base)?;
        if let Some(other) = self.checked_out_elsewhere(&refname, &path)? {
            return Err(GitError::CheckedOutElsewhere {
                branch: branch.to_string(),
                path,
                other,
            });
        }
        let message = wip_message("task switch", &format!("before switching to {branch}"));
        let wip = commit_dirty(&wt, &path, &message)?;
        // Everything uncommitted is saved: from here the working tree changes under HEAD, and a
        // kill before HEAD moves would leave the checkout's half as "changes" (see `Switching`).
        let switching = Switching::begin(&wt, &path, branch)?;

        let existing = wt.find_branch(branch, BranchType::Local).ok();
        let created = existing.is_none();
        let target = match existing {
            Some(b) => b.get().peel_to_commit(),
            None => create_branch(&wt, &lock, branch, &base_commit),
        }
        .doing(&path, || format!("creating branch {branch} from {base}"))?;
        checkout_branch(&wt, &target, &refname)
            .doing(&path, || format!("checking out {branch}"))?;
        switching.done();

        if has_changes(&wt).doing(&path, || "reading worktree status".into())? {
            return Err(GitError::StillDirty {
                path,
                branch: branch.to_string(),
            });
        }
        tracing::info!(path = %path.display(), branch, created, wip = ?wip.as_ref().map(|w| &w.id), "switched worktree");
        Ok(SwitchOutcome {
            wip_commit: wip.as_ref().map(|w| w.id.clone()),
            wip_branch: wip.map(|w| w.branch),
            created,
        })
    }

    /// Commits all uncommitted work in a linked worktree on its current branch as a labelled WIP
    /// commit (on a rescue branch if HEAD is detached). Returns its short id; `None` when clean.
    pub fn commit_wip(&self, wt_path: &Path, reason: &str) -> Result<Option<String>, GitError> {
        let (wt, path) = self.open_worktree(wt_path, false)?;
        let wip = commit_dirty(&wt, &path, &wip_message(reason, "by czar"))?;
        Ok(wip.map(|w| w.id))
    }
}

impl Git {
    /// Lets go of a worktree's branch so another worktree can check it out: uncommitted work is
    /// committed on it first, then HEAD is detached at the same commit.
    pub fn release_worktree(
        &self,
        wt_path: &Path,
        reason: &str,
    ) -> Result<Option<String>, GitError> {
        let (wt, path) = self.open_worktree(wt_path, false)?;
        let wip = commit_dirty(
            &wt,
            &path,
            &wip_message(reason, "before its branch moved to another worker"),
        )?;
        let head = wt
            .head()
            .and_then(|h| h.peel_to_commit())
            .doing(&path, || "reading HEAD".into())?;
        wt.set_head_detached(head.id())
            .doing(&path, || "detaching HEAD".into())?;
        Ok(wip.map(|w| w.id))
    }
}

fn wip_message(reason: &str, when: &str) -> String {
    format!("czar: WIP ({reason}) — work in progress saved {when}\n")
}

/// Stages everything (new, modified, deleted; ignored files stay out) and commits it on HEAD.
/// Not after an interrupted switch: what differs from HEAD then is the half of a checkout, not
/// anybody's work (committed, it would undo the last task's work on its own branch).
fn commit_dirty(wt: &Repository, path: &Path, message: &str) -> Result<Option<Wip>, GitError> {
    if let Some(to) = Switching::interrupted(wt) {
        tracing::warn!(
            path = %path.display(),
            "a switch to {to} was interrupted (a killed czar): its half-done checkout is not saved"
        );
        return Ok(None);
    }
    if !has_changes(wt).doing(path, || "reading worktree status".into())? {
        return Ok(None);
    }
    let head = symbolic_head(wt).doing(path, || "reading HEAD".into())?;
    let branch = match head {
        Some(target) => short_branch(&target).to_string(),
        None => attach_rescue_branch(wt, path)?,
    };
    let id = commit_all(wt, message).doing(path, || format!("committing WIP on {branch}"))?;
    tracing::info!(path = %path.display(), %branch, %id, "saved work in progress");
    Ok(Some(Wip { id, branch }))
}

/// A detached HEAD's work would be orphaned by the next checkout, so HEAD first moves onto a new
/// branch at the same commit (index and files untouched).
fn attach_rescue_branch(wt: &Repository, path: &Path) -> Result<String, GitError> {
    let wt_name = Worktree::open_from_repository(wt)
        .ok()
        .and_then(|w| w.name().ok().flatten().map(str::to_string))
        .or_else(|| path.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "worktree".to_string());
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let stem = format!("czar/wip-{wt_name}-{secs}");
    let name = (1..)
        .map(|n| {
            if n == 1 {
                stem.clone()
            } else {
                format!("{stem}-{n}")
            }
        })
        .find(|name| wt.find_branch(name, BranchType::Local).is_err())
        .unwrap_or(stem);
    let commit = wt
        .head()
        .and_then(|h| h.peel_to_commit())
        .doing(path, || "reading the detached HEAD commit".into())?;
    wt.branch(&name, &commit, false)
        .and_then(|_| wt.set_head(&format!("refs/heads/{name}")))
        .doing(path, || format!("creating rescue branch {name}"))?;
    Ok(name)
}

fn commit_all(wt: &Repository, message: &str) -> Result<String, git2::Error> {
    let mut index = wt.index()?;
    index.add_all(["*"], IndexAddOption::DEFAULT, None)?;
    index.update_all(["*"], None)?;
    index.write()?;
    let tree = wt.find_tree(index.write_tree()?)?;
    // An unborn branch has no parent; its first commit is still worth saving.
    let parent = wt.head().and_then(|h| h.peel_to_commit()).ok();
    let parents: Vec<&Commit<'_>> = parent.iter().collect();
    let sig = signature_for(wt)?;
    // Moving HEAD's branch races a landed branch's deletion as a creation does (the folder of
    // its lock file gone: ENOENT as "Locked"): tried again, a few times, as `create_branch` is.
    let mut tries = 0;
    let oid = loop {
        match wt.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents) {
            Ok(oid) => break oid,
            Err(e)
                if tries < 5
                    && e.code() == git2::ErrorCode::Locked
                    && e.class() == git2::ErrorClass::Os =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => return Err(e),
        }
    };
    Ok(short_id(wt, oid))
}

/// Force is safe here: everything uncommitted was just saved. Untracked leftovers go, ignored
/// files (build caches) stay.
fn checkout_branch(wt: &Repository, target: &Commit<'_>, refname: &str) -> Result<(), git2::Error> {
    let mut opts = CheckoutBuilder::new();
    opts.force().remove_untracked(true);
    wt.checkout_tree(target.as_object(), Some(&mut opts))?;
    wt.set_head(refname)
}

/// A switch in progress, noted in the worktree's git folder while its files change under a HEAD
/// that still names the old branch. A czar killed in between leaves the note: the next switch
/// then forces the checkout instead of saving the difference as work.
struct Switching(PathBuf);

impl Switching {
    const FILE: &'static str = "czar-switching";

    fn begin(wt: &Repository, path: &Path, branch: &str) -> Result<Switching, GitError> {
        let note = wt.path().join(Self::FILE);
        std::fs::write(&note, branch)
            .map_err(|e| super::error::io_error("cannot note the switch in", path, e))?;
        Ok(Switching(note))
    }

    fn done(self) {
        if let Err(e) = std::fs::remove_file(&self.0) {
            tracing::warn!("removing {}: {e}", self.0.display());
        }
    }

    /// The branch an interrupted switch was going to, if one was.
    fn interrupted(wt: &Repository) -> Option<String> {
        std::fs::read_to_string(wt.path().join(Self::FILE)).ok()
    }
}
