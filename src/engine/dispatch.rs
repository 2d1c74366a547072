//! The panes of a fleet on several machines as one `Panes`: each call goes to the machine of the
//! worker it is about (this one, or a host's node), known from the session name in the target
//! (`=<project>-worker-<id>:`, the only targets the engine uses). The core never learns where a
//! worker runs; which host is data here.

use super::ports::{Guard, Panes};
use crate::adapters::output_watch::Outputs;
use crate::adapters::tmux::{PaneInfo, PaneScreen, SessionSpec, SubmitKey, TmuxCounts, TmuxError};
use crate::core::model::WorkerId;
use futures::future::BoxFuture;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// This machine's panes, the hosts' panes, and which worker is where (unplaced: here).
pub struct Dispatch {
    local: Arc<dyn Panes>,
    hosts: Vec<Arc<dyn Panes>>,
    placed: RwLock<HashMap<WorkerId, usize>>,
    /// The hosts whose latest listing failed.
    unlisted: std::sync::Mutex<std::collections::BTreeSet<usize>>,
}

impl Dispatch {
    pub fn new(local: Arc<dyn Panes>, hosts: Vec<Arc<dyn Panes>>) -> Dispatch {
        Dispatch {
            local,
            hosts,
            placed: RwLock::default(),
            unlisted: std::sync::Mutex::default(),
        }
    }

    /// Worker `worker` runs on host `host` (an index into the hosts given), or here (`None`).
    pub fn place(&self, worker: WorkerId, host: Option<usize>) {
        let mut placed = self.placed.write().unwrap_or_else(|p| p.into_inner());
        match host.filter(|h| *h < self.hosts.len()) {
            Some(h) => placed.insert(worker, h),
            None => placed.remove(&worker),
        };
    }

    /// The hosts (indices) whose latest listing failed: their panes were left out of it.
    pub fn unlisted(&self) -> std::collections::BTreeSet<usize> {
        self.unlisted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The host worker `worker` is on; `None`: this machine.
    pub fn host_of(&self, worker: WorkerId) -> Option<usize> {
        let placed = self.placed.read().unwrap_or_else(|p| p.into_inner());
        placed.get(&worker).copied()
    }

    fn for_session(&self, session: &str) -> &dyn Panes {
        let host = worker_of(session).and_then(|w| self.host_of(w));
        match host.and_then(|h| self.hosts.get(h)) {
            Some(p) => p.as_ref(),
            None => self.local.as_ref(),
        }
    }

    fn for_target(&self, target: &str) -> &dyn Panes {
        self.for_session(session_of(target))
    }

    /// Which machine each target is on: 0 here, 1 + i for host i.
    fn machine(&self, target: &str) -> usize {
        worker_of(session_of(target))
            .and_then(|w| self.host_of(w))
            .map_or(0, |h| h + 1)
    }

    fn machines(&self) -> impl Iterator<Item = &Arc<dyn Panes>> {
        std::iter::once(&self.local).chain(&self.hosts)
    }
}

/// `=name:` → `name`; anything else as it is.
fn session_of(target: &str) -> &str {
    target
        .strip_prefix('=')
        .and_then(|t| t.strip_suffix(':'))
        .unwrap_or(target)
}

/// The worker a session is (`<project>-worker-<id>`).
pub fn worker_of(session: &str) -> Option<WorkerId> {
    session.rsplit_once("-worker-")?.1.parse().ok()
}

impl Panes for Dispatch {
    fn start(&self, spec: SessionSpec) -> BoxFuture<'_, Result<(), TmuxError>> {
        self.for_session(&spec.name.clone()).start(spec)
    }

