//! Linux: one inotify event per reading. Each worker's log has an `IN_ONESHOT` watch, which the
//! kernel removes after the first write it reports; reading the screen arms it again. The folder
//! itself is watched for new logs.

use super::{LogNames, Outputs, Rearm, now_ms};
use futures::StreamExt;
use inotify::{EventMask, Inotify, WatchMask, Watches};
use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

/// Stops the watching task when dropped.
pub struct Watch {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Which worker each armed watch is for, by watch descriptor.
#[derive(Default)]
struct Armed(Mutex<HashMap<i32, u32>>);

impl Armed {
    fn get(&self) -> MutexGuard<'_, HashMap<i32, u32>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

struct Arm {
    watches: Watches,
    dir: PathBuf,
    file_of: fn(u32) -> String,
    armed: Arc<Armed>,
}

impl Arm {
    /// Asks for the next write to worker `id`'s log. A log not created yet is no error: the
    /// folder's watch sees it appear.
    fn arm(&self, id: u32) {
        let path = self.dir.join((self.file_of)(id));
        let mut watches = self.watches.clone();
        match watches.add(&path, WatchMask::MODIFY | WatchMask::ONESHOT) {
            Ok(wd) => {
                self.armed.get().insert(wd.get_watch_descriptor_id(), id);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::debug!("watching {}: {e}", path.display()),
        }
    }
}

/// Starts watching; returns the watch and the function that arms a worker's log again.
pub(super) fn watch(names: LogNames, outputs: Arc<Outputs>) -> std::io::Result<(Watch, Rearm)> {
    let inotify = Inotify::init()?;
    let mut watches = inotify.watches();
    let folder = watches
        .add(names.dir, WatchMask::CREATE | WatchMask::MOVED_TO)?
        .get_watch_descriptor_id();
    let arm = Arc::new(Arm {
        watches,
        dir: names.dir.to_path_buf(),
        file_of: names.file_of,
        armed: Arc::default(),
    });
    let mut events = inotify.into_event_stream(vec![0u8; 4096])?;
    let worker_of = names.worker_of;
    let arm_task = Arc::clone(&arm);
    let task = tokio::spawn(async move {
        while let Some(event) = events.next().await {
            let event = match event {
                Ok(e) => e,
                Err(e) => {
                    tracing::warn!("watching output logs stopped: {e}");
                    return;
                }
            };
            let now = now_ms();
            let wd = event.wd.get_watch_descriptor_id();
            if event.mask.contains(EventMask::Q_OVERFLOW) {
                // Events were lost: any armed log may have printed.
                let ids: Vec<u32> = arm_task.armed.get().values().copied().collect();
                for id in ids {
                    outputs.mark(id, now);
                }
            } else if wd == folder {
                let new_log = event.name.as_deref().and_then(|n: &OsStr| worker_of(n));
                if let Some(id) = new_log {
                    outputs.mark(id, now);
                    arm_task.arm(id);
                }
            } else if event.mask.contains(EventMask::IGNORED) {
                arm_task.armed.get().remove(&wd);
            } else if event.mask.contains(EventMask::MODIFY) {
                let id = arm_task.armed.get().get(&wd).copied();
                if let Some(id) = id {
                    outputs.mark(id, now);
                }
            }
        }
    });
    Ok((Watch { task }, Box::new(move |id| arm.arm(id))))
}
