//! Getting text into an agent exactly once. A delivery is a small protocol whose every step is
//! stored before it is carried out, so a czar killed anywhere inside it knows on restart what
//! may already sit in the pane:
//!
//! ```text
//! Ready ──(screen: at its prompt, box empty)──► Pasting ──(pasted)──► Pasted ──(settled)──► Submitting ──(text left the box)──► done
//!   └──(box holds text)──► Clearing ──(box empty)──► Pasting
//! ```
//!
//! Nothing is pasted into a box that a screen read after the step began did not show empty,
//! and Enter is pressed again only while the box is seen still holding the text. A delivery
//! stopped between its paste and its Enter goes back to Ready on restart: the box, holding the
//! unsubmitted text, is cleared and the text pasted again, so the agent gets it once.
//! For profiles whose box cannot be read, a paste that may have happened is submitted instead
//! of pasted again: at most once, never twice.

use super::command::{Command, EventKind};
use super::model::{AgentState, Input, Model, Screen, TaskState, WorkerId};
pub use super::model::{Delivery, Step};
use super::prompt::{PromptContext, render};

mod journal;
mod reported;
mod resume;

use journal::{delivery_mut, unknown_paste};
use reported::{confirmed, fail};
pub(super) use reported::{pasted, submitted};
pub(super) use resume::resume;

/// How long a clear is given to show on screen before the keys are pressed again.
const CLEAR_WAIT_MS: u64 = 1_000;
/// Clears tried before the delivery gives up on a box that keeps its text.
const MAX_CLEARS: u32 = 3;
/// A paste whose outcome never came back (its task died) is taken as lost after this long.
pub(super) const PASTE_LOST_MS: u64 = 30_000;
/// A step waiting on a screen asks for one again when none came for this long.
const REREAD_MS: u64 = 1_000;

/// Starts handing the task the worker holds (or `note` about it) to its agent.
pub(super) fn begin(
    model: &mut Model,
    worker: WorkerId,
    note: Option<String>,
    now: u64,
    out: &mut Vec<Command>,
) {
    let Some(w) = model.workers.get_mut(&worker) else {
        return;
    };
    let Some(task) = w.task.clone() else {
        return;
    };
    open(w, &task, note, false, now, out);
    if let Some(t) = model.tasks.get_mut(&task) {
        t.state = TaskState::Delivering;
    }
}

/// Starts handing `text`, the review of `task` (done by another worker), to the reviewer's
/// agent: the same steps as a task's, so a review reaches it once, its submit confirmed.
pub(super) fn begin_review(
    model: &mut Model,
    worker: WorkerId,
    task: &str,
    text: String,
    now: u64,
    out: &mut Vec<Command>,
) {
    let Some(w) = model.workers.get_mut(&worker) else {
        return;
    };
    // One text at a time in a box.
    if w.delivery.is_some() || w.task.is_some() {
        return;
    }
    open(w, task, Some(text), true, now, out);
}

fn open(
    w: &mut super::model::Worker,
    task: &str,
    note: Option<String>,
    review: bool,
    now: u64,
    out: &mut Vec<Command>,
) {
    w.vitals.deliveries += 1;
    w.delivery = Some(Delivery {
        id: w.vitals.deliveries,
        task: task.to_string(),
        note,
        review,
        step: Step::Ready,
        began: now,
        since: now,
        tries: 0,
        typed: None,
        asked: now,
    });
    // The screen that made the worker look ready may be old: go by a fresh one.
    out.push(Command::ReadScreen { worker: w.id });
}

/// Moves the worker's delivery on as far as its latest screen and the time allow.
pub(crate) fn advance(model: &mut Model, worker: WorkerId, now: u64, out: &mut Vec<Command>) {
    let Some(w) = model.workers.get(&worker) else {
        return;
    };
    let Some(d) = w.delivery.clone() else {
        return;
    };
    let fresh = w.vitals.screen.clone().filter(|s| s.at >= d.since);
    // Someone is attached to the pane: nothing is cleared, pasted or submitted under their
    // hands. A paste under way finishes (it is one tmux call); a submitted text may still be
    // seen taken, but Enter is not pressed again.
    if model.hands_off(worker) && matches!(d.step, Step::Ready | Step::Clearing | Step::Pasted) {
        return wait_for_detach(model, worker, now);
    }
    match d.step {
        Step::Ready | Step::Clearing => await_empty_box(model, worker, d, fresh, now, out),
        Step::Pasting if now >= d.since + PASTE_LOST_MS => {
            // The paste's outcome is lost: whatever it did, the pane shows it by now.
            unknown_paste(model, worker, now, now);
        }
        Step::Pasting => {}
        Step::Pasted => {
            let profile = w.profile.clone();
            let settle = model.policy.delivery.agent(&profile).settle_ms;
            if now >= d.since + settle {
                submit(model, worker, now, out);
            }
        }
        Step::Submitting => await_submit(model, worker, d, fresh, now, out),
    }
}

