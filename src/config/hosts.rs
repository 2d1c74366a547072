//! `[hosts.<name>]`: machines beyond this one whose workers the czar runs over SSH.
//!
//! ```toml
//! [hosts.gpu-box]
//! ssh = "me@gpu-box:2222"   # user@host[:port], or a name from your ssh config
//! workers = 4
//! dir = "/srv/czar-node"    # where the node keeps its clone, worktrees and logs
//! agents = ["claude"]       # the profiles available there (default: the project's agent)
//! labels = ["gpu"]          # what tasks there may require
//! czar = "czar"             # the czar program on that host (default: czar on its PATH)
//! grace_secs = 120          # unreachable this long: its tasks go back to the queue
//! ```

use super::error::{ConfigError, ConfigErrorKind, Location};
use super::reader::{Node, TableView};

/// The most workers one host may have (as `workers` for this machine).
const MAX_WORKERS: u64 = 256;

const KEYS: &[&str] = &[
    "ssh",
    "workers",
    "dir",
    "agents",
    "labels",
    "czar",
    "grace_secs",
];

/// How long a host may be unreachable before its tasks go back to the queue, unless set:
/// long enough for a laptop lid or a flaky link, short next to an agent's task.
pub const DEFAULT_GRACE_SECS: u64 = 120;
/// A day: a longer grace keeps tasks from a dead host as good as forever.
const MAX_GRACE_SECS: u64 = 86_400;

/// One host as resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub name: String,
    /// As written: `user@host[:port]` or an ssh config name (see [`ssh_target`]).
    pub ssh: String,
    pub workers: usize,
    /// The node's folder there (absolute, or relative to that login's home).
    pub dir: String,
    /// Agent profiles available there; empty means the project's `agent`.
    pub agents: Vec<String>,
    pub labels: Vec<String>,
    pub czar: String,
    /// Unreachable longer than this (seconds), its tasks go back to the queue.
    pub grace_secs: u64,
}

/// A host as read, with where its agents were written (checked against the profiles later).
#[derive(Debug, Clone)]
pub(super) struct HostLayer {
    pub host: Host,
    pub agents_at: Vec<Location>,
}

/// The host worker `worker` runs on: this machine's `local` workers come first (1..=local),
/// then each host's in the order configured. `None`: this machine.
pub fn host_of(local: usize, hosts: &[Host], worker: u32) -> Option<&Host> {
    let mut first = local as u64 + 1;
    for h in hosts {
        let end = first + h.workers as u64;
        if (first..end).contains(&u64::from(worker)) {
            return Some(h);
        }
        first = end;
    }
    None
}

/// `user@host[:port]` (or an ssh config alias) as `ssh` arguments: `["-p", port, dest]`.
pub fn ssh_target(spec: &str) -> Result<Vec<String>, String> {
    let spec = spec.strip_prefix("ssh://").unwrap_or(spec);
    let bad = |why: &str| format!("{spec:?} is not user@host[:port] ({why})");
    if spec.is_empty() || spec.starts_with('-') || spec.contains(char::is_whitespace) {
        return Err(bad("empty, an option, or with spaces"));
    }
    match spec.rsplit_once(':') {
        Some((dest, port)) if !dest.contains(':') => {
            let port: u16 = port.parse().map_err(|_| bad("the port is not a number"))?;
            if dest.is_empty() || port == 0 {
                return Err(bad("no host, or port 0"));
            }
            Ok(vec!["-p".into(), port.to_string(), dest.to_string()])
        }
        Some(_) => Err(bad("more than one ':'")),
        None => Ok(vec![spec.to_string()]),
    }
}

fn invalid(node: &Node, value: String, reason: &str) -> ConfigError {
    node.error(ConfigErrorKind::Invalid {
        value,
        reason: reason.to_string(),
    })
}

fn strings(node: &Node, what: &str) -> Result<Vec<(String, Location)>, ConfigError> {
    let mut out = Vec::new();
    for item in node.array()? {
        let s = item.string()?;
        let ok = !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok {
            return Err(invalid(
                &item,
                s,
                &format!("{what} use letters, digits, -, _ and ."),
            ));
        }
        out.push((s, item.loc()));
    }
    Ok(out)
}

