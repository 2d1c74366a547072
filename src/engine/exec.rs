//! Carries out the core's commands against tmux, git and processes, each in its own task, and
//! reports the outcome back as an observation. Nothing here decides.

use super::launch::start_worker;
use super::worktrees::prepare_branch;
use super::{Ctx, Msg, fault};
use crate::core::command::Command;
use crate::core::model::{Model, WorkerId};
use crate::core::observation::{Observation, PasteRefused};
use std::sync::Arc;

/// The worker's pane as a tmux target (its session, exactly: a bare name would also match a
/// longer one, `p-worker-1` finding `p-worker-10` once the first is gone) and its agent
/// profile's name.
pub(super) fn pane_of(model: &Model, worker: WorkerId) -> (String, String) {
    let profile = model
        .workers
        .get(&worker)
        .map(|w| w.profile.clone())
        .unwrap_or_default();
    (format!("={}:", model.session_name(worker)), profile)
}

/// The host `worker` runs on; `None`: this machine.
fn on_host(ctx: &Ctx, worker: WorkerId) -> Option<&super::hosts::Host> {
    ctx.hosts.as_ref()?.host_of(worker)
}

pub(crate) fn execute(ctx: &Arc<Ctx>, model: &Model, cmd: Command) {
    let ctx = Arc::clone(ctx);
    match cmd {
        Command::Record(_) => {}
        Command::Notify(notice) => super::notify::send(&ctx, notice),
        Command::StartWorker { worker, profile } => {
            let account = model
                .workers
                .get(&worker)
                .and_then(|w| w.vitals.tokens.account.clone());
            // What this start's agent prints comes after: that is what explains its exit.
            ctx.log_marks
                .set(worker, &ctx.setup.paths.output_log(worker));
            tokio::spawn(async move {
                let result = start_worker(&ctx, worker, &profile, account.as_deref()).await;
                if result.is_err()
                    && let Some(fleet) = ctx.hosts.as_ref().filter(|f| f.host_of(worker).is_some())
                {
                    // A host that did not answer is known as such before the failed start is:
                    // the start is then not counted against the profile.
                    for seen in fleet.health(ctx.now()) {
                        ctx.send(seen);
                    }
                }
                ctx.send(Observation::WorkerStarted { worker, result });
                // Its pane is read from the next listing on: have that now.
                let _ = ctx.tx.send(Msg::ListSoon);
            });
        }
        Command::KillWorker { worker } => {
            let session = model.session_name(worker);
            tokio::spawn(async move {
                if let Err(e) = ctx.panes.kill(session.clone()).await {
                    tracing::warn!("killing {session}: {e}");
                }
                let _ = ctx.tx.send(Msg::ListSoon);
            });
        }
        Command::PrepareBranch {
            worker,
            task,
            branch,
            from,
        } => {
            if on_host(&ctx, worker).is_some() {
                tokio::spawn(async move {
                    let Some(host) = on_host(&ctx, worker) else {
                        return;
                    };
                    let result =
                        super::on_host::prepare_branch(&ctx, host, worker, &branch, &from).await;
                    ctx.send(Observation::BranchPrepared {
                        worker,
                        task,
                        result,
                    });
                });
                return;
            }
            tokio::task::spawn_blocking(move || {
                // Without its folder the worker itself is broken, not the task.
                if !ctx.setup.paths.worktree(worker).is_dir() {
                    return ctx.send(Observation::WorktreeMissing { worker });
                }
                let result = prepare_branch(&ctx, worker, &branch, &from);
                ctx.send(Observation::BranchPrepared {
                    worker,
                    task,
                    result,
                });
            });
        }
        Command::Paste {
            worker,
            delivery,
            branch,
            text,
        } => {
            let (target, _) = pane_of(model, worker);
            tokio::spawn(async move {
                let result = paste(&ctx, worker, &target, branch.as_deref(), &text).await;
                fault::point("paste");
                ctx.send(Observation::Pasted {
                    worker,
                    delivery,
                    result,
                });
            });
        }
        Command::Submit { worker, delivery } => {
            let (target, profile) = pane_of(model, worker);
            tokio::spawn(async move {
                let result = match ctx.setup.profile(&profile) {
                    Some(p) => ctx
                        .panes
                        .submit(target, p.submit)
                        .await
                        .map_err(|e| e.to_string()),
                    None => Err(format!("unknown agent profile {profile:?}")),
                };
                fault::point("enter");
                ctx.send(Observation::Submitted {
                    worker,
                    delivery,
                    result,
                });
            });
        }
        Command::ClearInput { worker, keys } => {
            let (target, _) = pane_of(model, worker);
            tokio::spawn(async move {
                press(&ctx, &target, &keys).await;
                let _ = ctx.tx.send(Msg::ReadSoon(worker));
            });
        }
        Command::ReadScreen { worker } => {
            let _ = ctx.tx.send(Msg::ReadSoon(worker));
        }
        Command::RepairBranch {
            worker,
            branch,
            at,
            keep,
        } => {
            tokio::task::spawn_blocking(move || {
                let done = ctx.repo.put_branch(&branch, &at, keep.as_deref());
                if let Err(e) = done {
                    tracing::warn!(worker, "repairing {branch}: {e}");
                }
                let _ = ctx.tx.send(Msg::RefsMoved);
            });
        }
        Command::RunVerify {
            worker,
            task,
            command,
        } => {
            tokio::spawn(async move {
                let (passed, output) = match on_host(&ctx, worker) {
                    Some(host) => super::on_host::verify(&ctx, host, worker, &task, &command).await,
                    None => run_verify(&ctx, worker, &command).await,
                };
                ctx.send(Observation::Verified {
                    worker,
                    task,
                    passed,
                    output,
                });
            });
        }
        Command::TypeText { worker, text } => {
            let (target, profile) = pane_of(model, worker);
            tokio::spawn(async move { type_line(&ctx, &target, &profile, &text).await });
        }
        Command::AutoAnswer { worker, keys } => {
            execute(&ctx, model, Command::PressKeys { worker, keys });
        }
        Command::PressKeys { worker, keys } => {
            let (target, _) = pane_of(model, worker);
            tokio::spawn(async move { press(&ctx, &target, &keys).await });
        }
        Command::RefreshBranch { worker } => {
            super::branches::refresh(&ctx, model, &[worker], true);
        }
        Command::Land {
            task,
            branch,
            into,
            mode,
            verify,
            message,
            landed,
            also,
        } => {
            let job = super::landing::LandJob {
                task,
                branch,
                into,
                mode,
                verify,
                message,
                landed,
                also,
            };
            tokio::spawn(super::landing::land(ctx, job));
        }
        Command::AskReview {
            worker,
            task,
            branch,
            into,
        } => {
            let repo = Arc::clone(&ctx.repo);
            tokio::task::spawn_blocking(move || {
                let diff = repo.diff_text(&into, &branch).map_err(|e| e.to_string());
                ctx.send(Observation::ReviewDiff { worker, task, diff });
            });
        }
        Command::MoveTarget {
            task,
            into,
            from,
            to,
        } => super::landing::move_target(ctx, task, into, from, to),
        Command::DeleteBranches { branches } => super::landing::delete_branches(ctx, branches),
        Command::OpenPr {
            task,
            branch,
            into,
            title,
            body,
        } => {
            tokio::task::spawn_blocking(move || {
                let result = ctx.prs.open(&branch, &into, &title, &body);
                if let Err(e) = &result {
                    tracing::warn!("opening the pull request of {branch}: {e}");
                }
                ctx.send(Observation::PrOpened { task, result });
            });
        }
        Command::CheckPr { task, url } => {
            tokio::task::spawn_blocking(move || {
                let status = ctx.prs.view(&url);
                if let crate::core::observation::PrStatus::Unknown(e) = &status {
                    tracing::warn!("asking for {url}: {e}");
                }
                ctx.send(Observation::PrSeen { task, status });
            });
        }
    }
}

