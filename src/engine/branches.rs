//! Branch figures (commits ahead, files, lines) for the workers holding tasks. They are re-read
//! when git's refs move and on a slow rescan; a hundred workers each re-read on every commit of
//! any one of them would be a burst of work just when tasks finish, so one job re-reads them
//! all and only a branch whose tip (or base) moved is worked out again.

use super::Ctx;
use super::ports::Repo;
use crate::adapters::git::GitError;
use crate::core::model::{BranchInfo, Model, WorkerId, branch_for};
use crate::core::observation::Observation;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Worker → the branch, base commit and tip commit its figures were last sent for.
pub(crate) type SentFor = Mutex<HashMap<WorkerId, (String, String, String)>>;

/// One branch to read: its worker, its name, where its task began, and whether to send its
/// figures even when nothing moved.
struct Wanted {
    worker: WorkerId,
    branch: String,
    start: Option<String>,
    always: bool,
}

/// Sends fresh figures for `workers`' task branches; with `force`, even where nothing moved.
pub(crate) fn refresh(ctx: &Arc<Ctx>, model: &Model, workers: &[WorkerId], force: bool) {
    let wanted: Vec<Wanted> = workers
        .iter()
        .filter_map(|id| {
            let w = model.workers.get(id)?;
            let task = w.task.as_ref()?;
            let branch = branch_for(task);
            // Figures the model does not hold (another branch's, or none) are always sent.
            let held = w.branch.as_ref().is_some_and(|b| b.branch == branch);
            Some(Wanted {
                worker: *id,
                branch,
                start: model.tasks.get(task).and_then(|t| t.start.clone()),
                always: force || !held,
            })
        })
        .collect();
    if wanted.is_empty() {
        return;
    }
    let ctx = Arc::clone(ctx);
    tokio::task::spawn_blocking(move || {
        if let Err(e) = refresh_blocking(&ctx, &wanted) {
            tracing::warn!("branch figures: {e}");
        }
    });
}

fn refresh_blocking(ctx: &Ctx, wanted: &[Wanted]) -> Result<(), GitError> {
    let git = ctx.repo.as_ref();
    let base = git.commit_of(&ctx.setup.base)?;
    let mut sent = ctx.branches.lock().unwrap_or_else(|p| p.into_inner());
    for want in wanted {
        let worker = want.worker;
        let Some(tip) = git.branch_tip(&want.branch) else {
            // Before its task began the branch may not exist yet; after, it was deleted.
            if want.start.is_some() {
                sent.remove(&worker);
                let info = BranchInfo {
                    branch: want.branch.clone(),
                    ..BranchInfo::default()
                };
                ctx.send(Observation::BranchSeen { worker, info });
            }
            continue;
        };
        let key = (want.branch.clone(), base.clone(), tip);
        if !want.always && sent.get(&worker) == Some(&key) {
            continue;
        }
        match branch_info(git, &key.1, want) {
            Ok(info) => {
                ctx.send(Observation::BranchSeen { worker, info });
                sent.insert(worker, key);
            }
            Err(e) => tracing::warn!("branch figures for worker {worker}: {e}"),
        }
    }
    Ok(())
}

fn branch_info(git: &dyn Repo, base: &str, want: &Wanted) -> Result<BranchInfo, GitError> {
    let branch = &want.branch;
    let s = git.branch_stats(base, branch)?;
    let tip = git.branch_tip(branch).unwrap_or_default();
    let own = match &want.start {
        Some(start) => git.commits_since(start, &tip),
        None => Some(s.ahead),
    };
    Ok(BranchInfo {
        branch: branch.to_string(),
        ahead: s.ahead,
        files: s.files.len(),
        added: s.files.iter().map(|f| f.added).sum(),
        removed: s.files.iter().map(|f| f.removed).sum(),
        last_commit_time: s.last_commit_time,
        last_subject: s.last_subject,
        tip,
        own,
    })
}
