//! Reading a store without touching it, for `czar doctor`: no folder or file is created (not
//! even SQLite's -wal and -shm) and no mode is tightened, so what the doctor reports is what it
//! found.

use super::{Store, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

impl Store {
    /// Opens an existing store only to read it: no folder or file is created and no mode is
    /// changed, so `czar doctor` reports what it finds instead of quietly fixing it. `None`
    /// when there is no store yet.
    pub fn open_read_only(state_dir: &Path) -> Result<Option<Store>, StoreError> {
        let path = state_dir.join("czar.db");
        if !path.is_file() {
            return Ok(None);
        }
        let sql = |source| StoreError::Sql {
            path: path.clone(),
            source,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        // Without a write-ahead log every change is in the db itself: read it as immutable, or
        // SQLite would create the -wal and -shm files even for a read-only connection. With one
        // (a czar runs, or was killed), its changes must be read too.
        let mut wal = path.clone().into_os_string();
        wal.push("-wal");
        let conn = match path.to_str().filter(|_| !Path::new(&wal).exists()) {
            Some(p) => {
                Connection::open_with_flags(format!("file:{}?immutable=1", uri_path(p)), flags)
            }
            None => Connection::open_with_flags(&path, flags),
        }
        .map_err(sql)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(sql)?;
        Ok(Some(Store { conn, path }))
    }
}

/// `path` for a `file:` URI: every byte but the plain ones percent-encoded.
fn uri_path(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::Worker;

    #[test]
    fn a_store_is_read_as_it_is_with_or_without_its_log_and_nothing_is_made() {
        let tmp = tempfile::tempdir().unwrap();
        // Characters a URI would take for its own.
        let dir = tmp.path().join("state a?b#c%d");
        assert!(Store::open_read_only(&dir).unwrap().is_none());
        assert!(!dir.exists(), "a folder was made");
        let mut store = Store::open(&dir).unwrap();
        let w = Worker {
            id: 3,
            session: "p-worker-3".into(),
            live: true,
            ..Worker::default()
        };
        store
            .commit_step(&crate::adapters::store::Step {
                now: 1,
                tasks: &[],
                workers: &[&w],
                events: &[],
                inbox_taken: &[],
            })
            .unwrap();
        // The writer still open: its changes are in the log.
        let read = Store::open_read_only(&dir).unwrap().unwrap();
        assert_eq!(read.load().unwrap().1[&3].session, "p-worker-3");
        drop(read);
        drop(store);
        // Closed: the log went into the db and is gone.
        let names = || {
            let mut n: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            n.sort();
            n
        };
        let before = names();
        assert!(!before.iter().any(|n| n.ends_with("-wal")), "{before:?}");
        let read = Store::open_read_only(&dir).unwrap().unwrap();
        assert!(read.load().unwrap().1[&3].live);
        drop(read);
        assert_eq!(names(), before, "reading made files");
    }

    #[test]
    fn uri_paths_keep_only_plain_bytes() {
        assert_eq!(uri_path("/a b/c?d#e%f"), "/a%20b/c%3Fd%23e%25f");
        assert_eq!(uri_path("/x/é"), "/x/%C3%A9");
    }
}
