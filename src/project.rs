//! Finding the project from a folder and turning its configuration into the engine's `Setup`.

use crate::adapters::git::Git;
use crate::adapters::{lock, private};
use crate::config::{
    self, AgentProfile, ConfigError, ConfigErrorKind, Location, PatternList, ProjectConfig,
};
use crate::core::classify::ScreenRules;
use crate::core::model::{AgentDelivery, DeliveryPolicy, Policy};
use crate::engine::{Profile, Setup};
use anyhow::Context;
use std::path::{Path, PathBuf};

/// A user mistake (config, task files, arguments): exit code 2 and a message naming the place.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The main repository's root for a folder anywhere inside it or inside one of its worktrees.
pub fn repo_root(dir: &Path) -> anyhow::Result<(PathBuf, Option<String>)> {
    let git = Git::discover(dir)
        .map_err(|e| UsageError(format!("{}: not in a git repository ({e})", dir.display())))?;
    Ok((git.root().to_path_buf(), git.current_branch().ok()))
}

/// The repository's configuration, checked against the repository itself: it has commits,
/// and `base` names one of its branches (or anything else git resolves to a commit).
pub fn load(dir: &Path) -> anyhow::Result<ProjectConfig> {
    let git = Git::discover(dir)
        .map_err(|e| UsageError(format!("{}: not in a git repository ({e})", dir.display())))?;
    let root = git.root().to_path_buf();
    if git.has_no_commits() {
        return Err(UsageError(format!(
            "{}: the repository has no commits yet, and every task branch starts from one; \
             make a first commit (`git add -A && git commit -m \"first commit\"`), then run czar again",
            root.display()
        ))
        .into());
    }
    let branch = git.current_branch().ok();
    let cfg = config::load(&root, branch.as_deref()).map_err(|e| UsageError(e.to_string()))?;
    if git.commit_of(&cfg.base).is_err() {
        let reason = format!(
            "names no branch of {} (its branches: {})",
            root.display(),
            some_branches(&git.branch_names())
        );
        let at = cfg.base_at.clone().unwrap_or_else(|| Location {
            file: root.join(config::CONFIG_FILE_NAME).display().to_string(),
            key: "base".into(),
            line: None,
        });
        let kind = ConfigErrorKind::Invalid {
            value: cfg.base.clone(),
            reason,
        };
        return Err(UsageError(ConfigError::new(at, kind).to_string()).into());
    }
    Ok(cfg)
}

/// A few branch names for an error message: the operator's own first, czar's task branches
/// after them, at most eight.
fn some_branches(names: &[String]) -> String {
    const SHOWN: usize = 8;
    if names.is_empty() {
        return "none".into();
    }
    let (tasks, own): (Vec<&String>, Vec<&String>) =
        names.iter().partition(|n| n.starts_with("czar/"));
    let all: Vec<&str> = own.into_iter().chain(tasks).map(String::as_str).collect();
    let mut text = all[..all.len().min(SHOWN)].join(", ");
    if all.len() > SHOWN {
        text.push_str(&format!(" and {} more", all.len() - SHOWN));
    }
    text
}

/// What the commands that run the engine do first: take the state folder's lock (another czar
/// on it is an error naming it, before anything touches tmux, git or the store), then make
/// whatever an older czar left there private.
pub fn own_state(state_dir: &Path, mode: lock::Mode) -> anyhow::Result<lock::Lock> {
    let lock = lock::acquire(state_dir, mode)?;
    private::tighten_tree(state_dir)
        .with_context(|| format!("making the state folder {} private", state_dir.display()))?;
    Ok(lock)
}

pub fn setup(cfg: &ProjectConfig) -> anyhow::Result<Setup> {
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
            workers: cfg.workers as u32,
            default_profile: cfg.agent.clone(),
            max_verify_attempts: t.max_verify_attempts,
            idle_grace_ms: t.idle_grace.as_millis() as u64,
            max_attempts: t.max_attempts,
            max_restarts: t.max_restarts,
            stuck_ms: t.stuck.as_millis() as u64,
            max_task_ms: t.max_task.as_millis() as u64,
            hold_overlaps: cfg.hold_overlaps,
            nudges: cfg.stuck_nudges.clone(),
            delivery: delivery_policy(cfg),
            ..Policy::default()
        },
        pane_size: (160, 48),
        czar_exe: exe_path.to_str().map(str::to_string),
    })
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
                };
                (name.clone(), agent)
            })
            .collect(),
        status_md: state.join("status.md").display().to_string(),
        status_json: state.join("status.json").display().to_string(),
    }
}

/// The classifier's view of a profile's patterns.
pub fn rules(p: &AgentProfile) -> ScreenRules {
    let list = |l: &PatternList| l.0.iter().map(|p| p.regex.clone()).collect::<Vec<_>>();
    let pat = &p.patterns;
    ScreenRules {
        busy: list(&pat.busy),
        idle: list(&pat.idle),
        waiting: list(&pat.waiting),
        error: list(&pat.error),
        rate_limited: list(&pat.rate_limited),
        ignore_lines: list(&pat.ignore_lines),
        title_busy: list(&pat.title_busy),
        title_idle: list(&pat.title_idle),
        turn_start: list(&pat.turn_start),
        input: list(&pat.input),
        input_empty: list(&pat.input_empty),
        auto_answer: p.auto_answer.clone(),
        region_lines: pat.region_lines,
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
        rules: rules(p),
    }
}