/// Pastes a delivery's text, once the worktree is seen on the task's branch: an agent that
/// switched branches would otherwise do this task's work on another's.
async fn paste(
    ctx: &Ctx,
    worker: WorkerId,
    target: &str,
    branch: Option<&str>,
    text: &str,
) -> Result<(), PasteRefused> {
    // A review is about another worker's branch: wherever this worktree is, it may read it.
    if let Some(branch) = branch {
        let on = match on_host(ctx, worker) {
            Some(host) => host
                .branch_at(&super::hosts::worktree_name(worker))
                .await
                .map_err(|e| PasteRefused::Failed(format!("worktree check failed: {e}")))?,
            None => {
                let wt = ctx.setup.paths.worktree(worker);
                let repo = Arc::clone(&ctx.repo);
                tokio::task::spawn_blocking(move || wt.is_dir().then(|| repo.branch_at(&wt)))
                    .await
                    .map_err(|e| PasteRefused::Failed(format!("worktree check failed: {e}")))?
            }
        };
        match on {
            None => return Err(PasteRefused::NoWorktree),
            Some(on) if on.as_deref() != Some(branch) => {
                return Err(PasteRefused::WrongBranch { on });
            }
            Some(_) => {}
        }
    }
    ctx.panes
        .paste(target.to_string(), text.as_bytes().to_vec())
        .await
        .map_err(|e| PasteRefused::Failed(e.to_string()))
}

async fn press(ctx: &Ctx, session: &str, keys: &[String]) {
    for k in keys {
        if let Err(e) = ctx.panes.key(session.to_string(), k.clone()).await {
            tracing::warn!("pressing {k} in {session}: {e}");
        }
    }
}

/// Types `text` as literal keys, then submits it the profile's way.
async fn type_line(ctx: &Ctx, session: &str, profile: &str, text: &str) {
    let Some(p) = ctx.setup.profile(profile) else {
        return;
    };
    let sent = async {
        ctx.panes
            .literal(session.to_string(), text.to_string())
            .await?;
        tokio::time::sleep(p.settle).await;
        ctx.panes.submit(session.to_string(), p.submit).await
    };
    if let Err(e) = sent.await {
        tracing::warn!("typing into {session}: {e}");
    }
}

/// The verify command is the operator's own command line from the task file, so it runs through
/// `sh -c` like a Makefile recipe would; task text never does.
async fn run_verify(ctx: &Ctx, worker: WorkerId, command: &str) -> (bool, String) {
    let wt = ctx.setup.paths.worktree(worker);
    // Run anywhere else, a check could pass on work that is not there.
    if !wt.is_dir() {
        return (false, format!("the worktree {} is gone", wt.display()));
    }
    let timeout = ctx.setup.timing.verify_timeout;
    ctx.processes.run(command.to_string(), wt, timeout).await
}
