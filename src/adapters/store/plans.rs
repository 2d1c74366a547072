//! Plans (`czar plan`): a goal, its id and when it was made. The tasks a plan's planner adds
//! carry its id in their own records; here is only what the plan itself is.

use super::{Store, StoreError};
use crate::core::model::Plan;
use rusqlite::{OptionalExtension, params};

impl Store {
    /// Records a new plan; an id already taken is refused (the caller picks another).
    pub fn add_plan(&self, plan: &Plan) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute(
                "INSERT OR IGNORE INTO plans (id, goal, created) VALUES (?1, ?2, ?3)",
                params![plan.id, plan.goal, plan.created as i64],
            )
            .map_err(|e| self.sql(e))?;
        Ok(n == 1)
    }

    /// Every plan, oldest first. A store made before plans existed (opened read-only, so not
    /// brought up to date) has none.
    pub fn plans(&self) -> Result<Vec<Plan>, StoreError> {
        let table: Option<String> = self
            .conn()
            .query_row(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'plans'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        if table.is_none() {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn()
            .prepare("SELECT id, goal, created FROM plans ORDER BY created, id")
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Plan {
                    id: r.get(0)?,
                    goal: r.get(1)?,
                    created: r.get::<_, i64>(2)? as u64,
                })
            })
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.sql(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_are_kept_and_an_id_is_taken_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let plan = Plan {
            id: "p1".into(),
            goal: "Add a flag".into(),
            created: 5,
        };
        assert!(store.add_plan(&plan).unwrap());
        let again = Plan {
            goal: "other".into(),
            ..plan.clone()
        };
        assert!(!store.add_plan(&again).unwrap());
        assert_eq!(store.plans().unwrap(), vec![plan]);
    }
}
