//! The engine's side of `[hosts.<name>]`: one link per host (the user's ssh, reconnecting), the
//! workers placed there, and what a worker there needs that a local one gets from this machine:
//! its worktree and branch on the node's clone, its verify run there, its branch fetched back.
//! Workers are numbered this machine's first, then each host's in the order configured; the
//! core only ever sees worker ids, and `Dispatch` routes their panes by id.

use super::dispatch::Dispatch;
use super::ports::Panes;
use super::remote::{Inbox, RemotePanes, RemoteProcesses};
use super::setup::Setup;
use crate::config::hosts::ssh_target;
use crate::core::Observation;
use crate::core::model::{Model, WorkerId};
use crate::node::git_remote::{Follower, GitRemote};
use crate::node::host_link::{Health, HostLink};
use crate::node::link::{Asker, ssh_command};
use crate::node::proto::{Answer, Op};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// One host as published: `status.json`'s `hosts`, the dashboard's hosts line and HOST column.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HostRow {
    pub name: String,
    #[serde(flatten)]
    pub health: HostHealth,
    /// The workers placed there, in order.
    pub workers: Vec<WorkerId>,
    /// Its `grace_secs`: down this long, it is called down (the core gives its tasks back
    /// then), before that reconnecting.
    #[serde(skip)]
    pub grace_ms: u64,
}

/// Whether the host answers. Its link keeps trying a down host (with backoff), so a down host
/// is always being reconnected; how long it has been down says how worried to be.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(tag = "health", rename_all = "snake_case")]
pub enum HostHealth {
    Up,
    /// Unreachable since `since` (ms, this machine's clock); `attempts` connections failed.
    Down {
        since: u64,
        attempts: u32,
    },
}

/// One host as the engine drives it.
pub(crate) struct Host {
    pub name: String,
    pub ssh: String,
    /// How long it may be unreachable before the core gives its tasks back (`grace_secs`).
    pub grace_ms: u64,
    pub link: Arc<HostLink>,
    /// The czar program there (`czar` on its PATH unless configured).
    pub czar: String,
    follower: Arc<Follower>,
    /// Its workers: `first..first + count`.
    first: WorkerId,
    count: u32,
    /// The link's connections when its branches were last caught up with.
    caught_up: std::sync::atomic::AtomicU64,
}

/// Every host, and the dispatch that knows which of them the latest listing missed.
pub(crate) struct Fleet {
    pub hosts: Vec<Host>,
    /// Each host's health as last published (see `fleet_view`).
    pub published: tokio::sync::watch::Sender<Arc<Vec<HostRow>>>,
    dispatch: Arc<Dispatch>,
}

/// The panes of every machine, and the hosts behind them.
pub(crate) type Opened = (Arc<dyn Panes>, Fleet);

/// This machine's panes and the hosts' as one `Panes`, and the fleet behind it. `None` without
/// `[hosts]`: nothing changes then.
pub(crate) fn open(setup: &Setup, local: Arc<dyn Panes>) -> Result<Option<Opened>, String> {
    if setup.hosts.is_empty() {
        return Ok(None);
    }
    let inbox: Inbox = Arc::new(std::sync::Mutex::new(
        crate::adapters::store::Store::open(setup.state_dir()).map_err(|e| e.to_string())?,
    ));
    let on_hosts: usize = setup.hosts.iter().map(|h| h.workers).sum();
    let mut first = setup.policy.workers.saturating_sub(on_hosts as u32) + 1;
    let root = setup.paths.repo_root.clone();
    let mut hosts = Vec::new();
    let mut panes: Vec<Arc<dyn Panes>> = Vec::new();
    for h in &setup.hosts {
        let target = ssh_target(&h.ssh).map_err(|e| format!("host {}: {e}", h.name))?;
        let follower = Arc::new(Follower::new(root.clone(), "czar/"));
        let (sink, on_event) =
            RemotePanes::on_event(Some(Arc::clone(&inbox)), Some(Arc::clone(&follower)));
        let (czar, dir) = (h.czar.clone(), h.dir.clone());
        let connect = Box::new(move || ssh_command(&target, &czar, &dir));
        let link = Arc::new(HostLink::new(connect, on_event));
        panes.push(Arc::new(RemotePanes::new(
            link.clone() as Arc<dyn Asker>,
            sink,
        )));
        hosts.push(Host {
            name: h.name.clone(),
            ssh: h.ssh.clone(),
            grace_ms: h.grace_secs.saturating_mul(1000),
            link,
            czar: h.czar.clone(),
            follower,
            first,
            count: h.workers as u32,
            caught_up: std::sync::atomic::AtomicU64::new(1),
        });
        first += h.workers as u32;
    }
    let dispatch = Dispatch::new(local, panes);
    for (i, h) in hosts.iter().enumerate() {
        for w in h.first..h.first + h.count {
            dispatch.place(w, Some(i));
        }
    }
    let dispatch = Arc::new(dispatch);
    let fleet = Fleet {
        hosts,
        published: tokio::sync::watch::Sender::new(Arc::new(Vec::new())),
        dispatch: Arc::clone(&dispatch),
    };
    Ok(Some((dispatch, fleet)))
}

