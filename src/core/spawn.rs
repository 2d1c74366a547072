//! Failure storms: an agent that cannot start (its program missing, a bad tmux socket, a
//! command that exits at once) must not be started again and again. Per agent profile: a
//! doubling wait after each failed start, a breaker that marks the profile unavailable after
//! `breaker_after` failures in a row, and a hard cap on starts per minute that holds whatever
//! else goes wrong. The core decides all of it from the times it is given; the engine only starts
//! what `ensure_workers` asks for, and the engine's tick lets waits run out.

use super::command::{Command, EventKind};
use super::model::{Model, Unavailable, WorkerId};

/// The window the start cap counts in.
pub const CAP_WINDOW_MS: u64 = 60_000;

/// Whether a worker of a profile may start now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Go,
    /// Later: a backoff, a start in flight, or the cap.
    Wait,
    /// The profile is unavailable and no probe is due.
    Closed,
}

/// Most starts one profile may have in a minute: the fleet plus some spare for restarts.
pub fn start_cap(model: &Model) -> usize {
    (model.policy.workers + model.policy.spawn.spare_starts_per_minute).max(1) as usize
}

/// May a worker of `profile` start at `now`? A `Go` must be followed by [`started`].
pub(super) fn gate(model: &mut Model, profile: &str, now: u64, out: &mut Vec<Command>) -> Gate {
    let cap = start_cap(model);
    // While starts keep failing, one at a time: each wait ends in a single try, not a burst.
    let trying = model.workers.values().any(|w| {
        w.profile == profile
            && !w.retired
            && (w.starting || (w.live && w.vitals.launched_at.is_some()))
    });
    let h = model.profiles.entry(profile.to_string()).or_default();
    if let Some(u) = &h.unavailable {
        let due = u.probe_at.is_some_and(|t| now >= t);
        if !due || u.probing || trying {
            return Gate::Closed;
        }
    } else if now < h.next_start_at || (h.failures > 0 && trying) {
        return Gate::Wait;
    }
    h.recent_starts
        .retain(|t| now.saturating_sub(*t) < CAP_WINDOW_MS);
    if h.recent_starts.len() >= cap {
        let window_start = now.saturating_sub(CAP_WINDOW_MS);
        if h.throttled_at.is_none_or(|t| t < window_start) {
            h.throttled_at = Some(now);
            out.push(Command::record(
                None,
                None,
                EventKind::Throttled,
                format!(
                    "the {profile} agent was started {} times in the last minute, the most \
                     allowed; the next start waits",
                    h.recent_starts.len()
                ),
            ));
        }
        return Gate::Wait;
    }
    Gate::Go
}

/// A start of `profile` was asked for at `now`.
pub(super) fn started(model: &mut Model, profile: &str, now: u64) {
    let h = model.profiles.entry(profile.to_string()).or_default();
    h.recent_starts.push(now);
    if let Some(u) = h.unavailable.as_mut() {
        u.probing = true;
    }
}

/// A start of `profile` failed: the session could not be made, or the agent did not stay up.
/// The next start waits twice as long as the last; `breaker_after` in a row close the profile.
pub(super) fn failed(
    model: &mut Model,
    worker: WorkerId,
    profile: &str,
    cause: &str,
    now: u64,
    out: &mut Vec<Command>,
) {
    let p = model.policy.spawn.clone();
    let h = model.profiles.entry(profile.to_string()).or_default();
    h.failures += 1;
    let wait = p
        .backoff_ms
        .saturating_mul(1u64 << (h.failures - 1).min(20))
        .min(p.backoff_max_ms);
    h.next_start_at = now.saturating_add(wait);
    h.last_failure = Some((worker, cause.to_string()));
    if let Some(u) = h.unavailable.as_mut() {
        // A probe that failed: the profile stays closed, and the next probe waits longer.
        u.probing = false;
        u.probes += 1;
        u.cause = cause.to_string();
        u.worker = worker;
        u.probe_at = p
            .probe_after_ms
            .map(|ms| now.saturating_add(ms.saturating_mul(1 << u.probes.min(4))));
        return;
    }
    if h.failures < p.breaker_after {
        return;
    }
    h.unavailable = Some(Unavailable {
        since: now,
        cause: cause.to_string(),
        worker,
        probes: 0,
        probe_at: p.probe_after_ms.map(|ms| now.saturating_add(ms)),
        probing: false,
    });
    let retry = match p.probe_after_ms {
        Some(ms) => format!("; one probe start in {} s", ms / 1000),
        None => String::new(),
    };
    out.push(Command::record(
        Some(worker),
        None,
        EventKind::ProfileUnavailable,
        format!(
            "the {profile} agent is unavailable after {} failed starts in a row{retry}: {cause}",
            h.failures
        ),
    ));
}

