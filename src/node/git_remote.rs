//! Git between the czar's repository and a node's clone, over the user's ssh: the czar pushes
//! the base its workers start from, and fetches their task branches back for tracking, overlap,
//! conflict prediction and landing. No shared file system, and nothing but ssh between them.

use super::link::shell_quote;
use crate::config::hosts::ssh_target;
use std::path::Path;
use std::process::{Command, Stdio};

/// Where a node's clone is, as git reaches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitRemote {
    /// `ssh://[user@]host[:port]/abs/path/repo.git`
    pub url: String,
    /// `GIT_SSH_COMMAND`: the user's ssh, no prompts, the given config file if any.
    pub ssh: String,
}

impl GitRemote {
    /// For host `spec` (`user@host[:port]` or an ssh config name) whose node keeps its clone at
    /// `repo` (absolute, from the node's hello); `config` is an ssh config file to use instead
    /// of the user's (`CZAR_SSH_CONFIG`).
    pub fn new(spec: &str, repo: &str, config: Option<&Path>) -> Result<GitRemote, String> {
        if !repo.starts_with('/') {
            return Err(format!("the node's clone {repo:?} is not an absolute path"));
        }
        let target = ssh_target(spec)?;
        let url = match target.as_slice() {
            [dest] => format!("ssh://{dest}{repo}"),
            [_, port, dest] => format!("ssh://{dest}:{port}{repo}"),
            _ => return Err(format!("{spec:?} is not user@host[:port]")),
        };
        let mut ssh = "ssh -o BatchMode=yes".to_string();
        if let Some(c) = config {
            ssh.push_str(&format!(" -F {}", shell_quote(&c.to_string_lossy())));
        }
        Ok(GitRemote { url, ssh })
    }

    /// Sends `branches` of the repository at `root` to the node's clone, as they are here.
    pub fn push(&self, root: &Path, branches: &[String]) -> Result<(), String> {
        let specs = branches
            .iter()
            .map(|b| format!("+refs/heads/{b}:refs/heads/{b}"));
        self.git(root, "push", specs.collect())
    }

    /// Brings `branches` of the node's clone into the repository at `root`, as they are there.
    pub fn fetch(&self, root: &Path, branches: &[String]) -> Result<(), String> {
        let specs = branches
            .iter()
            .map(|b| format!("+refs/heads/{b}:refs/heads/{b}"));
        self.git(root, "fetch", specs.collect())
    }

    fn git(&self, root: &Path, verb: &str, specs: Vec<String>) -> Result<(), String> {
        for s in &specs {
            let branch = s.rsplit_once(":refs/heads/").map_or("", |(_, b)| b);
            super::layout::branch(branch).map_err(|e| e.to_string())?;
        }
        let out = Command::new("git")
            .arg("-C")
            .arg(root)
            .args([verb, "--quiet", &self.url])
            .args(&specs)
            .env("GIT_SSH_COMMAND", &self.ssh)
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("running git {verb}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "git {verb} {}: {}",
                self.url,
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }
}

/// Fetches a host's task branches into the czar's repository as they move there (from the
/// node's tip events), one fetch at a time. A branch deleted there stays here: commits a host
/// pushed are kept whatever becomes of the host.
pub struct Follower {
    /// Known once the node said hello (where its clone is).
    pub remote: std::sync::OnceLock<GitRemote>,
    root: std::path::PathBuf,
    /// Only branches under this prefix travel (`czar/`): the task branches.
    prefix: String,
    one_at_a_time: std::sync::Mutex<()>,
    /// Only these branches are followed, once set (see `hold`).
    held: std::sync::Mutex<Option<std::collections::BTreeSet<String>>>,
}

impl Follower {
    pub fn new(root: std::path::PathBuf, prefix: &str) -> Follower {
        Follower {
            remote: std::sync::OnceLock::new(),
            root,
            prefix: prefix.to_string(),
            one_at_a_time: std::sync::Mutex::new(()),
            held: std::sync::Mutex::new(None),
        }
    }

    /// From now on only `branches` are followed: the tasks the host's workers hold. A branch
    /// whose task went elsewhere (the host was down past its grace) is no longer fetched from
    /// there, so an old agent's commits cannot overwrite the work of the task's new worker.
    pub fn hold(&self, branches: std::collections::BTreeSet<String>) {
        *self.held.lock().unwrap_or_else(|p| p.into_inner()) = Some(branches);
    }

    fn follows(&self, branch: &str) -> bool {
        let held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        branch.starts_with(&self.prefix) && held.as_ref().is_none_or(|h| h.contains(branch))
    }

    /// The link came back: every held branch is fetched, since moves made while it was down
    /// were not told (a new node reports only what moves after it started).
    pub fn catch_up(self: &std::sync::Arc<Self>) {
        let held = self.held.lock().unwrap_or_else(|p| p.into_inner()).clone();
        for branch in held.into_iter().flatten() {
            self.moved(branch, Some(String::new()));
        }
    }

    /// Branch `branch` moved to `tip` on the host: fetched here, off the async threads.
    pub fn moved(self: &std::sync::Arc<Self>, branch: String, tip: Option<String>) {
        if tip.is_none() || !self.follows(&branch) || self.remote.get().is_none() {
            return;
        }
        let me = std::sync::Arc::clone(self);
        let fetch = move || {
            let _one = me.one_at_a_time.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(remote) = me.remote.get()
                && let Err(e) = remote.fetch(&me.root, std::slice::from_ref(&branch))
            {
                tracing::warn!("fetching {branch} from its host: {e}");
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => drop(rt.spawn_blocking(fetch)),
            Err(_) => fetch(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_carry_the_port_and_the_config_is_quoted() {
        let r = GitRemote::new("me@box:2222", "/srv/n/repo.git", None).unwrap();
        assert_eq!(r.url, "ssh://me@box:2222/srv/n/repo.git");
        assert_eq!(r.ssh, "ssh -o BatchMode=yes");
        let r = GitRemote::new("box", "/n/repo.git", Some(Path::new("/a b/cfg"))).unwrap();
        assert_eq!(r.url, "ssh://box/n/repo.git");
        assert_eq!(r.ssh, "ssh -o BatchMode=yes -F '/a b/cfg'");
        assert!(GitRemote::new("box", "relative/repo.git", None).is_err());
        assert!(GitRemote::new("-oProxyCommand=x", "/r", None).is_err());
    }

    #[test]
    fn once_held_only_the_held_branches_are_followed() {
        let f = Follower::new("/r".into(), "czar/");
        assert!(f.follows("czar/t1") && !f.follows("main"));
        f.hold(["czar/t2".to_string()].into());
        assert!(
            !f.follows("czar/t1"),
            "given away: no longer fetched from there"
        );
        assert!(f.follows("czar/t2"));
    }
}
