//! File claims: a worker declares the files it is about to change (`czar claim <paths>`); a
//! claim another worker holds for its current task is refused, naming the holder.

use super::store::{Store, StoreError};
use crate::core::model::WorkerId;
use rusqlite::params;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Claim {
    pub path: String,
    pub worker: WorkerId,
    pub task: String,
}

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS claims (path TEXT PRIMARY KEY, worker INTEGER NOT NULL, task TEXT NOT NULL, at INTEGER NOT NULL);";

impl Store {
    /// Claims `paths` for `worker` on `task`, all or nothing. A claim only binds while its holder
    /// still works on the task it was made for, so finished work frees its files by itself.
    /// Returns the claims that stood in the way (empty on success).
    pub fn claim(
        &mut self,
        worker: WorkerId,
        task: &str,
        paths: &[String],
        now: u64,
    ) -> Result<Vec<Claim>, StoreError> {
        let (_, workers) = self.load()?;
        let holds = |w: WorkerId, t: &str| {
            workers
                .get(&w)
                .is_some_and(|wk| wk.task.as_deref() == Some(t))
        };
        let path = self.path().to_path_buf();
        let sql = |source| StoreError::Sql {
            path: path.clone(),
            source,
        };
        let tx = self.conn_mut().transaction().map_err(sql)?;
        tx.execute_batch(SCHEMA).map_err(sql)?;
        let mut blocking = Vec::new();
        for p in paths {
            let held: Option<(u32, String)> = tx
                .query_row(
                    "SELECT worker, task FROM claims WHERE path = ?1",
                    params![p],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .ok();
            if let Some((w, t)) = held
                && w != worker
                && holds(w, &t)
            {
                blocking.push(Claim {
                    path: p.clone(),
                    worker: w,
                    task: t,
                });
            }
        }
        if !blocking.is_empty() {
            return Ok(blocking);
        }
        for p in paths {
            tx.execute(
                "INSERT INTO claims (path, worker, task, at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(path) DO UPDATE SET worker = ?2, task = ?3, at = ?4",
                params![p, worker, task, now as i64],
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
        Ok(Vec::new())
    }

    /// Every claim on record (callers decide which still bind).
    pub fn claims(&self) -> Result<Vec<Claim>, StoreError> {
        let path = self.path().to_path_buf();
        let sql = |source| StoreError::Sql {
            path: path.clone(),
            source,
        };
        let conn = self.conn();
        conn.execute_batch(SCHEMA).map_err(sql)?;
        let mut stmt = conn
            .prepare("SELECT path, worker, task FROM claims ORDER BY path")
            .map_err(sql)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Claim {
                    path: r.get(0)?,
                    worker: r.get(1)?,
                    task: r.get(2)?,
                })
            })
            .map_err(sql)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::store::Step;
    use crate::core::model::Worker;

    fn holding(store: &mut Store, id: u32, task: Option<&str>) {
        let w = Worker {
            id,
            task: task.map(str::to_string),
            ..Worker::default()
        };
        store
            .commit_step(&Step {
                now: 0,
                tasks: &[],
                workers: &[&w],
                events: &[],
                inbox_taken: &[],
            })
            .unwrap();
    }

    #[test]
    fn a_held_claim_is_refused_naming_the_holder_until_its_task_ends() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        holding(&mut store, 1, Some("a"));
        holding(&mut store, 2, Some("b"));
        let paths = vec!["src/x.rs".to_string()];
        assert!(store.claim(1, "a", &paths, 1).unwrap().is_empty());
        let refused = store
            .claim(2, "b", &["src/y.rs".into(), "src/x.rs".into()], 2)
            .unwrap();
        assert_eq!(
            refused,
            vec![Claim {
                path: "src/x.rs".into(),
                worker: 1,
                task: "a".into()
            }]
        );
        assert_eq!(store.claims().unwrap().len(), 1, "all or nothing");
        holding(&mut store, 1, None);
        assert!(
            store.claim(2, "b", &paths, 3).unwrap().is_empty(),
            "a finished task frees its claims"
        );
    }
}
