//! Hosts that stop answering. A host whose link drops is `reconnecting`: its workers keep their
//! tasks (the node's sessions run on without the czar) but get no new ones. Past the host's
//! grace it is `down`: its tasks go back to the queue, uncounted (the task did not fail; its
//! machine went away), for other workers to resume on the branch as far as it reached the
//! czar's repository. Its workers are written off until it is back, and then start afresh, so
//! an old agent never goes on with a task that is now elsewhere.

use super::command::{Command, EventKind};
use super::model::{AgentState, HostHealth, HostState, Model, WorkerId};

/// A host's link as last seen: `up`, or unreachable since `since`.
pub(super) fn seen(
    model: &mut Model,
    host: &str,
    up: bool,
    since: u64,
    now: u64,
    out: &mut Vec<Command>,
) {
    let was = model.hosts.get(host).copied().unwrap_or_default();
    let record = |kind, detail: String, out: &mut Vec<Command>| {
        out.push(Command::record(
            None,
            None,
            kind,
            format!("{host}: {detail}"),
        ));
    };
    match (up, was.state) {
        (true, HostState::Up) | (false, HostState::Reconnecting | HostState::Down) => return,
        (true, HostState::Reconnecting) => record(
            EventKind::HostUp,
            format!("reconnected after {}", secs(now.saturating_sub(was.since))),
            out,
        ),
        (true, HostState::Down) => record(
            EventKind::HostUp,
            "back; its workers start afresh".to_string(),
            out,
        ),
        (false, HostState::Up) => record(
            EventKind::HostDown,
            format!(
                "unreachable, reconnecting; its tasks go back to the queue after {}",
                secs(grace(model, host))
            ),
            out,
        ),
    }
    let health = if up {
        HostHealth {
            state: HostState::Up,
            since: now,
        }
    } else {
        HostHealth {
            state: HostState::Reconnecting,
            since: since.min(now),
        }
    };
    model.hosts.insert(host.to_string(), health);
}

/// Hosts unreachable for longer than their grace are down: their tasks go back to the queue.
pub(super) fn past_grace(model: &mut Model, now: u64, out: &mut Vec<Command>) {
    let due: Vec<(String, u64)> = model
        .hosts
        .iter()
        .filter(|(_, h)| h.state == HostState::Reconnecting)
        .filter(|(name, h)| now.saturating_sub(h.since) >= grace(model, name))
        .map(|(name, h)| (name.clone(), h.since))
        .collect();
    for (host, since) in due {
        down(model, &host, since, now, out);
    }
}

fn down(model: &mut Model, host: &str, since: u64, now: u64, out: &mut Vec<Command>) {
    model.hosts.insert(
        host.to_string(),
        HostHealth {
            state: HostState::Down,
            since,
        },
    );
    let why = format!(
        "host {host} unreachable for {} (grace {})",
        secs(now.saturating_sub(since)),
        secs(grace(model, host))
    );
    let workers: Vec<WorkerId> = model
        .workers
        .values()
        .filter(|w| w.host.as_deref() == Some(host))
        .map(|w| w.id)
        .collect();
    let mut given = Vec::new();
    for id in workers {
        model.held_input.remove(&id);
        let Some(w) = model.workers.get_mut(&id) else {
            continue;
        };
        let task = w.let_go();
        w.branch = None;
        w.live = false;
        w.starting = false;
        // Written off, not crashed: no restart is counted, and a listing that still shows its
        // old session (the host back) does not adopt it; it starts afresh once the host is up.
        w.set_agent(
            AgentState::Error,
            &format!("{why}; starts afresh when it is back"),
            now,
        );
        if let Some(task) = task {
            super::outcome::give_back(model, &task, &why, out);
            if let Some(t) = model.tasks.get_mut(&task) {
                // The attempt was the host's, not the task's: it does not use one up.
                t.attempts = t.attempts.saturating_sub(1);
            }
            given.push(task);
        }
    }
    let detail = if given.is_empty() {
        format!("{why}; it held no task")
    } else {
        format!("{why}; gave back {}", given.join(", "))
    };
    out.push(Command::record(None, None, EventKind::HostDown, detail));
}

fn grace(model: &Model, host: &str) -> u64 {
    model
        .policy
        .hosts
        .iter()
        .find(|h| h.name == host)
        .map_or(120_000, |h| h.grace_ms)
}

fn secs(ms: u64) -> String {
    format!("{}s", ms / 1000)
}
