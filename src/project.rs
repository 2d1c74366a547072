//! Finding the project from a folder, loading its configuration checked against the repository,
//! and taking its state folder for a czar that runs the engine.

use crate::adapters::git::Git;
use crate::adapters::{lock, private};
use crate::config::{self, ConfigError, ConfigErrorKind, Location, ProjectConfig};
use anyhow::Context;
use std::path::{Path, PathBuf};

pub use crate::usage::UsageError;

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
