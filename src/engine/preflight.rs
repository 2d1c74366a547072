//! Checks before the czar starts anything (`czar`, `czar --auto`, `czar demo`): that the agent
//! of every profile it will use can be found, and that its tmux server can be reached. Without
//! them every worker would fail at once and be started again; this says what is missing and how
//! to fix it instead. The checks are plain functions so a `czar doctor` can run them one by one.

use crate::adapters::tmux::{Socket, Tmux};
use crate::engine::{Profile, Setup};
use crate::usage::UsageError;
use std::ffi::{OsStr, OsString};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Something that keeps the czar from starting, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub what: String,
    pub fix: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}; {}", self.what, self.fix)
    }
}

/// Why a program could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// Not in any folder of the PATH (or, for a path, not there).
    NotFound,
    /// There, but not a file with an execute permission.
    NotExecutable(PathBuf),
}

/// Where `program` is, as `execvp` would find it: a name with a `/` is a path (relative ones
/// are taken from the folder the agent runs in, the worker's worktree, and not checked here:
/// `Ok` with the path as given); any other name is looked up in the folders of `path`.
pub fn resolve_program(program: &str, path: Option<&OsStr>) -> Result<PathBuf, Unresolved> {
    if program.contains('/') {
        let p = PathBuf::from(program);
        if p.is_relative() {
            return Ok(p);
        }
        return executable(&p);
    }
    let mut found_unexecutable = None;
    for dir in std::env::split_paths(path.unwrap_or_default()) {
        // An empty entry means the current folder, which is the worktree: not known here.
        if dir.as_os_str().is_empty() {
            continue;
        }
        match executable(&dir.join(program)) {
            Ok(p) => return Ok(p),
            Err(Unresolved::NotExecutable(p)) => {
                found_unexecutable.get_or_insert(p);
            }
            Err(Unresolved::NotFound) => {}
        }
    }
    Err(found_unexecutable.map_or(Unresolved::NotFound, Unresolved::NotExecutable))
}

fn executable(p: &Path) -> Result<PathBuf, Unresolved> {
    match std::fs::metadata(p) {
        Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => Ok(p.to_path_buf()),
        Ok(_) => Err(Unresolved::NotExecutable(p.to_path_buf())),
        Err(_) => Err(Unresolved::NotFound),
    }
}

/// The PATH the profile's agent gets: its own `env.PATH` if it sets one, else the czar's.
pub fn agent_path(profile: &Profile) -> Option<OsString> {
    match profile.env.iter().rev().find(|(k, _)| k == "PATH") {
        Some((_, v)) => Some(OsString::from(v)),
        None => std::env::var_os("PATH"),
    }
}

/// How to install the agents of the shipped profiles.
fn install_hint(program: &str) -> Option<&'static str> {
    Some(match program {
        "claude" => "install Claude Code (npm i -g @anthropic-ai/claude-code)",
        "codex" => "install Codex CLI (npm i -g @openai/codex)",
        "gemini" => "install Gemini CLI (npm i -g @google/gemini-cli)",
        "aider" => "install Aider (python -m pip install aider-install && aider-install)",
        "opencode" => "install OpenCode (npm i -g opencode-ai)",
        _ => return None,
    })
}

/// Who uses a profile, for the fix: the project's default `agent`, the tasks that name it, or
/// nobody (`czar doctor` checks every profile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsedBy {
    Default,
    Tasks(Vec<String>),
    /// Only tasks that accept other profiles too: they run elsewhere without it.
    Alternative(Vec<String>),
    Nobody,
}

