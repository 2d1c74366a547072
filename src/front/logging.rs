//! tracing goes to a file under the state folder (0600, like everything there), never to the
//! terminal the czar runs in.

use std::path::{Path, PathBuf};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Returns the log's path and a guard that flushes it on drop. `CZAR_LOG` sets the filter
/// (default `info`).
pub fn init(state_dir: &Path) -> std::io::Result<(PathBuf, WorkerGuard)> {
    let dir = state_dir.join("logs");
    crate::adapters::private::dir(&dir)?;
    // Opened here rather than by tracing_appender, which would create it with the umask's mode.
    let file = crate::adapters::private::open_append(&dir.join("czar.log"))?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = EnvFilter::try_from_env("CZAR_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    // A second init (tests, demo runs in one process) keeps the first subscriber; that is fine.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init();
    Ok((dir.join("czar.log"), guard))
}
