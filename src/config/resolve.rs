//! Turns the merged layers into a [`ProjectConfig`]: derived defaults, absolute paths,
//! and the checks that need more than one key.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use super::error::{ConfigError, ConfigErrorKind, Location, invalid};
use super::layer::ProjectLayer;
use super::paths;
use super::profile::Sourced;
use super::{Paths, ProjectConfig, Timing};
use crate::adapters::tmux::Socket as TmuxSocket;

pub(super) struct Context<'a> {
    pub repo_root: &'a Path,
    pub config_file: Option<PathBuf>,
    pub current_branch: Option<&'a str>,
    /// File name under which a missing built-in key is reported.
    pub defaults_name: &'a str,
    /// The user's home folder, which is never one of czar's folders.
    pub home: Option<PathBuf>,
}

pub(super) fn resolve(
    mut layer: ProjectLayer,
    ctx: &Context,
) -> Result<ProjectConfig, ConfigError> {
    let missing = |key: &str, what: String| {
        let at = Location {
            file: ctx
                .config_file
                .as_ref()
                .map_or(ctx.defaults_name.to_string(), |p| p.display().to_string()),
            key: key.to_string(),
            line: None,
        };
        ConfigError::new(at, ConfigErrorKind::Missing { what })
    };
    let mut take = |key: &str| layer.strings.remove(key);
    let built_in = |key: &str| missing(key, "not set (the built-in defaults must set it)".into());

    let repo_root = std::path::absolute(ctx.repo_root)
        .map(|p| normalize(&p))
        .map_err(|e| ConfigError::io(ctx.repo_root, "resolve the repository path", e))?;

    let project = match take("project") {
        Some(p) => {
            if !plain_name(&p.value) {
                return Err(invalid(
                    &p.at,
                    &p.value,
                    "use letters, digits, `_` and `-` (at most 64)",
                ));
            }
            p.value
        }
        None => project_from_folder(&repo_root),
    };

    let (base, base_at) = match (take("base"), ctx.current_branch) {
        (Some(b), _) => {
            let bad =
                b.value.is_empty() || b.value.chars().any(|c| c.is_whitespace() || c.is_control());
            if bad {
                return Err(invalid(&b.at, &b.value, "a branch name, without spaces"));
            }
            (b.value, Some(b.at))
        }
        (None, Some(branch)) => (branch.to_string(), None),
        (None, None) => {
            let what =
                "not set, and HEAD is not on a branch with commits; set `base` in czar.toml \
                        to the branch tasks start from"
                    .into();
            return Err(missing("base", what));
        }
    };

    let workers = layer
        .workers
        .take()
        .ok_or_else(|| built_in("workers"))?
        .value as usize;
    let agent = take("agent").ok_or_else(|| built_in("agent"))?;

    let mut dir = |key: &'static str| -> Result<paths::Dir, ConfigError> {
        let value = take(key).ok_or_else(|| built_in(key))?;
        let text = value.value.replace("{project}", &project);
        if text.trim().is_empty() {
            return Err(invalid(&value.at, &value.value, "must not be empty"));
        }
        Ok(paths::Dir {
            key,
            path: normalize(&repo_root.join(text)),
            user_set: value.at.file != ctx.defaults_name,
            at: value.at,
        })
    };
    let dirs = [dir("tasks_dir")?, dir("worktrees_dir")?, dir("state_dir")?];
    paths::check(&dirs, &repo_root, ctx.home.as_deref())?;
    let [tasks_dir, worktrees_dir, state_dir] = dirs.map(|d| d.path);
    let paths = Paths {
        tasks_dir,
        worktrees_dir,
        state_dir,
        repo_root,
        config_file: ctx.config_file.clone(),
    };

    let socket = take("tmux_socket").ok_or_else(|| built_in("tmux_socket"))?;
    let tmux = tmux_socket(&socket)?;
    let nudge_text = take("stuck_nudges").ok_or_else(|| built_in("stuck_nudges"))?;
    let mut stuck_nudges = Vec::new();
    for word in nudge_text.value.split(',').map(str::trim) {
        match crate::core::model::Nudge::parse(word) {
            Some(n) => stuck_nudges.push(n),
            None => {
                let reason = "a comma-separated list of escape, resend and restart, e.g. \"escape,resend,restart\"";
                return Err(invalid(&nudge_text.at, &nudge_text.value, reason));
            }
        }
    }
    let on_waiting_text = take("on_waiting").ok_or_else(|| built_in("on_waiting"))?;
    let Some(on_waiting) = crate::core::model::OnWaiting::parse(&on_waiting_text.value) else {
        let reason = "expected \"remind\", \"requeue\" or \"fail\"";
        return Err(invalid(&on_waiting_text.at, &on_waiting_text.value, reason));
    };
    let overlap = take("overlap").ok_or_else(|| built_in("overlap"))?;
    let hold_overlaps = match overlap.value.as_str() {
        "alert" => false,
        "hold" => true,
        other => {
            return Err(invalid(
                &overlap.at,
                other,
                "expected \"alert\" or \"hold\"",
            ));
        }
    };
    let attached = take("attached").ok_or_else(|| built_in("attached"))?;
    let wait_while_attached = match attached.value.as_str() {
        "wait" => true,
        "ignore" => false,
        other => {
            return Err(invalid(
                &attached.at,
                other,
                "expected \"wait\" or \"ignore\"",
            ));
        }
    };

    let land = super::land::resolve(
        take("land").ok_or_else(|| built_in("land"))?,
        take("into"),
        take("land_verify"),
        take("remote").ok_or_else(|| built_in("remote"))?,
        take("forge").ok_or_else(|| built_in("forge"))?,
        &base,
    )?;

    let mut ms = |key: &str| -> Result<u64, ConfigError> {
        let key_path = format!("timing.{key}");
        layer
            .timing
            .remove(key)
            .map(|v| v.value)
            .ok_or_else(|| built_in(&key_path))
    };
    let timing = Timing {
        poll: Duration::from_millis(ms("poll_ms")?),
        settle: Duration::from_millis(ms("settle_ms")?),
        ready_timeout: Duration::from_secs(ms("ready_timeout_secs")?),
        submit_confirm: Duration::from_secs(ms("submit_confirm_secs")?),
        submit_retries: ms("submit_retries")? as u32,
        verify_timeout: Duration::from_secs(ms("verify_timeout_secs")?),
        max_verify_attempts: ms("max_verify_attempts")? as u32,
        branch_rescan: Duration::from_secs(ms("branch_rescan_secs")?),
        idle_grace: Duration::from_secs(ms("idle_grace_secs")?),
        stuck: Duration::from_secs(ms("stuck_secs")?),
        max_task: Duration::from_secs(ms("max_task_secs")?),
        max_attempts: ms("max_attempts")? as u32,
        max_restarts: ms("max_restarts")? as u32,
        max_land_attempts: ms("max_land_attempts")? as u32,
        waiting_limit: Duration::from_secs(ms("waiting_limit_secs")?),
        rate_limit_backoff: Duration::from_secs(ms("rate_limit_backoff_secs")?),
        pr_poll: Duration::from_secs(ms("pr_poll_secs")?),
    };

    let mut tokens = |key: &str| -> Result<u64, ConfigError> {
        layer
            .budget
            .remove(key)
            .map(|v| v.value)
            .ok_or_else(|| built_in(&format!("budget.{key}")))
    };
    let budget = crate::core::model::Budget {
        max_tokens: tokens("max_tokens")?,
        max_task_tokens: tokens("max_task_tokens")?,
        max_cost_micros: tokens("max_cost")?,
        max_task_cost_micros: tokens("max_task_cost")?,
    };

    let notify = std::mem::take(&mut layer.notify).resolve(built_in)?;
    let mut profiles = BTreeMap::new();
    for (name, profile) in layer.agents {
        profiles.insert(name.clone(), profile.resolve(&name)?);
    }
    if !profiles.contains_key(&agent.value) {
        let known = profiles.keys().cloned().collect::<Vec<_>>().join(", ");
        let kind = ConfigErrorKind::UnknownAgent {
            name: agent.value.clone(),
            known,
        };
        return Err(ConfigError::new(agent.at, kind));
    }

    let mut land = land;
    land.diff_tool = take_diff_tool(&mut layer.strings);
    land.batch = layer.land_batch.take().map_or(1, |b| b.value as usize);
    land.keep_branches = layer.keep_branches.take().is_some_and(|k| k.value);
    land.review =
        super::land::review_profile(layer.strings.remove("review"), &profiles, land.mode)?;
    if let Some(rounds) = layer.max_review_rounds.take() {
        land.max_review_rounds = rounds.value as u32;
    }
    let keys = super::keys::resolve_keys(&layer.keys);
    let hosts = super::hosts::resolve_hosts(std::mem::take(&mut layer.hosts), &profiles)?;
    Ok(ProjectConfig {
        notify,
        hosts,
        keys,
        project,
        base,
        base_at,
        workers,
        agent: agent.value,
        paths,
        tmux,
        hold_overlaps,
        wait_while_attached,
        stuck_nudges,
        land,
        on_waiting,
        budget,
        timing,
        profiles,
    })
}

