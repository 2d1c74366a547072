//! A czar that starts over a store with deliveries in it: each is resolved from what the pane
//! shows now, so its text reaches the agent once.

use super::journal::{RESUME_SETTLE_MS, delivery_mut, restart_at_ready, unknown_paste};
use crate::core::command::{Command, EventKind};
use crate::core::model::Step;
use crate::core::model::{Model, TaskId, WorkerId};

/// After a restart: every delivery journaled but not confirmed is resolved from what the pane
/// shows now, so its text reaches the agent once.
pub(crate) fn resume(model: &mut Model, now: u64, out: &mut Vec<Command>) {
    let open: Vec<(WorkerId, Step, TaskId)> = model
        .workers
        .values()
        .filter_map(|w| w.delivery.as_ref().map(|d| (w.id, d.step, d.task.clone())))
        .collect();
    let settle = now + RESUME_SETTLE_MS;
    for (worker, step, task) in open {
        match step {
            Step::Ready | Step::Clearing => restart_at_ready(model, worker, now, settle),
            Step::Pasting | Step::Pasted => {
                out.push(Command::record(
                    Some(worker),
                    Some(&task),
                    EventKind::Repair,
                    "the czar stopped between a paste and its Enter; resolving it from the screen",
                ));
                unknown_paste(model, worker, now, settle);
            }
            Step::Submitting => {
                // Enter may have been pressed: the screen says whether the text left the box.
                if let Some(d) = delivery_mut(model, worker) {
                    d.since = settle;
                    d.asked = now;
                }
            }
        }
    }
}
