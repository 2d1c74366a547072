//! The landing queue: which finished task lands next (one at a time, each only after every
//! task it `needs` has landed), and what a conflict or a failing verify after the merge sends
//! back to whom. Every step is set on the task (and so stored) before the engine carries it out.

use super::command::{Command, EventKind};
use super::land_return::{send_back, send_back_as};
use super::land_state::{land_command, ready_to_land, set, state_of, wait};
pub use super::land_state::{landed_branches, only_waits_left};
use super::model::{LandMode, Landing, Model, TaskState};
use super::observation::{MergeOutcome, MoveOutcome};

const CONFLICT_TEMPLATE: &str = include_str!("../../prompts/land_conflict.md");
const VERIFY_TEMPLATE: &str = include_str!("../../prompts/land_verify.md");

pub use super::land_state::RETRY_MS;

/// The task that lands next, if none is landing now: done, queued (or waiting and due again),
/// every need landed; the earliest done first.
pub fn next_to_land(model: &Model, now: u64) -> Option<String> {
    let landing = model.tasks.values().filter_map(|t| t.land.as_ref());
    if landing.clone().any(|l| l.state.in_flight()) {
        return None;
    }
    let ready = ready_to_land(model, now);
    super::predict::next_landing(model, &ready, last_landed(model).as_deref())
}

/// The task that landed most recently.
fn last_landed(model: &Model) -> Option<String> {
    model
        .tasks
        .values()
        .filter_map(|t| match t.land.as_ref().map(|l| &l.state) {
            Some(Landing::Landed { at, .. }) => Some((*at, t.def.id.clone())),
            _ => None,
        })
        .max()
        .map(|(_, id)| id)
}

/// Starts the next landing, if one is due.
pub(super) fn start_next(model: &mut Model, now: u64, out: &mut Vec<Command>) {
    let mode = model.policy.land.mode;
    if !mode.is_on() {
        return;
    }
    let Some(id) = next_to_land(model, now) else {
        return;
    };
    if mode == LandMode::Pr {
        return super::land_pr::open(model, &id, out);
    }
    let batch = super::land_batch::next_batch(model, &id, now);
    if batch.len() > 1 {
        return super::land_batch::start(model, batch, out);
    }
    if let Some(rec) = model.tasks.get_mut(&id).and_then(|t| t.land.as_mut()) {
        rec.state = Landing::Merging;
        rec.asked = false;
    }
    out.push(Command::record(
        None,
        Some(&id),
        EventKind::Landing,
        format!("merging onto {}", model.policy.land.into),
    ));
    out.push(land_command(model, &id));
}

