//! The landing figures `czar stats` adds: how much landed, how long from done to landed, what
//! the agents resolved, and how fast the queue went.

use crate::adapters::store::EventRow;
use crate::core::model::{Landing, Task, TaskState};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize, PartialEq, Default)]
pub struct LandStats {
    /// Tasks on the target.
    pub landed: usize,
    /// Of the done tasks, the share that landed.
    pub share: Option<f64>,
    /// From a task's first done to its landing, seconds: median and longest.
    pub done_to_landed_p50_secs: Option<f64>,
    pub done_to_landed_max_secs: Option<f64>,
    /// Conflicts met at landing, and those resolved by agents (the task landed after).
    pub conflicts: u32,
    pub conflicts_resolved: u32,
    /// Verify failing on a merged result.
    pub verify_failures_after_merge: u32,
    /// Landings per minute, from the first task done to the last landing.
    pub per_minute: Option<f64>,
    /// The review gate: tasks that had a verdict, those approved at their last, and the
    /// rejections in all (each one a round back with the author).
    pub reviewed: usize,
    pub review_approved: usize,
    pub review_rejections: u32,
}

pub fn compute(tasks: &BTreeMap<String, Task>, events: &[EventRow]) -> Option<LandStats> {
    let records: Vec<(&Task, &crate::core::model::LandRecord)> = tasks
        .values()
        .filter_map(|t| t.land.as_ref().map(|l| (t, l)))
        .collect();
    if records.is_empty() {
        return None;
    }
    let mut waits: Vec<f64> = Vec::new();
    let mut last_landed = 0u64;
    let mut resolved = 0;
    for (_, l) in &records {
        if let Landing::Landed { at, .. } = l.state {
            waits.push(at.saturating_sub(l.queued_at) as f64 / 1000.0);
            last_landed = last_landed.max(at);
            resolved += l.conflicts;
        }
    }
    waits.sort_by(|a, b| a.total_cmp(b));
    let done = tasks
        .values()
        .filter(|t| t.state == TaskState::Done)
        .count();
    let first_done = records.iter().map(|(_, l)| l.queued_at).min().unwrap_or(0);
    let span_min = last_landed.saturating_sub(first_done) as f64 / 60_000.0;
    let count = |kind: &str| events.iter().filter(|e| e.kind == kind).count() as u32;
    let reviews: Vec<&crate::core::model::ReviewRecord> = records
        .iter()
        .filter_map(|(_, l)| l.review.as_ref())
        .filter(|r| r.verdict.is_some())
        .collect();
    Some(LandStats {
        landed: waits.len(),
        share: (done > 0).then(|| waits.len() as f64 / done as f64),
        done_to_landed_p50_secs: waits.get(waits.len() / 2).copied(),
        done_to_landed_max_secs: waits.last().copied(),
        conflicts: count("land_conflict"),
        conflicts_resolved: resolved,
        verify_failures_after_merge: count("land_verify_failed"),
        per_minute: (span_min > 0.0).then(|| waits.len() as f64 / span_min),
        reviewed: reviews.len(),
        review_approved: reviews
            .iter()
            .filter(|r| r.verdict.as_deref() == Some("approved"))
            .count(),
        review_rejections: reviews.iter().map(|r| r.rejections).sum(),
    })
}

pub fn line(s: &LandStats) -> String {
    let secs = |v: Option<f64>| v.map_or("-".into(), |x| format!("{x:.1}s"));
    let reviews = if s.reviewed == 0 {
        String::new()
    } else {
        format!(
            "  reviewed {} (approved {}, rejections {})",
            s.reviewed, s.review_approved, s.review_rejections
        )
    };
    format!(
        "landing: landed {} ({})  done→landed p50 {} max {}  conflicts {} (resolved by agents {})  verify failures after merge {}  throughput {}{reviews}\n",
        s.landed,
        s.share
            .map_or("-".into(), |x| format!("{:.0}% of done", x * 100.0)),
        secs(s.done_to_landed_p50_secs),
        secs(s.done_to_landed_max_secs),
        s.conflicts,
        s.conflicts_resolved,
        s.verify_failures_after_merge,
        s.per_minute.map_or("-".into(), |x| format!("{x:.1}/min"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{LandRecord, TaskDef};

    #[test]
    fn landed_share_times_and_conflicts() {
        let mut tasks = BTreeMap::new();
        for (id, state, at) in [("a", 0, 61_000u64), ("b", 1, 0), ("c", 2, 0)] {
            let mut t = Task::new(
                TaskDef {
                    id: id.into(),
                    ..TaskDef::default()
                },
                0,
            );
            t.state = TaskState::Done;
            t.land = Some(LandRecord {
                state: match state {
                    0 => Landing::Landed {
                        commit: "c1".into(),
                        from: "c0".into(),
                        at,
                    },
                    _ => Landing::Queued,
                },
                conflicts: 1,
                queued_at: 1_000,
                review: (state == 0).then(|| crate::core::model::ReviewRecord {
                    rejections: 1,
                    verdict: Some("approved".into()),
                    text: None,
                }),
                ..LandRecord::default()
            });
            if state == 2 {
                t.state = TaskState::Failed;
            }
            tasks.insert(id.to_string(), t);
        }
        let ev = |kind: &str| EventRow {
            seq: 0,
            at: 0,
            worker: None,
            task: Some("a".into()),
            kind: kind.into(),
            detail: String::new(),
        };
        let events = vec![
            ev("land_conflict"),
            ev("land_conflict"),
            ev("land_verify_failed"),
        ];
        let s = compute(&tasks, &events).unwrap();
        assert_eq!((s.landed, s.conflicts, s.conflicts_resolved), (1, 2, 1));
        assert_eq!(s.verify_failures_after_merge, 1);
        assert_eq!(s.share, Some(0.5));
        assert_eq!(s.done_to_landed_p50_secs, Some(60.0));
        assert_eq!(s.per_minute, Some(1.0));
        assert!(line(&s).contains("landed 1 (50% of done)"), "{}", line(&s));
        assert_eq!(
            (s.reviewed, s.review_approved, s.review_rejections),
            (1, 1, 1)
        );
        assert!(
            line(&s).contains("reviewed 1 (approved 1, rejections 1)"),
            "{}",
            line(&s)
        );
        assert_eq!(compute(&BTreeMap::new(), &events), None);
    }
}