impl Fleet {
    /// Each host's link as the core should know it (`now`: the czar's clock, ms): unreachable
    /// since its first failed connection, or since now when its latest listing failed over a
    /// link that still looks up (the node did not answer).
    pub fn health(&self, now: u64) -> Vec<Observation> {
        let unlisted = self.dispatch.unlisted();
        let at = Instant::now();
        self.hosts
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let down_since = match h.link.health() {
                    Health::Down { since, .. } => Some(
                        now.saturating_sub(at.saturating_duration_since(since).as_millis() as u64),
                    ),
                    Health::Up => unlisted.contains(&i).then_some(now),
                };
                Observation::HostSeen {
                    host: h.name.clone(),
                    up: down_since.is_none(),
                    since: down_since.unwrap_or(now),
                }
            })
            .collect()
    }

    /// Each host follows only the branches of the tasks its workers hold (see `Follower::hold`).
    pub fn follow(&self, model: &Model) {
        for h in &self.hosts {
            let held = model
                .workers
                .values()
                .filter(|w| w.host.as_deref() == Some(h.name.as_str()))
                .filter_map(|w| w.task.as_deref())
                .map(crate::core::model::branch_for)
                .collect();
            h.follower.hold(held);
            // Reconnected: what its agents committed while the link was down is fetched now.
            let opened = h.link.connections();
            let seen = h
                .caught_up
                .swap(opened, std::sync::atomic::Ordering::Relaxed);
            if opened > seen {
                tracing::info!(host = %h.name, "reconnected: fetching the branches it holds");
                h.follower.catch_up();
            }
        }
    }

    /// The workers placed on `host`.
    fn workers_of(host: &Host) -> std::ops::Range<WorkerId> {
        host.first..host.first + host.count
    }

    /// The host worker `worker` runs on; `None`: this machine.
    pub fn host_of(&self, worker: WorkerId) -> Option<&Host> {
        self.hosts
            .iter()
            .find(|h| (h.first..h.first + h.count).contains(&worker))
    }
}

/// The worktree's name on the node: the last component of its local path, as `RemotePanes` and
/// `RemoteProcesses` read it.
pub(super) fn worktree_name(worker: WorkerId) -> String {
    format!("worker-{worker}")
}

#[cfg(test)]
impl Fleet {
    /// `hosts` with a dispatch that routes every pane call to the first one (the engine's
    /// tests of what is published about them).
    pub fn of(hosts: Vec<Host>) -> Fleet {
        let panes = |h: &Host| -> Arc<dyn Panes> {
            let (sink, _) = RemotePanes::on_event(None, None);
            Arc::new(RemotePanes::new(
                Arc::clone(&h.link) as Arc<dyn Asker>,
                sink,
            ))
        };
        let all: Vec<Arc<dyn Panes>> = hosts.iter().map(panes).collect();
        let local = Arc::clone(&all[0]);
        Fleet {
            hosts,
            published: tokio::sync::watch::Sender::new(Arc::new(Vec::new())),
            dispatch: Arc::new(Dispatch::new(local, all)),
        }
    }
}