/// The profile's agent command can be run: its program resolves on the agent's PATH.
pub fn check_profile(setup: &Setup, name: &str, used_by: &UsedBy) -> Result<PathBuf, Problem> {
    let Some(profile) = setup.profile(name) else {
        return Err(Problem {
            what: format!("there is no {name} agent profile"),
            fix: "add [agents.".to_string() + name + "] to czar.toml, or pick another agent",
        });
    };
    let Some(program) = profile.command.first() else {
        return Err(Problem {
            what: format!("the {name} profile has an empty command"),
            fix: format!("set [agents.{name}] command in czar.toml"),
        });
    };
    let path = agent_path(profile);
    let on_path = if profile.env.iter().any(|(k, _)| k == "PATH") {
        format!("on the PATH set in [agents.{name}] env")
    } else {
        "on PATH".to_string()
    };
    let what = match resolve_program(program, path.as_deref()) {
        Ok(p) => return Ok(p),
        Err(Unresolved::NotFound) if program.contains('/') => {
            format!("the {name} profile runs `{program}`, which does not exist")
        }
        Err(Unresolved::NotFound) => {
            format!("the {name} profile runs `{program}`, which is not {on_path}")
        }
        Err(Unresolved::NotExecutable(p)) => format!(
            "the {name} profile runs `{program}`, but {} is not an executable file",
            p.display()
        ),
    };
    let install = install_hint(program).unwrap_or("install it");
    let other = match used_by {
        UsedBy::Default => "or pick another agent with `agent = ...`".to_string(),
        UsedBy::Tasks(files) => format!("or change `agent` in {}", files.join(", ")),
        UsedBy::Alternative(files) => format!("or drop it from `agent` in {}", files.join(", ")),
        UsedBy::Nobody => "or ignore this while nothing uses it".into(),
    };
    Err(Problem {
        what,
        fix: format!("{install} or set [agents.{name}] command in czar.toml, {other}"),
    })
}

/// The profiles this run will start: the default one, and those named by the task files.
pub fn profiles_in_use(setup: &Setup) -> Vec<(String, UsedBy)> {
    let mut used = vec![(setup.policy.default_profile.clone(), UsedBy::Default)];
    let agents = crate::tasks::known_names(&setup.profiles, &setup.hosts);
    let set = crate::tasks::load_dir(&setup.paths.tasks_dir, &agents);
    for t in &set.tasks {
        let root = &setup.paths.repo_root;
        let path = set.file_of(&t.id).unwrap_or(std::path::Path::new(&t.id));
        let file = path
            .strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string();
        // A task that accepts several profiles needs only one of them: routing passes over
        // the others (see `core::route`), so none of them is required.
        let one = t.agent.len() == 1;
        for agent in &t.agent {
            match used.iter_mut().find(|(p, _)| p == agent) {
                Some((_, UsedBy::Tasks(files))) => files.push(file.clone()),
                Some((_, UsedBy::Alternative(files))) if !one => files.push(file.clone()),
                Some((_, by @ UsedBy::Alternative(_))) => *by = UsedBy::Tasks(vec![file.clone()]),
                Some((_, UsedBy::Default | UsedBy::Nobody)) => {}
                None if one => used.push((agent.clone(), UsedBy::Tasks(vec![file.clone()]))),
                None => used.push((agent.clone(), UsedBy::Alternative(vec![file.clone()]))),
            }
        }
    }
    used
}

/// The tmux server on `socket` can be reached, or started: its folder exists and tmux answers
/// (no server yet is fine; the czar starts one).
pub async fn probe_socket(socket: &Socket) -> Result<(), Problem> {
    let key = "tmux_socket in czar.toml";
    if let Socket::Path(p) = socket {
        let dir = p.parent().unwrap_or(Path::new("/"));
        if !dir.is_dir() {
            return Err(Problem {
                what: format!(
                    "the tmux socket {} is in a folder that does not exist",
                    p.display()
                ),
                fix: format!(
                    "create {} or set {key} to another path (or a name)",
                    dir.display()
                ),
            });
        }
        if !writable(dir) {
            return Err(Problem {
                what: format!(
                    "the tmux socket {} is in a folder you cannot write to",
                    p.display()
                ),
                fix: format!("set {key} to a path in a folder of yours (or a name)"),
            });
        }
        if p.exists() && !is_socket(p) {
            return Err(Problem {
                what: format!("{} exists and is not a socket", p.display()),
                fix: format!("set {key} to another path"),
            });
        }
    }
    match Tmux::new(socket.clone()).list_panes().await {
        Ok(_) => Ok(()),
        Err(crate::adapters::tmux::TmuxError::NotInstalled { .. }) => Err(Problem {
            what: "tmux is not installed (or not on PATH)".into(),
            fix: "install tmux 3.2 or later".into(),
        }),
        Err(e) => Err(Problem {
            what: format!("the tmux server cannot be used: {e}"),
            fix: format!("check {key}, or stop the server that holds that socket"),
        }),
    }
}

fn writable(dir: &Path) -> bool {
    use rustix::fs::{Access, access};
    access(dir, Access::WRITE_OK | Access::EXEC_OK).is_ok()
}

