//! Landing a task branch on the target branch: the merge made in the czar's own integration
//! worktree (never the operator's checkout), and the target moved by compare-and-swap from the
//! commit that was verified. The operator's checkout of the target is moved only when it is
//! clean and the move is a fast-forward of what it holds.

use std::path::{Path, PathBuf};

use git2::{Commit, MergeOptions, Oid, Repository, Sort, build::CheckoutBuilder};

use super::checkout::{self, bring_checkout};
use super::error::{GitContext, GitError};
use super::signature::signature_for;
use super::{Git, resolve_commit};

/// How a branch is brought onto the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeStyle {
    Merge,
    Squash,
    Rebase,
}

/// What merging a branch onto the target gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// The target's tip the merge was made on.
    pub from: String,
    /// The merged commit, checked out (detached) in the integration worktree; `None` on conflict.
    pub to: Option<String>,
    /// Files left in conflict, sorted.
    pub conflicts: Vec<String>,
    /// The conflicting hunks, with markers, cut short.
    pub hunks: String,
}

/// What moving the target came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moved {
    /// The target is at `to` now (it may have been already).
    Done,
    /// The target is no longer at `from`: it is at this commit.
    Stale(String),
    /// The target cannot be moved now, and why.
    Blocked(String),
}

const HUNK_LINES: usize = 80;

impl Git {
    /// Makes (or reuses) the integration worktree at `wt_path`, puts it detached on `into`'s tip
    /// with every leftover removed, and merges `branch` there.
    pub fn land_merge(
        &self,
        wt_path: &Path,
        into: &str,
        branch: &str,
        style: MergeStyle,
        message: &str,
    ) -> Result<Merged, GitError> {
        self.ensure_worktree(wt_path, "czar-land", into)?;
        let (wt, path) = self.open_worktree(wt_path, false)?;
        let from = resolve_commit(&wt, into)?;
        let theirs = resolve_commit(&wt, branch)?;
        reset_to(&wt, &path, &from)?;
        let mut merged = Merged {
            from: from.id().to_string(),
            to: None,
            conflicts: Vec::new(),
            hunks: String::new(),
        };
        // Already on the target: nothing to add.
        if from.id() == theirs.id()
            || wt
                .graph_descendant_of(from.id(), theirs.id())
                .unwrap_or(false)
        {
            merged.to = Some(from.id().to_string());
            return Ok(merged);
        }
        let to = match style {
            MergeStyle::Rebase => replay(&wt, &path, &from, &theirs, &mut merged)?,
            _ => merge_onto(&wt, &path, &from, &theirs, style, message, &mut merged)?,
        };
        if let Some(to) = to {
            let commit = wt
                .find_commit(to)
                .doing(&path, || "reading the merged commit".into())?;
            reset_to(&wt, &path, &commit)?;
            merged.to = Some(to.to_string());
        }
        Ok(merged)
    }

    /// Of `landed` (task, the target before it, its landing commit), the tasks whose landing
    /// changed one of `files` and is not in `branch` yet: what the branch conflicts with.
    pub fn landed_touching(
        &self,
        branch: &str,
        files: &[String],
        landed: &[(String, String, String)],
    ) -> Vec<String> {
        let repo = self.repo();
        let Ok(tip) = resolve_commit(&repo, branch).map(|c| c.id()) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let find = |hex: &str| Oid::from_str(hex).and_then(|o| repo.find_commit(o));
        for (task, from, commit) in landed {
            let (Ok(before), Ok(c)) = (find(from), find(commit)) else {
                continue;
            };
            if repo.graph_descendant_of(tip, c.id()).unwrap_or(false) || tip == c.id() {
                continue;
            }
            let (Ok(a), Ok(b)) = (before.tree(), c.tree()) else {
                continue;
            };
            let Ok(diff) = repo.diff_tree_to_tree(Some(&a), Some(&b), None) else {
                continue;
            };
            let touches = diff.deltas().any(|d| {
                [d.old_file().path(), d.new_file().path()]
                    .into_iter()
                    .flatten()
                    .any(|p| files.iter().any(|f| Path::new(f) == p))
            });
            if touches {
                out.push(task.clone());
            }
        }
        out
    }

