//! What the front ends see of the hosts: each one's health and the workers placed there, as
//! data the engine publishes (the dashboard only reads it), and the command that attaches the
//! operator's terminal to a worker on a host.

use super::hosts::Fleet;
use crate::core::model::WorkerId;
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::watch;

/// One host as published: `status.json`'s `hosts`, the dashboard's hosts line and HOST column.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HostRow {
    pub name: String,
    #[serde(flatten)]
    pub health: HostHealth,
    /// The workers placed there, in order.
    pub workers: Vec<WorkerId>,
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

/// The published rows: none without `[hosts]`.
pub type Hosts = watch::Receiver<Arc<Vec<HostRow>>>;

impl Fleet {
    /// Each host as it is now. A host still down keeps the `since` it was published with: the
    /// link's instant turned into wall-clock ms would otherwise move by a millisecond or so
    /// from one round to the next and republish for nothing.
    pub fn rows(&self, now: u64, before: &[HostRow]) -> Vec<HostRow> {
        use crate::node::host_link::Health;
        self.hosts
            .iter()
            .map(|h| {
                let health = match h.link.health() {
                    Health::Up => HostHealth::Up,
                    Health::Down { since, attempts } => {
                        let kept =
                            before
                                .iter()
                                .find(|r| r.name == h.name)
                                .and_then(|r| match r.health {
                                    HostHealth::Down { since, .. } => Some(since),
                                    HostHealth::Up => None,
                                });
                        let elapsed = since.elapsed().as_millis() as u64;
                        HostHealth::Down {
                            since: kept.unwrap_or(now.saturating_sub(elapsed)),
                            attempts,
                        }
                    }
                };
                HostRow {
                    name: h.name.clone(),
                    health,
                    workers: h.workers().collect(),
                }
            })
            .collect()
    }

    /// Publishes the hosts' rows when they changed; returns them.
    pub fn publish(&self, now: u64) -> Arc<Vec<HostRow>> {
        let before = self.published.borrow().clone();
        let rows = self.rows(now, &before);
        if rows == *before {
            return before;
        }
        let rows = Arc::new(rows);
        self.published.send_replace(Arc::clone(&rows));
        rows
    }

    /// The argv that shows worker `worker`'s session (`session`) on its host in this terminal:
    /// `ssh -t … tmux -S DIR/tmux.sock attach-session -t =SESSION`. `None`: the worker is here.
    pub async fn attach_argv(
        &self,
        worker: WorkerId,
        session: &str,
    ) -> Result<Option<Vec<String>>, String> {
        let Some(host) = self.host_of(worker) else {
            return Ok(None);
        };
        let target = crate::node::link::ssh_target(&host.ssh)?;
        // The node's folder as the node resolved it (the config's may be under its home).
        let link = host
            .link
            .link()
            .await
            .map_err(|e| format!("host {}: {e}", host.name))?;
        let dir = link.hello.dir.clone().ok_or_else(|| {
            format!(
                "host {}: the node did not say where its folder is",
                host.name
            )
        })?;
        let config = std::env::var_os("CZAR_SSH_CONFIG").map(std::path::PathBuf::from);
        let cmd = crate::node::link::attach_command(config.as_deref(), &target, &dir, session);
        Ok(Some(
            std::iter::once(cmd.get_program())
                .chain(cmd.get_args())
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
        ))
    }
}

/// A receiver of no hosts, for an engine without `[hosts]`.
pub fn none() -> Hosts {
    watch::Sender::new(Arc::new(Vec::new())).subscribe()
}
