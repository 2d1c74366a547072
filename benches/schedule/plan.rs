//! The demo's task plan as the run's own task files say it (not a copy of `czar demo`'s code,
//! so the bench stays right for whichever binary wrote them): each task's planned duration
//! (its `sim: duration=`), what it needs and whether it has a verify; and from them the two
//! bounds a makespan is held against.

use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone)]
pub struct Planned {
    pub duration_ms: u64,
    pub needs: Vec<String>,
    pub verify: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub tasks: BTreeMap<String, Planned>,
}

impl Plan {
    /// Reads the tasks with czar's own loader and the sim's own directive parser.
    pub fn load(tasks_dir: &Path) -> Plan {
        let set = czar::tasks::load_dir(tasks_dir, &["sim"]);
        assert!(
            set.errors.is_empty(),
            "the demo's task files do not load: {:?}",
            set.errors_by_file()
        );
        let tasks = set
            .tasks
            .into_iter()
            .map(|t| {
                let planned = Planned {
                    duration_ms: czar::sim_agent::parse_plan(&t.body).duration.as_millis() as u64,
                    needs: t.needs,
                    verify: t.verify.is_some(),
                };
                (t.id, planned)
            })
            .collect();
        Plan { tasks }
    }

    /// The sum of the planned durations over the workers: the makespan with every worker busy
    /// from the first moment to the last and no time between tasks.
    pub fn ideal_ms(&self, workers: usize) -> u64 {
        let sum: u64 = self.tasks.values().map(|t| t.duration_ms).sum();
        sum / workers.max(1) as u64
    }

    /// The longest chain of planned durations through `needs`: no number of workers makes the
    /// run shorter. The loader refuses cycles, so the recursion ends.
    pub fn critical_path_ms(&self) -> u64 {
        let mut memo = BTreeMap::new();
        self.tasks
            .keys()
            .map(|id| self.chain_ms(id, &mut memo))
            .max()
            .unwrap_or(0)
    }

    fn chain_ms(&self, id: &str, memo: &mut BTreeMap<String, u64>) -> u64 {
        if let Some(&ms) = memo.get(id) {
            return ms;
        }
        let Some(t) = self.tasks.get(id) else {
            return 0;
        };
        let before = t
            .needs
            .iter()
            .map(|n| self.chain_ms(n, memo))
            .max()
            .unwrap_or(0);
        let ms = before + t.duration_ms;
        memo.insert(id.to_string(), ms);
        ms
    }
}
