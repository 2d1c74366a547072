//! Everything the engine needs to know about the project, resolved once at start.

use crate::adapters::tmux::{Socket, SubmitKey};
use crate::config::{AgentProfile, ProjectConfig};
pub use crate::config::{Paths, Timing};
use crate::core::classify::ScreenRules;
use crate::core::model::{
    AgentDelivery, Attached, DeliveryPolicy, LandPolicy, LimitPolicy, Policy, WorkerId,
};
use anyhow::Context;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

#[derive(Clone)]
pub struct Profile {
    pub name: String,
    /// argv, already expanded (`{czar}` replaced by the czar's own path).
    pub command: Vec<String>,
    /// May hold keys: passed to the agent through a private file, never printed.
    pub env: Vec<(String, String)>,
    pub submit: SubmitKey,
    pub settle: Duration,
    pub rules: ScreenRules,
    /// Its accounts: each names where its env values are read (never the values).
    pub accounts: Vec<crate::config::Account>,
    /// The variable an account's `dir` goes into.
    pub account_dir_env: Option<String>,
    /// Where its agent reports the tokens it used (see `meter`).
    pub usage: Option<crate::core::reports::Source>,
    /// What it declares it is good for (routing).
    pub tags: Vec<String>,
}

impl crate::tasks::Tagged for Profile {
    fn tags(&self) -> &[String] {
        &self.tags
    }
}

/// The env's names only (a `Setup` printed for debugging must not carry keys).
impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let env: Vec<&str> = self.env.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Profile")
            .field("name", &self.name)
            .field("command", &self.command)
            .field("env", &env)
            .field("submit", &self.submit)
            .field("settle", &self.settle)
            .field("rules", &self.rules)
            .field("accounts", &self.accounts)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct Setup {
    pub project: String,
    pub base: String,
    pub paths: Paths,
    pub socket: Socket,
    pub profiles: BTreeMap<String, Profile>,
    pub timing: Timing,
    pub policy: Policy,
    /// Pane size for new worker sessions.
    pub pane_size: (u16, u16),
    /// This czar's executable (when its path is UTF-8, as tmux needs): each agent runs under its
    /// `pane-log`, which keeps the output log.
    pub czar_exe: Option<String>,
    /// With `land = "pr"`: the remote task branches are pushed to, and the forge's CLI.
    pub land_remote: String,
    pub forge: String,
    /// `[notify]`: the command run for each announced event, its timeout, the terminal's way.
    pub notify: crate::config::Notify,
    /// `[hosts.<name>]`: workers beyond this machine's, numbered after them in this order.
    pub hosts: Vec<crate::config::hosts::Host>,
}

impl Setup {
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }

    pub fn session_prefix(&self) -> String {
        let name = crate::core::model::session_name(&self.project, 0);
        name.trim_end_matches('0').to_string()
    }

    /// The worker a session belongs to, if it is one of this project's.
    pub fn worker_of_session(&self, session: &str) -> Option<WorkerId> {
        session.strip_prefix(&self.session_prefix())?.parse().ok()
    }

    pub fn state_dir(&self) -> &Path {
        &self.paths.state_dir
    }
}

