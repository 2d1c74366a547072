//! A worker on a host, the engine's commands for it: its agent started through the node (which
//! wraps it in its own pane-log), its task branch prepared in the node's clone, its verify run
//! there, and its branch fetched back before the core hears the verdict, so that tracking,
//! overlap and landing read it from the czar's repository as for a local worker.

use super::hosts::{Host, worktree_name};
use super::{Ctx, Profile};
use crate::adapters::tmux::SessionSpec;
use crate::core::model::WorkerId;
use crate::core::observation::Prepared;

/// The base pushed to the node's clone, the worker's worktree there (on its own idle branch),
/// and its agent started in it. Only the profile's own environment and the worker's identity
/// travel (inside the request): this machine's environment is not the host's.
pub(super) async fn start_worker(
    ctx: &Ctx,
    host: &Host,
    worker: WorkerId,
    profile: &Profile,
) -> Result<(), String> {
    // Through the link first: a host that does not answer shows in its health, which keeps
    // the failed start from counting against the profile (see `core::workers`).
    host.link
        .link()
        .await
        .map_err(|e| format!("{} does not answer: {e}", host.name))?;
    // The old agent goes before its worktree moves: one left from before its host went away
    // must not go on with a task that is elsewhere now.
    let session = crate::core::model::session_name(&ctx.setup.project, worker);
    if ctx.panes.exists(session.clone()).await.unwrap_or(false) {
        ctx.panes
            .kill(session.clone())
            .await
            .map_err(|e| e.to_string())?;
    }
    let name = worktree_name(worker);
    save_leftovers(ctx, host, worker, &name).await;
    let base = ctx.setup.base.clone();
    let root = ctx.setup.paths.repo_root.clone();
    host.push(root, vec![base.clone()]).await?;
    host.worktree(&name, &name, &base).await?;
    let mut env = profile.env.clone();
    env.push(("CZAR_WORKER".into(), worker.to_string()));
    let spec = SessionSpec {
        name: session,
        cwd: ctx.setup.paths.worktree(worker),
        command: host_command(&profile.command, ctx.setup.czar_exe.as_deref(), &host.czar),
        env,
        width: ctx.setup.pane_size.0,
        height: ctx.setup.pane_size.1,
    };
    ctx.panes.start(spec).await.map_err(|e| e.to_string())
}

/// What an earlier agent left uncommitted in the worker's worktree on a task branch, committed
/// there (as a local worker's leftovers are), so the switch to its idle branch does not carry
/// it into the next task. That branch is the czar's again when its task next comes here: the
/// commit stays in the node's clone, out of every task's way.
async fn save_leftovers(ctx: &Ctx, host: &Host, worker: WorkerId, name: &str) {
    let on = host.branch_at(name).await.ok().flatten().flatten();
    if on.as_deref().is_none_or(|b| b == name) {
        return;
    }
    const SAVE: &str = "git add -A && { git diff --cached --quiet || git -c user.name=czar \
        -c user.email=czar@localhost commit -q --no-verify -m 'czar: left by the previous agent'; }";
    use super::ports::Processes;
    let wt = ctx.setup.paths.worktree(worker);
    let timeout = std::time::Duration::from_secs(60);
    let (saved, output) = host.processes().run(SAVE.to_string(), wt, timeout).await;
    if !saved {
        tracing::warn!(worker, host = %host.name, "saving leftovers on {on:?}: {output}");
    }
}

/// The profile's command as the host runs it: this czar's own path (what `{czar}` became here)
/// is the host's czar program there.
fn host_command(command: &[String], here: Option<&str>, there: &str) -> Vec<String> {
    command
        .iter()
        .map(|w| match here {
            Some(h) if w == h => there.to_string(),
            _ => w.clone(),
        })
        .collect()
}

/// The task's branch in the node's clone, its worktree there on it, and the branch fetched
/// back: the figures as the task begins come from the czar's repository.
pub(super) async fn prepare_branch(
    ctx: &Ctx,
    host: &Host,
    worker: WorkerId,
    branch: &str,
    from: &str,
) -> Result<Prepared, String> {
    let root = ctx.setup.paths.repo_root.clone();
    let mut send = vec![from.to_string()];
    // Work done on it elsewhere (another worker, another host) goes along, when the host's
    // copy is not that already. The node's clone refuses a push to a branch one of its
    // worktrees has checked out (a task given back, come here again): released there first.
    if let Some(here) = ctx.repo.branch_tip(branch) {
        match host.tip(branch).await? {
            Some(there) if there == here => {}
            // Commits of it there that have not come here yet: fetched, never pushed over.
            Some(there) if ctx.repo.commit_of(&there).is_err() => {
                host.fetch(root.clone(), branch.to_string()).await?;
            }
            _ => {
                host.release(branch, &ctx.setup.base).await?;
                send.push(branch.to_string());
            }
        }
    }
    host.push(root.clone(), send).await?;
    host.worktree(&worktree_name(worker), branch, from).await?;
    host.fetch(root, branch.to_string()).await?;
    let stats = ctx
        .repo
        .branch_stats(&ctx.setup.base, branch)
        .map_err(|e| e.to_string())?;
    let tip = host
        .tip(branch)
        .await?
        .ok_or_else(|| format!("{branch} has no tip on {} after the switch", host.name))?;
    Ok(Prepared {
        ahead: stats.ahead,
        tip,
    })
}

/// The verify in the worker's worktree on the host; the task's branch fetched back first, so
/// what lands here is what passed there.
pub(super) async fn verify(
    ctx: &Ctx,
    host: &Host,
    worker: WorkerId,
    task: &str,
    command: &str,
) -> (bool, String) {
    use super::ports::Processes;
    let wt = ctx.setup.paths.worktree(worker);
    let timeout = ctx.setup.timing.verify_timeout;
    let (passed, output) = host.processes().run(command.to_string(), wt, timeout).await;
    let root = ctx.setup.paths.repo_root.clone();
    let branch = crate::core::model::branch_for(task);
    if let Err(e) = host.fetch(root, branch.clone()).await {
        return (
            false,
            format!("{branch} could not be fetched from {}: {e}", host.name),
        );
    }
    (passed, output)
}

#[cfg(test)]
mod tests {
    #[test]
    fn this_czars_path_becomes_the_hosts_czar_program() {
        let cmd = ["/home/me/bin/czar".to_string(), "sim-agent".to_string()];
        let got = super::host_command(&cmd, Some("/home/me/bin/czar"), "czar");
        assert_eq!(got, ["czar", "sim-agent"]);
        let other = ["claude".to_string(), "--x".to_string()];
        assert_eq!(
            super::host_command(&other, Some("/bin/czar"), "czar"),
            other
        );
        assert_eq!(super::host_command(&cmd, None, "czar"), cmd);
    }
}
