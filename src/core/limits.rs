//! Things that should have ended by now and will not end by themselves: a question nobody
//! answers, and a rate limit the agent's client gave up on (it then waits for a new message
//! forever). A limit belongs to an account: while one of its agents is limited, its other
//! workers take no new work; at the reset time shown (or after a doubling backoff) the agents
//! that gave up are told to go on.

use super::command::{Command, EventKind};
use super::model::{AccountLimit, AgentState, Model, OnWaiting, TaskState, Worker, WorkerId};

/// The account a starting worker of `profile` runs on: of the profile's accounts, the one with
/// the fewest other workers, an account under a limit only when all are. Its current account
/// is kept while no other has fewer workers.
pub(super) fn pick_account(model: &Model, profile: &str, id: WorkerId) -> Option<String> {
    let names = model.policy.accounts.get(profile)?;
    let count = |name: &str| {
        model
            .workers
            .values()
            .filter(|w| w.id != id && !w.retired && w.profile == profile)
            .filter(|w| w.vitals.tokens.account.as_deref() == Some(name))
            .count()
    };
    let held = |name: &str| {
        model
            .limits
            .get(&format!("{profile}/{name}"))
            .is_some_and(|l| l.holding)
    };
    let current = model
        .workers
        .get(&id)
        .and_then(|w| w.vitals.tokens.account.clone());
    names
        .iter()
        .min_by_key(|n| (held(n), count(n), current.as_deref() != Some(n.as_str())))
        .cloned()
}

/// The note sent when a limit the client gave up on has passed.
const RESEND: &str = "The API refused your last request (rate limit). The limit has passed: \
    go on with the task from where you left off.";

/// A new reading of worker `id`: a client that gave up on a rate limit puts its account under
/// a limit; an agent working again lifts it.
pub(super) fn seen(model: &mut Model, id: WorkerId, now: u64, out: &mut Vec<Command>) {
    let Some(w) = model.workers.get(&id) else {
        return;
    };
    let account = w.account();
    // A turn that ended, or a question about a tool call: the API answered. Busy is no proof:
    // a client sending again looks busy until it is refused.
    let answered = matches!(
        w.agent,
        AgentState::Idle | AgentState::Done | AgentState::Waiting
    );
    if answered {
        if model.limits.get(&account).is_some_and(|l| l.until <= now) {
            model.limits.remove(&account);
            out.push(Command::record(
                Some(id),
                w.task.as_deref(),
                EventKind::RateLimit,
                format!("account {account}: the API answers again"),
            ));
        }
        return;
    }
    let gave_up = gave_up(model, w, now) && new_give_up(model, w);
    if !gave_up || w.delivery.is_some() || model.limits.get(&account).is_some_and(|l| l.until > now)
    {
        return;
    }
    let detail = w.vitals.said.detail.clone().unwrap_or_default();
    let tries = model.limits.get(&account).map_or(0, |l| l.tries) + 1;
    let p = &model.policy.limits;
    let backoff = (p.backoff_ms << (tries - 1).min(16)).min(p.backoff_max_ms.max(p.backoff_ms));
    let wait = reset_in_ms(&detail).unwrap_or(backoff);
    let task = w.task.clone();
    model.limits.insert(
        account.clone(),
        AccountLimit {
            until: now + wait,
            tries,
            why: detail.clone(),
            holding: true,
        },
    );
    out.push(Command::record(
        Some(id),
        task.as_deref(),
        EventKind::RateLimit,
        format!(
            "account {account} limited, the client gave up ({detail}); no new work on it for {}s, then the agent is told to go on (limit {tries} in a row)",
            wait / 1000
        ),
    ));
    fail_over(model, id, &account, &detail, out);
}

/// A quota on one account of a profile that has others: the task goes back to the queue for a
/// worker of another account, on the same branch, with a note saying why.
fn fail_over(model: &mut Model, id: WorkerId, account: &str, detail: &str, out: &mut Vec<Command>) {
    let Some(w) = model.workers.get(&id) else {
        return;
    };
    let profile = w.profile.clone();
    let others = model.policy.accounts.get(&profile).is_some_and(|names| {
        names.iter().any(|n| {
            let other = format!("{profile}/{n}");
            other != account && !model.limits.get(&other).is_some_and(|l| l.holding)
        })
    });
    let Some(task) = w.task.clone() else { return };
    let movable = model
        .tasks
        .get(&task)
        .is_some_and(|t| t.state == TaskState::Working && t.held_by.is_none());
    let free = super::queue::idle_workers(model);
    // Or another profile the task accepts can take it now (its routing list).
    let elsewhere = model
        .tasks
        .get(&task)
        .is_some_and(|t| super::route::elsewhere(model, &t.def, &profile, &free));
    if !(others || elsewhere) || !movable {
        return;
    }
    if let Some(w) = model.workers.get_mut(&id) {
        w.let_go();
    }
    let why = format!(
        "account {account} hit a rate limit its client gave up on ({detail}); moved to {}",
        if others {
            format!("another account of {profile}")
        } else {
            "another profile it accepts".to_string()
        }
    );
    out.push(Command::record(
        Some(id),
        Some(&task),
        EventKind::RateLimit,
        why.clone(),
    ));
    super::outcome::give_back(model, &task, &why, out);
}