impl Host {
    /// A host named `name` on `link` with workers `first..first + count` (the engine's tests).
    #[cfg(test)]
    pub fn on_link(name: &str, link: Arc<HostLink>, first: WorkerId, count: u32) -> Host {
        Host {
            name: name.to_string(),
            ssh: name.to_string(),
            grace_ms: 120_000,
            link,
            czar: "czar".into(),
            follower: Arc::new(Follower::new(PathBuf::from("."), "czar/")),
            first,
            count,
            caught_up: std::sync::atomic::AtomicU64::new(1),
        }
    }

    /// The workers placed here.
    pub fn workers(&self) -> std::ops::Range<WorkerId> {
        self.first..self.first + self.count
    }

    /// Git to the node's clone, known from its hello (the first call connects).
    async fn git(&self) -> Result<GitRemote, String> {
        if let Some(r) = self.follower.remote.get() {
            return Ok(r.clone());
        }
        let link = self.link.link().await.map_err(|e| e.to_string())?;
        let repo = link
            .hello
            .repo
            .clone()
            .ok_or("the node did not say where its clone is")?;
        let config = std::env::var_os("CZAR_SSH_CONFIG").map(PathBuf::from);
        let remote = GitRemote::new(&self.ssh, &repo, config.as_deref())?;
        let _ = self.follower.remote.set(remote.clone());
        Ok(remote)
    }

    /// Sends `branches` of the czar's repository to the node's clone.
    pub async fn push(&self, root: PathBuf, branches: Vec<String>) -> Result<(), String> {
        let remote = self.git().await?;
        tokio::task::spawn_blocking(move || remote.push(&root, &branches))
            .await
            .map_err(|e| format!("push task failed: {e}"))?
    }

    /// Brings `branch` back from the node's clone, as it is there now.
    pub async fn fetch(&self, root: PathBuf, branch: String) -> Result<(), String> {
        let remote = self.git().await?;
        tokio::task::spawn_blocking(move || remote.fetch(&root, &[branch]))
            .await
            .map_err(|e| format!("fetch task failed: {e}"))?
    }

    /// Puts the node's worktree `name` on `branch`, made from `base` if new.
    pub async fn worktree(&self, name: &str, branch: &str, base: &str) -> Result<(), String> {
        let op = Op::Worktree {
            name: name.to_string(),
            branch: branch.to_string(),
            base: base.to_string(),
        };
        self.link
            .ask(op)
            .await
            .map(drop)
            .map_err(|e| format!("on {}: {e}", self.name))
    }

    /// A branch's tip in the node's clone.
    pub async fn tip(&self, branch: &str) -> Result<Option<String>, String> {
        let op = Op::Tip {
            branch: branch.to_string(),
        };
        match self.link.ask(op).await.map_err(|e| e.to_string())? {
            Answer::Tip(t) => Ok(t),
            other => Err(format!("the node answered {other:?}")),
        }
    }

    /// Whether the worker's worktree there is present, and the branch it has checked out.
    pub async fn branch_at(&self, name: &str) -> Result<Option<Option<String>>, String> {
        let op = Op::BranchAt {
            worktree: name.to_string(),
        };
        match self.link.ask(op).await.map_err(|e| e.to_string())? {
            Answer::At { present, branch } => Ok(present.then_some(branch)),
            other => Err(format!("the node answered {other:?}")),
        }
    }

    /// Takes `branch` off whichever of this host's worktrees has it checked out (putting that
    /// one on its own idle branch): the node's clone refuses a push to a checked-out branch,
    /// and a task given back goes on from the czar's copy of its branch.
    pub async fn release(&self, branch: &str, base: &str) -> Result<(), String> {
        for w in Fleet::workers_of(self) {
            let name = worktree_name(w);
            if self.branch_at(&name).await?.flatten().as_deref() == Some(branch) {
                self.worktree(&name, &name, base).await?;
                tracing::info!(host = %self.name, worker = w, "released {branch} there");
            }
        }
        Ok(())
    }

    pub fn processes(&self) -> RemoteProcesses {
        RemoteProcesses {
            link: self.link.clone() as Arc<dyn Asker>,
        }
    }
}
