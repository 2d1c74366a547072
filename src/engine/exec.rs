//! Carries out the core's commands against tmux, git and processes, each in its own task, and
//! reports the outcome back as an observation. Nothing here decides.

use super::{Ctx, Msg, fault};
use crate::adapters::git::{self, Git};
use crate::adapters::group;
use crate::adapters::tmux::SessionSpec;
use crate::core::command::Command;
use crate::core::model::{Model, WorkerId};
use crate::core::observation::{Observation, PasteRefused, Prepared};
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

pub(super) fn send(ctx: &Ctx, obs: Observation) {
    // The loop is gone only when the czar is shutting down; the outcome no longer matters then.
    let _ = ctx.tx.send(Msg::Obs(obs));
}

pub(crate) fn execute(ctx: &Arc<Ctx>, model: &Model, cmd: Command) {
    let ctx = Arc::clone(ctx);
    match cmd {
        Command::Record(_) => {}
        Command::StartWorker { worker, profile } => {
            // What this start's agent prints comes after: that is what explains its exit.
            ctx.log_marks
                .set(worker, &ctx.setup.paths.output_log(worker));
            tokio::spawn(async move {
                let result = start_worker(&ctx, worker, &profile).await;
                send(&ctx, Observation::WorkerStarted { worker, result });
                // Its pane is read from the next listing on: have that now.
                let _ = ctx.tx.send(Msg::ListSoon);
            });
        }
        Command::KillWorker { worker } => {
            let session = model.session_name(worker);
            tokio::spawn(async move {
                if let Err(e) = ctx.tmux.kill_session(&session).await {
                    tracing::warn!("killing {session}: {e}");
                }
                let _ = ctx.tx.send(Msg::ListSoon);
            });
        }
        Command::PrepareBranch {
            worker,
            task,
            branch,
        } => {
            tokio::task::spawn_blocking(move || {
                // Without its folder the worker itself is broken, not the task.
                if !ctx.setup.paths.worktree(worker).is_dir() {
                    return send(&ctx, Observation::WorktreeMissing { worker });
                }
                let result = prepare_branch(&ctx, worker, &branch);
                send(
                    &ctx,
                    Observation::BranchPrepared {
                        worker,
                        task,
                        result,
                    },
                );
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
                let result = paste(&ctx, worker, &target, &branch, &text).await;
                fault::point("paste");
                send(
                    &ctx,
                    Observation::Pasted {
                        worker,
                        delivery,
                        result,
                    },
                );
            });
        }
        Command::Submit { worker, delivery } => {
            let (target, profile) = pane_of(model, worker);
            tokio::spawn(async move {
                let result = match ctx.setup.profile(&profile) {
                    Some(p) => ctx
                        .tmux
                        .send_submit(&target, p.submit)
                        .await
                        .map_err(|e| e.to_string()),
                    None => Err(format!("unknown agent profile {profile:?}")),
                };
                fault::point("enter");
                send(
                    &ctx,
                    Observation::Submitted {
                        worker,
                        delivery,
                        result,
                    },
                );
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
                let done = Git::discover(&ctx.setup.paths.repo_root)
                    .and_then(|g| g.put_branch(&branch, &at, keep.as_deref()));
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
                let (passed, output) = run_verify(&ctx, worker, &command).await;
                send(
                    &ctx,
                    Observation::Verified {
                        worker,
                        task,
                        passed,
                        output,
                    },
                );
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
    }
}

/// Pastes a delivery's text, once the worktree is seen on the task's branch: an agent that
/// switched branches would otherwise do this task's work on another's.
async fn paste(
    ctx: &Ctx,
    worker: WorkerId,
    target: &str,
    branch: &str,
    text: &str,
) -> Result<(), PasteRefused> {
    let wt = ctx.setup.paths.worktree(worker);
    let on = tokio::task::spawn_blocking(move || wt.is_dir().then(|| git::branch_at(&wt)))
        .await
        .map_err(|e| PasteRefused::Failed(format!("worktree check failed: {e}")))?;
    match on {
        None => return Err(PasteRefused::NoWorktree),
        Some(on) if on.as_deref() != Some(branch) => return Err(PasteRefused::WrongBranch { on }),
        Some(_) => {}
    }
    ctx.tmux
        .paste(target, text.as_bytes())
        .await
        .map_err(|e| PasteRefused::Failed(e.to_string()))
}

async fn press(ctx: &Ctx, session: &str, keys: &[String]) {
    for k in keys {
        if let Err(e) = ctx.tmux.send_key(session, k).await {
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
        ctx.tmux.send_literal(session, text).await?;
        tokio::time::sleep(p.settle).await;
        ctx.tmux.send_submit(session, p.submit).await
    };
    if let Err(e) = sent.await {
        tracing::warn!("typing into {session}: {e}");
    }
}

async fn start_worker(ctx: &Ctx, worker: WorkerId, profile_name: &str) -> Result<(), String> {
    let setup = &ctx.setup;
    let profile = setup
        .profile(profile_name)
        .ok_or_else(|| format!("unknown agent profile {profile_name:?}"))?;
    let wt = setup.paths.worktree(worker);
    let (root, base, wt2) = (
        setup.paths.repo_root.clone(),
        setup.base.clone(),
        wt.clone(),
    );
    tokio::task::spawn_blocking(move || {
        let git = Git::discover(&root).map_err(|e| e.to_string())?;
        git.ensure_worktree(&wt2, &format!("worker-{worker}"), &base)
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| format!("worktree task failed: {e}"))??;
    // A crashed agent may have left work behind: keep it before anything else runs there.
    let (root, wt3) = (setup.paths.repo_root.clone(), wt.clone());
    let saved = tokio::task::spawn_blocking(move || {
        Git::discover(&root).and_then(|g| g.commit_wip(&wt3, "agent restarted"))
    })
    .await
    .map_err(|e| format!("worktree task failed: {e}"))?;
    match saved {
        Ok(Some(id)) => tracing::info!(
            worker,
            "saved leftovers of the previous agent as WIP commit {id}"
        ),
        Ok(None) => {}
        Err(e) => tracing::warn!(worker, "could not save leftovers before restarting: {e}"),
    }
    let name = crate::core::model::session_name(&setup.project, worker);
    // A dead pane left from a crash holds the name.
    if ctx.tmux.has_session(&name).await.unwrap_or(false) {
        ctx.tmux
            .kill_session(&name)
            .await
            .map_err(|e| e.to_string())?;
    }
    let (command, env_file) = super::launch::agent_command(setup, worker, profile)?;
    let spec = SessionSpec {
        name,
        cwd: wt,
        command,
        // Nothing: every value given here is on the tmux server's command line for all to see.
        env: Vec::new(),
        width: setup.pane_size.0,
        height: setup.pane_size.1,
    };
    let started = ctx.tmux.new_session(&spec).await;
    if let (Err(_), Some(file)) = (&started, &env_file) {
        // No pane-log will take it.
        let _ = std::fs::remove_file(file);
    }
    started.map_err(|e| e.to_string())
}

fn prepare_branch(ctx: &Ctx, worker: WorkerId, branch: &str) -> Result<Prepared, String> {
    let setup = &ctx.setup;
    let git = Git::discover(&setup.paths.repo_root).map_err(|e| e.to_string())?;
    let wt = setup.paths.worktree(worker);
    let outcome = match git.switch_worktree(&wt, branch, &setup.base) {
        // The task was last worked on by another of our workers, whose worktree still has its
        // branch: that worker holds other work now, so its worktree lets go (saving leftovers).
        Err(git::GitError::CheckedOutElsewhere { other, .. })
            if is_ours(&other, &setup.paths.worktrees_dir) =>
        {
            let wip = git
                .release_worktree(&other, "task moved")
                .map_err(|e| e.to_string())?;
            tracing::info!(
                worker,
                "released {branch} from {} (WIP: {wip:?})",
                other.display()
            );
            git.switch_worktree(&wt, branch, &setup.base)
        }
        other => other,
    }
    .map_err(|e| e.to_string())?;
    if let Some(commit) = &outcome.wip_commit {
        tracing::info!(
            worker,
            "uncommitted work saved as WIP commit {commit} before switching to {branch}"
        );
    }
    let stats = git
        .branch_stats(&setup.base, branch)
        .map_err(|e| e.to_string())?;
    let tip = git
        .branch_tip(branch)
        .ok_or_else(|| format!("{branch} has no tip after the switch"))?;
    Ok(Prepared {
        ahead: stats.ahead,
        tip,
    })
}

fn is_ours(path: &std::path::Path, worktrees_dir: &std::path::Path) -> bool {
    let dir = std::fs::canonicalize(worktrees_dir).unwrap_or_else(|_| worktrees_dir.to_path_buf());
    path.starts_with(&dir) || path.starts_with(worktrees_dir)
}

/// The verify command is the operator's own command line from the task file, so it runs through
/// `sh -c` like a Makefile recipe would; task text never does.
/// It runs in a process group of its own, ended whole when it times out or the czar stops
/// (see `adapters::group`): `sh` alone would leave `make test` and its children running.
async fn run_verify(ctx: &Ctx, worker: WorkerId, command: &str) -> (bool, String) {
    let wt = ctx.setup.paths.worktree(worker);
    // Run anywhere else, a check could pass on work that is not there.
    if !wt.is_dir() {
        return (false, format!("the worktree {} is gone", wt.display()));
    }
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c").arg(command).current_dir(&wt);
    match group::run(cmd, ctx.setup.timing.verify_timeout).await {
        Ok(out) => {
            let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
            text.push_str(&String::from_utf8_lossy(&out.stderr));
            match out.status {
                Some(status) => (status.success(), text),
                None => (
                    false,
                    format!(
                        "`{command}` did not finish within {:?}\n{text}",
                        ctx.setup.timing.verify_timeout
                    ),
                ),
            }
        }
        Err(e) => (
            false,
            format!("could not run `{command}` in {}: {e}", wt.display()),
        ),
    }
}
