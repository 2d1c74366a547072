//! The panes of another host: the `Panes` port carried over a node's link. Each call is one
//! request on the host's one connection; the node pushes which panes printed, so a quiet host
//! costs nothing on the wire.

use super::dispatch::worker_of;
use super::ports::{Guard, Panes};
use crate::adapters::output_watch::Outputs;
use crate::adapters::tmux::{PaneInfo, PaneScreen, SessionSpec, SubmitKey, TmuxCounts, TmuxError};
use crate::node::git_remote::Follower;
use crate::node::link::{Asker, LinkError, OnEvent};
use crate::node::proto::{Answer, Event, Op, Pane, Spawn, Submit};
use futures::future::BoxFuture;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// The czar's inbox, shared with the links' event callbacks.
pub type Inbox = Arc<Mutex<crate::adapters::store::Store>>;

/// A host's panes. Output events reach the `Outputs` given to `watch_outputs` through `sink`,
/// which the link's event callback fills (see [`RemotePanes::on_event`]).
pub struct RemotePanes {
    link: Arc<dyn Asker>,
    sink: Arc<OnceLock<Arc<Outputs>>>,
    requests: AtomicU64,
}

impl RemotePanes {
    /// The callback to open the host's link with, and the panes that will use that link:
    /// output marks the outputs the engine watches, signals go to `inbox` (the czar's own,
    /// where a local `czar done` writes too).
    /// Task branches that move there are fetched here through `follow`.
    pub fn on_event(
        inbox: Option<Inbox>,
        follow: Option<Arc<Follower>>,
    ) -> (Arc<OnceLock<Arc<Outputs>>>, OnEvent) {
        let sink: Arc<OnceLock<Arc<Outputs>>> = Arc::default();
        let s = Arc::clone(&sink);
        let on = Arc::new(move |e: Event| match e {
            Event::Output { worker } => {
                if let Some(outputs) = s.get() {
                    outputs.mark(worker, now_ms());
                }
            }
            Event::Signal { worker, kind, text } => {
                let Some(inbox) = &inbox else { return };
                let store = inbox.lock().unwrap_or_else(|p| p.into_inner());
                if let Err(e) = store.push_row(worker, &kind, &text, now_ms()) {
                    tracing::warn!(worker, "a host's signal could not be stored: {e}");
                }
            }
            Event::Tip { branch, tip } => {
                if let Some(f) = &follow {
                    f.moved(branch, tip);
                }
            }
            Event::Exited { .. } => {}
        });
        (sink, on)
    }

    /// Over `link`: one `Link`, or a `HostLink` that reconnects.
    pub fn new(link: Arc<dyn Asker>, sink: Arc<OnceLock<Arc<Outputs>>>) -> RemotePanes {
        RemotePanes {
            link,
            sink,
            requests: AtomicU64::new(0),
        }
    }

    async fn ask(&self, op: Op) -> Result<Answer, TmuxError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.link.ask_op(op).await.map_err(|e| match e {
            LinkError::Remote(stderr) => TmuxError::Failed {
                subcommand: "on the node".into(),
                status: None,
                stderr,
            },
            other => TmuxError::Invalid(format!("node: {other}")),
        })
    }

    async fn done(&self, op: Op) -> Result<(), TmuxError> {
        self.ask(op).await.map(drop)
    }
}