/// Time passing for worker `id`: a limit past its time is resent, a question past its limit
/// gets what the policy says.
pub(super) fn tick(model: &mut Model, id: WorkerId, now: u64, out: &mut Vec<Command>) {
    resend(model, id, now, out);
    waiting(model, id, now, out);
    never_ready(model, id, now, out);
    // A give-up that has only now held long enough (no new screen needs to come for it): the
    // account's first, or one that began after its last limit was over (limits in a row).
    let fresh = model
        .workers
        .get(&id)
        .is_some_and(|w| new_give_up(model, w));
    if fresh {
        seen(model, id, now, out);
    }
}

/// The worker's client gave up, and not on the limit its account is (or was) under: there is
/// none, or the give-up began after that one was over (the agent was told to go on and was
/// refused again). A give-up from before is the one the resend answers.
fn new_give_up(model: &Model, w: &Worker) -> bool {
    let Some(since) = w.vitals.said.gave_up else {
        return false;
    };
    model
        .limits
        .get(&w.account())
        .is_none_or(|l| since > l.until)
}

/// An agent that came up but never showed a screen its profile reads (an unknown start-up
/// screen) sits in `starting` for ever: say so after the ready timeout, and again after each.
fn never_ready(model: &mut Model, id: WorkerId, now: u64, out: &mut Vec<Command>) {
    let limit = model.policy.delivery.ready_timeout_ms;
    let Some(w) = model.workers.get_mut(&id) else {
        return;
    };
    if w.agent != AgentState::Starting || !w.live || w.starting || limit == 0 {
        return;
    }
    let last = w.vitals.said.reminded_at.unwrap_or(w.since);
    if now.saturating_sub(w.since) < limit || now.saturating_sub(last) < limit {
        return;
    }
    w.vitals.said.reminded_at = Some(now);
    let what = if w.last_line.is_empty() {
        "nothing it could read".to_string()
    } else {
        format!("last line {:?}", w.last_line)
    };
    out.push(Command::record(
        Some(id),
        w.task.as_deref(),
        EventKind::Waiting,
        format!(
            "not at its prompt after {}s, on a screen its profile does not read ({what}): look at it",
            now.saturating_sub(w.since) / 1000
        ),
    ));
}

/// A limit past its time holds the account only while an agent of it is still limited; then
/// it takes work again (the limit is remembered until the API answers, for the backoff).
pub(super) fn expire(model: &mut Model, now: u64) {
    let stalled: Vec<String> = model
        .workers
        .values()
        .filter(|w| w.agent == AgentState::RateLimited && w.task.is_some())
        .map(|w| w.account())
        .collect();
    for (account, l) in model.limits.iter_mut() {
        l.holding = l.until > now || stalled.contains(account);
    }
}

/// Rate-limited, and its client's give-up has shown unbroken for the profile's ready settle time:
/// a client that draws its prompt for a moment between retries (Aider) has not given up.
fn gave_up(model: &Model, w: &Worker, now: u64) -> bool {
    let settle = model.policy.delivery.agent(&w.profile).ready_settle_ms;
    w.agent == AgentState::RateLimited && w.vitals.said.gave_up.is_some_and(|t| now >= t + settle)
}

fn resend(model: &mut Model, id: WorkerId, now: u64, out: &mut Vec<Command>) {
    let Some(w) = model.workers.get(&id) else {
        return;
    };
    let Some(limit) = model.limits.get(&w.account()).filter(|l| l.holding) else {
        return;
    };
    let working = w
        .task
        .as_ref()
        .and_then(|t| model.tasks.get(t))
        .is_some_and(|t| t.state == TaskState::Working);
    // Only the give-up this limit was for: a later one is a new limit (see `new_give_up`).
    let gave_up = gave_up(model, w, now) && !new_give_up(model, w);
    if now < limit.until || !working || !gave_up || w.delivery.is_some() {
        return;
    }
    let note = model
        .policy
        .delivery
        .agent(&w.profile)
        .resend
        .unwrap_or_else(|| RESEND.to_string());
    let why = limit.why.clone();
    out.push(Command::record(
        Some(id),
        w.task.as_deref(),
        EventKind::RateLimit,
        format!("the limit should have passed ({why}): telling the agent to go on"),
    ));
    // Until the agent is seen again, this limit is not the one it gives up on.
    if let Some(w) = model.workers.get_mut(&id) {
        w.vitals.said.gave_up = None;
    }
    super::delivery::begin(model, id, Some(note), now, out);
}

