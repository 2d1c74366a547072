//! A profile's accounts: the same agent run under different logins or keys, so that a rate
//! limit or quota on one does not stop the fleet. Each account names the environment its agent
//! gets (Claude's `CLAUDE_CONFIG_DIR`, Codex's `CODEX_HOME`, an API key...), every value by
//! reference: `env:NAME` (a variable of the czar's own environment) or `file:PATH` (a file's
//! first line, `~/` for the home folder). A value itself is refused: czar.toml is no place
//! for secrets.
//!
//! ```toml
//! [[agents.claude.accounts]]
//! name = "work"
//! env = { CLAUDE_CONFIG_DIR = "env:CLAUDE_WORK_DIR" }
//! ```
//!
//! Or an account is a directory the client keeps its login in (`dir = "~/.claude-work"`): it
//! goes into the variable the profile's `account_dir_env` names (Claude's `CLAUDE_CONFIG_DIR`,
//! Codex's `CODEX_HOME`).

use super::error::{ConfigError, ConfigErrorKind};
use super::reader::Node;
use std::path::PathBuf;

/// Where an account's value is read, when an agent of it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueRef {
    Env(String),
    File(PathBuf),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    /// Variable name → where its value comes from.
    pub env: Vec<(String, ValueRef)>,
    /// Its client's own folder (`~/` for the home folder), for the profile's `account_dir_env`.
    pub dir: Option<PathBuf>,
}

impl Account {
    /// Its folder, with `~/` made the home folder.
    pub fn dir_in(&self, home: Option<&std::path::Path>) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        Some(match (dir.strip_prefix("~"), home) {
            (Ok(rest), Some(home)) => home.join(rest),
            _ => dir.clone(),
        })
    }
}

impl ValueRef {
    /// The value, or why it cannot be had (naming the variable or file, never a value).
    pub fn read(&self, home: Option<&std::path::Path>) -> Result<String, String> {
        match self {
            ValueRef::Env(name) => std::env::var(name)
                .map_err(|_| format!("the environment variable {name} is not set (or not UTF-8)")),
            ValueRef::File(path) => {
                let path = match (path.strip_prefix("~"), home) {
                    (Ok(rest), Some(home)) => home.join(rest),
                    _ => path.clone(),
                };
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("reading {}: {e}", path.display()))?;
                Ok(text.lines().next().unwrap_or("").trim().to_string())
            }
        }
    }
}

const ACCOUNT_KEYS: &[&str] = &["name", "env", "dir"];

/// Reads the array of account tables at `node`.
pub(super) fn read_accounts(node: &Node) -> Result<Vec<Account>, ConfigError> {
    let mut out: Vec<Account> = Vec::new();
    for item in node.array()? {
        let table = item.table()?;
        table.check_keys(ACCOUNT_KEYS)?;
        let Some(name_node) = table.get("name") else {
            let what = "an account needs `name`".to_string();
            return Err(item.error(ConfigErrorKind::Missing { what }));
        };
        let name = name_node.string()?;
        let plain = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !plain || out.iter().any(|a| a.name == name) {
            let reason = "a unique name of letters, digits, `_` and `-`".to_string();
            return Err(name_node.error(ConfigErrorKind::Invalid {
                value: name,
                reason,
            }));
        }
        let mut env = Vec::new();
        if let Some(env_node) = table.get("env") {
            for (var, value) in env_node.table()?.entries() {
                let text = value.string()?;
                let parsed = if let Some(n) = text.strip_prefix("env:") {
                    let ok = !n.is_empty() && !n.contains(['=', '\0']);
                    ok.then(|| ValueRef::Env(n.to_string()))
                } else if let Some(p) = text.strip_prefix("file:") {
                    (!p.is_empty()).then(|| ValueRef::File(PathBuf::from(p)))
                } else {
                    None
                };
                let Some(parsed) = parsed else {
                    // Never echo what was written: it may be the secret itself.
                    let reason = "an account's values are references, \"env:VARIABLE\" or \
                                  \"file:PATH\", never the value itself"
                        .to_string();
                    return Err(value.error(ConfigErrorKind::Invalid {
                        value: format!("{var} = <not shown>"),
                        reason,
                    }));
                };
                env.push((var, parsed));
            }
        }
        let mut dir = None;
        if let Some(node) = table.get("dir") {
            let text = node.string()?;
            if text.trim().is_empty() || text.contains('\0') {
                return Err(node.error(ConfigErrorKind::Invalid {
                    value: text,
                    reason: "the folder its client keeps its login in".into(),
                }));
            }
            dir = Some(PathBuf::from(text));
        }
        out.push(Account { name, env, dir });
    }
    Ok(out)
}

/// An account that names a `dir` needs its profile to say which variable it goes into.
pub(super) fn check_dirs(
    accounts: &[Account],
    dir_env: Option<&str>,
    profile: &str,
    at: Option<super::error::Location>,
) -> Result<(), ConfigError> {
    let Some(a) = accounts.iter().find(|a| a.dir.is_some()) else {
        return Ok(());
    };
    if dir_env.is_some() {
        return Ok(());
    }
    let at = at.unwrap_or_else(|| super::error::Location {
        file: "<built-in>".into(),
        key: String::new(),
        line: None,
    });
    let what = format!(
        "account {:?} of agent profile {profile:?} names a `dir`, but the profile sets no \
         `account_dir_env` (the variable it goes into, e.g. \"CLAUDE_CONFIG_DIR\")",
        a.name
    );
    Err(ConfigError::new(at, ConfigErrorKind::Missing { what }))
}
