use git2::{Diff, ErrorCode, Patch, Repository, Sort, Tree};

use super::error::{GitContext, GitError};
use super::{Git, resolve_commit, short_id};

/// What a task branch holds beyond its base.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BranchStats {
    pub branch: String,
    pub base: String,
    /// Commits reachable from `branch` but not from `base`.
    pub ahead: usize,
    /// Those commits, newest first.
    pub commits: Vec<CommitInfo>,
    /// Per-file line counts of merge-base(base, branch)..branch, so work that landed on base
    /// after the fork is not counted.
    pub files: Vec<FileChange>,
    /// Time and subject of the newest commit ahead of base; `None` while there is none.
    pub last_commit_time: Option<i64>,
    pub last_subject: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommitInfo {
    /// Abbreviated id.
    pub id: String,
    pub subject: String,
    /// Commit time, unix seconds.
    pub time: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileChange {
    pub path: String,
    pub added: usize,
    pub removed: usize,
}

impl Git {
    /// Commits and per-file changes of `branch` relative to `base`, computed in memory from the
    /// object database (no checkout, no working tree), so it is cheap to poll.
    pub fn branch_stats(&self, base: &str, branch: &str) -> Result<BranchStats, GitError> {
        let repo = self.repo();
        let base_commit = resolve_commit(&repo, base)?;
        let tip = resolve_commit(&repo, branch)?;
        let doing = |what: &str| format!("{what} for {base}..{branch}");

        let commits = commits_ahead(&repo, tip.id(), base_commit.id())
            .doing(&self.root, || doing("walking commits"))?;

        let fork_tree = match repo.merge_base(base_commit.id(), tip.id()) {
            Ok(oid) => Some(repo.find_commit(oid).and_then(|c| c.tree())),
            // Unrelated histories: everything on the branch counts as added.
            Err(e) if e.code() == ErrorCode::NotFound => None,
            Err(e) => Some(Err(e)),
        }
        .transpose()
        .doing(&self.root, || doing("finding the merge base"))?;
        let files = tip
            .tree()
            .and_then(|tip_tree| file_changes(&repo, fork_tree.as_ref(), &tip_tree))
            .doing(&self.root, || doing("diffing"))?;

        Ok(BranchStats {
            branch: branch.to_string(),
            base: base.to_string(),
            ahead: commits.len(),
            last_commit_time: commits.first().map(|c| c.time),
            last_subject: commits.first().map(|c| c.subject.clone()),
            commits,
            files,
        })
    }
}

fn commits_ahead(
    repo: &Repository,
    tip: git2::Oid,
    base: git2::Oid,
) -> Result<Vec<CommitInfo>, git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
    walk.push(tip)?;
    walk.hide(base)?;
    walk.map(|oid| {
        let commit = repo.find_commit(oid?)?;
        Ok(CommitInfo {
            id: short_id(repo, commit.id()),
            subject: String::from_utf8_lossy(commit.summary_bytes().unwrap_or_default())
                .into_owned(),
            time: commit.time().seconds(),
        })
    })
    .collect()
}

fn file_changes(
    repo: &Repository,
    from: Option<&Tree<'_>>,
    to: &Tree<'_>,
) -> Result<Vec<FileChange>, git2::Error> {
    let diff: Diff<'_> = repo.diff_tree_to_tree(from, Some(to), None)?;
    let mut files = Vec::with_capacity(diff.deltas().len());
    for (idx, delta) in diff.deltas().enumerate() {
        let file = delta.new_file().path().or_else(|| delta.old_file().path());
        let path = file
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Binary files have no lines to count and report 0/0.
        let (added, removed) = match Patch::from_diff(&diff, idx)? {
            Some(patch) => {
                let (_, added, removed) = patch.line_stats()?;
                (added, removed)
            }
            None => (0, 0),
        };
        files.push(FileChange {
            path,
            added,
            removed,
        });
    }
    Ok(files)
}