fn unexpected(what: &str, got: Answer) -> TmuxError {
    TmuxError::Parse {
        subcommand: what.into(),
        detail: format!("the node answered {got:?}"),
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn pane_info(p: Pane) -> PaneInfo {
    PaneInfo {
        session: p.session,
        pane_id: p.pane_id,
        pane_pid: p.pane_pid,
        dead: p.dead,
        dead_status: p.dead_status,
        dead_signal: p.dead_signal,
        current_command: p.current_command,
        title: p.title,
        activity: p.activity,
        width: p.width,
        height: p.height,
        attached: p.attached,
    }
}

impl Panes for RemotePanes {
    /// `spec.cwd`'s last component names the worktree on the node; `spec.command` is the agent
    /// itself (the node wraps it in its own pane-log) and `spec.env` its environment, which
    /// travels inside the request.
    fn start(&self, spec: SessionSpec) -> BoxFuture<'_, Result<(), TmuxError>> {
        Box::pin(async move {
            let worker = worker_of(&spec.name).ok_or_else(|| {
                TmuxError::Invalid(format!("{} is not a worker's session", spec.name))
            })?;
            let worktree = spec
                .cwd
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| TmuxError::Invalid("a worktree without a name".into()))?
                .to_string();
            self.done(Op::Spawn(Spawn {
                worker,
                session: spec.name,
                worktree,
                command: spec.command,
                env: spec.env,
                width: spec.width,
                height: spec.height,
            }))
            .await
        })
    }

    fn kill(&self, session: String) -> BoxFuture<'_, Result<(), TmuxError>> {
        Box::pin(self.done(Op::Kill { session }))
    }

    fn exists(&self, session: String) -> BoxFuture<'_, Result<bool, TmuxError>> {
        Box::pin(async move {
            match self.ask(Op::Exists { session }).await? {
                Answer::Bool(b) => Ok(b),
                other => Err(unexpected("exists", other)),
            }
        })
    }

    fn list(&self) -> BoxFuture<'_, Result<Vec<PaneInfo>, TmuxError>> {
        Box::pin(async move {
            match self.ask(Op::List).await? {
                Answer::Panes(p) => Ok(p.into_iter().map(pane_info).collect()),
                other => Err(unexpected("list", other)),
            }
        })
    }

    fn read(&self, targets: Vec<String>) -> BoxFuture<'_, Vec<Result<PaneScreen, TmuxError>>> {
        Box::pin(async move {
            let n = targets.len();
            match self.ask(Op::Read { targets }).await {
                Ok(Answer::Screens(s)) if s.len() == n => s
                    .into_iter()
                    .map(|r| {
                        r.map(|s| PaneScreen {
                            dead: s.dead,
                            title: s.title,
                            text: s.text,
                        })
                        .map_err(TmuxError::Invalid)
                    })
                    .collect(),
                Ok(other) => (0..n)
                    .map(|_| Err(unexpected("read", other.clone())))
                    .collect(),
                Err(e) => {
                    let e = e.to_string();
                    (0..n).map(|_| Err(TmuxError::Invalid(e.clone()))).collect()
                }
            }
        })
    }

    fn capture(&self, target: String, ansi: bool) -> BoxFuture<'_, Result<String, TmuxError>> {
        Box::pin(async move {
            match self.ask(Op::Capture { target, ansi }).await? {
                Answer::Text(t) => Ok(t),
                other => Err(unexpected("capture", other)),
            }
        })
    }

    fn paste(&self, target: String, text: Vec<u8>) -> BoxFuture<'_, Result<(), TmuxError>> {
        Box::pin(self.done(Op::Paste { target, text }))
    }

    fn submit(&self, target: String, key: SubmitKey) -> BoxFuture<'_, Result<(), TmuxError>> {
        let key = match key {
            SubmitKey::Enter => Submit::Enter,
            SubmitKey::CarriageReturn => Submit::CarriageReturn,
        };
        Box::pin(self.done(Op::Submit { target, key }))
    }

    fn key(&self, target: String, key: String) -> BoxFuture<'_, Result<(), TmuxError>> {
        Box::pin(self.done(Op::Key { target, key }))
    }

    fn literal(&self, target: String, text: String) -> BoxFuture<'_, Result<(), TmuxError>> {
        Box::pin(self.done(Op::Literal { target, text }))
    }

    /// Requests sent to the node (each one message on the wire), as runs and commands.
    fn counts(&self) -> TmuxCounts {
        let n = self.requests.load(Ordering::Relaxed);
        TmuxCounts {
            runs: n,
            commands: n,
        }
    }

    fn watch_outputs(&self, outputs: Arc<Outputs>) -> Option<Guard> {
        // The node watches; its events mark `outputs` from now on.
        self.sink.set(outputs).ok()?;
        Some(Box::new(()))
    }
}

/// A host's verifies: the `Processes` port run in the worker's worktree there (`cwd`'s last
/// component names it, as for `start`).
pub struct RemoteProcesses {
    pub link: Arc<dyn Asker>,
}

impl super::ports::Processes for RemoteProcesses {
    fn run(
        &self,
        command: String,
        cwd: std::path::PathBuf,
        timeout: std::time::Duration,
    ) -> BoxFuture<'_, super::ports::Ran> {
        Box::pin(async move {
            let Some(worktree) = cwd.file_name().and_then(|n| n.to_str()) else {
                return (false, format!("{} names no worktree", cwd.display()));
            };
            let op = Op::Run {
                worktree: worktree.to_string(),
                command,
                timeout_secs: timeout.as_secs().max(1),
            };
            match self.link.ask_op(op).await {
                Ok(Answer::Ran { passed, output }) => (passed, output),
                Ok(other) => (false, format!("the node answered {other:?}")),
                Err(e) => (false, format!("the host could not run it: {e}")),
            }
        })
    }

    fn notify(&self, _call: super::ports::NotifyCall) -> BoxFuture<'_, super::ports::Ran> {
        // The operator's `[notify]` command belongs to the czar's machine: whatever joins a
        // host's processes with this machine's sends it there, never to a host.
        Box::pin(async { (false, "notifications run on the czar's machine".to_string()) })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_session_names_its_worker() {
        assert_eq!(super::worker_of("proj-worker-12"), Some(12));
        assert_eq!(super::worker_of("my-worker-x-worker-3"), Some(3));
        assert_eq!(super::worker_of("proj-12"), None);
    }
}
