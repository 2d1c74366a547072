//! Lock files a killed process left behind. Git's locks are plain files (`index.lock`,
//! `HEAD.lock`, `refs/heads/<branch>.lock`), no kernel lock: a czar killed while libgit2 wrote a
//! worktree's index leaves `index.lock`, and every later write there fails with "the index is
//! locked" until someone removes it. One older than any git operation takes is nobody's.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Older than this, a lock is taken as left by a process that died: git holds its locks for the
/// moment of a write.
pub const STALE: Duration = Duration::from_secs(10);

/// The lock of a branch that does not exist yet is stale sooner: only czar makes its task
/// branches, one czar per repository, so such a lock is a killed czar's. Waiting the full
/// [`STALE`] there let a restarted czar spend a task's every attempt on it within seconds.
pub const STALE_NEW_BRANCH: Duration = Duration::from_secs(2);

/// Removes those of `locks` older than [`STALE`]; returns the ones removed.
pub(super) fn clear_stale(locks: &[PathBuf]) -> Vec<PathBuf> {
    clear_older(locks, STALE)
}

/// Removes those of `locks` older than `stale`; returns the ones removed.
pub(super) fn clear_older(locks: &[PathBuf], stale: Duration) -> Vec<PathBuf> {
    let now = SystemTime::now();
    locks
        .iter()
        .filter(|lock| {
            let age = std::fs::symlink_metadata(lock)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| now.duration_since(t).ok());
            age.is_some_and(|a| a >= stale) && std::fs::remove_file(lock).is_ok()
        })
        .inspect(|lock| {
            tracing::warn!(
                "removed {}: a git lock older than {}s, left by a process that died mid-write",
                lock.display(),
                stale.as_secs()
            )
        })
        .cloned()
        .collect()
}

/// The locks a write to a linked worktree can meet: its own index and HEAD (in its git dir).
pub(super) fn of_worktree(git_dir: &Path) -> Vec<PathBuf> {
    ["index.lock", "HEAD.lock"]
        .iter()
        .map(|f| git_dir.join(f))
        .collect()
}

/// The lock of a branch's ref, in the repository's common git dir.
pub(super) fn of_branch(common_dir: &Path, branch: &str) -> PathBuf {
    common_dir.join("refs/heads").join(format!("{branch}.lock"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_lock_older_than_any_git_write_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("index.lock");
        let old = dir.path().join("HEAD.lock");
        std::fs::write(&fresh, "").unwrap();
        std::fs::write(&old, "").unwrap();
        let then = SystemTime::now() - STALE - Duration::from_secs(1);
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(then)
            .unwrap();
        let gone = clear_stale(&[fresh.clone(), old.clone(), dir.path().join("none.lock")]);
        assert_eq!(gone, vec![old.clone()]);
        assert!(fresh.exists() && !old.exists());
    }
}