/// A question that no rule answers: announced when it shows (see `alert`), and past the
/// limit reminded, handed back or failed.
fn waiting(model: &mut Model, id: WorkerId, now: u64, out: &mut Vec<Command>) {
    let policy = model.policy.limits.clone();
    let Some(w) = model.workers.get(&id) else {
        return;
    };
    let Some(task) = w.task.clone() else { return };
    let Some((question, since)) = w.vitals.said.asked.clone() else {
        return;
    };
    if w.agent != AgentState::Waiting || policy.waiting_ms == 0 {
        return;
    }
    let waited = now.saturating_sub(since);
    let last = w.vitals.said.reminded_at.unwrap_or(since);
    if waited < policy.waiting_ms || now.saturating_sub(last) < policy.waiting_ms {
        return;
    }
    let why = format!("waited {}s on: {question}", waited / 1000);
    match policy.on_waiting {
        OnWaiting::Remind => {
            if let Some(w) = model.workers.get_mut(&id) {
                w.vitals.said.reminded_at = Some(now);
            }
            out.push(Command::record(
                Some(id),
                Some(&task),
                EventKind::Waiting,
                format!("still {why}"),
            ));
        }
        OnWaiting::Requeue | OnWaiting::Fail => {
            out.push(Command::PressKeys {
                worker: id,
                keys: vec!["Escape".into()],
            });
            if let Some(w) = model.workers.get_mut(&id) {
                w.let_go();
                w.vitals.said.asked = None;
                w.vitals.said.reminded_at = None;
            }
            if policy.on_waiting == OnWaiting::Fail {
                let reason = format!("the agent asked a question nobody answered: {why}");
                super::outcome::fail(model, &task, &reason, now, out);
            } else {
                super::outcome::requeue(model, &task, &why, now, out);
            }
        }
    }
}

/// After each reading of worker `id`: a question no rule answers is announced the moment it
/// shows, also when it follows a dialog that was answered (the agent never left `waiting`).
pub(super) fn alert(model: &mut Model, id: WorkerId, now: u64, out: &mut Vec<Command>) {
    let Some(w) = model.workers.get_mut(&id) else {
        return;
    };
    if w.agent != AgentState::Waiting || w.vitals.dialog.is_some() {
        w.vitals.said.asked = None;
        w.vitals.said.reminded_at = None;
        return;
    }
    let q = question(w);
    if w.vitals.said.asked.as_ref().is_some_and(|(a, _)| *a == q) {
        return;
    }
    w.vitals.said.asked = Some((q.clone(), now));
    w.vitals.said.reminded_at = None;
    let task = w.task.clone();
    out.push(Command::record(
        Some(id),
        task.as_deref(),
        EventKind::Waiting,
        format!("needs an answer: {q}"),
    ));
}

fn question(w: &Worker) -> String {
    w.vitals
        .said
        .detail
        .clone()
        .unwrap_or_else(|| w.last_line.clone())
}

/// "try again in 5 minutes", "resets in 2h", "retry after 30s": how long, in ms. A clock time
/// ("resets at 3pm") is left to the backoff: its time zone is the agent's to know. So is a
/// client's own retry delay ("retrying in 14s", Aider's "Retrying in 0.5 seconds..."): it says
/// when the client meant to try again, not when the limit resets, and once the client gave up
/// it is stale. Fractions count ("1.5 minutes" is 90 s), never read as their whole part.
pub fn reset_in_ms(detail: &str) -> Option<u64> {
    let lower = detail.to_lowercase();
    let at = ["try again in ", "resets in ", "reset in ", "retry after "]
        .iter()
        .find_map(|k| lower.find(k).map(|i| i + k.len()))?;
    let rest = &lower[at..];
    let number: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let n: f64 = number.trim_end_matches('.').parse().ok()?;
    let unit = rest[number.len()..].trim_start();
    let secs = if unit.starts_with('h') {
        n * 3600.0
    } else if unit.starts_with("m") && !unit.starts_with("ms") {
        n * 60.0
    } else {
        n
    };
    // Whole milliseconds, rounded up: a limit is never waited out early.
    Some((secs * 1000.0).ceil() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_times_are_read_in_their_units() {
        assert_eq!(reset_in_ms("Please try again in 5 minutes."), Some(300_000));
        assert_eq!(reset_in_ms("limit resets in 2h"), Some(7_200_000));
        assert_eq!(reset_in_ms("try again in 1.5 minutes"), Some(90_000));
        assert_eq!(reset_in_ms("retry after 0.5s"), Some(500));
        assert_eq!(reset_in_ms("retrying in 14s · attempt 6/10"), None);
        assert_eq!(reset_in_ms("Retrying in 0.5 seconds..."), None);
        assert_eq!(reset_in_ms("resets at 3pm"), None);
        assert_eq!(reset_in_ms("API Error: Request rejected (429)"), None);
    }
}
