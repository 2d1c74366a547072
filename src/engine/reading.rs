//! How the engine learns what panes show: output logs watched for growth, refs watched for
//! moves, and batches of screens read and classified.

use super::exec::{pane_of, send};
use super::{Ctx, Msg};
use crate::adapters::bell;
use crate::adapters::git::{self, Git};
use crate::adapters::output_watch::{self, Outputs};
use crate::core::classify::classify;
use crate::core::model::{Model, WorkerId};
use crate::core::observation::{Observation, Seen};
use std::sync::Arc;

/// Reads the screens of `reads` (worker, target) in one tmux run and says what each agent is
/// doing.
pub(crate) fn read_screens(ctx: &Arc<Ctx>, model: &Model, reads: Vec<(WorkerId, String)>) {
    let ctx = Arc::clone(ctx);
    let profiles: Vec<String> = reads.iter().map(|(w, _)| pane_of(model, *w).1).collect();
    tokio::spawn(async move {
        let targets: Vec<String> = reads.iter().map(|(_, t)| t.clone()).collect();
        // Stamped before the capture: nothing it shows is older than this.
        let taken_at = super::now_ms();
        let screens = ctx.tmux.capture_many(&targets).await;
        for (((worker, target), profile), screen) in reads.iter().zip(&profiles).zip(screens) {
            match (screen, ctx.setup.profile(profile)) {
                (Ok(s), _) if s.dead => {
                    let _ = ctx.tx.send(Msg::ListSoon);
                }
                (Ok(s), Some(p)) => {
                    let r = classify(&p.rules, &s.text, &s.title);
                    if let Some(state) = r.state {
                        let seen = Seen {
                            state,
                            // The question, retry time or error message rides along for the operator.
                            reason: match &r.detail {
                                Some(d) => format!("{}: {d}", r.reason),
                                None => r.reason,
                            },
                            last_line: r.last_line,
                            answerable: r.answerable,
                            dialog_keys: r.dialog_keys,
                            input: r.input,
                            taken_at,
                            hash: digest(&s.text),
                        };
                        let obs = Observation::AgentSeen {
                            worker: *worker,
                            seen,
                        };
                        send(&ctx, obs);
                    }
                }
                (Err(e), _) => tracing::debug!("reading {target} failed: {e}"),
                (_, None) => tracing::warn!("worker {worker} runs unknown profile {profile:?}"),
            }
        }
        let _ = ctx.tx.send(Msg::BatchDone);
    });
}

/// A digest of a screen's text, to tell whether it changed.
fn digest(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// Learns which panes print from their output logs growing (see `adapters::output_watch`).
pub(crate) fn watch_outputs(
    ctx: &Arc<Ctx>,
    outputs: &Arc<Outputs>,
) -> Option<output_watch::OutputWatch> {
    let dir = ctx.setup.paths.log_dir();
    let watched = crate::adapters::private::dir(&dir)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            let names = output_watch::LogNames {
                dir: &dir,
                worker_of: super::Paths::worker_of_log,
                file_of: super::Paths::log_name,
            };
            output_watch::watch(names, Arc::clone(outputs)).map_err(|e| e.to_string())
        });
    match watched {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!(
                "not watching output logs in {} ({e}); panes are read when tmux's activity stamp moves",
                dir.display()
            );
            None
        }
    }
}

/// Takes workers' signals as soon as they ring (see `adapters::bell`); the poll still finds
/// them if this cannot run.
pub(crate) fn listen_for_signals(ctx: &Arc<Ctx>) -> Option<bell::Listener> {
    let tx = ctx.tx.clone();
    let bell = bell::Bell::in_dir(ctx.setup.state_dir());
    match bell.listen(move || {
        let _ = tx.send(Msg::Signals);
    }) {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::warn!("{e}; workers' signals are taken at each poll");
            None
        }
    }
}

pub(crate) fn watch_refs(ctx: &Arc<Ctx>) -> Option<git::RefWatcher> {
    let tx = ctx.tx.clone();
    let git = Git::discover(&ctx.setup.paths.repo_root).ok()?;
    match git::watch_refs(git.git_dir(), move || {
        let _ = tx.send(Msg::RefsMoved);
    }) {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!("not watching refs ({e}); relying on the periodic rescan");
            None
        }
    }
}