pub(super) fn merged(
    model: &mut Model,
    task: &str,
    outcome: MergeOutcome,
    now: u64,
    out: &mut Vec<Command>,
) {
    if state_of(model, task) != Some(Landing::Merging) {
        return;
    }
    if let Some(members) = super::land_batch::members(model, task) {
        return super::land_batch::merged(model, &members, outcome, now, out);
    }
    match outcome {
        MergeOutcome::Clean { from, to } => {
            set(
                model,
                task,
                Landing::Moving {
                    from: from.clone(),
                    to: to.clone(),
                },
            );
            out.push(Command::MoveTarget {
                task: task.to_string(),
                into: model.policy.land.into.clone(),
                from,
                to,
            });
        }
        MergeOutcome::Conflict {
            files,
            hunks,
            landed_first,
        } => {
            let list = |v: &[String]| {
                if v.is_empty() {
                    "(none known)".to_string()
                } else {
                    v.iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            };
            let (files_text, first_text) = (list(&files), list(&landed_first));
            let detail = format!("conflict in {files_text}; landed first: {first_text}");
            let values = [
                ("files", files_text.as_str()),
                ("landed_first", first_text.as_str()),
                ("hunks", hunks.as_str()),
            ];
            send_back(
                model,
                task,
                CONFLICT_TEMPLATE,
                &values,
                files,
                detail,
                now,
                out,
            );
        }
        MergeOutcome::VerifyFailed { command, output } => {
            let since = landed_since(model, task);
            let detail = format!("`{command}` failed on the merged result");
            let values = [
                ("command", command.as_str()),
                ("output", output.as_str()),
                ("landed_first", since.as_str()),
            ];
            send_back(
                model,
                task,
                VERIFY_TEMPLATE,
                &values,
                Vec::new(),
                detail,
                now,
                out,
            );
        }
        MergeOutcome::Failed(why) => wait(model, task, &why, now, out),
    }
}

pub(super) fn moved(
    model: &mut Model,
    task: &str,
    outcome: MoveOutcome,
    now: u64,
    out: &mut Vec<Command>,
) {
    let Some(Landing::Moving { from, to }) = state_of(model, task) else {
        return;
    };
    if let Some(members) = super::land_batch::members(model, task) {
        return super::land_batch::moved(model, &members, (from, to), outcome, now, out);
    }
    match outcome {
        MoveOutcome::Moved => {
            set(
                model,
                task,
                Landing::Landed {
                    commit: to.clone(),
                    from,
                    at: now,
                },
            );
            let into = model.policy.land.into.clone();
            out.push(Command::record(
                None,
                Some(task),
                EventKind::Landed,
                format!("{into} is at {to}"),
            ));
            if !model.policy.land.keep_branches {
                out.push(Command::DeleteBranches {
                    branches: landed_branches(model),
                });
            }
        }
        MoveOutcome::Stale => {
            set(model, task, Landing::Queued);
            out.push(Command::record(
                None,
                Some(task),
                EventKind::LandWaiting,
                "the target moved while this landing was verified; merging again",
            ));
        }
        MoveOutcome::Blocked(why) => wait(model, task, &why, now, out),
    }
}

/// The operator asks for a task to land now: it goes first, and a landing that waits is tried
/// again at once (once: a wait that comes back waits as usual).
pub(super) fn now(model: &mut Model, task: &str, out: &mut Vec<Command>) {
    let detail = match model.tasks.get_mut(task) {
        Some(t) if t.state == TaskState::Done => match t.land.as_mut() {
            Some(rec) if matches!(rec.state, Landing::Queued | Landing::Waiting { .. }) => {
                rec.asked = true;
                "asked to land now: it goes first".to_string()
            }
            Some(rec) => format!("asked to land now; its landing is {}", rec.state.as_str()),
            None => "asked to land now, but landing is off".into(),
        },
        Some(t) => format!("asked to land now, but it is {}", t.state.as_str()),
        None => "asked to land now, but there is no such task".into(),
    };
    out.push(Command::record(
        None,
        Some(task),
        EventKind::Operator,
        detail,
    ));
}

const REJECT_TEMPLATE: &str = include_str!("../../prompts/land_reject.md");

/// The operator rejects a finished task before it landed: it goes back to its agent with the
/// note (bounded like any follow-up). A landing under way, or over, is not taken back.
pub(super) fn reject(model: &mut Model, task: &str, note: &str, now: u64, out: &mut Vec<Command>) {
    let open = matches!(
        state_of(model, task),
        Some(Landing::Queued | Landing::Waiting { .. } | Landing::PrOpen { .. })
    );
    if !open {
        let state = state_of(model, task).map_or("not waiting to land", |s| s.as_str());
        out.push(Command::record(
            None,
            Some(task),
            EventKind::Operator,
            format!("rejection not applied: its landing is {state}"),
        ));
        return;
    }
    let detail = format!(
        "rejected by the operator: {}",
        note.lines().next().unwrap_or("")
    );
    let values = [("note", note)];
    let kind = Some(EventKind::Operator);
    send_back_as(
        model,
        task,
        REJECT_TEMPLATE,
        &values,
        Vec::new(),
        detail,
        now,
        out,
        kind,
    );
}

/// After a restart: a landing under way is done again from its stored step. A merge is redone
/// from scratch (nothing moved yet); a move is asked again, and the compare-and-swap says whether
/// it happened already.
pub(super) fn resume(model: &mut Model, out: &mut Vec<Command>) {
    let ids: Vec<String> = model.tasks.keys().cloned().collect();
    for id in ids {
        let lead = model
            .tasks
            .get(&id)
            .and_then(|t| t.land.as_ref())
            .and_then(|l| l.lead.clone());
        // A batch is redone once, from its lead.
        if lead.as_ref().is_some_and(|l| *l != id) {
            continue;
        }
        match state_of(model, &id) {
            Some(Landing::Merging) if lead.is_some() => {
                out.push(super::land_batch::command(model, &id))
            }
            Some(Landing::Merging) => out.push(land_command(model, &id)),
            Some(Landing::Moving { from, to }) => out.push(Command::MoveTarget {
                task: id.clone(),
                into: model.policy.land.into.clone(),
                from,
                to,
            }),
            Some(Landing::PrOpening) => super::land_pr::open(model, &id, out),
            _ => {}
        }
    }
}

/// Tasks landed since the task's branch began (all landed tasks: the branch knows no better).
fn landed_since(model: &Model, task: &str) -> String {
    let names: Vec<String> = model
        .tasks
        .values()
        .filter(|t| t.def.id != task && model.landed(&t.def.id) && t.land.is_some())
        .map(|t| format!("`{}`", t.def.id))
        .collect();
    if names.is_empty() {
        "(none)".into()
    } else {
        names.join(", ")
    }
}
