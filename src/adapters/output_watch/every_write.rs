//! The portable watcher: `notify` (FSEvents, kqueue, inotify...) reports every write to every
//! log in the folder.

use super::{LogNames, Outputs, now_ms};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use std::sync::Arc;

pub struct Watch {
    _watcher: RecommendedWatcher,
}

pub(super) fn watch(names: LogNames, outputs: Arc<Outputs>) -> notify::Result<Watch> {
    let worker_of = names.worker_of;
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<Event>| {
        let Ok(event) = res else {
            return;
        };
        if !matches!(event.kind, EventKind::Modify(_) | EventKind::Create(_)) {
            return;
        }
        let now = now_ms();
        for id in event
            .paths
            .iter()
            .filter_map(|p| p.file_name().and_then(worker_of))
        {
            outputs.mark(id, now);
        }
    })?;
    watcher.watch(names.dir, RecursiveMode::NonRecursive)?;
    Ok(Watch { _watcher: watcher })
}