fn tmux_socket(value: &Sourced<String>) -> Result<TmuxSocket, ConfigError> {
    let text = value.value.as_str();
    let refuse = |reason: &str| Err(invalid(&value.at, text, reason));
    if text.is_empty() {
        Ok(TmuxSocket::Default)
    } else if text.trim().is_empty() {
        refuse("a blank name; leave the key out (or set \"\") for your own tmux server")
    } else if text.starts_with('/') {
        let path = normalize(Path::new(text));
        socket_path_problem(text, &path).map_or(Ok(TmuxSocket::Path(path)), |r| refuse(&r))
    } else if text.contains('/') || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        refuse("a socket name has no `/` or spaces; use an absolute path for `tmux -S`")
    } else if text == "." || text == ".." {
        refuse("names a folder, not a socket; use letters, digits, `_` or `-`")
    } else {
        Ok(TmuxSocket::Name(text.to_string()))
    }
}

/// Unix sockets have room for about a hundred bytes of path (104 on macOS, 108 on Linux).
const MAX_SOCKET_PATH: usize = 103;

/// Why tmux could not make (or reach) a server at `path`, caught here rather than by a tmux
/// that fails for every worker.
fn socket_path_problem(text: &str, path: &Path) -> Option<String> {
    use std::os::unix::fs::FileTypeExt;
    if text.ends_with('/') || path.file_name().is_none() {
        return Some("names a folder; give the path of a socket file, e.g. /tmp/czar.sock".into());
    }
    if path.as_os_str().len() > MAX_SOCKET_PATH {
        return Some(format!(
            "longer than a socket path may be ({MAX_SOCKET_PATH} bytes)"
        ));
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Some("is a folder; give the path of a socket file in it".into());
        }
        Ok(m) if !m.file_type().is_socket() => {
            return Some("exists and is not a socket; tmux would not use it".into());
        }
        Ok(_) => return None,
        Err(_) => {}
    }
    let parent = path.parent()?;
    match std::fs::metadata(parent) {
        Ok(m) if m.is_dir() => None,
        Ok(_) => Some(format!("{} is not a folder", parent.display())),
        Err(_) => Some(format!(
            "its folder {} does not exist; create it first",
            parent.display()
        )),
    }
}