/// An agent of `profile` came up (it showed its screen, or stayed up): starts succeed again.
pub(super) fn came_up(
    model: &mut Model,
    worker: WorkerId,
    profile: &str,
    now: u64,
    out: &mut Vec<Command>,
) {
    let Some(h) = model.profiles.get_mut(profile) else {
        return;
    };
    h.failures = 0;
    h.next_start_at = now;
    if let Some(u) = h.unavailable.take() {
        out.push(Command::record(
            Some(worker),
            None,
            EventKind::ProfileAvailable,
            format!(
                "the {profile} agent started and works again (unavailable for {} s)",
                now.saturating_sub(u.since) / 1000
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{Policy, Worker};

    fn model(probe: Option<u64>) -> Model {
        let mut policy = Policy {
            workers: 1,
            ..Policy::default()
        };
        policy.spawn.probe_after_ms = probe;
        Model::new("p", "main", policy)
    }

    fn events(out: &[Command], kind: EventKind) -> usize {
        out.iter()
            .filter(|c| matches!(c, Command::Record(e) if e.kind == kind))
            .count()
    }

    #[test]
    fn each_failure_doubles_the_wait_up_to_the_cap() {
        let mut m = model(None);
        let mut out = Vec::new();
        m.policy.spawn.breaker_after = 100;
        let mut waits = Vec::new();
        for i in 0..9 {
            let now = 1_000_000 * (i + 1);
            failed(&mut m, 1, "x", "exit 127", now, &mut out);
            waits.push(m.profiles["x"].next_start_at - now);
        }
        assert_eq!(
            waits,
            [
                1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000
            ]
        );
        let now = 9_000_000;
        assert_eq!(gate(&mut m, "x", now + 59_999, &mut out), Gate::Wait);
        assert_eq!(gate(&mut m, "x", now + 60_000, &mut out), Gate::Go);
        came_up(&mut m, 1, "x", now + 70_000, &mut out);
        assert_eq!(m.profiles["x"].failures, 0);
        failed(&mut m, 1, "x", "exit 127", now + 80_000, &mut out);
        assert_eq!(m.profiles["x"].next_start_at, now + 81_000, "back to 1 s");
        assert!(out.is_empty(), "no event for single failures: {out:?}");
    }

    #[test]
    fn while_failing_only_one_start_is_in_flight() {
        let mut m = model(None);
        let mut out = Vec::new();
        failed(&mut m, 1, "x", "gone", 0, &mut out);
        m.workers.insert(
            2,
            Worker {
                id: 2,
                profile: "x".into(),
                starting: true,
                ..Worker::default()
            },
        );
        assert_eq!(gate(&mut m, "x", 5_000, &mut out), Gate::Wait);
        m.workers.get_mut(&2).unwrap().starting = false;
        assert_eq!(gate(&mut m, "x", 5_000, &mut out), Gate::Go);
    }

    #[test]
    fn the_breaker_opens_once_and_a_headless_run_never_probes() {
        let mut m = model(None);
        let mut out = Vec::new();
        for i in 0..10 {
            failed(
                &mut m,
                1,
                "x",
                &format!("exit 127 #{i}"),
                i * 100_000,
                &mut out,
            );
        }
        assert_eq!(events(&out, EventKind::ProfileUnavailable), 1);
        let u = m.profiles["x"].unavailable.clone().unwrap();
        assert_eq!(u.since, 300_000);
        assert_eq!(u.cause, "exit 127 #9", "the latest cause");
        assert!(!m.profile_available("x") && m.profile_available("y"));
        assert_eq!(gate(&mut m, "x", u64::MAX / 2, &mut out), Gate::Closed);
    }

    #[test]
    fn a_watching_czar_probes_once_after_a_long_wait_and_reopens_on_success() {
        let mut m = model(Some(300_000));
        let mut out = Vec::new();
        for i in 0..4 {
            failed(&mut m, 1, "x", "exit 127", i, &mut out);
        }
        assert_eq!(gate(&mut m, "x", 299_000, &mut out), Gate::Closed);
        assert_eq!(gate(&mut m, "x", 300_003, &mut out), Gate::Go);
        started(&mut m, "x", 300_003);
        assert_eq!(
            gate(&mut m, "x", 300_004, &mut out),
            Gate::Closed,
            "one probe at a time"
        );
        // The probe fails: closed again, the next probe twice as far off, no new event.
        failed(&mut m, 1, "x", "exit 127", 301_000, &mut out);
        assert_eq!(
            m.profiles["x"].unavailable.as_ref().unwrap().probe_at,
            Some(301_000 + 600_000)
        );
        assert_eq!(gate(&mut m, "x", 900_000, &mut out), Gate::Closed);
        assert_eq!(gate(&mut m, "x", 901_000, &mut out), Gate::Go);
        started(&mut m, "x", 901_000);
        came_up(&mut m, 1, "x", 902_000, &mut out);
        assert!(m.profile_available("x"));
        assert_eq!(events(&out, EventKind::ProfileUnavailable), 1);
        assert_eq!(events(&out, EventKind::ProfileAvailable), 1);
    }

    #[test]
    fn the_cap_holds_starts_back_with_one_event_per_window() {
        let mut m = model(None);
        let mut out = Vec::new();
        let cap = start_cap(&m);
        assert_eq!(cap, 11);
        for i in 0..cap as u64 {
            assert_eq!(gate(&mut m, "x", i, &mut out), Gate::Go);
            started(&mut m, "x", i);
        }
        for now in [cap as u64, 30_000, 59_999] {
            assert_eq!(gate(&mut m, "x", now, &mut out), Gate::Wait);
        }
        assert_eq!(events(&out, EventKind::Throttled), 1);
        assert_eq!(
            gate(&mut m, "x", 60_000, &mut out),
            Gate::Go,
            "the first start left the window"
        );
    }
}
