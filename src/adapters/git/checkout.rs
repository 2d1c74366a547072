//! The operator's checkout of the target, brought along after a landing moved the target:
//! only a clean tree, only a fast-forward. Apart from `land` (the merge in the czar's own
//! integration worktree) because this is the one step that touches the operator's files.

use std::path::Path;

use git2::{Commit, DiffOptions, ObjectType, Oid, Repository, build::CheckoutBuilder};

use super::bringing;
use super::error::{GitContext, GitError};

/// A checkout of the target brought from `from` to `to`: `None` when done (or already there),
/// else why not. Only a clean tree, and only a fast-forward of what it holds, is touched; the
/// checkout's own safe mode refuses to overwrite anything changed meanwhile.
pub(super) fn bring_checkout(path: &Path, from: Oid, to: Oid) -> Result<Option<String>, GitError> {
    let repo = Repository::open(path).doing(path, || "opening the checkout".into())?;
    let moves = bringing::noted(&repo, from);
    bringing::clear_killed_lock(&repo, &moves);
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
    // Changes a killed czar's checkout made half-way are finished; a file anyone changed
    // since (neither side's) makes them all theirs, untouched, as any change is. Killed before
    // it staged anything, it leaves the move's new files untracked, which no diff of tracked
    // files shows: the move's own paths are looked at whenever its note is there.
    // The move under way may have been to another commit: a landing redone after a restart
    // merges anew, so the same work lands as a commit of another id.
    let mut paths = changed.clone();
    let resumable = !moves.is_empty() && {
        let mut sides = vec![from_commit.clone(), to_commit.clone()];
        for (was, _) in &moves {
            sides.extend(repo.find_commit(*was).ok().filter(|c| c.id() != to));
        }
        for side in &sides[1..] {
            paths.extend(moved_paths(&repo, &from_commit, side)?);
        }
        paths.sort();
        paths.dedup();
        only_half_way(&repo, &paths, &sides)
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
    // Kept until the target's ref has moved too (see `brought`): killed before that, the files
    // are the czar's even if the next landing goes elsewhere.
    bringing::begin(&repo, from, to)?;
    let mut opts = CheckoutBuilder::new();
    if resumable {
        // Every file of the move is at `from`, at `to` or where the move under way took it
        // (checked above): forcing just those to `to` loses nothing of anyone's. That includes
        // removing one only the move under way wrote (a landing since merged without it would
        // leave it behind, untracked, in the way of its own landing later).
        opts.force();
        opts.remove_untracked(true);
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
    Ok(None)
}

/// The target's ref moved where its checkout was brought: the move's note goes.
pub(super) fn brought(path: &Path) {
    if let Ok(repo) = Repository::open(path) {
        bringing::end(&repo);
    }
}

/// Whether every file in `changed` holds what one of `sides` has there (or is missing where
/// one of them has none): a checkout between them stopped half-way.
fn only_half_way(repo: &Repository, changed: &[String], sides: &[Commit]) -> bool {
    let Some(root) = repo.workdir() else {
        return false;
    };
    let Ok(trees) = sides
        .iter()
        .map(Commit::tree)
        .collect::<Result<Vec<_>, _>>()
    else {
        return false;
    };
    let Ok(index) = repo.index() else {
        return false;
    };
    changed.iter().all(|f| {
        let p = Path::new(f);
        let known: Vec<Option<Oid>> = trees
            .iter()
            .map(|t| t.get_path(p).ok().map(|e| e.id()))
            .collect();
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

#[cfg(test)]
mod tests {
    use super::{bring_checkout, bringing, brought};
    use git2::{Oid, Repository};
    use std::path::Path;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap_or_else(|e| panic!("git {args:?}: {e}"));
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The note lives from the files' move until the ref's: a czar killed between the two
    /// leaves it, so the next one knows the tree ahead of its ref for its own doing.
    #[test]
    fn the_moves_note_stays_until_the_ref_has_moved_too() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path();
        git(root, &["init", "-q"]);
        std::fs::write(root.join("f.txt"), "one\n").unwrap_or_else(|e| panic!("{e}"));
        git(root, &["add", "f.txt"]);
        git(root, &["commit", "-q", "-m", "one"]);
        let from = git(root, &["rev-parse", "HEAD"]);
        git(root, &["checkout", "-q", "-b", "next"]);
        std::fs::write(root.join("g.txt"), "two\n").unwrap_or_else(|e| panic!("{e}"));
        git(root, &["add", "g.txt"]);
        git(root, &["commit", "-q", "-m", "two"]);
        let to = git(root, &["rev-parse", "HEAD"]);
        git(root, &["checkout", "-q", "main"]);
        let (from, to) = (
            Oid::from_str(&from).unwrap_or_else(|e| panic!("{e}")),
            Oid::from_str(&to).unwrap_or_else(|e| panic!("{e}")),
        );
        assert_eq!(bring_checkout(root, from, to).ok(), Some(None));
        assert!(root.join("g.txt").exists());
        let repo = Repository::open(root).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(bringing::noted(&repo, from).first().map(|m| m.0), Some(to));
        brought(root);
        assert!(bringing::noted(&repo, from).is_empty());
    }
}
