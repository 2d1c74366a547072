//! What the front ends see of the hosts: each one's health and the workers placed there, as
//! data the engine publishes (the dashboard only reads it), and the command that attaches the
//! operator's terminal to a worker on a host.

use super::hosts::Fleet;
use crate::core::model::WorkerId;
use std::sync::Arc;
use tokio::sync::watch;

pub use super::hosts::{HostHealth, HostRow};

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
                    grace_ms: h.grace_ms,
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
        let target = crate::config::hosts::ssh_target(&host.ssh)?;
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

/// The published rows for a front end; an engine without `[hosts]` publishes none, ever.
pub(crate) fn subscribe(fleet: Option<&Fleet>) -> Hosts {
    match fleet {
        Some(f) => f.published.subscribe(),
        None => watch::Sender::new(Arc::new(Vec::new())).subscribe(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::hosts::Host;
    use crate::node::host_link::HostLink;
    use crate::node::proto::Op;

    fn unreachable() -> Arc<HostLink> {
        Arc::new(HostLink::new(
            Box::new(|| {
                let mut c = tokio::process::Command::new("sh");
                c.args(["-c", "exit 255"]);
                c
            }),
            Arc::new(|_| {}),
        ))
    }

    #[tokio::test]
    async fn a_host_is_published_up_then_down_since_its_first_failure_and_only_when_it_changes() {
        let link = unreachable();
        let fleet = Fleet::of(vec![Host::on_link("a", Arc::clone(&link), 3, 2)]);
        let mut seen = subscribe(Some(&fleet));
        let rows = fleet.publish(1_000_000);
        assert_eq!(
            *rows,
            [HostRow {
                name: "a".into(),
                health: HostHealth::Up,
                workers: vec![3, 4],
                grace_ms: 120_000,
            }]
        );
        assert!(seen.has_changed().unwrap_or(false));
        seen.mark_unchanged();
        assert!(link.ask(Op::List).await.is_err());
        let down = fleet.publish(1_000_000);
        let HostHealth::Down { since, attempts } = down[0].health else {
            panic!("down: {down:?}");
        };
        assert_eq!(attempts, 1);
        assert!(since <= 1_000_000 && since > 1_000_000 - 5_000, "{since}");
        assert!(seen.has_changed().unwrap_or(false));
        seen.mark_unchanged();
        // Later, still down: the same row, so nothing is published again.
        let again = fleet.publish(1_000_700);
        assert_eq!(again, down);
        assert!(!seen.has_changed().unwrap_or(true));
    }
}
