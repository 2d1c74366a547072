//! When something outside the czar breaks what it relies on: a worktree folder removed, a task
//! branch deleted or made again without its history. Nothing is counted done on such ground,
//! the operator is told what happened and what was done, and work is kept wherever it still is.

use super::command::{Command, EventKind};
use super::model::{AgentState, BranchInfo, Model, WorkerId};

/// The worker's worktree folder is gone: its agent runs in a folder that no longer exists. The
/// agent is stopped and started again in a worktree made anew, and its task goes back to the
/// queue (its commits stay on its branch). Not the task's fault: no attempt is counted.
pub(super) fn worktree_missing(
    model: &mut Model,
    worker: WorkerId,
    now: u64,
    out: &mut Vec<Command>,
) {
    let Some(w) = model.workers.get_mut(&worker) else {
        return;
    };
    if w.retired || w.starting || !w.live {
        return;
    }
    let task = w.let_go();
    out.push(Command::record(
        Some(worker),
        task.as_deref(),
        EventKind::Repair,
        "its worktree folder was removed: the agent is restarted in a new worktree, and its \
         task goes back to the queue with the commits on its branch",
    ));
    out.push(Command::KillWorker { worker });
    w.live = false;
    w.set_agent(AgentState::Crashed, "its worktree was removed", now);
    if let Some(task) = task {
        super::outcome::give_back(model, &task, "its worker's worktree was removed", out);
    }
}

/// Fresh figures for the worker's task branch; `before` were the last ones. A branch that is
/// gone is made again where its work was; one whose tip no longer descends from where the task
/// began (deleted, then made again by a commit as a new root) is put back there, the stray tip
/// kept under another name, and the task goes back to the queue: its agent's later changes are
/// left in the worktree, where the next attempt's switch saves them as a WIP commit.
pub(super) fn branch_seen(
    model: &mut Model,
    worker: WorkerId,
    before: Option<BranchInfo>,
    now: u64,
    out: &mut Vec<Command>,
) {
    let Some(w) = model.workers.get(&worker) else {
        return;
    };
    let Some(task_id) = w.task.clone() else {
        return;
    };
    let Some(t) = model.tasks.get(&task_id) else {
        return;
    };
    let branch = t.branch();
    let Some(info) = w.branch.as_ref().filter(|b| b.branch == branch) else {
        return;
    };
    if info.own.is_some() {
        return;
    }
    // Where its work was last seen whole, else where the task began.
    let good = before
        .filter(|b| b.branch == branch && b.own.is_some() && !b.tip.is_empty())
        .map(|b| b.tip)
        .or_else(|| t.start.clone());
    let Some(at) = good else {
        return;
    };
    if info.tip.is_empty() {
        out.push(Command::record(
            Some(worker),
            Some(&task_id),
            EventKind::Repair,
            format!("{branch} was deleted: made again at {}", short(&at)),
        ));
        out.push(Command::RepairBranch {
            worker,
            branch,
            at,
            keep: None,
        });
        return;
    }
    let keep = format!("czar/lost/{task_id}-{now}");
    out.push(Command::record(
        Some(worker),
        Some(&task_id),
        EventKind::Repair,
        format!(
            "{branch} lost its history (its tip {} does not descend from {}, where the task's \
             work was): the tip is kept as {keep}, the branch is put back at {}, and the task \
             goes back to the queue",
            short(&info.tip),
            short(&at),
            short(&at)
        ),
    ));
    out.push(Command::RepairBranch {
        worker,
        branch,
        at,
        keep: Some(keep),
    });
    // Stop what it is doing: the next attempt's switch saves what it changed since.
    out.push(Command::PressKeys {
        worker,
        keys: vec!["Escape".into()],
    });
    if let Some(w) = model.workers.get_mut(&worker) {
        w.let_go();
        w.branch = None;
    }
    super::outcome::give_back(model, &task_id, "its branch lost its history", out);
}

fn short(id: &str) -> &str {
    id.get(..10).unwrap_or(id)
}
