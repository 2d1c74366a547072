use std::ffi::OsStr;
use std::path::{Component, Path};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use super::canonical;
use super::error::GitError;

type SharedWatcher = Arc<Mutex<Option<RecommendedWatcher>>>;

/// Watches the refs czar cares about; stops (and stops calling back) when dropped.
pub struct RefWatcher {
    watcher: SharedWatcher,
    thread: Option<JoinHandle<()>>,
}

impl Drop for RefWatcher {
    fn drop(&mut self) {
        // Dropping the notify watcher drops its event sender, which ends the dispatch thread.
        let watcher = self
            .watcher
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        drop(watcher);
        if let Some(thread) = self.thread.take() {
            // A callback that drops its own watcher must not wait for itself.
            if thread.thread().id() != thread::current().id() {
                let _ = thread.join();
            }
        }
    }
}

/// Calls `on_change` whenever a branch (refs/heads, including czar/), packed-refs, the main HEAD
/// or a linked worktree's HEAD may have changed. Events are hints: several may arrive for one
/// change, and debouncing is the caller's job.
pub fn watch_refs(
    git_dir: &Path,
    on_change: impl Fn() + Send + 'static,
) -> Result<RefWatcher, GitError> {
    let git_dir = canonical(git_dir)?;
    let (tx, rx) = mpsc::channel();
    let watch_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| GitError::Watch { path, source }
    };
    let mut watcher = notify::recommended_watcher(tx).map_err(watch_err(&git_dir))?;
    // Non-recursive on the git dir: HEAD and packed-refs live there, and objects/ would cost
    // hundreds of inotify watches for nothing.
    watcher
        .watch(&git_dir, RecursiveMode::NonRecursive)
        .map_err(watch_err(&git_dir))?;
    let heads = git_dir.join("refs").join("heads");
    watcher
        .watch(&heads, RecursiveMode::Recursive)
        .map_err(watch_err(&heads))?;
    let worktrees = git_dir.join("worktrees");
    if worktrees.is_dir() {
        watcher
            .watch(&worktrees, RecursiveMode::Recursive)
            .map_err(watch_err(&worktrees))?;
    }
    let watcher: SharedWatcher = Arc::new(Mutex::new(Some(watcher)));
    let shared = Arc::clone(&watcher);
    let thread = thread::Builder::new()
        .name("czar-git-refs".into())
        .spawn(move || dispatch(&git_dir, &rx, &shared, on_change))
        .map_err(|e| {
            super::error::io_error("cannot start the ref watcher thread for", &heads, e)
        })?;
    Ok(RefWatcher {
        watcher,
        thread: Some(thread),
    })
}

/// Runs on our own thread rather than notify's: adding a watch from inside notify's handler
/// would wait on notify's own event loop.
fn dispatch(
    git_dir: &Path,
    rx: &Receiver<notify::Result<Event>>,
    watcher: &SharedWatcher,
    on_change: impl Fn(),
) {
    let worktrees = git_dir.join("worktrees");
    while let Ok(result) = rx.recv() {
        let event = match result {
            Ok(event) => event,
            Err(error) => {
                // Overflow and similar errors mean events were lost: refresh to be safe.
                tracing::warn!(%error, "ref watcher error");
                on_change();
                continue;
            }
        };
        if matches!(event.kind, EventKind::Access(_)) {
            continue;
        }
        if !event.paths.iter().any(|p| is_relevant(git_dir, p)) {
            continue;
        }
        // The first linked worktree creates worktrees/ after we started: watch it from now on.
        if event.kind.is_create() && event.paths.iter().any(|p| p == &worktrees) {
            let mut guard = watcher
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(w) = guard.as_mut()
                && let Err(error) = w.watch(&worktrees, RecursiveMode::Recursive)
            {
                tracing::warn!(%error, "cannot watch {}", worktrees.display());
            }
        }
        on_change();
    }
}

/// Whether a path under the git dir can change what a branch or a worktree HEAD points at.
fn is_relevant(git_dir: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(git_dir) else {
        return false;
    };
    let parts: Vec<&OsStr> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part),
            _ => None,
        })
        .collect();
    let is = |part: &OsStr, name: &str| part == OsStr::new(name);
    match parts.as_slice() {
        [file] => is(file, "HEAD") || is(file, "packed-refs") || is(file, "worktrees"),
        [refs, heads, ..] if is(refs, "refs") && is(heads, "heads") => true,
        [dir, _name] => is(dir, "worktrees"),
        [dir, _name, file] => is(dir, "worktrees") && is(file, "HEAD"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_relevant;
    use std::path::Path;

    #[test]
    fn relevant_paths() {
        let g = Path::new("/r/.git");
        for p in [
            "/r/.git/HEAD",
            "/r/.git/packed-refs",
            "/r/.git/refs/heads/main",
            "/r/.git/refs/heads/czar/fix-login",
            "/r/.git/worktrees",
            "/r/.git/worktrees/w1",
            "/r/.git/worktrees/w1/HEAD",
        ] {
            assert!(is_relevant(g, Path::new(p)), "{p} should be relevant");
        }
        for p in [
            "/r/.git/index",
            "/r/.git/HEAD.lock",
            "/r/.git/ORIG_HEAD",
            "/r/.git/refs/tags/v1",
            "/r/.git/worktrees/w1/index",
            "/r/.git/worktrees/w1/logs/HEAD",
            "/r/.git/objects/ab/cdef",
            "/other/.git/HEAD",
        ] {
            assert!(!is_relevant(g, Path::new(p)), "{p} should be ignored");
        }
    }
}
