//! The repository as lists of commits per branch: enough for the engine's branch figures, its
//! worktree switches and the own-work check.

use super::{Fakes, World};
use crate::adapters::git::{
    BranchStats, FileChange, GitError, MergeStyle, Merged, Moved, SwitchOutcome,
};
use crate::engine::ports::{Guard, OnChange, Repo};
use std::path::Path;

impl World {
    /// The commits of a revision: a branch's, or a commit's (with its ancestors).
    fn history(&self, rev: &str) -> Option<Vec<String>> {
        if let Some(b) = self.branches.get(rev) {
            return Some(b.clone());
        }
        self.branches.values().find_map(|b| {
            let at = b.iter().position(|c| c == rev)?;
            Some(b[..=at].to_vec())
        })
    }

    fn stats(&self, base: &str, branch: &str) -> Result<BranchStats, GitError> {
        let invalid = |what: &str| GitError::InvalidName {
            name: what.to_string(),
            what: "revision",
        };
        let b = self.history(branch).ok_or_else(|| invalid(branch))?;
        let base_commits = self.history(base).ok_or_else(|| invalid(base))?;
        let ahead: Vec<&String> = b.iter().filter(|c| !base_commits.contains(c)).collect();
        Ok(BranchStats {
            branch: branch.into(),
            base: base.into(),
            ahead: ahead.len(),
            files: ahead
                .iter()
                .map(|c| FileChange {
                    path: format!("{c}.txt"),
                    added: 1,
                    removed: 0,
                })
                .collect(),
            ..BranchStats::default()
        })
    }
}

impl Repo for Fakes {
    fn ensure_worktree(&self, path: &Path, _name: &str, _base: &str) -> Result<(), GitError> {
        std::fs::create_dir_all(path).map_err(|source| GitError::Io {
            action: "create".into(),
            path: path.into(),
            source,
        })?;
        self.world().worktrees.entry(path.into()).or_insert(None);
        Ok(())
    }

    fn commit_wip(&self, _path: &Path, _reason: &str) -> Result<Option<String>, GitError> {
        Ok(None)
    }

    fn switch_worktree(
        &self,
        path: &Path,
        branch: &str,
        base: &str,
    ) -> Result<SwitchOutcome, GitError> {
        let mut w = self.world();
        let created = !w.branches.contains_key(branch);
        if created {
            let from = w.branches.get(base).cloned().unwrap_or_default();
            w.branches.insert(branch.into(), from);
        }
        w.worktrees.insert(path.into(), Some(branch.into()));
        Ok(SwitchOutcome {
            created,
            ..SwitchOutcome::default()
        })
    }

    fn release_worktree(&self, path: &Path, _reason: &str) -> Result<Option<String>, GitError> {
        self.world().worktrees.insert(path.into(), None);
        Ok(None)
    }

    fn branch_at(&self, worktree: &Path) -> Option<String> {
        self.world().worktrees.get(worktree).cloned().flatten()
    }

    fn branch_stats(&self, base: &str, branch: &str) -> Result<BranchStats, GitError> {
        self.world().stats(base, branch)
    }

    fn diff_text(&self, from: &str, to: &str) -> Result<String, GitError> {
        // The fake's commits carry no content: a header is all there is to show.
        Ok(format!("diff {from}...{to}\n"))
    }

    fn branch_tip(&self, branch: &str) -> Option<String> {
        self.world().branches.get(branch)?.last().cloned()
    }

    fn commit_of(&self, rev: &str) -> Result<String, GitError> {
        self.branch_tip(rev).ok_or_else(|| GitError::InvalidName {
            name: rev.into(),
            what: "revision",
        })
    }

    fn commits_since(&self, from: &str, to: &str) -> Option<usize> {
        let w = self.world();
        let on = w
            .branches
            .values()
            .find(|b| b.last().is_some_and(|t| t == to))?;
        let at = on.iter().position(|c| c == from)?;
        Some(on.len() - 1 - at)
    }

    fn put_branch(&self, branch: &str, at: &str, _keep: Option<&str>) -> Result<(), GitError> {
        let mut w = self.world();
        let b = w.branches.entry(branch.into()).or_default();
        if let Some(i) = b.iter().position(|c| c == at) {
            b.truncate(i + 1);
        }
        Ok(())
    }

    fn uncommitted_paths(&self, _worktree: &Path) -> Result<Vec<String>, GitError> {
        Ok(Vec::new())
    }

    fn predict_conflicts(&self, _a: &str, _b: &str) -> Result<Vec<String>, GitError> {
        Ok(Vec::new())
    }

    fn watch(&self, _on_move: OnChange) -> Option<Guard> {
        None
    }

    /// The target's commits, then the branch's own, then a merge commit; or the conflict the
    /// test scripted for the branch.
    fn land_merge(
        &self,
        _wt: &Path,
        into: &str,
        branch: &str,
        _style: MergeStyle,
        _message: &str,
    ) -> Result<Merged, GitError> {
        let mut w = self.world();
        let target = w.branches.get(into).cloned().unwrap_or_default();
        let from = target.last().cloned().unwrap_or_default();
        if let Some(files) = w.land_conflicts.remove(branch) {
            return Ok(Merged {
                from,
                to: None,
                conflicts: files,
                hunks: "<<<<<<< ours".into(),
            });
        }
        let own: Vec<String> = w
            .branches
            .get(branch)
            .into_iter()
            .flatten()
            .filter(|c| !target.contains(c))
            .cloned()
            .collect();
        let mut merged = target;
        merged.extend(own);
        merged.push(format!("land-{branch}-{}", w.branches.len()));
        let to = merged.last().cloned();
        w.branches
            .insert(format!("merged/{}", to.clone().unwrap_or_default()), merged);
        Ok(Merged {
            from,
            to,
            conflicts: Vec::new(),
            hunks: String::new(),
        })
    }

    fn landed_touching(
        &self,
        _branch: &str,
        _files: &[String],
        landed: &[(String, String, String)],
    ) -> Vec<String> {
        landed.iter().map(|(t, _, _)| t.clone()).collect()
    }

    fn move_target(&self, into: &str, from: &str, to: &str) -> Result<Moved, GitError> {
        let mut w = self.world();
        let now = w
            .branches
            .get(into)
            .and_then(|b| b.last().cloned())
            .unwrap_or_default();
        if now == to {
            return Ok(Moved::Done);
        }
        if now != from {
            return Ok(Moved::Stale(now));
        }
        let merged = w
            .branches
            .get(&format!("merged/{to}"))
            .cloned()
            .unwrap_or_default();
        w.branches.insert(into.into(), merged);
        Ok(Moved::Done)
    }

    fn delete_branch(&self, branch: &str) -> Result<bool, GitError> {
        let mut w = self.world();
        if w.worktrees.values().any(|b| b.as_deref() == Some(branch)) {
            return Ok(false);
        }
        Ok(w.branches.remove(branch).is_some())
    }
}

/// Pull requests on the fake forge: opened ones are recorded, each look takes the next scripted
/// answer (open when none is left).
impl crate::engine::ports::PullRequests for Fakes {
    fn open(&self, branch: &str, into: &str, title: &str, _body: &str) -> Result<String, String> {
        let mut w = self.world();
        w.prs_opened
            .push((branch.into(), into.into(), title.into()));
        Ok(format!("https://forge.test/pr/{}", w.prs_opened.len()))
    }

    fn view(&self, _url: &str) -> crate::core::observation::PrStatus {
        let mut w = self.world();
        w.pr_answers
            .pop_front()
            .unwrap_or(crate::core::observation::PrStatus::Open)
    }
}
