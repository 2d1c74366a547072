//! What a screen reading or a hook says about an agent: whether it outranks the other, and the
//! dialog the czar may answer for it. Apart from `update` (which only routes observations here)
//! so the one entry point stays a router; it reaches only downward (`lifecycle`, `healing`).

use super::command::{Command, EventKind};
use super::lifecycle;
use super::model::{AgentState, Model, WorkerId};

/// A screen reading of the agent: it counts unless a fresh hook said otherwise.
pub(super) fn agent_seen(
    model: &mut Model,
    id: WorkerId,
    state: AgentState,
    reason: String,
    last_line: String,
    now: u64,
    out: &mut Vec<Command>,
) {
    let Some(w) = model.workers.get_mut(&id) else {
        return;
    };
    // A fresh hook outranks the screen (which may lag behind, or show a stale spinner), but
    // not a rate limit on it: no hook reports one, and a prompt's hook says busy just before
    // the client shows it retrying.
    let state = match &w.vitals.hook {
        Some(h)
            if h.state != state
                && state != AgentState::RateLimited
                && now.saturating_sub(h.at) < HOOK_FRESH_MS =>
        {
            w.vitals.outranked = Some((state, reason));
            w.reason = format!(
                "hook {} said {} {}s ago; the screen says {}",
                h.event,
                h.state.as_str(),
                now.saturating_sub(h.at) / 1000,
                state.as_str()
            );
            return;
        }
        _ => state,
    };
    w.vitals.outranked = None;
    if !last_line.is_empty() {
        w.last_line = last_line;
    }
    // Right after a restart the state before it is what "done at its prompt" goes by.
    let before = match (w.agent, w.vitals.resumed_from) {
        (AgentState::Starting, Some((was, _))) => was,
        (agent, _) => agent,
    };
    let state = state.after(before, w.task.is_some());
    if w.agent == AgentState::Crashed || w.agent == state {
        if w.agent == state {
            w.reason = reason;
        }
        return;
    }
    out.push(Command::record(
        Some(id),
        w.task.as_deref(),
        EventKind::AgentState,
        format!("{} -> {} ({reason})", w.agent.as_str(), state.as_str()),
    ));
    let went_idle = state == AgentState::Idle;
    let limited = state == AgentState::RateLimited;
    let from_starting = w.agent == AgentState::Starting;
    w.set_agent(state, &reason, now);
    if let Some((was, since)) = w.vitals.resumed_from.take()
        && was == state
        && from_starting
    {
        w.since = since;
    }
    if went_idle && w.task.is_some() {
        // Coming back to the prompt is when new commits matter: look at the branch now.
        out.push(Command::RefreshBranch { worker: id });
    }
    if limited {
        super::healing::rate_limited(model, id, out);
    }
    lifecycle::check_finished(model, id, now, out);
}

/// A screen reading a hook outranked counts once the hook is no longer fresh, unless a newer
/// reading came since (it would have cleared it).
pub(super) fn screen_after_hook(model: &mut Model, id: WorkerId, now: u64, out: &mut Vec<Command>) {
    let Some(w) = model.workers.get_mut(&id) else {
        return;
    };
    let stale = w
        .vitals
        .hook
        .as_ref()
        .is_none_or(|h| now.saturating_sub(h.at) >= HOOK_FRESH_MS);
    if !stale {
        return;
    }
    if let Some((state, reason)) = w.vitals.outranked.take() {
        agent_seen(model, id, state, reason, String::new(), now, out);
    }
}

/// How long an agent's hook outranks what its screen shows. After that the screen wins again:
/// some changes fire no hook (an Escape that cancels a turn, say).
pub(super) const HOOK_FRESH_MS: u64 = 5_000;

/// Time for an answer to take effect before the same dialog may be answered again (a screen
/// that changed is read at once and drops the dialog, so this only fires when the keys were lost).
const ANSWER_SETTLE_MS: u64 = 3_000;

/// How long an agent must have been waiting before the czar answers. A client can draw a
/// dialog before it reads keys: Claude Code's trust dialog, answered on first sight, sometimes
/// lost the keys and had to be answered again.
const ANSWER_AFTER_MS: u64 = 1_000;

/// The dialog on the worker's screen, when its profile allows it: answered once the agent has
/// waited a moment, and again only if the screen did not change for a while after.
pub(super) fn auto_answer(model: &mut Model, id: WorkerId, now: u64, out: &mut Vec<Command>) {
    // Someone attached to it answers it themselves, or lets it wait until they go.
    let hands_off = model.hands_off(id);
    let Some(w) = model.workers.get_mut(&id) else {
        return;
    };
    let Some(answer) = w.vitals.dialog.clone() else {
        return;
    };
    let settled = w.agent == AgentState::Waiting && now.saturating_sub(w.since) >= ANSWER_AFTER_MS;
    let answered = w
        .vitals
        .answered_at
        .is_some_and(|t| now.saturating_sub(t) < ANSWER_SETTLE_MS);
    if !settled || answered || hands_off {
        return;
    }
    w.vitals.answered_at = Some(now);
    let task = w.task.clone();
    if let Some(t) = task.as_ref().and_then(|t| model.tasks.get_mut(t)) {
        t.auto_answers += 1;
    }
    let detail = format!(
        "{} (pressed {})\n{}",
        answer.summary,
        answer.keys.join(" "),
        answer.screen
    );
    out.push(Command::AutoAnswer {
        worker: id,
        keys: answer.keys,
    });
    out.push(Command::record(
        Some(id),
        task.as_deref(),
        EventKind::AutoAnswer,
        detail,
    ));
}
