//! How a front end talks to a running engine: intents in; snapshots of the model, the latest
//! events, and a worker's screen or branch on request out. The front ends open nothing of the
//! world themselves: what they show comes through here.

use super::{Ctx, Msg};
use crate::adapters::git::BranchStats;
use crate::adapters::store::EventRow;
use crate::core::model::{Model, WorkerId, branch_for};
use crate::core::observation::{Intent, Observation};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, watch};

#[derive(Clone)]
pub struct Handle {
    tx: mpsc::UnboundedSender<Msg>,
    model: watch::Receiver<Arc<Model>>,
    events: watch::Receiver<Arc<Vec<EventRow>>>,
    hosts: super::fleet_view::Hosts,
}

impl Handle {
    pub(super) fn new(
        tx: mpsc::UnboundedSender<Msg>,
        model: watch::Receiver<Arc<Model>>,
        events: watch::Receiver<Arc<Vec<EventRow>>>,
        hosts: super::fleet_view::Hosts,
    ) -> Handle {
        Handle {
            tx,
            model,
            events,
            hosts,
        }
    }

    /// Returns false when the engine is gone.
    pub fn send(&self, intent: Intent) -> bool {
        self.tx.send(Msg::Obs(Observation::Intent(intent))).is_ok()
    }

    /// The model as of the engine's last step that changed it.
    pub fn model(&self) -> Arc<Model> {
        self.model.borrow().clone()
    }

    /// The latest events, oldest first.
    pub fn events(&self) -> Arc<Vec<EventRow>> {
        self.events.borrow().clone()
    }

    /// Each host's health and workers as the engine last published them (none without
    /// `[hosts]`).
    pub fn hosts(&self) -> Arc<Vec<super::fleet_view::HostRow>> {
        self.hosts.borrow().clone()
    }

    /// How to show worker `worker`'s session in this terminal when it runs on a host: the
    /// `ssh -t … tmux attach` argv. `None`: it runs here (attach locally).
    pub async fn attach_argv(&self, worker: WorkerId) -> Result<Option<Vec<String>>, String> {
        let (reply, answer) = oneshot::channel();
        self.ask(Msg::Attach { worker, reply }, answer).await
    }

    /// Resolves when a newer model is published; Err when the engine is gone.
    pub async fn changed(&mut self) -> Result<(), watch::error::RecvError> {
        self.model.changed().await
    }

    /// Worker `worker`'s screen as it is now; with `ansi`, its colours as escape codes.
    pub async fn screen(&self, worker: WorkerId, ansi: bool) -> Result<String, String> {
        let (reply, answer) = oneshot::channel();
        let msg = Msg::Screen {
            worker,
            ansi,
            reply,
        };
        self.ask(msg, answer).await
    }

    /// Task `task`'s branch against the base: its commits and changed files.
    pub async fn branch(&self, task: &str) -> Result<BranchStats, String> {
        let (reply, answer) = oneshot::channel();
        let msg = Msg::Branch {
            task: task.to_string(),
            reply,
        };
        self.ask(msg, answer).await
    }

    /// Task `task`'s diff: what it brought to the target once landed, else what its branch
    /// holds beyond its fork from the target.
    pub async fn diff(&self, task: &str) -> Result<String, String> {
        let (reply, answer) = oneshot::channel();
        let msg = Msg::Diff {
            task: task.to_string(),
            reply,
        };
        self.ask(msg, answer).await
    }

    /// The event log as stored, its latest `limit` events, oldest first.
    pub async fn history(&self, limit: usize) -> Result<Vec<EventRow>, String> {
        let (reply, answer) = oneshot::channel();
        self.ask(Msg::History { limit, reply }, answer).await
    }

    async fn ask<T>(
        &self,
        msg: Msg,
        answer: oneshot::Receiver<Result<T, String>>,
    ) -> Result<T, String> {
        self.tx
            .send(msg)
            .map_err(|_| "the engine has stopped".to_string())?;
        answer
            .await
            .map_err(|_| "the engine has stopped".to_string())?
    }
}

/// Reads a worker's screen for a front end, off the loop.
pub(super) fn screen(
    ctx: &Arc<Ctx>,
    model: &Model,
    worker: WorkerId,
    ansi: bool,
    reply: oneshot::Sender<Result<String, String>>,
) {
    let target = format!("={}:", model.session_name(worker));
    let ctx = Arc::clone(ctx);
    tokio::spawn(async move {
        let screen = ctx.panes.capture(target, ansi).await;
        let _ = reply.send(screen.map_err(|e| e.to_string()));
    });
}

/// Makes the attach argv for a worker on a host, off the loop (it may have to connect).
pub(super) fn attach(
    ctx: &Arc<Ctx>,
    model: &Model,
    worker: WorkerId,
    reply: oneshot::Sender<Result<Option<Vec<String>>, String>>,
) {
    if ctx.hosts.is_none() {
        let _ = reply.send(Ok(None));
        return;
    }
    let session = model.session_name(worker);
    let ctx = Arc::clone(ctx);
    tokio::spawn(async move {
        let Some(fleet) = ctx.hosts.as_ref() else {
            return;
        };
        let _ = reply.send(fleet.attach_argv(worker, &session).await);
    });
}

/// Reads a task branch's figures for a front end, off the loop.
pub(super) fn branch(
    ctx: &Arc<Ctx>,
    task: String,
    reply: oneshot::Sender<Result<BranchStats, String>>,
) {
    let ctx = Arc::clone(ctx);
    tokio::task::spawn_blocking(move || {
        let stats = ctx
            .repo
            .branch_stats(&ctx.setup.base, &branch_for(&task))
            .map_err(|e| e.to_string());
        let _ = reply.send(stats);
    });
}

/// Reads a finished task's diff for a front end, off the loop. A landed task's branch may be
/// gone: its landing's own range (target before..landing commit) is shown then.
pub(super) fn diff(
    ctx: &Arc<Ctx>,
    model: &Model,
    task: String,
    reply: oneshot::Sender<Result<String, String>>,
) {
    use crate::core::model::Landing;
    let into = if model.policy.land.into.is_empty() {
        ctx.setup.base.clone()
    } else {
        model.policy.land.into.clone()
    };
    let landed = model.tasks.get(&task).and_then(|t| match &t.land {
        Some(rec) => match &rec.state {
            Landing::Landed { commit, from, .. } if !from.is_empty() => {
                Some((from.clone(), commit.clone()))
            }
            _ => None,
        },
        None => None,
    });
    let (from, to) = landed.unwrap_or((into, branch_for(&task)));
    let ctx = Arc::clone(ctx);
    tokio::task::spawn_blocking(move || {
        let text = ctx.repo.diff_text(&from, &to).map_err(|e| e.to_string());
        let _ = reply.send(text);
    });
}
