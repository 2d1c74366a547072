//! How starting each agent profile has gone: what the failure-storm rules in `spawn` keep.

use super::{Model, WorkerId};
use serde::Serialize;

/// How starting the agents of one profile has gone. Kept in memory only: a new czar checks the
/// profiles before it starts (see `preflight`) and learns the rest again.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ProfileHealth {
    /// Failed starts since the last agent of this profile came up.
    pub failures: u32,
    /// No start of this profile before this time (ms).
    pub next_start_at: u64,
    /// When its agents were started within the last `CAP_WINDOW_MS`.
    pub recent_starts: Vec<u64>,
    /// The latest failed start: what happened, and the worker it happened to.
    pub last_failure: Option<(WorkerId, String)>,
    /// The breaker is open: nothing of this profile starts but an occasional probe.
    pub unavailable: Option<Unavailable>,
    /// When the cap last held a start back (one event per window, not one per tick).
    pub throttled_at: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unavailable {
    pub since: u64,
    /// The last failure, as the operator should read it.
    pub cause: String,
    /// The worker that failed last (its output log has the whole story).
    pub worker: WorkerId,
    /// Probes that failed since the breaker opened.
    pub probes: u32,
    /// When the next probe may start; `None`: never.
    pub probe_at: Option<u64>,
    /// A probe start is under way.
    pub probing: bool,
}

impl Model {
    /// The profile's agents can be started (its breaker is closed).
    pub fn profile_available(&self, profile: &str) -> bool {
        self.profiles
            .get(profile)
            .is_none_or(|h| h.unavailable.is_none())
    }
}