fn is_socket(p: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(p).is_ok_and(|m| m.file_type().is_socket())
}

/// Every check, before anything starts: all problems at once, as a usage error (exit 2).
pub async fn check(setup: &Setup) -> Result<(), UsageError> {
    let mut problems: Vec<Problem> = profiles_in_use(setup)
        .iter()
        // A profile only some tasks accept besides others is not needed to run them.
        .filter(|(_, used_by)| !matches!(used_by, UsedBy::Alternative(_)))
        .filter_map(|(name, used_by)| check_profile(setup, name, used_by).err())
        .collect();
    if let Err(p) = probe_socket(&setup.socket).await {
        problems.push(p);
    }
    if problems.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
    Err(UsageError(format!(
        "cannot start; nothing was started:\n{}",
        lines.join("\n")
    )))
}

/// How to fix a profile the czar found unavailable while it ran (see `core::spawn`).
pub fn advice(setup: &Setup, profile: &str, worker: u32) -> String {
    let command = setup
        .profile(profile)
        .map(|p| shown(&p.command))
        .unwrap_or_default();
    // The claude profile's settings are a page of JSON: the program is what matters here.
    let command = match command.split_once(' ') {
        Some((program, _)) if command.len() > 120 => format!("{program} ..."),
        _ => command,
    };
    format!(
        "run `{command}` by hand to see why it exits (its output: {}), fix it or set \
         [agents.{profile}] command in czar.toml, then run the czar again",
        setup.paths.output_log(worker).display()
    )
}

/// An argv as a shell would take it back, for the operator to copy.
pub(crate) fn shown(argv: &[String]) -> String {
    let word = |w: &String| {
        let plain = !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
        if plain {
            w.clone()
        } else {
            format!("'{}'", w.replace('\'', "'\\''"))
        }
    };
    argv.iter().map(word).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(dir: &Path, name: &str, mode: u32) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }

    #[test]
    fn programs_resolve_on_the_path_given_and_only_when_executable() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        script(a.path(), "agent", 0o644);
        let good = script(b.path(), "agent", 0o755);
        let path = std::env::join_paths([a.path(), b.path()]).unwrap();
        assert_eq!(resolve_program("agent", Some(&path)), Ok(good.clone()));
        let only_a = a.path().as_os_str();
        assert_eq!(
            resolve_program("agent", Some(only_a)),
            Err(Unresolved::NotExecutable(a.path().join("agent")))
        );
        assert_eq!(
            resolve_program("nope", Some(&path)),
            Err(Unresolved::NotFound)
        );
        assert_eq!(resolve_program("agent", None), Err(Unresolved::NotFound));
        let abs = good.to_str().unwrap();
        assert_eq!(resolve_program(abs, None), Ok(good.clone()));
        let missing = b.path().join("gone");
        assert_eq!(
            resolve_program(missing.to_str().unwrap(), Some(&path)),
            Err(Unresolved::NotFound)
        );
        // A folder is not a program.
        assert_eq!(
            resolve_program(b.path().to_str().unwrap(), None),
            Err(Unresolved::NotExecutable(b.path().to_path_buf()))
        );
        assert_eq!(
            resolve_program("./run.sh", None),
            Ok(PathBuf::from("./run.sh"))
        );
    }

    #[test]
    fn commands_are_shown_as_a_shell_would_take_them() {
        let argv = ["sh", "-c", "exit 127", "it's"].map(String::from);
        assert_eq!(shown(&argv), "sh -c 'exit 127' 'it'\\''s'");
    }

    #[tokio::test]
    async fn a_socket_in_a_missing_folder_is_refused_with_the_folder_named() {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("no-such-folder").join("sock");
        let err = probe_socket(&Socket::Path(sock)).await.unwrap_err();
        assert!(err.what.contains("does not exist"), "{err}");
        assert!(err.fix.contains("no-such-folder"), "{err}");
        let file = dir.path().join("plain-file");
        std::fs::write(&file, "x").unwrap();
        let err = probe_socket(&Socket::Path(file)).await.unwrap_err();
        assert!(err.what.contains("not a socket"), "{err}");
        // A free path in a folder of ours: no server yet, which is fine.
        let free = dir.path().join("sock");
        assert_eq!(probe_socket(&Socket::Path(free)).await, Ok(()));
    }
}
