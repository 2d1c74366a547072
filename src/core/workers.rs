//! Worker sessions: started, seen, gone, crashed, restarted or retired. An agent gone before it
//! came up is a failed start of its profile (see `spawn`).

use super::command::{Command, EventKind};
use super::model::{AgentState, HookSaid, Model, Worker, WorkerId};
use super::observation::SessionSeen;
use super::spawn::{self, Gate};

pub(super) fn sessions(model: &mut Model, seen: &[SessionSeen], now: u64, out: &mut Vec<Command>) {
    for s in seen {
        let session = model.session_name(s.worker);
        let profile = model.profile_for(s.worker);
        let host = model.placed_on(s.worker);
        // A live session we did not start (a previous czar's) is adopted as it is.
        let w = model.workers.entry(s.worker).or_insert_with(|| Worker {
            id: s.worker,
            session,
            profile,
            since: now,
            host,
            ..Worker::default()
        });
        // Written off (killed, retired) or being started: a listing taken before tmux caught
        // up must not bring it back, or it would be found gone again and crash twice.
        let written_off = matches!(w.agent, AgentState::Crashed | AgentState::Error);
        if w.retired || w.starting || (!w.live && written_off) {
            continue;
        }
        w.live = true;
        w.vitals.activity_at = w.vitals.activity_at.max(s.activity.max(0) as u64 * 1000);
        if s.dead && w.agent != AgentState::Crashed {
            exited(model, s.worker, s.exit_status, &s.output, now, out);
        } else if !s.dead {
            check_up(model, s.worker, true, now, out);
        }
        super::attached::seen(model, s.worker, s.attached && !s.dead, out);
    }
    let gone: Vec<WorkerId> = model
        .workers
        .values()
        .filter(|w| w.live && !w.starting && !seen.iter().any(|s| s.worker == w.id))
        // A host that does not answer lists nothing: its sessions are not known to be gone.
        .filter(|w| model.host_up(w.id))
        .map(|w| w.id)
        .collect();
    for id in gone {
        if let Some(w) = model.workers.get_mut(&id) {
            w.live = false;
            w.vitals.attached = false;
        }
        model.held_input.remove(&id);
        match launched(model, id, now) {
            Some(after) => failed_start(
                model,
                id,
                &format!("its tmux session disappeared {after} after it started"),
                now,
                out,
            ),
            None => crashed(model, id, "session disappeared", now, out),
        }
    }
}

/// How long after its start a worker whose agent never came up was found gone, as text.
fn launched(model: &Model, id: WorkerId, now: u64) -> Option<String> {
    let at = model.workers.get(&id)?.vitals.launched_at?;
    Some(format!("{:.1} s", now.saturating_sub(at) as f64 / 1000.0))
}

/// The agent process of a worker ended. Before its agent came up, that is a failed start of
/// its profile, with what it printed as the cause.
fn exited(
    model: &mut Model,
    id: WorkerId,
    status: Option<i32>,
    output: &[String],
    now: u64,
    out: &mut Vec<Command>,
) {
    let status_text = match status {
        Some(127) => "status 127 (command not found)".to_string(),
        Some(126) => "status 126 (command not executable)".to_string(),
        Some(c) => format!("status {c}"),
        None => "an unknown status".to_string(),
    };
    let Some(at) = model.workers.get(&id).and_then(|w| w.vitals.launched_at) else {
        let status = status.map_or("unknown".to_string(), |c| c.to_string());
        crashed(
            model,
            id,
            &format!("agent process exited (status {status})"),
            now,
            out,
        );
        return;
    };
    let printed = if output.is_empty() {
        "it printed nothing".to_string()
    } else {
        format!("it printed: {}", output.join(" | "))
    };
    let cause = format!(
        "exited with {status_text} {:.1} s after it started; {printed}",
        now.saturating_sub(at) as f64 / 1000.0
    );
    failed_start(model, id, &cause, now, out);
}

/// An agent gone before it came up: recorded as an early exit (not a crash), and counted
/// against its profile, which waits before its next start and may become unavailable.
fn failed_start(model: &mut Model, id: WorkerId, cause: &str, now: u64, out: &mut Vec<Command>) {
    lost(model, id, cause, EventKind::EarlyExit, now, out);
    let Some(w) = model.workers.get_mut(&id) else {
        return;
    };
    w.vitals.launched_at = None;
    // Not a crash to count toward retiring the worker: the profile's breaker deals with it.
    w.set_agent(AgentState::Error, &format!("failed to start: {cause}"), now);
    let profile = w.profile.clone();
    spawn::failed(model, id, &profile, cause, now, out);
}

