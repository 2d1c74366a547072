//! The state store: one SQLite file under the state folder (WAL). It mirrors the model so a
//! restarted czar resumes where the last one stopped, keeps the event log, and is the inbox for
//! signals workers send from their worktrees (`czar done`, `czar report`).

use crate::core::command::Event;
use crate::core::model::{Task, Worker, WorkerId};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod inbox;
mod plans;
mod read_only;
mod signals;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("state store {path}: {source}")]
    Sql {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("state store {path}: record {key} is unreadable: {source}")]
    Corrupt {
        path: PathBuf,
        key: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("state folder {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Tasks and workers as the last czar left them.
pub type Saved = (BTreeMap<String, Task>, BTreeMap<WorkerId, Worker>);

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// One row of the event log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EventRow {
    pub seq: i64,
    pub at: u64,
    pub worker: Option<WorkerId>,
    pub task: Option<String>,
    pub kind: String,
    pub detail: String,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tasks (id TEXT PRIMARY KEY, state TEXT NOT NULL, worker INTEGER, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS workers (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
  worker INTEGER, task TEXT, kind TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
  worker INTEGER NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, taken INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS plans (id TEXT PRIMARY KEY, goal TEXT NOT NULL, created INTEGER NOT NULL);
";

impl Store {
    /// Opens (or creates) the store, private to the user: a worker's `czar done` may be the
    /// first to create it.
    pub fn open(state_dir: &Path) -> Result<Store, StoreError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { path, source }
        };
        super::private::dir(state_dir).map_err(io(state_dir))?;
        let path = state_dir.join("czar.db");
        // SQLite creates the -wal and -shm files with the db's mode: the db comes first, 0600.
        super::private::touch(&path).map_err(io(&path))?;
        let sql = |source| StoreError::Sql {
            path: path.clone(),
            source,
        };
        let conn = Connection::open(&path).map_err(sql)?;
        // Workers write to the inbox while the czar writes state: wait for the lock, don't fail.
        conn.busy_timeout(Duration::from_secs(10)).map_err(sql)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sql)?;
        conn.execute_batch(SCHEMA).map_err(sql)?;
        // Left looser by an older czar: SQLite keeps the mode of files it finds.
        for suffix in ["-wal", "-shm"] {
            let mut side = path.clone().into_os_string();
            side.push(suffix);
            let side = PathBuf::from(side);
            super::private::tighten_file(&side).map_err(io(&side))?;
        }
        Ok(Store { conn, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(super) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    fn sql(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sql {
            path: self.path.clone(),
            source,
        }
    }

    pub fn load(&self) -> Result<Saved, StoreError> {
        let mut tasks = BTreeMap::new();
        for (key, data) in self.rows("SELECT id, data FROM tasks")? {
            let t: Task =
                serde_json::from_str(&data).map_err(|source| self.corrupt(&key, source))?;
            tasks.insert(t.def.id.clone(), t);
        }
        let mut workers = BTreeMap::new();
        for (key, data) in self.rows("SELECT CAST(id AS TEXT), data FROM workers")? {
            let w: Worker =
                serde_json::from_str(&data).map_err(|source| self.corrupt(&key, source))?;
            workers.insert(w.id, w);
        }
        Ok((tasks, workers))
    }

    fn corrupt(&self, key: &str, source: serde_json::Error) -> StoreError {
        StoreError::Corrupt {
            path: self.path.clone(),
            key: key.to_string(),
            source,
        }
    }

    fn rows(&self, query: &str) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self.conn.prepare(query).map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.sql(e))
    }

    /// Deletes these workers' records.
    pub fn forget_workers(&mut self, ids: &[u32]) -> Result<(), StoreError> {
        for id in ids {
            self.conn
                .execute("DELETE FROM workers WHERE id = ?1", params![id])
                .map_err(|e| self.sql(e))?;
        }
        Ok(())
    }

    /// Writes the changed records, the new events and the inbox rows now handled, all in one
    /// transaction: after a crash the store holds either all of a step or none of it.
    pub fn commit_step(&mut self, step: &Step<'_>) -> Result<(), StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::Sql {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        for t in step.tasks {
            let data = serde_json::to_string(t).map_err(|source| StoreError::Corrupt {
                path: path.clone(),
                key: t.def.id.clone(),
                source,
            })?;
            tx.execute(
                "INSERT INTO tasks (id, state, worker, data) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(id) DO UPDATE SET state = ?2, worker = ?3, data = ?4",
                params![t.def.id, t.state.as_str(), t.worker, data],
            )
            .map_err(sql)?;
        }
        for w in step.workers {
            let data = serde_json::to_string(w).map_err(|source| StoreError::Corrupt {
                path: path.clone(),
                key: w.id.to_string(),
                source,
            })?;
            tx.execute(
                "INSERT INTO workers (id, data) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET data = ?2",
                params![w.id, data],
            )
            .map_err(sql)?;
        }
        for e in step.events {
            tx.execute(
                "INSERT INTO events (at, worker, task, kind, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![step.now as i64, e.worker, e.task, e.kind.as_str(), e.detail],
            )
            .map_err(sql)?;
        }
        for seq in step.inbox_taken {
            tx.execute("UPDATE inbox SET taken = 1 WHERE seq = ?1", params![seq])
                .map_err(sql)?;
        }
        tx.commit().map_err(sql)
    }

    pub fn events(&self, limit: usize) -> Result<Vec<EventRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, at, worker, task, kind, detail FROM events ORDER BY seq DESC LIMIT ?1",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(params![limit as i64], |r| {
                Ok(EventRow {
                    seq: r.get(0)?,
                    at: r.get::<_, i64>(1)? as u64,
                    worker: r.get(2)?,
                    task: r.get(3)?,
                    kind: r.get(4)?,
                    detail: r.get(5)?,
                })
            })
            .map_err(|e| self.sql(e))?;
        let mut out: Vec<EventRow> = rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))?;
        out.reverse();
        Ok(out)
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.sql(e))
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2",
                params![key, value],
            )
            .map(|_| ())
            .map_err(|e| self.sql(e))
    }
}

