//! Worker sessions: started, seen, gone, crashed, restarted or retired.

use super::command::{Command, EventKind};
use super::lifecycle;
use super::model::{AgentState, HookSaid, Model, Worker, WorkerId};
use super::observation::SessionSeen;
use super::update::set_agent;

pub(super) fn sessions(model: &mut Model, seen: &[SessionSeen], now: u64, out: &mut Vec<Command>) {
    for s in seen {
        let session = model.session_name(s.worker);
        let profile = model.policy.default_profile.clone();
        // A live session we did not start (a previous czar's) is adopted as it is.
        let w = model.workers.entry(s.worker).or_insert_with(|| Worker {
            id: s.worker,
            session,
            profile,
            since: now,
            ..Worker::default()
        });
        // Written off (killed, retired) or being started: a listing taken before tmux caught
        // up must not bring it back, or it would be found gone again and crash twice.
        if w.retired || w.starting || (!w.live && w.agent == AgentState::Crashed) {
            continue;
        }
        w.live = true;
        w.vitals.activity_at = w.vitals.activity_at.max(s.activity.max(0) as u64 * 1000);
        if s.dead && w.agent != AgentState::Crashed {
            let status = s
                .exit_status
                .map_or("unknown".to_string(), |c| c.to_string());
            crashed(
                model,
                s.worker,
                &format!("agent process exited (status {status})"),
                now,
                out,
            );
        }
    }
    let gone: Vec<WorkerId> = model
        .workers
        .values()
        .filter(|w| w.live && !w.starting && !seen.iter().any(|s| s.worker == w.id))
        .map(|w| w.id)
        .collect();
    for id in gone {
        if let Some(w) = model.workers.get_mut(&id) {
            w.live = false;
        }
        crashed(model, id, "session disappeared", now, out);
    }
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
    let Some(w) = model.workers.get_mut(&id) else {
        return;
    };
    set_agent(w, AgentState::Crashed, why, now);
    out.push(Command::record(
        Some(id),
        w.task.as_deref(),
        EventKind::WorkerCrashed,
        why,
    ));
    if w.live {
        out.push(Command::KillWorker { worker: id });
        w.live = false;
    }
    if let Some(task) = w.let_go() {
        lifecycle::requeue(
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
    let max_restarts = model.policy.max_restarts;
    let Some(w) = model.workers.get_mut(&id) else {
        return;
    };
    w.starting = false;
    match result {
        Ok(()) => {
            w.live = true;
            set_agent(w, AgentState::Starting, "session started", now);
            out.push(Command::record(
                Some(id),
                None,
                EventKind::WorkerStarted,
                w.profile.clone(),
            ));
        }
        Err(e) => {
            w.live = false;
            w.restarts += 1;
            set_agent(w, AgentState::Error, &e, now);
            out.push(Command::record(Some(id), None, EventKind::WorkerFailed, e));
            if w.restarts > max_restarts {
                retire(w, out);
            }
        }
    }
}

pub(super) fn retire(w: &mut Worker, out: &mut Vec<Command>) {
    w.retired = true;
    out.push(Command::record(
        Some(w.id),
        None,
        EventKind::WorkerRetired,
        format!("retired after {} failed starts", w.restarts),
    ));
}

/// Keep `policy.workers` workers running; restart crashed ones within the restart budget.
pub(super) fn ensure_workers(model: &mut Model, now: u64, out: &mut Vec<Command>) {
    // The configured ones, and any added since (for a profile, or adopted).
    let mut ids: Vec<WorkerId> = (1..=model.policy.workers).collect();
    ids.extend(model.workers.keys().filter(|k| **k > model.policy.workers));
    for id in ids {
        let session = model.session_name(id);
        let profile = model.policy.default_profile.clone();
        let max_restarts = model.policy.max_restarts;
        let w = model.workers.entry(id).or_insert_with(|| Worker {
            id,
            session,
            profile,
            since: now,
            ..Worker::default()
        });
        if w.live || w.starting || w.retired {
            continue;
        }
        if w.agent == AgentState::Crashed {
            w.restarts += 1;
            if w.restarts > max_restarts {
                retire(w, out);
                continue;
            }
        }
        w.starting = true;
        out.push(Command::StartWorker {
            worker: id,
            profile: w.profile.clone(),
        });
    }
    start_missing_profiles(model, now, out);
}

/// A ready task that names an agent profile no worker runs would wait forever: one worker of
/// that profile is added for it (beyond `workers`), once.
fn start_missing_profiles(model: &mut Model, now: u64, out: &mut Vec<Command>) {
    let wanted: std::collections::BTreeSet<String> = super::queue::ready_tasks(model)
        .iter()
        .filter_map(|t| model.tasks.get(t)?.def.agent.clone())
        .filter(|p| {
            !model
                .workers
                .values()
                .any(|w| &w.profile == p && !w.retired)
        })
        .collect();
    for profile in wanted {
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
        out.push(Command::record(
            Some(id),
            None,
            EventKind::WorkerStarted,
            format!("added for tasks that need the {profile} agent"),
        ));
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
        set_agent(w, state, &format!("hook {event}"), now);
        if state == AgentState::Idle && w.task.is_some() {
            out.push(Command::RefreshBranch { worker: id });
        }
    }
    super::lifecycle::check_finished(model, id, now, out);
}