/// Reads the `[hosts]` table: every host, each checked key by key.
pub(super) fn read_hosts(view: &TableView) -> Result<Vec<HostLayer>, ConfigError> {
    let mut out = Vec::new();
    for (name, node) in view.entries() {
        let ok = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
        if !ok {
            return Err(invalid(
                &node,
                name,
                "host names use letters, digits, - and _",
            ));
        }
        let table = node.table()?;
        table.check_keys(KEYS)?;
        let missing = |key: &str| {
            ConfigError::new(
                table.loc(),
                ConfigErrorKind::Missing {
                    what: format!("hosts.{name} needs `{key}`"),
                },
            )
        };
        let ssh_node = table.get("ssh").ok_or_else(|| missing("ssh"))?;
        let ssh = ssh_node.string()?;
        if let Err(reason) = ssh_target(&ssh) {
            return Err(invalid(&ssh_node, ssh, &reason));
        }
        let dir_node = table.get("dir").ok_or_else(|| missing("dir"))?;
        let dir = dir_node.string()?;
        if dir.is_empty() || dir.contains(['\n', '\0']) {
            return Err(invalid(&dir_node, dir, "a folder path on that host"));
        }
        let workers = match table.get("workers") {
            Some(n) => n.u64_in(0, MAX_WORKERS)? as usize,
            None => 1,
        };
        let (agents, agents_at) = match table.get("agents") {
            Some(n) => strings(&n, "profile names")?.into_iter().unzip(),
            None => (Vec::new(), Vec::new()),
        };
        let labels = match table.get("labels") {
            Some(n) => strings(&n, "labels")?.into_iter().map(|l| l.0).collect(),
            None => Vec::new(),
        };
        let czar = match table.get("czar") {
            Some(n) => {
                let s = n.string()?;
                if s.is_empty() || s.contains(['\n', '\0']) {
                    return Err(invalid(&n, s, "the czar program's path on that host"));
                }
                s
            }
            None => "czar".to_string(),
        };
        let grace_secs = match table.get("grace_secs") {
            Some(n) => n.u64_in(1, MAX_GRACE_SECS)?,
            None => DEFAULT_GRACE_SECS,
        };
        out.push(HostLayer {
            host: Host {
                name,
                ssh,
                workers,
                dir,
                agents,
                labels,
                czar,
                grace_secs,
            },
            agents_at,
        });
    }
    Ok(out)
}

/// The hosts, each agent it names a known profile.
pub(super) fn resolve_hosts(
    hosts: Vec<HostLayer>,
    profiles: &std::collections::BTreeMap<String, crate::config::AgentProfile>,
) -> Result<Vec<Host>, ConfigError> {
    let mut out = Vec::new();
    for h in hosts {
        for (agent, at) in h.host.agents.iter().zip(&h.agents_at) {
            if !profiles.contains_key(agent) {
                let known = profiles.keys().cloned().collect::<Vec<_>>().join(", ");
                let kind = ConfigErrorKind::UnknownAgent {
                    name: agent.clone(),
                    known,
                };
                return Err(ConfigError::new(at.clone(), kind));
            }
        }
        out.push(h.host);
    }
    Ok(out)
}

#[cfg(test)]
mod placement_tests {
    use super::{Host, host_of, ssh_target};

    #[test]
    fn ssh_targets_parse_with_and_without_a_port() {
        assert_eq!(ssh_target("me@box").unwrap(), ["me@box"]);
        assert_eq!(
            ssh_target("ssh://me@127.0.0.1:2222").unwrap(),
            ["-p", "2222", "me@127.0.0.1"]
        );
        assert_eq!(ssh_target("alias").unwrap(), ["alias"]);
        for bad in [
            "",
            "-oProxyCommand=x",
            "a b",
            "me@h:x",
            "me@h:0",
            ":22",
            "a:b:c",
        ] {
            assert!(ssh_target(bad).is_err(), "{bad:?}");
        }
    }

    fn host(name: &str, workers: usize) -> Host {
        Host {
            name: name.into(),
            ssh: name.into(),
            workers,
            dir: "/n".into(),
            agents: Vec::new(),
            labels: Vec::new(),
            czar: "czar".into(),
            grace_secs: super::DEFAULT_GRACE_SECS,
        }
    }

    #[test]
    fn workers_are_this_machines_first_then_each_hosts_in_order() {
        let hosts = [host("a", 2), host("b", 1)];
        let on = |w| host_of(2, &hosts, w).map(|h| h.name.as_str());
        assert_eq!([on(1), on(2)], [None, None]);
        assert_eq!([on(3), on(4), on(5)], [Some("a"), Some("a"), Some("b")]);
        assert_eq!(on(6), None);
    }
}