/// What one engine step changed.
pub struct Step<'a> {
    pub now: u64,
    pub tasks: &'a [&'a Task],
    pub workers: &'a [&'a Worker],
    pub events: &'a [Event],
    pub inbox_taken: &'a [i64],
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{TaskDef, TaskState};
    use crate::core::observation::Signal;

    #[test]
    fn a_step_round_trips_and_signals_are_taken_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let mut t = Task::new(
            TaskDef {
                id: "a".into(),
                body: "x \"y\" $(z)".into(),
                ..TaskDef::default()
            },
            5,
        );
        t.state = TaskState::Working;
        t.worker = Some(2);
        let w = Worker {
            id: 2,
            session: "p-worker-2".into(),
            ..Worker::default()
        };
        let done = Signal::Done {
            branch: Some("czar/t".into()),
        };
        store.push_signal(2, &done, 7).unwrap();
        let pending = store.pending_signals().unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].2, done);
        let seqs = [pending[0].0];
        store
            .commit_step(&Step {
                now: 9,
                tasks: &[&t],
                workers: &[&w],
                events: &[],
                inbox_taken: &seqs,
            })
            .unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        let (tasks, workers) = store.load().unwrap();
        assert_eq!(tasks.get("a"), Some(&t));
        assert_eq!(workers.get(&2), Some(&w));
        assert!(store.pending_signals().unwrap().is_empty());
    }

    #[test]
    fn a_forgotten_worker_is_gone_from_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let (w1, w2) = (
            Worker {
                id: 1,
                ..Worker::default()
            },
            Worker {
                id: 2,
                ..Worker::default()
            },
        );
        let step = Step {
            now: 1,
            tasks: &[],
            workers: &[&w1, &w2],
            events: &[],
            inbox_taken: &[],
        };
        store.commit_step(&step).unwrap();
        store.forget_workers(&[1]).unwrap();
        drop(store);
        let (_, workers) = Store::open(dir.path()).unwrap().load().unwrap();
        assert_eq!(workers.keys().copied().collect::<Vec<_>>(), vec![2]);
    }
}