    /// Moves `into` from `from` to `to`, only from `from` (compare-and-swap). Where the target is
    /// checked out (the operator's tree, or another worktree), that tree must be clean and is
    /// brought to `to` first; otherwise nothing moves and the answer says why.
    pub fn move_target(&self, into: &str, from: &str, to: &str) -> Result<Moved, GitError> {
        let refname = format!("refs/heads/{into}");
        let (from_id, to_id) = (oid(from)?, oid(to)?);
        let now = {
            let repo = self.repo();
            let r = repo
                .find_reference(&refname)
                .doing(&self.root, || format!("reading {into}"))?;
            r.target().unwrap_or(Oid::ZERO_SHA1)
        };
        let tree = self.checkout_of(&refname)?;
        let brought = || {
            if let Some(tree) = &tree {
                checkout::brought(tree);
            }
        };
        if now == to_id {
            brought();
            return Ok(Moved::Done);
        }
        if now != from_id {
            return Ok(Moved::Stale(now.to_string()));
        }
        if let Some(tree) = &tree
            && let Some(why) = bring_checkout(tree, from_id, to_id)?
        {
            return Ok(Moved::Blocked(format!(
                "{into} is checked out in {}, {why}; landing waits until that changes",
                tree.display()
            )));
        }
        // A czar killed inside the swap leaves the ref's lock, which refuses every swap after.
        super::locks::clear_stale(&[super::locks::of_branch(&self.git_dir, into)]);
        let repo = self.repo();
        let swapped = repo.reference_matching(
            &refname,
            to_id,
            true,
            from_id,
            &format!("czar: land {to} on {into}"),
        );
        match swapped {
            Ok(_) => {
                brought();
                Ok(Moved::Done)
            }
            Err(e) => {
                let now = repo.refname_to_id(&refname).unwrap_or(Oid::ZERO_SHA1);
                if now == to_id {
                    brought();
                    return Ok(Moved::Done);
                }
                if now != from_id {
                    tracing::warn!("{into} moved under the landing: {e}");
                    return Ok(Moved::Stale(now.to_string()));
                }
                Err(GitError::Git {
                    action: format!("moving {into} from {from} to {to}"),
                    path: self.root.clone(),
                    source: e,
                })
            }
        }
    }

    /// Whether `commit` is `tip` or in its history.
    pub fn contains(&self, tip: &str, commit: &str) -> bool {
        let (Ok(t), Ok(c)) = (oid(tip), oid(commit)) else {
            return false;
        };
        t == c || self.repo().graph_descendant_of(t, c).unwrap_or(false)
    }

    /// Deletes a local branch unless it is checked out somewhere; whether it went.
    pub fn delete_branch(&self, branch: &str) -> Result<bool, GitError> {
        let refname = format!("refs/heads/{branch}");
        if self
            .checked_out_elsewhere(&refname, Path::new(""))?
            .is_some()
        {
            return Ok(false);
        }
        let repo = self.repo();
        let Ok(mut b) = repo.find_branch(branch, git2::BranchType::Local) else {
            return Ok(false);
        };
        b.delete()
            .doing(&self.root, || format!("deleting {branch}"))?;
        Ok(true)
    }

    /// The folder where `refname` is checked out, if anywhere.
    fn checkout_of(&self, refname: &str) -> Result<Option<PathBuf>, GitError> {
        self.checked_out_elsewhere(refname, Path::new(""))
    }
}

fn oid(hex: &str) -> Result<Oid, GitError> {
    Oid::from_str(hex).map_err(|source| GitError::Resolve {
        rev: hex.to_string(),
        repo: PathBuf::new(),
        source,
    })
}

/// The integration worktree, detached at `commit`, with nothing else in it.
fn reset_to(wt: &Repository, path: &Path, commit: &Commit<'_>) -> Result<(), GitError> {
    wt.set_head_detached(commit.id())
        .doing(path, || "detaching the integration worktree".into())?;
    let mut opts = CheckoutBuilder::new();
    opts.force().remove_untracked(true);
    wt.checkout_head(Some(&mut opts))
        .doing(path, || "cleaning the integration worktree".into())
}