fn await_empty_box(
    model: &mut Model,
    worker: WorkerId,
    d: Delivery,
    fresh: Option<Screen>,
    now: u64,
    out: &mut Vec<Command>,
) {
    let timeout = model.policy.delivery.ready_timeout_ms;
    let (settle, ready_since) = model.workers.get(&worker).map_or((0, None), |w| {
        let settle = model.policy.delivery.agent(&w.profile).ready_settle_ms;
        (settle, w.vitals.said.ready_since)
    });
    // Some clients draw their prompt for a moment before a dialog covers it: the prompt must
    // have shown, unbroken, for the profile's settle time.
    let settled = settle == 0 || ready_since.is_some_and(|t| now >= t + settle);
    // A note to an agent whose client gave up (on a limit, an error) goes into its empty box:
    // that is what the client waits for.
    let stalled = d.note.is_some()
        && fresh.as_ref().is_some_and(|s| {
            matches!(s.state, Some(AgentState::RateLimited | AgentState::Error))
                && s.input == Input::Empty
        });
    match fresh.as_ref().map(|s| (s.state, &s.input)) {
        // A box the profile cannot read at all is taken as the prompt shows it; one it can
        // read must be seen empty.
        Some((Some(AgentState::Idle | AgentState::Done), Input::Empty | Input::Unknown))
            if settled =>
        {
            return paste(model, worker, fresh.map_or(0, |s| s.hash), now, out);
        }
        Some(_) if stalled => {
            return paste(model, worker, fresh.map_or(0, |s| s.hash), now, out);
        }
        Some((Some(AgentState::Idle | AgentState::Done), Input::Holds(text))) => {
            let again = d.step == Step::Ready || now >= d.since + CLEAR_WAIT_MS;
            if again && d.tries >= MAX_CLEARS {
                let why =
                    format!("its input box still held text after {MAX_CLEARS} clears: {text:?}");
                return fail(model, worker, &why, now, out);
            }
            if again {
                return clear(model, worker, &text.clone(), now, out);
            }
        }
        _ => {}
    }
    if now >= d.began + timeout {
        let (last, output) = model
            .workers
            .get(&worker)
            .map(|w| (w.reason.clone(), w.last_line.clone()))
            .unwrap_or_default();
        let output = if output.is_empty() {
            "nothing read".to_string()
        } else {
            output
        };
        let why = format!(
            "the agent was not at its prompt with an empty input box within {}s (last: {last}; last output: {output})",
            timeout / 1000
        );
        return fail(model, worker, &why, now, out);
    }
    ask_again(model, worker, &d, fresh.is_some(), now, out);
}

fn await_submit(
    model: &mut Model,
    worker: WorkerId,
    d: Delivery,
    fresh: Option<Screen>,
    now: u64,
    out: &mut Vec<Command>,
) {
    let taken = fresh.as_ref().and_then(|s| match (s.state, &s.input) {
        // The text still in the box was not taken, whatever else the screen says.
        (_, Input::Holds(_)) => None,
        (Some(AgentState::Busy), _) => Some("the agent is busy with it"),
        (Some(AgentState::Idle | AgentState::Done), Input::Empty) => Some("the input box emptied"),
        // Only where the box cannot be read at all is a changed screen taken as proof; a
        // box that vanished (a dialog drawn over it) is no proof.
        (Some(AgentState::Idle | AgentState::Done), Input::Unknown) => {
            (d.typed != Some(s.hash)).then_some("the screen changed")
        }
        (Some(AgentState::Idle | AgentState::Done), Input::Hidden) => None,
        (Some(AgentState::Starting), _) | (None, _) => None,
        // A screen that answers what was sent: a question about it, a limit, an error.
        (Some(_), _) => (d.typed != Some(s.hash)).then_some("the agent answered it"),
    });
    if let Some(how) = taken {
        return confirmed(model, worker, how, now, out);
    }
    if model.hands_off(worker) {
        return wait_for_detach(model, worker, now);
    }
    let policy = &model.policy.delivery;
    if now < d.since + policy.confirm_ms {
        return ask_again(model, worker, &d, fresh.is_some(), now, out);
    }
    if fresh.is_none() {
        // Nothing read since Enter: look before pressing it again.
        return ask_again(model, worker, &d, false, now, out);
    }
    if d.tries > policy.retries {
        let why = format!(
            "the agent did not take the text after {} presses of Enter",
            d.tries
        );
        return fail(model, worker, &why, now, out);
    }
    out.push(Command::record(
        Some(worker),
        Some(&d.task),
        EventKind::DeliveryStep,
        "the text still sits in the input box: pressing Enter again",
    ));
    submit(model, worker, now, out);
}

