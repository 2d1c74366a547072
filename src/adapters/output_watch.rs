//! Which panes printed something, learned from their output logs growing: tmux `pipe-pane`
//! copies every byte a pane prints into its worker's log, and the kernel tells us when a file
//! grows. So a quiet fleet costs no tmux command at all, and a pane that prints is known within
//! milliseconds instead of at the next poll.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

/// When a pane last printed, and since when it has printed unread output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Output {
    pub last: u64,
    /// Set by new output, cleared when the czar reads the screen.
    pub unread_since: Option<u64>,
}

/// Shared between the watcher's thread (which marks) and the engine (which reads and clears).
#[derive(Debug, Default)]
pub struct Outputs {
    panes: Mutex<HashMap<u32, Output>>,
    /// Woken only when a pane goes from read to unread: a pane that streams wakes nobody.
    wake: tokio::sync::Notify,
}

impl Outputs {
    fn panes(&self) -> MutexGuard<'_, HashMap<u32, Output>> {
        self.panes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Worker `id`'s pane printed at `now` (ms since the epoch).
    pub fn mark(&self, id: u32, now: u64) {
        let mut panes = self.panes();
        let o = panes.entry(id).or_default();
        o.last = o.last.max(now);
        if o.unread_since.is_none() {
            o.unread_since = Some(now);
            self.wake.notify_one();
        }
    }

    /// The screen is being read now: output before this moment is no longer unread.
    pub fn read(&self, id: u32) {
        if let Some(o) = self.panes().get_mut(&id) {
            o.unread_since = None;
        }
    }

    pub fn get(&self, id: u32) -> Output {
        self.panes().get(&id).copied().unwrap_or_default()
    }

    /// Resolves when some pane has new unread output.
    pub async fn changed(&self) {
        self.wake.notified().await;
    }
}

/// Watches a folder of output logs until dropped.
pub struct OutputWatch {
    _watcher: RecommendedWatcher,
}

/// Marks `outputs` whenever a file in `dir` that `worker_of` names grows.
pub fn watch(
    dir: &Path,
    outputs: Arc<Outputs>,
    worker_of: impl Fn(&OsStr) -> Option<u32> + Send + 'static,
) -> notify::Result<OutputWatch> {
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<Event>| {
        let Ok(event) = res else {
            return;
        };
        if !matches!(event.kind, EventKind::Modify(_) | EventKind::Create(_)) {
            return;
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        for id in event
            .paths
            .iter()
            .filter_map(|p| p.file_name().and_then(&worker_of))
        {
            outputs.mark(id, now);
        }
    })?;
    watcher.watch(dir, RecursiveMode::NonRecursive)?;
    Ok(OutputWatch { _watcher: watcher })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::time::Duration;

    #[test]
    fn marks_wake_once_until_read() {
        let o = Outputs::default();
        o.mark(3, 100);
        o.mark(3, 150);
        assert_eq!(
            o.get(3),
            Output {
                last: 150,
                unread_since: Some(100)
            }
        );
        o.read(3);
        assert_eq!(o.get(3).unread_since, None);
        assert_eq!(o.get(3).last, 150);
        assert_eq!(o.get(9), Output::default());
    }

    #[tokio::test]
    async fn a_growing_log_marks_its_worker_and_other_files_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let outputs = Arc::new(Outputs::default());
        let _w = watch(dir.path(), Arc::clone(&outputs), |name| {
            name.to_str()?
                .strip_prefix("worker-")?
                .strip_suffix(".log")?
                .parse()
                .ok()
        })
        .unwrap();
        let mut other = std::fs::File::create(dir.path().join("czar.log")).unwrap();
        writeln!(other, "not a pane").unwrap();
        let mut log = std::fs::File::create(dir.path().join("worker-7.log")).unwrap();
        writeln!(log, "hello").unwrap();
        tokio::time::timeout(Duration::from_secs(5), outputs.changed())
            .await
            .expect("no wake for a growing log");
        assert!(outputs.get(7).unread_since.is_some());
        assert_eq!(outputs.panes().len(), 1, "only worker logs count");
    }
}