    fn kill(&self, session: String) -> BoxFuture<'_, Result<(), TmuxError>> {
        self.for_session(&session.clone()).kill(session)
    }

    fn exists(&self, session: String) -> BoxFuture<'_, Result<bool, TmuxError>> {
        self.for_session(&session.clone()).exists(session)
    }

    /// Every machine's panes. This machine failing to list fails the listing. A host that
    /// cannot list is left out and noted (`unlisted`): the engine tells the core that host is
    /// unreachable before the listing, so its panes are not read as gone while it reconnects,
    /// and one unreachable host does not blind the czar to every other machine.
    fn list(&self) -> BoxFuture<'_, Result<Vec<PaneInfo>, TmuxError>> {
        Box::pin(async move {
            let lists = futures::future::join_all(self.machines().map(|m| m.list())).await;
            let mut out = Vec::new();
            let mut unlisted = std::collections::BTreeSet::new();
            for (i, list) in lists.into_iter().enumerate() {
                match (i, list) {
                    (_, Ok(panes)) => out.extend(panes),
                    (0, Err(e)) => return Err(e),
                    (host, Err(e)) => {
                        tracing::debug!(host = host - 1, "a host could not list its panes: {e}");
                        unlisted.insert(host - 1);
                    }
                }
            }
            *self.unlisted.lock().unwrap_or_else(|p| p.into_inner()) = unlisted;
            Ok(out)
        })
    }

    /// One read per machine, all at once; the screens back in the order asked.
    fn read(&self, targets: Vec<String>) -> BoxFuture<'_, Vec<Result<PaneScreen, TmuxError>>> {
        Box::pin(async move {
            let n = 1 + self.hosts.len();
            let mut groups: Vec<Vec<(usize, String)>> = vec![Vec::new(); n];
            for (i, t) in targets.into_iter().enumerate() {
                groups[self.machine(&t)].push((i, t));
            }
            let reads = self.machines().zip(&groups).map(|(m, g)| {
                let ts: Vec<String> = g.iter().map(|(_, t)| t.clone()).collect();
                async move {
                    if ts.is_empty() {
                        Vec::new()
                    } else {
                        m.read(ts).await
                    }
                }
            });
            let screens = futures::future::join_all(reads).await;
            let mut out: Vec<(usize, Result<PaneScreen, TmuxError>)> = Vec::new();
            for (g, s) in groups.iter().zip(screens) {
                out.extend(g.iter().map(|(i, _)| *i).zip(s));
            }
            out.sort_by_key(|(i, _)| *i);
            out.into_iter().map(|(_, s)| s).collect()
        })
    }

    fn capture(&self, target: String, ansi: bool) -> BoxFuture<'_, Result<String, TmuxError>> {
        self.for_target(&target.clone()).capture(target, ansi)
    }

    fn paste(&self, target: String, text: Vec<u8>) -> BoxFuture<'_, Result<(), TmuxError>> {
        self.for_target(&target.clone()).paste(target, text)
    }

    fn submit(&self, target: String, key: SubmitKey) -> BoxFuture<'_, Result<(), TmuxError>> {
        self.for_target(&target.clone()).submit(target, key)
    }

    fn key(&self, target: String, key: String) -> BoxFuture<'_, Result<(), TmuxError>> {
        self.for_target(&target.clone()).key(target, key)
    }

    fn literal(&self, target: String, text: String) -> BoxFuture<'_, Result<(), TmuxError>> {
        self.for_target(&target.clone()).literal(target, text)
    }

    fn counts(&self) -> TmuxCounts {
        self.machines().fold(TmuxCounts::default(), |a, m| {
            let c = m.counts();
            TmuxCounts {
                runs: a.runs + c.runs,
                commands: a.commands + c.commands,
            }
        })
    }

    /// Every machine marks the same outputs; watched if this machine's panes are.
    fn watch_outputs(&self, outputs: Arc<Outputs>) -> Option<Guard> {
        let local = self.local.watch_outputs(Arc::clone(&outputs))?;
        let mut guards = vec![local];
        for h in &self.hosts {
            guards.extend(h.watch_outputs(Arc::clone(&outputs)));
        }
        Some(Box::new(guards))
    }
}
