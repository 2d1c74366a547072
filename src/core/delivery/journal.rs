//! The delivery journal's bookkeeping, shared by the protocol's steps, the outcomes that come
//! back, and a restart's resolution.

use crate::core::model::Step;
use crate::core::model::{Delivery, Model, WorkerId};

/// After a restart, a paste or Enter the killed czar had started may still be on its way
/// through a tmux client of its own: screens read before this long are not trusted.
pub(super) const RESUME_SETTLE_MS: u64 = 1_500;

pub(super) fn current(model: &Model, worker: WorkerId, id: u64, step: Step) -> bool {
    model
        .workers
        .get(&worker)
        .and_then(|w| w.delivery.as_ref())
        .is_some_and(|d| d.id == id && d.step == step)
}

pub(super) fn delivery_mut(model: &mut Model, worker: WorkerId) -> Option<&mut Delivery> {
    model.workers.get_mut(&worker)?.delivery.as_mut()
}

/// A paste that may or may not have reached the pane. Where the profile reads its input box,
/// the delivery starts over: a box holding the unsubmitted text is cleared before the text is
/// pasted again. Where it cannot, what may be in the box is submitted and nothing pasted
/// again: at most once (a box that was empty takes no Enter, and the delivery then fails and
/// the task goes back to the queue).
pub(super) fn unknown_paste(model: &mut Model, worker: WorkerId, now: u64, from: u64) {
    let reads_input = model
        .workers
        .get(&worker)
        .is_some_and(|w| model.policy.delivery.agent(&w.profile).reads_input);
    if reads_input {
        return restart_at_ready(model, worker, now, from);
    }
    if let Some(d) = delivery_mut(model, worker) {
        d.step = Step::Pasted;
        d.since = from;
        d.asked = now;
    }
}

/// Back to waiting for an empty box, counting screens from `from` on.
pub(super) fn restart_at_ready(model: &mut Model, worker: WorkerId, now: u64, from: u64) {
    if let Some(d) = delivery_mut(model, worker) {
        d.step = Step::Ready;
        d.began = now;
        d.since = from;
        d.asked = now;
        d.tries = 0;
    }
}