/// A merge (or squash) of `theirs` onto `from`, committed without moving any ref.
fn merge_onto(
    wt: &Repository,
    path: &Path,
    from: &Commit<'_>,
    theirs: &Commit<'_>,
    style: MergeStyle,
    message: &str,
    merged: &mut Merged,
) -> Result<Option<Oid>, GitError> {
    // The branch already holds the target: a fast-forward for a merge.
    if style == MergeStyle::Merge
        && wt
            .graph_descendant_of(theirs.id(), from.id())
            .unwrap_or(false)
    {
        return Ok(Some(theirs.id()));
    }
    let mut index = wt
        .merge_commits(from, theirs, Some(&MergeOptions::new()))
        .doing(path, || "merging in memory".into())?;
    if index.has_conflicts() {
        conflicts_of(wt, &mut index, merged);
        return Ok(None);
    }
    let tree_id = index
        .write_tree_to(wt)
        .doing(path, || "writing the merged tree".into())?;
    let tree = wt
        .find_tree(tree_id)
        .doing(path, || "reading the merged tree".into())?;
    let sig = signature_for(wt).doing(path, || "finding a signature".into())?;
    let parents: Vec<&Commit<'_>> = match style {
        MergeStyle::Squash => vec![from],
        _ => vec![from, theirs],
    };
    wt.commit(None, &sig, &sig, message, &tree, &parents)
        .map(Some)
        .doing(path, || "committing the merge".into())
}

/// The branch's own commits (merges left out: what they brought is on the target) replayed on
/// `from` one by one.
fn replay(
    wt: &Repository,
    path: &Path,
    from: &Commit<'_>,
    theirs: &Commit<'_>,
    merged: &mut Merged,
) -> Result<Option<Oid>, GitError> {
    let mut walk = wt.revwalk().doing(path, || "listing commits".into())?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
        .and_then(|_| walk.push(theirs.id()))
        .and_then(|_| walk.hide(from.id()))
        .doing(path, || "listing the branch's commits".into())?;
    let ids: Vec<Oid> = walk.filter_map(Result::ok).collect();
    let mut onto = wt
        .find_commit(from.id())
        .doing(path, || "reading the target".into())?;
    for id in ids {
        let c = wt
            .find_commit(id)
            .doing(path, || "reading a commit".into())?;
        if c.parent_count() > 1 {
            continue;
        }
        let mut index = wt
            .cherrypick_commit(&c, &onto, 0, Some(&MergeOptions::new()))
            .doing(path, || format!("replaying {id}"))?;
        if index.has_conflicts() {
            conflicts_of(wt, &mut index, merged);
            return Ok(None);
        }
        let tree_id = index
            .write_tree_to(wt)
            .doing(path, || "writing a replayed tree".into())?;
        let tree = wt
            .find_tree(tree_id)
            .doing(path, || "reading a replayed tree".into())?;
        let sig = signature_for(wt).doing(path, || "finding a signature".into())?;
        let msg = c.message().unwrap_or("czar: replayed commit");
        let new = wt
            .commit(None, &c.author(), &sig, msg, &tree, &[&onto])
            .doing(path, || format!("committing the replay of {id}"))?;
        onto = wt
            .find_commit(new)
            .doing(path, || "reading a replayed commit".into())?;
    }
    Ok(Some(onto.id()))
}

/// The conflicting files, and their hunks with markers (cut short), into `merged`.
fn conflicts_of(wt: &Repository, index: &mut git2::Index, merged: &mut Merged) {
    let mut hunks: Vec<String> = Vec::new();
    let Ok(conflicts) = index.conflicts() else {
        return;
    };
    let entries: Vec<git2::IndexConflict> = conflicts.filter_map(Result::ok).collect();
    for c in entries {
        let Some(entry) = c.our.as_ref().or(c.their.as_ref()).or(c.ancestor.as_ref()) else {
            continue;
        };
        let file = String::from_utf8_lossy(&entry.path).into_owned();
        merged.conflicts.push(file.clone());
        let (Some(a), Some(o), Some(t)) = (&c.ancestor, &c.our, &c.their) else {
            hunks.push(format!("{file}: added or deleted on both sides"));
            continue;
        };
        let Ok(result) = wt.merge_file_from_index(a, o, t, None) else {
            continue;
        };
        let text = String::from_utf8_lossy(result.content()).into_owned();
        let mut inside = false;
        hunks.push(format!("--- {file}"));
        for line in text.lines() {
            if line.starts_with("<<<<<<<") {
                inside = true;
            }
            if inside {
                hunks.push(line.to_string());
            }
            if line.starts_with(">>>>>>>") {
                inside = false;
            }
        }
    }
    merged.conflicts.sort();
    merged.conflicts.dedup();
    if hunks.len() > HUNK_LINES {
        let n = hunks.len() - HUNK_LINES;
        hunks.truncate(HUNK_LINES);
        hunks.push(format!("... ({n} more lines)"));
    }
    merged.hunks = hunks.join("\n");
}
