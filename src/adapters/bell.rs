//! A file workers touch to say "look now". `czar done`, `czar report` and `czar hook` ring it
//! after writing to the inbox, so the engine takes their signals at once rather than at its next
//! poll (half a second by default): an agent's own hook is the strongest sign of what it does,
//! and the latest to arrive it should not be.

use std::path::{Path, PathBuf};

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

#[derive(Debug, thiserror::Error)]
#[error("cannot listen for signals at {path}: {source}")]
pub struct BellError {
    path: PathBuf,
    source: notify::Error,
}

pub struct Bell {
    path: PathBuf,
}

/// Stops listening when dropped.
pub struct Listener {
    _watcher: RecommendedWatcher,
}

impl Bell {
    pub fn in_dir(state_dir: &Path) -> Bell {
        Bell {
            path: state_dir.join("inbox.bell"),
        }
    }

    /// Best effort: the listener polls the inbox all the same, so a bell that cannot ring only
    /// delays a signal.
    pub fn ring(&self) {
        // Written, not just touched: a write is an event on every platform notify serves.
        if let Err(e) = super::private::write(&self.path, b"ring\n") {
            tracing::debug!("could not ring {}: {e}", self.path.display());
        }
    }

    /// Calls `on_ring` (on notify's thread) whenever the bell rings; several rings may arrive as
    /// one call or one as several.
    pub fn listen(&self, on_ring: impl Fn() + Send + 'static) -> Result<Listener, BellError> {
        let err = |source| BellError {
            path: self.path.clone(),
            source,
        };
        if !self.path.exists() {
            super::private::write(&self.path, b"").map_err(|e| err(notify::Error::io(e)))?;
        }
        let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            if res.is_ok_and(|e| matches!(e.kind, EventKind::Modify(_) | EventKind::Create(_))) {
                on_ring();
            }
        })
        .map_err(err)?;
        watcher
            .watch(&self.path, RecursiveMode::NonRecursive)
            .map_err(err)?;
        Ok(Listener { _watcher: watcher })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn a_ring_from_another_handle_reaches_the_listener() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, rx) = mpsc::channel();
        let _listening = Bell::in_dir(dir.path())
            .listen(move || {
                let _ = tx.send(());
            })
            .unwrap();
        assert!(
            rx.recv_timeout(Duration::from_millis(200)).is_err(),
            "rang by itself"
        );
        // `czar done` in a worker's worktree: another process, its own handle.
        Bell::in_dir(dir.path()).ring();
        assert!(
            rx.recv_timeout(Duration::from_secs(5)).is_ok(),
            "no ring heard"
        );
        while rx.recv_timeout(Duration::from_millis(200)).is_ok() {}
        Bell::in_dir(dir.path()).ring();
        assert!(
            rx.recv_timeout(Duration::from_secs(5)).is_ok(),
            "second ring not heard"
        );
    }

    #[test]
    fn ringing_where_nobody_can_listen_does_nothing_and_listening_there_says_where() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("no-such-dir");
        Bell::in_dir(&gone).ring();
        let err = Bell::in_dir(&gone).listen(|| {}).err().unwrap();
        assert!(err.to_string().contains("inbox.bell"), "{err}");
    }
}
