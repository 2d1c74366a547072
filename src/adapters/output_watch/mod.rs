//! Which panes printed something, learned from their output logs growing: `czar pane-log`, the
//! process each pane runs its agent under, copies every byte the agent prints into its worker's
//! log, and the kernel tells us when a file grows. So a quiet fleet costs no tmux command at all,
//! and a pane that prints is known within milliseconds instead of at the next poll.
//!
//! What the czar needs from each write is little: that a pane printed since its screen was last
//! read, and when it last printed. The first comes from one event per reading (on Linux a
//! one-shot inotify watch, armed again when the screen is read: a pane that streams a hundred
//! writes a second costs one event, not a hundred); the second from the log's modification time,
//! looked at only when it matters (see [`Outputs::refresh`]). Elsewhere `notify` reports every
//! write.

mod every_write;
#[cfg(target_os = "linux")]
mod oneshot;

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::UNIX_EPOCH;

/// When a pane last printed, and since when it has printed unread output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Output {
    /// The latest output known (ms since the epoch); it may lag until [`Outputs::refresh`].
    pub last: u64,
    /// Set by new output, cleared when the czar reads the screen.
    pub unread_since: Option<u64>,
}

/// Where the logs are and how their files are named.
#[derive(Clone, Copy)]
pub struct LogNames<'a> {
    pub dir: &'a Path,
    /// The worker whose log a file name is, if any.
    pub worker_of: fn(&OsStr) -> Option<u32>,
    /// The file name of a worker's log.
    pub file_of: fn(u32) -> String,
}

/// Asks for the next write to a worker's log to be reported (one-shot watchers).
type Rearm = Box<dyn Fn(u32) + Send + Sync>;

/// What `Outputs` needs of a running watcher.
struct Logs {
    dir: PathBuf,
    file_of: fn(u32) -> String,
    rearm: Option<Rearm>,
}

/// Shared between the watcher (which marks) and the engine (which reads and clears).
#[derive(Default)]
pub struct Outputs {
    panes: Mutex<HashMap<u32, Output>>,
    /// Woken only when a pane goes from read to unread: a pane that streams wakes nobody.
    wake: tokio::sync::Notify,
    logs: OnceLock<Logs>,
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

    /// The screen is about to be read: output before this moment is no longer unread, and the
    /// next write is reported again.
    pub fn read(&self, id: u32) {
        if let Some(o) = self.panes().get_mut(&id) {
            o.unread_since = None;
        }
        // Armed before the screen is captured, so a write between the two is not lost: at
        // worst it costs one more reading.
        if let Some(rearm) = self.logs.get().and_then(|l| l.rearm.as_ref()) {
            rearm(id);
        }
    }

    pub fn get(&self, id: u32) -> Output {
        self.panes().get(&id).copied().unwrap_or_default()
    }

    /// As [`Outputs::get`], with `last` brought up to the log's modification time: a one-shot
    /// watcher hears of the first write after a reading only, so whether a busy pane has fallen
    /// quiet is asked of the file when it looks due.
    pub fn refresh(&self, id: u32) -> Output {
        let modified = self.logs.get().and_then(|l| {
            let m = std::fs::metadata(l.dir.join((l.file_of)(id))).ok()?;
            let at = m.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
            Some(at.as_millis() as u64)
        });
        let mut panes = self.panes();
        let o = panes.entry(id).or_default();
        if let Some(m) = modified {
            o.last = o.last.max(m);
        }
        *o
    }

    /// The panes with unread output (for a node, which tells its czar of each).
    pub fn unread(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = self
            .panes()
            .iter()
            .filter(|(_, o)| o.unread_since.is_some())
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Resolves when some pane has new unread output.
    pub async fn changed(&self) {
        self.wake.notified().await;
    }
}

/// Watches a folder of output logs until dropped.
pub enum OutputWatch {
    EveryWrite(every_write::Watch),
    #[cfg(target_os = "linux")]
    Oneshot(oneshot::Watch),
}

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("outputs are already watched")]
    AlreadyWatched,
    #[error(transparent)]
    Notify(#[from] notify::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Marks `outputs` whenever a worker's log in `names.dir` grows: one event per reading on Linux
/// (needs a tokio runtime), every write elsewhere.
pub fn watch(names: LogNames, outputs: Arc<Outputs>) -> Result<OutputWatch, WatchError> {
    #[cfg(target_os = "linux")]
    {
        let (w, rearm) = oneshot::watch(names, Arc::clone(&outputs))?;
        install(&outputs, names, Some(rearm))?;
        Ok(OutputWatch::Oneshot(w))
    }
    #[cfg(not(target_os = "linux"))]
    watch_every_write(names, outputs)
}

/// The portable watcher: `notify` reports every write to every log.
pub fn watch_every_write(
    names: LogNames,
    outputs: Arc<Outputs>,
) -> Result<OutputWatch, WatchError> {
    install(&outputs, names, None)?;
    Ok(OutputWatch::EveryWrite(every_write::watch(names, outputs)?))
}

fn install(outputs: &Outputs, names: LogNames, rearm: Option<Rearm>) -> Result<(), WatchError> {
    outputs
        .logs
        .set(Logs {
            dir: names.dir.to_path_buf(),
            file_of: names.file_of,
            rearm,
        })
        .map_err(|_| WatchError::AlreadyWatched)
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests;