impl Setup {
    /// What the engine needs, from a loaded configuration: profiles with `{czar}` and
    /// `{czar_hooks}` expanded, the core's policy, paths and timings.
    pub fn from_config(cfg: &ProjectConfig) -> anyhow::Result<Setup> {
        let exe_path = std::env::current_exe().context("finding the czar executable")?;
        let exe = exe_path.display().to_string();
        let profiles = cfg
            .profiles
            .iter()
            .map(|(name, p)| (name.clone(), profile(cfg, p, &exe)))
            .collect();
        let t = &cfg.timing;
        Ok(Setup {
            project: cfg.project.clone(),
            base: cfg.base.clone(),
            paths: cfg.paths.clone(),
            socket: cfg.tmux.clone(),
            profiles,
            timing: cfg.timing.clone(),
            policy: Policy {
                // This machine's workers first, then each host's (see `engine::hosts`).
                workers: (cfg.workers + cfg.hosts.iter().map(|h| h.workers).sum::<usize>()) as u32,
                default_profile: cfg.agent.clone(),
                max_verify_attempts: t.max_verify_attempts,
                idle_grace_ms: t.idle_grace.as_millis() as u64,
                max_attempts: t.max_attempts,
                max_restarts: t.max_restarts,
                stuck_ms: t.stuck.as_millis() as u64,
                max_task_ms: t.max_task.as_millis() as u64,
                hold_overlaps: cfg.hold_overlaps,
                attached: if cfg.wait_while_attached {
                    Attached::Wait
                } else {
                    Attached::Ignore
                },
                nudges: cfg.stuck_nudges.clone(),
                delivery: delivery_policy(cfg),
                land: LandPolicy {
                    mode: cfg.land.mode,
                    into: cfg.land.into.clone(),
                    verify: cfg.land.verify.clone(),
                    keep_branches: cfg.land.keep_branches,
                    max_attempts: t.max_land_attempts,
                    pr_poll_ms: t.pr_poll.as_millis() as u64,
                    batch: cfg.land.batch,
                    review: cfg.land.review.clone(),
                    max_review_rounds: cfg.land.max_review_rounds,
                },
                accounts: cfg
                    .profiles
                    .iter()
                    .filter(|(_, p)| !p.accounts.is_empty())
                    .map(|(n, p)| {
                        (
                            n.clone(),
                            p.accounts.iter().map(|a| a.name.clone()).collect(),
                        )
                    })
                    .collect(),
                budget: cfg.budget,
                meters: cfg.meters(),
                tags: cfg
                    .profiles
                    .iter()
                    .map(|(n, p)| (n.clone(), p.tags.clone()))
                    .collect(),
                // Nothing to tell through: no event is announced (nor recorded as announced).
                notify: if cfg.notify.command.is_empty()
                    && cfg.notify.terminal == crate::config::TerminalNotice::Off
                {
                    Vec::new()
                } else {
                    cfg.notify.on.clone()
                },
                limits: LimitPolicy {
                    waiting_ms: t.waiting_limit.as_millis() as u64,
                    on_waiting: cfg.on_waiting,
                    backoff_ms: t.rate_limit_backoff.as_millis() as u64,
                    ..LimitPolicy::default()
                },
                hosts: cfg
                    .hosts
                    .iter()
                    .map(|h| crate::core::model::HostPlace {
                        name: h.name.clone(),
                        workers: h.workers as u32,
                        grace_ms: h.grace_secs.saturating_mul(1000),
                        agents: h.agents.clone(),
                        labels: h.labels.clone(),
                    })
                    .collect(),
                ..Policy::default()
            },
            pane_size: (160, 48),
            czar_exe: exe_path.to_str().map(str::to_string),
            land_remote: cfg.land.remote.clone(),
            notify: cfg.notify.clone(),
            forge: cfg.land.forge.clone(),
            hosts: cfg.hosts.clone(),
        })
    }
}

/// How the core hands text to each profile's agent.
fn delivery_policy(cfg: &ProjectConfig) -> DeliveryPolicy {
    let t = &cfg.timing;
    let state = &cfg.paths.state_dir;
    DeliveryPolicy {
        ready_timeout_ms: t.ready_timeout.as_millis() as u64,
        confirm_ms: t.submit_confirm.as_millis() as u64,
        retries: t.submit_retries,
        agents: cfg
            .profiles
            .iter()
            .map(|(name, p)| {
                let agent = AgentDelivery {
                    settle_ms: cfg.settle_for(p).as_millis() as u64,
                    clear_keys: p.clear_keys.clone(),
                    preamble: p.preamble,
                    reads_input: !p.patterns.input.is_empty(),
                    ready_settle_ms: p.ready_settle_ms,
                    resend: p.resend.clone(),
                };
                (name.clone(), agent)
            })
            .collect(),
        status_md: state.join("status.md").display().to_string(),
        status_json: state.join("status.json").display().to_string(),
    }
}

fn profile(cfg: &ProjectConfig, p: &AgentProfile, exe: &str) -> Profile {
    Profile {
        name: p.name.clone(),
        command: p
            .command
            .iter()
            .map(|w| {
                let w = w.replace("{czar}", exe);
                if w.contains(crate::config::hooks::HOOKS_PLACEHOLDER) {
                    w.replace(
                        crate::config::hooks::HOOKS_PLACEHOLDER,
                        &crate::config::hooks::claude_settings(exe),
                    )
                } else {
                    w
                }
            })
            .collect(),
        env: p.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        submit: p.submit,
        settle: cfg.settle_for(p),
        rules: p.rules(),
        accounts: p.accounts.clone(),
        account_dir_env: p.account_dir_env.clone(),
        usage: p.meter.usage,
        tags: p.tags.clone(),
    }
}
