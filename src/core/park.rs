//! Tasks no agent can run: while the profile a task needs is unavailable (its breaker is open,
//! see `spawn`), or every worker that could take it was retired, the task is parked with that
//! reason. A run that will never try the profile again (`czar --auto`, which must end) fails
//! such tasks and their dependents instead; the next czar checks the agents before it starts
//! and tries them again.

use super::command::{Command, EventKind};
use super::model::{Model, Task, TaskId, TaskState, Worker};
use super::queue;

/// Parks, unparks or fails the ready tasks by whether any agent can run them.
pub(super) fn review(model: &mut Model, now: u64, out: &mut Vec<Command>) {
    let troubled = model.profiles.values().any(|h| h.unavailable.is_some())
        || model.workers.values().any(|w| w.retired)
        || model.tasks.values().any(|t| t.unrunnable.is_some())
        // A task placed by labels may have no worker anywhere that may take it.
        || model.tasks.values().any(|t| !t.def.labels.is_empty());
    if !troubled {
        return;
    }
    let park = model.policy.spawn.probe_after_ms.is_some();
    let verdicts: Vec<(TaskId, Option<String>)> = queue::ready_tasks(model)
        .into_iter()
        .map(|id| {
            let why = model.tasks.get(&id).and_then(|t| blocked(model, t));
            (id, why)
        })
        .collect();
    for (id, why) in verdicts {
        let Some(t) = model.tasks.get_mut(&id) else {
            continue;
        };
        match why {
            None => {
                if t.unrunnable.take().is_some() {
                    t.reason = None;
                }
            }
            Some(why) if park => {
                if t.unrunnable.as_ref() != Some(&why) {
                    t.reason = Some(format!("parked: {why}"));
                    t.unrunnable = Some(why);
                }
            }
            Some(why) => {
                let reason = format!("no agent can run it: {why}");
                t.unrunnable = Some(why);
                super::outcome::fail(model, &id, &reason, now, out);
            }
        }
    }
    if park {
        return;
    }
    // What needs them can never run either; marked the same, so the next czar tries it again.
    for (id, need) in queue::doomed_by_failure(model) {
        let Some(why) = model.tasks.get(&need).and_then(|n| n.unrunnable.clone()) else {
            continue;
        };
        if let Some(t) = model.tasks.get_mut(&id) {
            t.unrunnable = Some(why);
        }
        let reason = format!("it needs `{need}`, which no agent can run");
        super::outcome::fail(model, &id, &reason, now, out);
    }
}

/// A new czar (which checked the agents before it started) tries again what the last one could
/// not run: failed for that reason, such tasks are pending again.
pub(super) fn revive(model: &mut Model, out: &mut Vec<Command>) {
    for t in model.tasks.values_mut() {
        let Some(why) = t.unrunnable.take() else {
            continue;
        };
        if t.state == TaskState::Failed {
            t.state = TaskState::Pending;
            t.worker = None;
            t.times.finished = None;
            let reason = format!("tried again: the last run had no agent to run it ({why})");
            out.push(Command::record(
                None,
                Some(&t.def.id),
                EventKind::Requeued,
                reason.clone(),
            ));
            t.reason = Some(reason);
        } else {
            t.reason = None;
        }
    }
}

/// Why no agent can run `t`, if none can.
fn blocked(model: &Model, t: &Task) -> Option<String> {
    let list = super::route::candidates(model, &t.def);
    let placed = |w: &Worker| super::route::misplaced(model, &t.def, w.id).is_none();
    let nowhere = || {
        let labels = t.def.labels.join(", ");
        format!("no worker it accepts runs on a host with its labels ({labels})")
    };
    if super::route::any(&t.def) {
        // Any worker may take it, of whatever profile, where its labels allow.
        if model.workers.values().any(|w| runs(model, w) && placed(w)) {
            return None;
        }
        let runnable = model.workers.values().any(|w| runs(model, w));
        return Some(if runnable {
            nowhere()
        } else {
            why(model, &model.policy.default_profile)
        });
    }
    let can = |p: &String| {
        let mut theirs = model.workers.values().filter(|w| &w.profile == p);
        let any_runs = theirs.clone().any(|w| runs(model, w) && placed(w));
        // None left at all: one is added for the task while the profile is available (here,
        // which declares no labels).
        let addable =
            t.def.labels.is_empty() && !theirs.any(|w| !w.retired) && model.profile_available(p);
        any_runs || addable
    };
    if list.is_empty() {
        return Some("no profile it names declares every tag it requires".to_string());
    }
    if list.iter().any(can) {
        return None;
    }
    let runnable = |p: &String| {
        let theirs = model.workers.values().filter(|w| &w.profile == p);
        theirs.clone().any(|w| runs(model, w)) || model.profile_available(p)
    };
    if !t.def.labels.is_empty() && list.iter().any(runnable) {
        return Some(nowhere());
    }
    let whys: Vec<String> = list.iter().map(|p| why(model, p)).collect();
    Some(whys.join("; "))
}

/// The worker can take tasks now or later: its agent is up, or it will be (re)started.
fn runs(model: &Model, w: &Worker) -> bool {
    let up = w.live && !w.starting && w.vitals.launched_at.is_none();
    !w.retired && (up || model.profile_available(&w.profile))
}

fn why(model: &Model, profile: &str) -> String {
    match model
        .profiles
        .get(profile)
        .and_then(|h| h.unavailable.as_ref())
    {
        Some(u) => format!("the {profile} agent is unavailable: {}", u.cause),
        None => format!("no {profile} worker is left (each was retired or killed)"),
    }
}