/// The worker's agent came up: it showed a screen its profile knows, or (`listed_alive`) a
/// session listing found it alive `early_exit_ms` after its start. Starts of its profile
/// succeed again.
pub(super) fn check_up(
    model: &mut Model,
    id: WorkerId,
    listed_alive: bool,
    now: u64,
    out: &mut Vec<Command>,
) {
    let early_ms = model.policy.spawn.early_exit_ms;
    let Some(w) = model.workers.get_mut(&id) else {
        return;
    };
    let Some(at) = w.vitals.launched_at else {
        return;
    };
    let shown = matches!(
        w.agent,
        AgentState::Idle
            | AgentState::Busy
            | AgentState::Waiting
            | AgentState::RateLimited
            | AgentState::Done
    );
    let stayed = listed_alive && w.live && now.saturating_sub(at) >= early_ms;
    if !(shown || stayed) {
        return;
    }
    w.vitals.launched_at = None;
    let profile = w.profile.clone();
    spawn::came_up(model, id, &profile, now, out);
}

/// The agent is gone: its task goes back to the queue (its work stays on the branch) and the
/// worker is restarted unless it keeps failing.
pub(super) fn crashed(
    model: &mut Model,
    id: WorkerId,
    why: &str,
    now: u64,
    out: &mut Vec<Command>,
) {
    lost(model, id, why, EventKind::WorkerCrashed, now, out);
}

fn lost(
    model: &mut Model,
    id: WorkerId,
    why: &str,
    kind: EventKind,
    now: u64,
    out: &mut Vec<Command>,
) {
    let Some(w) = model.workers.get_mut(&id) else {
        return;
    };
    w.set_agent(AgentState::Crashed, why, now);
    out.push(Command::record(Some(id), w.task.as_deref(), kind, why));
    if w.live {
        out.push(Command::KillWorker { worker: id });
        w.live = false;
    }
    if let Some(task) = w.let_go() {
        super::outcome::requeue(
            model,
            &task,
            &format!("worker {id} crashed: {why}"),
            now,
            out,
        );
    }
}

pub(super) fn worker_started(
    model: &mut Model,
    id: WorkerId,
    result: Result<(), String>,
    now: u64,
    out: &mut Vec<Command>,
) {
    let Some(w) = model.workers.get_mut(&id) else {
        return;
    };
    w.starting = false;
    match result {
        Ok(()) => {
            w.live = true;
            w.vitals.launched_at = Some(now);
            w.set_agent(AgentState::Starting, "session started", now);
            out.push(Command::record(
                Some(id),
                None,
                EventKind::WorkerStarted,
                match &w.vitals.tokens.account {
                    Some(a) => format!("{} (account {a})", w.profile),
                    None => w.profile.clone(),
                },
            ));
        }
        Err(e) => {
            // Not a restart: failed starts are the profile's to count (see `spawn`).
            w.live = false;
            w.set_agent(AgentState::Error, &e, now);
            out.push(Command::record(
                Some(id),
                None,
                EventKind::WorkerFailed,
                e.clone(),
            ));
            let profile = w.profile.clone();
            // Its host did not answer: the agent is not at fault, nor its profile elsewhere.
            // It starts again once the host is back (see `hosts`).
            if !model.host_up(id) {
                return;
            }
            let cause = format!("its session could not be started: {e}");
            spawn::failed(model, id, &profile, &cause, now, out);
        }
    }
}

pub(super) fn retire(w: &mut Worker, out: &mut Vec<Command>) {
    w.retired = true;
    out.push(Command::record(
        Some(w.id),
        None,
        EventKind::WorkerRetired,
        format!("retired after {} restarts", w.restarts),
    ));
}

