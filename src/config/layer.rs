//! One layer of project settings (the shipped defaults, or the user's czar.toml), read
//! strictly and range-checked where it is written so errors point at the right file.

use std::collections::BTreeMap;

use super::error::{ConfigError, ConfigErrorKind};
use super::profile::{ProfileLayer, Sourced, valid_profile_name};
use super::reader::{Source, root};

pub(super) const STRING_KEYS: &[&str] = &[
    "project",
    "base",
    "agent",
    "tasks_dir",
    "worktrees_dir",
    "state_dir",
    "tmux_socket",
    "overlap",
    "stuck_nudges",
    "land",
    "into",
    "land_verify",
    "on_waiting",
    "attached",
    "remote",
    "forge",
    "diff_tool",
    "review",
];

/// `[timing]` keys with their allowed ranges; the defaults live in config/defaults.toml.
pub(super) const TIMING_KEYS: &[(&str, u64, u64)] = &[
    ("poll_ms", 20, 10_000),
    ("settle_ms", 0, super::profile::MAX_SETTLE_MS),
    ("ready_timeout_secs", 1, 3_600),
    ("submit_confirm_secs", 1, 300),
    ("submit_retries", 0, 10),
    ("verify_timeout_secs", 1, 86_400),
    ("max_verify_attempts", 1, 20),
    ("branch_rescan_secs", 1, 3_600),
    ("idle_grace_secs", 1, 86_400),
    ("stuck_secs", 5, 86_400),
    ("max_task_secs", 0, 604_800),
    ("max_attempts", 1, 20),
    ("max_restarts", 0, 100),
    ("max_land_attempts", 1, 20),
    ("waiting_limit_secs", 0, 604_800),
    ("rate_limit_backoff_secs", 1, 86_400),
    ("pr_poll_secs", 1, 3_600),
];

/// `[budget]` keys (tokens; 0: no limit) with their allowed ranges.
pub(super) const BUDGET_KEYS: &[(&str, u64, u64)] =
    &[("max_tokens", 0, 1 << 50), ("max_task_tokens", 0, 1 << 50)];
/// `[budget]` keys in dollars (0: no limit), kept as millionths, with their largest value.
pub(super) const BUDGET_COST_KEYS: &[(&str, f64)] =
    &[("max_cost", 1_000_000.0), ("max_task_cost", 1_000_000.0)];

pub(super) const MAX_WORKERS: u64 = 256;
/// Tasks merged together at most (`land_batch`).
pub(super) const MAX_LAND_BATCH: u64 = 64;
/// Rejections by the reviewer at most before a task fails (`max_review_rounds`).
pub(super) const MAX_REVIEW_ROUNDS: u64 = 20;

#[derive(Debug, Default)]
pub(super) struct ProjectLayer {
    pub strings: BTreeMap<&'static str, Sourced<String>>,
    pub workers: Option<Sourced<u64>>,
    pub keep_branches: Option<Sourced<bool>>,
    pub land_batch: Option<Sourced<u64>>,
    pub max_review_rounds: Option<Sourced<u64>>,
    pub timing: BTreeMap<&'static str, Sourced<u64>>,
    pub budget: BTreeMap<&'static str, Sourced<u64>>,
    pub agents: BTreeMap<String, ProfileLayer>,
    pub keys: super::keys::KeysLayer,
    pub notify: super::notify::NotifyLayer,
    pub hosts: Vec<super::hosts::HostLayer>,
}