/// The step starts its clock again: its timeouts count from when the client detaches, and it
/// goes by a screen read after that.
fn wait_for_detach(model: &mut Model, worker: WorkerId, now: u64) {
    if let Some(d) = delivery_mut(model, worker) {
        d.began = d.began.max(now);
        d.since = d.since.max(now);
        d.asked = d.asked.max(now);
    }
}

/// Asks for a screen when the step has waited a while without one.
fn ask_again(
    model: &mut Model,
    worker: WorkerId,
    d: &Delivery,
    have_fresh: bool,
    now: u64,
    out: &mut Vec<Command>,
) {
    if have_fresh || now < d.since || now < d.asked + REREAD_MS {
        return;
    }
    if let Some(del) = delivery_mut(model, worker) {
        del.asked = now;
    }
    out.push(Command::ReadScreen { worker });
}

fn clear(model: &mut Model, worker: WorkerId, text: &str, now: u64, out: &mut Vec<Command>) {
    let Some(w) = model.workers.get(&worker) else {
        return;
    };
    let keys = model.policy.delivery.agent(&w.profile).clear_keys;
    let Some(d) = delivery_mut(model, worker) else {
        return;
    };
    if keys.is_empty() {
        let why = format!("its input box holds text and its profile names no clear_keys: {text:?}");
        return fail(model, worker, &why, now, out);
    }
    d.step = Step::Clearing;
    d.since = now;
    d.asked = now;
    d.tries += 1;
    let task = d.task.clone();
    out.push(Command::record(
        Some(worker),
        Some(&task),
        EventKind::DeliveryStep,
        format!(
            "the input box holds text; clearing it ({}): {text:?}",
            keys.join(" ")
        ),
    ));
    out.push(Command::ClearInput { worker, keys });
    out.push(Command::ReadScreen { worker });
}

fn paste(model: &mut Model, worker: WorkerId, hash: u64, now: u64, out: &mut Vec<Command>) {
    let Some(text) = text_for(model, worker) else {
        return;
    };
    let Some(d) = delivery_mut(model, worker) else {
        return;
    };
    d.step = Step::Pasting;
    d.since = now;
    d.tries = 0;
    d.typed = Some(hash);
    // A review is about another worker's branch: the reviewer's worktree may be on any.
    let branch = (!d.review).then(|| super::model::branch_for(&d.task));
    let delivery = d.id;
    out.push(Command::Paste {
        worker,
        delivery,
        branch,
        text,
    });
}

fn submit(model: &mut Model, worker: WorkerId, now: u64, out: &mut Vec<Command>) {
    // The box as it was just before Enter is the latest screen (read after the paste).
    let hash = model
        .workers
        .get(&worker)
        .and_then(|w| w.vitals.screen.as_ref())
        .map(|s| s.hash);
    let Some(d) = delivery_mut(model, worker) else {
        return;
    };
    if d.step != Step::Submitting {
        d.typed = hash.or(d.typed);
    }
    d.step = Step::Submitting;
    d.since = now;
    d.asked = now;
    d.tries += 1;
    out.push(Command::Submit {
        worker,
        delivery: d.id,
    });
}

/// What the paste carries: the preamble and the task, the task alone, or the note.
fn text_for(model: &Model, worker: WorkerId) -> Option<String> {
    let w = model.workers.get(&worker)?;
    let d = w.delivery.as_ref()?;
    if let Some(note) = &d.note {
        return Some(note.clone());
    }
    let task = model.tasks.get(&d.task)?;
    let policy = &model.policy.delivery;
    if !policy.agent(&w.profile).preamble {
        return Some(task.def.body.clone());
    }
    let ctx = PromptContext {
        project: &model.project,
        worker,
        base: &model.base,
        status_file: &policy.status_md,
        status_json: &policy.status_json,
    };
    Some(render(&ctx, task))
}

/// The earliest time a delivery's step has something to do without a new observation.
pub fn next_due(model: &Model) -> Option<u64> {
    model
        .workers
        .values()
        .filter_map(|w| {
            let d = w.delivery.as_ref()?;
            let policy = &model.policy.delivery;
            let reread = (d.asked + REREAD_MS).max(d.since);
            Some(match d.step {
                Step::Ready => reread.min(d.began + policy.ready_timeout_ms),
                Step::Clearing => (d.since + CLEAR_WAIT_MS).min(reread),
                Step::Pasting => d.since + PASTE_LOST_MS,
                Step::Pasted => d.since + policy.agent(&w.profile).settle_ms,
                Step::Submitting => reread.min(d.since + policy.confirm_ms),
            })
        })
        .min()
}