/// Keep `policy.workers` workers running; restart crashed ones within the restart budget, each
/// when its profile's backoff, breaker and start cap allow.
pub(super) fn ensure_workers(model: &mut Model, now: u64, out: &mut Vec<Command>) {
    // The configured ones, and any added since (for a profile, or adopted).
    let mut ids: Vec<WorkerId> = (1..=model.policy.workers).collect();
    ids.extend(model.workers.keys().filter(|k| **k > model.policy.workers));
    for id in ids {
        let session = model.session_name(id);
        let profile = model.profile_for(id);
        let max_restarts = model.policy.max_restarts;
        let host = model.placed_on(id);
        let w = model.workers.entry(id).or_insert_with(|| Worker {
            id,
            session,
            profile,
            since: now,
            ..Worker::default()
        });
        // Where it runs is the configuration's, which may have changed since it was stored.
        w.host = host;
        if w.live || w.starting || w.retired {
            continue;
        }
        // A stored profile its host no longer carries (its `agents` changed): start one it does.
        let allowed = model.profile_for(id);
        let Some(w) = model.workers.get_mut(&id) else {
            continue;
        };
        if allowed != w.profile && allowed != model.policy.default_profile {
            w.profile = allowed;
        }
        // Its host does not answer: a start there would fail, and count against its profile.
        if !model.host_up(id) {
            continue;
        }
        let Some(w) = model.workers.get(&id) else {
            continue;
        };
        let profile = w.profile.clone();
        if spawn::gate(model, &profile, now, out) != Gate::Go {
            continue;
        }
        let Some(w) = model.workers.get_mut(&id) else {
            continue;
        };
        if w.agent == AgentState::Crashed {
            w.restarts += 1;
            if w.restarts > max_restarts {
                retire(w, out);
                continue;
            }
        }
        w.starting = true;
        let account = super::limits::pick_account(model, &profile, id);
        if let Some(w) = model.workers.get_mut(&id) {
            w.vitals.tokens.account = account;
        }
        spawn::started(model, &profile, now);
        out.push(Command::StartWorker {
            worker: id,
            profile,
        });
    }
    start_missing_profiles(model, now, out);
}

/// A ready task that names an agent profile no worker runs would wait forever: one worker of
/// that profile is added for it (beyond `workers`), when the profile's starts allow.
fn start_missing_profiles(model: &mut Model, now: u64, out: &mut Vec<Command>) {
    let wanted: std::collections::BTreeSet<String> = super::queue::ready_tasks(model)
        .iter()
        .filter_map(|t| super::route::profile_to_start(model, &model.tasks.get(t)?.def))
        .collect();
    for profile in wanted {
        if spawn::gate(model, &profile, now, out) != Gate::Go {
            continue;
        }
        let id = model
            .workers
            .keys()
            .max()
            .copied()
            .unwrap_or(0)
            .max(model.policy.workers)
            + 1;
        let w = Worker {
            id,
            session: model.session_name(id),
            profile: profile.clone(),
            since: now,
            starting: true,
            ..Worker::default()
        };
        model.workers.insert(id, w);
        let account = super::limits::pick_account(model, &profile, id);
        if let Some(w) = model.workers.get_mut(&id) {
            w.vitals.tokens.account = account;
        }
        out.push(Command::record(
            Some(id),
            None,
            EventKind::WorkerAdded,
            format!("added for tasks that need the {profile} agent"),
        ));
        spawn::started(model, &profile, now);
        out.push(Command::StartWorker {
            worker: id,
            profile,
        });
    }
}

/// The agent's own hook: the strongest signal there is about its state, taken at once.
pub(super) fn hook(
    model: &mut Model,
    id: WorkerId,
    state: AgentState,
    event: &str,
    now: u64,
    out: &mut Vec<Command>,
) {
    let Some(w) = model.workers.get_mut(&id) else {
        return;
    };
    w.vitals.hook = Some(HookSaid {
        state,
        event: event.to_string(),
        at: now,
    });
    let state = state.after(w.agent, w.task.is_some());
    if w.agent != state && w.agent != AgentState::Crashed {
        out.push(Command::record(
            Some(id),
            w.task.as_deref(),
            EventKind::AgentState,
            format!("{} -> {} (hook {event})", w.agent.as_str(), state.as_str()),
        ));
        w.set_agent(state, &format!("hook {event}"), now);
        if state == AgentState::Idle && w.task.is_some() {
            out.push(Command::RefreshBranch { worker: id });
        }
    }
    check_up(model, id, false, now, out);
    super::lifecycle::check_finished(model, id, now, out);
}