impl ProjectLayer {
    pub fn read(src: &Source) -> Result<Self, ConfigError> {
        let doc = src.parse()?;
        let root = root(src, &doc);
        let mut allowed = STRING_KEYS.to_vec();
        allowed.extend([
            "workers",
            "timing",
            "budget",
            "agents",
            "keys",
            "keep_branches",
            "land_batch",
            "notify",
            "hosts",
            "max_review_rounds",
        ]);
        root.check_keys(&allowed)?;

        let mut layer = ProjectLayer::default();
        for &key in STRING_KEYS {
            if let Some(node) = root.get(key) {
                let value = node.string()?;
                layer.strings.insert(
                    key,
                    Sourced {
                        value,
                        at: node.loc(),
                    },
                );
            }
        }
        if let Some(node) = root.get("workers") {
            let value = node.u64_in(1, MAX_WORKERS)?;
            layer.workers = Some(Sourced {
                value,
                at: node.loc(),
            });
        }
        if let Some(node) = root.get("keep_branches") {
            let value = node.boolean()?;
            layer.keep_branches = Some(Sourced {
                value,
                at: node.loc(),
            });
        }
        if let Some(node) = root.get("land_batch") {
            let value = node.u64_in(1, MAX_LAND_BATCH)?;
            layer.land_batch = Some(Sourced {
                value,
                at: node.loc(),
            });
        }
        if let Some(node) = root.get("max_review_rounds") {
            let value = node.u64_in(1, MAX_REVIEW_ROUNDS)?;
            layer.max_review_rounds = Some(Sourced {
                value,
                at: node.loc(),
            });
        }
        if let Some(node) = root.get("timing") {
            let timing = node.table()?;
            let names: Vec<&str> = TIMING_KEYS.iter().map(|t| t.0).collect();
            timing.check_keys(&names)?;
            for &(key, min, max) in TIMING_KEYS {
                if let Some(node) = timing.get(key) {
                    let value = node.u64_in(min, max)?;
                    layer.timing.insert(
                        key,
                        Sourced {
                            value,
                            at: node.loc(),
                        },
                    );
                }
            }
        }
        if let Some(node) = root.get("budget") {
            let budget = node.table()?;
            let mut names: Vec<&str> = BUDGET_KEYS.iter().map(|t| t.0).collect();
            names.extend(BUDGET_COST_KEYS.iter().map(|t| t.0));
            budget.check_keys(&names)?;
            for &(key, max) in BUDGET_COST_KEYS {
                if let Some(node) = budget.get(key) {
                    let value = super::meter::micros(&node, max)?;
                    let at = node.loc();
                    layer.budget.insert(key, Sourced { value, at });
                }
            }
            for &(key, min, max) in BUDGET_KEYS {
                if let Some(node) = budget.get(key) {
                    let value = node.u64_in(min, max)?;
                    layer.budget.insert(
                        key,
                        Sourced {
                            value,
                            at: node.loc(),
                        },
                    );
                }
            }
        }
        if let Some(node) = root.get("notify") {
            layer.notify = super::notify::NotifyLayer::read(&node.table()?)?;
        }
        if let Some(node) = root.get("keys") {
            layer.keys = super::keys::read_keys(&node.table()?)?;
        }
        if let Some(node) = root.get("hosts") {
            layer.hosts = super::hosts::read_hosts(&node.table()?)?;
        }
        if let Some(node) = root.get("agents") {
            for (name, profile) in node.table()?.entries() {
                if !valid_profile_name(&name) {
                    let reason = "profile names use letters, digits, `_` and `-` (at most 64)";
                    let value = name.clone();
                    let reason = reason.to_string();
                    return Err(profile.error(ConfigErrorKind::Invalid { value, reason }));
                }
                let layer_profile = ProfileLayer::read(&profile.table()?)?;
                layer.agents.insert(name, layer_profile);
            }
        }
        Ok(layer)
    }

    /// `over` wins key by key; profiles merge field by field.
    pub fn merge(mut self, over: ProjectLayer) -> ProjectLayer {
        self.strings.extend(over.strings);
        self.workers = over.workers.or(self.workers);
        self.keep_branches = over.keep_branches.or(self.keep_branches);
        self.land_batch = over.land_batch.or(self.land_batch);
        self.max_review_rounds = over.max_review_rounds.or(self.max_review_rounds);
        self.timing.extend(over.timing);
        self.budget.extend(over.budget);
        self.keys.extend(over.keys);
        self.notify = self.notify.merge(over.notify);
        self.hosts.extend(over.hosts);
        for (name, profile) in over.agents {
            let merged = match self.agents.remove(&name) {
                Some(base) => base.merge(profile),
                None => profile,
            };
            self.agents.insert(name, merged);
        }
        self
    }
}
