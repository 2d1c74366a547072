//! The state store in memory, kept across engines for a restart.

use crate::adapters::claims::Claim;
use crate::adapters::store::{EventRow, Saved, Step, StoreError};
use crate::core::model::WorkerId;
use crate::core::observation::Signal;
use crate::engine::ports::{Guard, OnChange, State};
use std::sync::{Arc, Mutex, MutexGuard};

/// The store in memory; clones share it, so a second engine finds what the first stored.
#[derive(Clone, Default)]
pub struct MemState(pub Arc<Mutex<Stored>>);

#[derive(Default)]
pub struct Stored {
    pub saved: Saved,
    pub events: Vec<EventRow>,
    pub inbox: Vec<(i64, WorkerId, Signal)>,
    next: i64,
}

impl MemState {
    fn get(&self) -> MutexGuard<'_, Stored> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A worker's signal (`czar done`, a report) in the inbox.
    pub fn signal(&self, worker: WorkerId, signal: Signal) {
        let mut s = self.get();
        s.next += 1;
        let seq = s.next;
        s.inbox.push((seq, worker, signal));
    }
}

impl State for MemState {
    fn load(&self) -> Result<Saved, StoreError> {
        Ok(self.get().saved.clone())
    }

    fn forget_workers(&mut self, ids: &[crate::core::model::WorkerId]) -> Result<(), StoreError> {
        let mut s = self.get();
        for id in ids {
            s.saved.1.remove(id);
        }
        Ok(())
    }

    fn commit_step(&mut self, step: &Step<'_>) -> Result<(), StoreError> {
        let mut s = self.get();
        for t in step.tasks {
            s.saved.0.insert(t.def.id.clone(), (*t).clone());
        }
        for w in step.workers {
            s.saved.1.insert(w.id, (*w).clone());
        }
        for e in step.events {
            let seq = s.events.len() as i64 + 1;
            s.events.push(EventRow {
                seq,
                at: step.now,
                worker: e.worker,
                task: e.task.clone(),
                kind: e.kind.as_str().into(),
                detail: e.detail.clone(),
            });
        }
        s.inbox
            .retain(|(seq, _, _)| !step.inbox_taken.contains(seq));
        Ok(())
    }

    fn pending_signals(&self) -> Result<Vec<(i64, WorkerId, Signal)>, StoreError> {
        Ok(self.get().inbox.clone())
    }

    fn claims(&self) -> Result<Vec<Claim>, StoreError> {
        Ok(Vec::new())
    }

    fn events(&self, limit: usize) -> Result<Vec<EventRow>, StoreError> {
        let s = self.get();
        Ok(s.events[s.events.len().saturating_sub(limit)..].to_vec())
    }

    fn listen(&self, _on_signal: OnChange) -> Option<Guard> {
        None
    }
}
