//! The operator's checkout of the target, brought along after a landing moved the target:
//! only a clean tree, only a fast-forward. Apart from `land` (the merge in the czar's own
//! integration worktree) because this is the one step that touches the operator's files.

use std::path::{Path, PathBuf};

use git2::{Commit, DiffOptions, ObjectType, Oid, Repository, build::CheckoutBuilder};

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
        Bringing::end(&repo);
        return Ok(None);
    }
    let from_commit = repo
        .find_commit(from)
        .doing(path, || "reading the target's commit".into())?;
    let changed = changed_against(&repo, &from_commit)?;
    // Changes a killed czar's checkout made half-way are finished; a file anyone changed
    // since (neither side's) makes them all theirs, untouched, as any change is. Killed before
    // it staged anything, it leaves the move's new files untracked, which no diff of tracked
    // files shows: the move's own paths are looked at whenever its note is there.
    let mut paths = changed.clone();
    let resumable = Bringing::interrupted(&repo, from, to) && {
        paths.extend(moved_paths(&repo, &from_commit, &to_commit)?);
        paths.sort();
        paths.dedup();
        only_half_way(&repo, &paths, &from_commit, &to_commit)
    };
    if !changed.is_empty() && !resumable {
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
    let note = Bringing::begin(&repo, from, to)?;
    let mut opts = CheckoutBuilder::new();
    if resumable {
        // Every file of the move is at `from` or at `to` (checked above): forcing just those
        // to `to` loses nothing of anyone's.
        opts.force();
        for p in &paths {
            opts.path(p);
        }
    } else {
        opts.safe();
    }
    if let Err(e) = repo.checkout_tree(to_commit.as_object(), Some(&mut opts)) {
        return Ok(Some(format!(
            "which could not be updated ({})",
            e.message()
        )));
    }
    note.done();
    Ok(None)
}

/// Whether every file in `changed` holds what `from` or `to` has there (or is missing where
/// one of them has none): a checkout from one to the other stopped half-way.
fn only_half_way(repo: &Repository, changed: &[String], from: &Commit, to: &Commit) -> bool {
    let Some(root) = repo.workdir() else {
        return false;
    };
    let (Ok(from_tree), Ok(to_tree)) = (from.tree(), to.tree()) else {
        return false;
    };
    let Ok(index) = repo.index() else {
        return false;
    };
    changed.iter().all(|f| {
        let p = Path::new(f);
        let at = |t: &git2::Tree| t.get_path(p).ok().map(|e| e.id());
        let known = [at(&from_tree), at(&to_tree)];
        let file = root.join(p);
        let on_disk = match std::fs::symlink_metadata(&file) {
            Err(_) => None,
            Ok(m) if m.is_file() => match Oid::hash_file(ObjectType::Blob, &file) {
                Ok(id) => Some(id),
                Err(_) => return false,
            },
            Ok(_) => return false,
        };
        let staged = index.get_path(p, 0).map(|e| e.id);
        known.contains(&on_disk) && known.contains(&staged)
    })
}

/// A note in the checkout's git folder while its files are brought from one commit to
/// another: a czar killed inside leaves the tree half-way, which reads as changes, and the next
/// czar finishes it only when the note says so and every such file is one side's or the other's.
struct Bringing(PathBuf);

impl Bringing {
    const FILE: &'static str = "czar-bringing";

    fn begin(repo: &Repository, from: Oid, to: Oid) -> Result<Bringing, GitError> {
        let note = repo.path().join(Self::FILE);
        let path = repo.workdir().unwrap_or(repo.path());
        std::fs::write(&note, format!("{from} {to}\n"))
            .map_err(|e| super::error::io_error("cannot note the checkout's move in", path, e))?;
        Ok(Bringing(note))
    }

    fn done(self) {
        if let Err(e) = std::fs::remove_file(&self.0) {
            tracing::warn!("removing {}: {e}", self.0.display());
        }
    }

    /// Whether a move from `from` to `to` was under way when its czar stopped.
    fn interrupted(repo: &Repository, from: Oid, to: Oid) -> bool {
        std::fs::read_to_string(repo.path().join(Self::FILE))
            .is_ok_and(|n| n.trim() == format!("{from} {to}"))
    }

    fn end(repo: &Repository) {
        let _ = std::fs::remove_file(repo.path().join(Self::FILE));
    }
}

/// The files a move from `from` to `to` changes.
fn moved_paths(repo: &Repository, from: &Commit, to: &Commit) -> Result<Vec<String>, GitError> {
    let path = repo.workdir().unwrap_or(repo.path()).to_path_buf();
    let (a, b) = (from.tree(), to.tree());
    let (a, b) = (
        a.doing(&path, || "reading a commit's tree".into())?,
        b.doing(&path, || "reading a commit's tree".into())?,
    );
    let diff = repo
        .diff_tree_to_tree(Some(&a), Some(&b), None)
        .doing(&path, || {
            "comparing the target with the landed commit".into()
        })?;
    Ok(diff
        .deltas()
        .filter_map(|d| d.new_file().path().or(d.old_file().path()))
        .map(|p| p.display().to_string())
        .collect())
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
