//! Carries out a landing's steps: the merge and its verify in the integration worktree, then the
//! target's compare-and-swap. Nothing here decides; the core stored the step before it came here.

use super::{Ctx, Msg, fault};
use crate::adapters::git::{MergeStyle, Moved};
use crate::core::model::{LandMode, TaskId};
use crate::core::observation::{MergeOutcome, MoveOutcome, Observation};
use std::sync::Arc;

/// What a `Command::Land` asks for.
pub(super) struct LandJob {
    pub task: TaskId,
    pub branch: String,
    pub into: String,
    pub mode: LandMode,
    pub verify: Vec<String>,
    pub message: String,
    pub landed: Vec<(TaskId, String, String)>,
    /// A batch: more branches merged on top, in order (with their messages).
    pub also: Vec<(String, String)>,
}

/// Merges, then verifies the merged result where it was made; reports `LandMerged`.
pub(super) async fn land(ctx: Arc<Ctx>, job: LandJob) {
    let outcome = merge_and_verify(&ctx, &job).await;
    let task = job.task;
    ctx.send(Observation::LandMerged { task, outcome });
}

async fn merge_and_verify(ctx: &Arc<Ctx>, job: &LandJob) -> MergeOutcome {
    let style = match job.mode {
        LandMode::Squash => MergeStyle::Squash,
        LandMode::Rebase => MergeStyle::Rebase,
        _ => MergeStyle::Merge,
    };
    let wt = ctx.setup.paths.land_worktree();
    let repo = Arc::clone(&ctx.repo);
    let (into, branch, message) = (job.into.clone(), job.branch.clone(), job.message.clone());
    let landed = job.landed.clone();
    let also = job.also.clone();
    let dir = wt.clone();
    let merged = tokio::task::spawn_blocking(move || {
        let mut merged = repo.land_merge(&dir, &into, &branch, style, &message)?;
        // A batch: each further branch onto the result so far; the first conflict ends it.
        for (more, message) in &also {
            let Some(so_far) = merged.to.clone() else {
                break;
            };
            let next = repo.land_merge(&dir, &so_far, more, style, message)?;
            merged = crate::adapters::git::Merged {
                from: merged.from,
                ..next
            };
        }
        let first = if merged.conflicts.is_empty() || !also.is_empty() {
            // A batch's conflict is split until its culprit lands alone, which says then.
            Vec::new()
        } else {
            repo.landed_touching(&branch, &merged.conflicts, &landed)
        };
        Ok::<_, crate::adapters::git::GitError>((merged, first))
    })
    .await;
    let (merged, landed_first) = match merged {
        Ok(Ok(m)) => m,
        Ok(Err(e)) => return MergeOutcome::Failed(format!("merging {}: {e}", job.branch)),
        Err(e) => return MergeOutcome::Failed(format!("merging {}: {e}", job.branch)),
    };
    fault::point("land-merge");
    let Some(to) = merged.to else {
        return MergeOutcome::Conflict {
            files: merged.conflicts,
            hunks: merged.hunks,
            landed_first,
        };
    };
    for command in &job.verify {
        let timeout = ctx.setup.timing.verify_timeout;
        let (passed, output) = ctx
            .processes
            .run(command.clone(), wt.clone(), timeout)
            .await;
        fault::point("land-verify");
        if !passed {
            let lines: Vec<&str> = output.lines().collect();
            let tail = lines[lines.len().saturating_sub(20)..].join("\n");
            return MergeOutcome::VerifyFailed {
                command: command.clone(),
                output: tail,
            };
        }
    }
    MergeOutcome::Clean {
        from: merged.from,
        to,
    }
}

/// The target's compare-and-swap; reports `TargetMoved`.
pub(super) fn move_target(ctx: Arc<Ctx>, task: TaskId, into: String, from: String, to: String) {
    tokio::task::spawn_blocking(move || {
        let outcome = match ctx.repo.move_target(&into, &from, &to) {
            Ok(Moved::Done) => MoveOutcome::Moved,
            Ok(Moved::Stale(now)) => {
                tracing::info!("{into} is at {now}, not {from}: landing {task} again");
                MoveOutcome::Stale
            }
            Ok(Moved::Blocked(why)) => MoveOutcome::Blocked(why),
            Err(e) => MoveOutcome::Blocked(format!("moving {into}: {e}")),
        };
        fault::point("land-ref");
        ctx.send(Observation::TargetMoved { task, outcome });
        let _ = ctx.tx.send(Msg::RefsMoved);
    });
}

/// Removes landed branches that nothing has checked out.
pub(super) fn delete_branches(ctx: Arc<Ctx>, branches: Vec<String>) {
    tokio::task::spawn_blocking(move || {
        for b in branches {
            match ctx.repo.delete_branch(&b) {
                Ok(true) => tracing::info!("deleted landed branch {b}"),
                Ok(false) => {}
                Err(e) => tracing::warn!("deleting landed branch {b}: {e}"),
            }
        }
    });
}
