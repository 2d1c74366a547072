//! Landing in batches (`land_batch = N`): up to N ready tasks are merged onto the target one
//! after the other in the integration worktree and verified once, and the target moves once for
//! all of them. A batch that conflicts or fails its verify is split: each of its tasks may then
//! land only in batches of half its size, so the next tries take halves, and the task at fault
//! ends up alone, where a failure goes back to its agent as a single landing's does. Every
//! member's record names the batch's lead, so a restart redoes the batch once, from its lead.

use super::command::{Command, EventKind};
use super::land_state::{land_command, landed_branches, ready_to_land, set, wait};
use super::model::{Landing, Model, TaskId};
use super::observation::{MergeOutcome, MoveOutcome};

/// The tasks to land together, `first` (the next to land) leading: the ready tasks in landing
/// order, as many as `land_batch` and every member's cap allow. `first` alone when it was asked
/// for (the operator wants that one now) or batches are off.
pub(super) fn next_batch(model: &Model, first: &str, now: u64) -> Vec<TaskId> {
    let limit = model.policy.land.batch.max(1);
    let rec = |id: &str| model.tasks.get(id).and_then(|t| t.land.as_ref());
    let cap = |id: &str| match rec(id).map_or(0, |l| l.cap) {
        0 => limit,
        c => c.min(limit),
    };
    let mut size = cap(first);
    let mut batch = vec![first.to_string()];
    if size <= 1 || rec(first).is_some_and(|l| l.asked) {
        return batch;
    }
    for id in ready_to_land(model, now) {
        if batch.len() >= size {
            break;
        }
        // Two predicted to conflict would only split the batch: the later one waits.
        if id == first
            || batch
                .iter()
                .any(|m| super::predict::predicted(model, m, &id).is_some())
        {
            continue;
        }
        let s = size.min(cap(&id));
        if batch.len() < s {
            batch.push(id);
            size = s;
        }
    }
    batch
}

/// The members of the batch `lead` leads, lead first; `None` when it leads none.
pub(super) fn members(model: &Model, lead: &str) -> Option<Vec<TaskId>> {
    let led = |t: &&super::model::Task| {
        t.land
            .as_ref()
            .is_some_and(|l| l.lead.as_deref() == Some(lead))
    };
    let mut rest: Vec<TaskId> = model
        .tasks
        .values()
        .filter(led)
        .filter(|t| t.def.id != lead)
        .map(|t| t.def.id.clone())
        .collect();
    if rest.is_empty() {
        return None;
    }
    rest.sort_by_key(|id| {
        let at = model.tasks[id].land.as_ref().map_or(0, |l| l.queued_at);
        (at, id.clone())
    });
    rest.insert(0, lead.to_string());
    Some(rest)
}

/// Starts merging `batch` (lead first): each member is marked, stored, then merged.
pub(super) fn start(model: &mut Model, batch: Vec<TaskId>, out: &mut Vec<Command>) {
    let lead = batch[0].clone();
    for id in &batch {
        if let Some(rec) = model.tasks.get_mut(id).and_then(|t| t.land.as_mut()) {
            rec.state = Landing::Merging;
            rec.asked = false;
            rec.lead = Some(lead.clone());
        }
    }
    out.push(Command::record(
        None,
        Some(&lead),
        EventKind::Landing,
        format!(
            "merging a batch of {} onto {}: {}",
            batch.len(),
            model.policy.land.into,
            batch.join(", ")
        ),
    ));
    out.push(command(model, &lead));
}

/// The batch's merge: the lead's, the other members' branches on top in order, and every
/// member's own verify (each once) before the project's.
pub(super) fn command(model: &Model, lead: &str) -> Command {
    let mut cmd = land_command(model, lead);
    let ids = members(model, lead).unwrap_or_else(|| vec![lead.to_string()]);
    if let Command::Land { verify, also, .. } = &mut cmd {
        let mut own: Vec<String> = Vec::new();
        for id in &ids {
            if let Some(v) = model.tasks.get(id).and_then(|t| t.def.verify.clone())
                && !own.contains(&v)
            {
                own.push(v);
            }
        }
        own.extend(model.policy.land.verify.clone());
        *verify = own;
        *also = ids
            .iter()
            .skip(1)
            .filter_map(|id| model.tasks.get(id))
            .map(|t| {
                (
                    t.branch(),
                    format!("czar: land {}: {}\n", t.def.id, t.def.title),
                )
            })
            .collect();
    }
    cmd
}

/// How big the halves of a failed batch of `size` may be.
pub fn half(size: usize) -> usize {
    (size / 2).max(1)
}

pub(super) fn merged(
    model: &mut Model,
    members: &[TaskId],
    outcome: MergeOutcome,
    now: u64,
    out: &mut Vec<Command>,
) {
    let lead = members[0].clone();
    let why = match outcome {
        MergeOutcome::Clean { from, to } => {
            for id in members {
                let (from, to) = (from.clone(), to.clone());
                set(model, id, Landing::Moving { from, to });
            }
            out.push(Command::MoveTarget {
                task: lead,
                into: model.policy.land.into.clone(),
                from,
                to,
            });
            return;
        }
        MergeOutcome::Failed(why) => {
            disband(model, members, None);
            for id in members {
                wait(model, id, &why, now, out);
            }
            return;
        }
        MergeOutcome::Conflict { files, .. } => format!("conflict in {}", files.join(", ")),
        MergeOutcome::VerifyFailed { command, .. } => format!("`{command}` failed"),
    };
    let cap = half(members.len());
    disband(model, members, Some(cap));
    for id in members {
        set(model, id, Landing::Queued);
    }
    out.push(Command::record(
        None,
        Some(&lead),
        EventKind::Landing,
        format!(
            "the batch {} failed ({why}): split into batches of at most {cap}",
            members.join(", ")
        ),
    ));
}

pub(super) fn moved(
    model: &mut Model,
    members: &[TaskId],
    (from, to): (String, String),
    outcome: MoveOutcome,
    now: u64,
    out: &mut Vec<Command>,
) {
    match outcome {
        MoveOutcome::Moved => {
            disband(model, members, Some(0));
            let into = model.policy.land.into.clone();
            for id in members {
                let state = Landing::Landed {
                    commit: to.clone(),
                    from: from.clone(),
                    at: now,
                };
                set(model, id, state);
                let detail = format!("{into} is at {to} (a batch of {})", members.len());
                out.push(Command::record(None, Some(id), EventKind::Landed, detail));
            }
            if !model.policy.land.keep_branches {
                out.push(Command::DeleteBranches {
                    branches: landed_branches(model),
                });
            }
        }
        MoveOutcome::Stale => {
            disband(model, members, None);
            for id in members {
                set(model, id, Landing::Queued);
            }
            out.push(Command::record(
                None,
                Some(&members[0]),
                EventKind::LandWaiting,
                "the target moved while this batch was verified; merging again",
            ));
        }
        MoveOutcome::Blocked(why) => {
            disband(model, members, None);
            for id in members {
                wait(model, id, &why, now, out);
            }
        }
    }
}

/// The batch is over: no member names a lead any more; `cap` sets their caps when given.
fn disband(model: &mut Model, members: &[TaskId], cap: Option<usize>) {
    for id in members {
        if let Some(rec) = model.tasks.get_mut(id).and_then(|t| t.land.as_mut()) {
            rec.lead = None;
            if let Some(c) = cap {
                rec.cap = c;
            }
        }
    }
}
