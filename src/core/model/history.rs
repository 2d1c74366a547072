//! The last minutes of the fleet, as data the dashboard draws: each worker's states with the
//! time each began (its timeline strip), and how many workers were busy in each slice of time
//! (the activity sparkline). Bounded, kept in memory only: a restarted czar starts them again.

use super::{AgentState, Worker, WorkerId};
use std::collections::{BTreeMap, VecDeque};

/// States kept per worker: enough for the strip's window even for a worker that changes state
/// every few seconds, and small enough that the model stays cheap to copy at 100 workers.
pub const STATES_KEPT: usize = 48;
/// One activity slice (ms)...
pub const SLICE_MS: u64 = 10_000;
/// ...and how many are kept (20 minutes).
pub const SLICES_KEPT: usize = 120;

/// A state a worker entered, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub at: u64,
    pub state: AgentState,
    /// Its session existed (a worker without one reads as stopped).
    pub live: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct History {
    /// Oldest first, at most [`STATES_KEPT`] each.
    pub states: BTreeMap<WorkerId, VecDeque<Mark>>,
    /// (slice number = time / [`SLICE_MS`], most workers busy at once in it), oldest first.
    pub busy: VecDeque<(u64, u16)>,
}

impl History {
    /// Takes note of every worker's state now; called after each step. A state is kept from
    /// when the worker entered it (`since`), not from when it was noted.
    pub fn note(&mut self, workers: &BTreeMap<WorkerId, Worker>, now: u64) {
        let mut busy = 0u16;
        for (id, w) in workers {
            if w.agent == AgentState::Busy && w.live {
                busy = busy.saturating_add(1);
            }
            let mark = Mark {
                at: w.since.min(now),
                state: w.agent,
                live: w.live,
            };
            let marks = self.states.entry(*id).or_default();
            let last = marks.back().copied();
            match last {
                Some(l) if l.state == mark.state && l.live == mark.live => {}
                // A state cannot begin before the one it followed (a restored `since`).
                Some(l) => marks.push_back(Mark {
                    at: mark.at.max(l.at),
                    ..mark
                }),
                None => marks.push_back(mark),
            }
            while marks.len() > STATES_KEPT {
                marks.pop_front();
            }
        }
        // A worker forgotten is forgotten here too.
        self.states.retain(|id, _| workers.contains_key(id));
        let slice = now / SLICE_MS;
        match self.busy.back_mut() {
            Some((s, n)) if *s == slice => *n = (*n).max(busy),
            _ => self.busy.push_back((slice, busy)),
        }
        while self.busy.len() > SLICES_KEPT {
            self.busy.pop_front();
        }
    }

    /// The worker's state at time `t`: the latest mark at or before it (None before the first).
    pub fn state_at(&self, worker: WorkerId, t: u64) -> Option<Mark> {
        let marks = self.states.get(&worker)?;
        marks.iter().rev().find(|m| m.at <= t).copied()
    }

    /// Busy workers per slice for the `n` slices ending with the one holding `now`, oldest
    /// first; a slice nothing was noted in counts 0.
    pub fn busy_slices(&self, now: u64, n: usize) -> Vec<u64> {
        let last = now / SLICE_MS;
        let first = last.saturating_sub(n.saturating_sub(1) as u64);
        let mut out = vec![0u64; n];
        for &(s, b) in &self.busy {
            if s >= first && s <= last {
                let i = (s - first) as usize;
                if let Some(slot) = out.get_mut(i) {
                    *slot = u64::from(b);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(agent: AgentState, since: u64) -> Worker {
        Worker {
            agent,
            since,
            live: true,
            ..Worker::default()
        }
    }

    #[test]
    fn a_state_is_kept_once_from_when_it_began_and_the_history_is_bounded() {
        let mut h = History::default();
        let mut ws = BTreeMap::new();
        ws.insert(1, worker(AgentState::Busy, 1_000));
        h.note(&ws, 5_000);
        h.note(&ws, 6_000);
        assert_eq!(h.states[&1].len(), 1);
        assert_eq!(h.states[&1][0].at, 1_000);
        ws.insert(1, worker(AgentState::Waiting, 7_000));
        h.note(&ws, 7_500);
        assert_eq!(
            h.state_at(1, 6_999).map(|m| m.state),
            Some(AgentState::Busy)
        );
        assert_eq!(
            h.state_at(1, 7_000).map(|m| m.state),
            Some(AgentState::Waiting)
        );
        assert_eq!(h.state_at(1, 999), None);
        for i in 0..200u64 {
            let st = if i % 2 == 0 {
                AgentState::Idle
            } else {
                AgentState::Busy
            };
            ws.insert(1, worker(st, 10_000 + i));
            h.note(&ws, 10_000 + i);
        }
        assert_eq!(h.states[&1].len(), STATES_KEPT);
        ws.clear();
        h.note(&ws, 20_000);
        assert!(h.states.is_empty(), "a forgotten worker leaves the history");
    }

    #[test]
    fn busy_slices_keep_the_most_at_once_and_fill_gaps_with_zero() {
        let mut h = History::default();
        let mut ws = BTreeMap::new();
        ws.insert(1, worker(AgentState::Busy, 0));
        ws.insert(2, worker(AgentState::Busy, 0));
        h.note(&ws, SLICE_MS);
        ws.insert(2, worker(AgentState::Idle, SLICE_MS + 1));
        h.note(&ws, SLICE_MS + 2);
        h.note(&ws, 3 * SLICE_MS);
        assert_eq!(h.busy_slices(3 * SLICE_MS, 4), vec![0, 2, 0, 1]);
        for i in 0..(SLICES_KEPT as u64 + 10) {
            h.note(&ws, (4 + i) * SLICE_MS);
        }
        assert_eq!(h.busy.len(), SLICES_KEPT);
    }
}
