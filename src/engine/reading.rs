//! How the engine learns what panes show: output logs watched for growth, refs watched for
//! moves, and batches of screens read and classified.

use super::exec::pane_of;
use super::ports::{Guard, State};
use super::{Ctx, Msg};
use crate::adapters::output_watch::Outputs;
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
        let taken_at = ctx.now();
        let screens = ctx.panes.read(targets).await;
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
                            detail: r.detail,
                            gave_up: r.gave_up,
                        };
                        let obs = Observation::AgentSeen {
                            worker: *worker,
                            seen,
                        };
                        ctx.send(obs);
                    } else {
                        ctx.send(Observation::ScreenUnread {
                            worker: *worker,
                            taken_at,
                            hash: digest(&s.text),
                        });
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

/// Learns which panes print as they print (see `ports::Panes::watch_outputs`).
pub(crate) fn watch_outputs(ctx: &Arc<Ctx>, outputs: &Arc<Outputs>) -> Option<Guard> {
    ctx.panes.watch_outputs(Arc::clone(outputs))
}

/// Takes workers' signals as soon as they ring; the poll still finds them if this cannot run.
pub(crate) fn listen_for_signals(ctx: &Arc<Ctx>, state: &dyn State) -> Option<Guard> {
    let tx = ctx.tx.clone();
    state.listen(Box::new(move || {
        let _ = tx.send(Msg::Signals);
    }))
}

/// Hears refs move, so branch figures are read again soon.
pub(crate) fn watch_refs(ctx: &Arc<Ctx>) -> Option<Guard> {
    let tx = ctx.tx.clone();
    ctx.repo.watch(Box::new(move || {
        let _ = tx.send(Msg::RefsMoved);
    }))
}
