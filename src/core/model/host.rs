//! Where each worker runs and whether its host answers: what `core::hosts` decides on.

use super::{Model, WorkerId};
use serde::Serialize;

/// A host's link as the core knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HostState {
    #[default]
    Up,
    /// Unreachable, within its grace: its workers keep their tasks and get no new ones.
    Reconnecting,
    /// Unreachable past its grace: its tasks went back to the queue; its workers start afresh
    /// when it is back.
    Down,
}

impl HostState {
    pub fn as_str(self) -> &'static str {
        match self {
            HostState::Up => "up",
            HostState::Reconnecting => "reconnecting",
            HostState::Down => "down",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct HostHealth {
    pub state: HostState,
    /// Since when `state` holds (ms); for an unreachable host, since it stopped answering.
    pub since: u64,
}

impl Model {
    /// The host worker `id` is placed on by the configuration: this machine's workers come
    /// first (1..=local), then each host's in the order configured. `None`: this machine.
    pub fn placed_on(&self, id: WorkerId) -> Option<String> {
        let hosts = &self.policy.hosts;
        let on_hosts: u64 = hosts.iter().map(|h| u64::from(h.workers)).sum();
        let mut first = u64::from(self.policy.workers).saturating_sub(on_hosts) + 1;
        for h in hosts {
            let end = first + u64::from(h.workers);
            if (first..end).contains(&u64::from(id)) {
                return Some(h.name.clone());
            }
            first = end;
        }
        None
    }

    /// The profile worker `id` starts as: the project's default, unless its host carries a list
    /// of `agents` without it; then the first of them (the host could not run it).
    pub fn profile_for(&self, id: WorkerId) -> String {
        let default = &self.policy.default_profile;
        let host = self.placed_on(id);
        let agents = host
            .and_then(|n| self.policy.hosts.iter().find(|h| h.name == n))
            .map(|h| h.agents.as_slice())
            .unwrap_or_default();
        match agents.first() {
            Some(first) if !agents.contains(default) => first.clone(),
            _ => default.clone(),
        }
    }

    /// The worker's machine answers: this one always does; a host until observed otherwise.
    pub fn host_up(&self, id: WorkerId) -> bool {
        let host = self.workers.get(&id).and_then(|w| w.host.as_ref());
        host.and_then(|h| self.hosts.get(h))
            .is_none_or(|h| h.state == HostState::Up)
    }
}