/// tmux turns `.` and `:` in session names into `_`, so names are kept to a plain set.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The repository folder name, with anything tmux would mangle replaced by `-`.
fn project_from_folder(root: &Path) -> String {
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    let cleaned = cleaned.trim_matches('-');
    if cleaned.is_empty() {
        "czar".to_string()
    } else {
        cleaned.to_string()
    }
}

/// Resolves `.` and `..` without touching the filesystem: the folders (worktrees) may
/// not exist yet, so canonicalize() is not an option.
pub(super) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            // `..` above the root stays at the root, as the kernel does.
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(part),
            },
            other => out.push(other),
        }
    }
    out
}

/// `diff_tool`: a command line the dashboard pipes a diff into; blank is none.
fn take_diff_tool(
    strings: &mut std::collections::BTreeMap<&'static str, super::profile::Sourced<String>>,
) -> Option<String> {
    strings
        .remove("diff_tool")
        .map(|v| v.value)
        .filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_handles_dots() {
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
        assert_eq!(
            normalize(Path::new("/repo/../repo-wt")),
            PathBuf::from("/repo-wt")
        );
        assert_eq!(normalize(Path::new("/..")), PathBuf::from("/"));
    }

    #[test]
    fn folder_names_become_plain_project_names() {
        assert_eq!(project_from_folder(Path::new("/x/my.repo")), "my-repo");
        assert_eq!(project_from_folder(Path::new("/x/ok_name-1")), "ok_name-1");
        assert_eq!(project_from_folder(Path::new("/")), "czar");
    }
}
