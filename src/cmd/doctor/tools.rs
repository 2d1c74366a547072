//! The programs czar and its workers run: tmux (which czar cannot work without, 3.2 or later),
//! git (czar uses libgit2, but agents commit with git and verify commands call it), and asking
//! any program its version without ever waiting on it: its own process group, no input, a
//! short timeout after which the whole group is ended.

use super::check::Check;
use crate::adapters::group;
use crate::engine::preflight::{self, Unresolved};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// How long a program gets to print its version.
pub const VERSION_TIMEOUT: Duration = Duration::from_secs(5);

/// The oldest tmux czar works with (the README's requirement).
const TMUX_MIN: (u32, u32) = (3, 2);

/// What a program said when asked its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// It exited 0; the first line it printed (stdout, else stderr).
    Version(String),
    /// It exited otherwise; the status and the first line it printed.
    Failed { status: String, line: String },
    /// It did not finish in time; its process group was ended.
    TimedOut,
    /// It could not be started.
    NotStarted(String),
}

/// Runs `program args` from `cwd` with `env` (the whole environment, when given), in a process
/// group of its own with no input, for at most `timeout`.
pub async fn ask(
    program: &Path,
    args: &[&str],
    env: Option<Vec<(OsString, OsString)>>,
    cwd: &Path,
    timeout: Duration,
) -> Answer {
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(cwd);
    if let Some(env) = env {
        cmd.env_clear().envs(env);
    }
    match group::run(cmd, timeout).await {
        Err(e) => Answer::NotStarted(e.to_string()),
        Ok(f) => {
            let line = first_line(&f.stdout)
                .or_else(|| first_line(&f.stderr))
                .unwrap_or_default();
            match f.status {
                None => Answer::TimedOut,
                Some(s) if s.success() => Answer::Version(line),
                Some(s) => {
                    use std::os::unix::process::ExitStatusExt;
                    let status = match (s.code(), s.signal()) {
                        (Some(c), _) => format!("exited {c}"),
                        (None, Some(sig)) => format!("was killed by signal {sig}"),
                        (None, None) => "failed".to_string(),
                    };
                    Answer::Failed { status, line }
                }
            }
        }
    }
}

/// The first non-blank line, trimmed and cut to a length that fits a report line.
fn first_line(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let mut cut: String = line.chars().take(100).collect();
    if cut.len() < line.len() {
        cut.push('…');
    }
    Some(cut)
}

/// `major.minor` from the first number in a version line: `tmux 3.3a`, `tmux next-3.4`,
/// `git version 2.47.3`.
pub fn version_of(line: &str) -> Option<(u32, u32)> {
    let rest = &line[line.find(|c: char| c.is_ascii_digit())?..];
    let number = |s: &str| {
        s.split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|d| d.parse().ok())
    };
    let major = number(rest)?;
    let after = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    let minor = match after.strip_prefix('.') {
        Some(m) => number(m)?,
        None => 0,
    };
    Some((major, minor))
}

/// Where `name` is on czar's own PATH (as tmux and verify commands are found).
fn on_path(name: &str) -> Result<PathBuf, Unresolved> {
    preflight::resolve_program(name, std::env::var_os("PATH").as_deref())
}

/// tmux is installed, answers, and is recent enough. Returns the check, and whether tmux can be
/// run at all (the checks that talk to its server need it).
pub async fn tmux(cwd: &Path) -> (Check, bool) {
    let install =
        "install tmux 3.2 or later (apt install tmux, dnf install tmux, brew install tmux)";
    let path = match on_path("tmux") {
        Ok(path) => path,
        Err(e) => {
            let what = match e {
                Unresolved::NotExecutable(p) => format!(
                    "{} is not an executable file, and czar runs every worker in a tmux session",
                    p.display()
                ),
                Unresolved::NotFound => {
                    "tmux is not on PATH, and czar runs every worker in a tmux session".into()
                }
            };
            return (Check::problem("tmux", what, install), false);
        }
    };
    let at = path.display();
    let check = match ask(&path, &["-V"], None, cwd, VERSION_TIMEOUT).await {
        Answer::Version(line) => match version_of(&line) {
            Some(v) if v >= TMUX_MIN => Check::ok("tmux", format!("{line} at {at}")),
            Some(_) => Check::problem(
                "tmux",
                format!("{line} at {at} is older than 3.2, which czar needs"),
                install,
            ),
            None => Check::warning(
                "tmux",
                format!("{at} says {line:?}, which names no version czar can compare"),
                format!("make sure it is tmux 3.2 or later, or {install}"),
            ),
        },
        other => Check::problem(
            "tmux",
            format!("{at} -V {}", said(&other)),
            format!("run `{at} -V` to see what is wrong, or {install}"),
        ),
    };
    (check, true)
}

/// git is on PATH and answers. Its absence is only a warning: czar itself uses libgit2.
pub async fn git(cwd: &Path) -> Check {
    let why = "czar itself does not need it (it uses libgit2), but agents commit with git and \
               verify commands may call it";
    let Ok(path) = on_path("git") else {
        return Check::warning(
            "git",
            format!("git is not on PATH: {why}"),
            "install git (apt install git, dnf install git, brew install git)",
        );
    };
    let at = path.display();
    match ask(&path, &["--version"], None, cwd, VERSION_TIMEOUT).await {
        Answer::Version(line) => Check::ok("git", format!("{line} at {at}")),
        other => Check::warning(
            "git",
            format!("{at} --version {} ({why})", said(&other)),
            format!("run `{at} --version` to see what is wrong, or reinstall git"),
        ),
    }
}

/// With `land = "pr"`: the forge's CLI (`gh` or `glab`) is on PATH and answers. Without it no
/// pull request can be opened, so its absence is a problem.
pub async fn forge(cwd: &Path, cli: &str) -> Check {
    let install = if cli == "glab" {
        "install the GitLab CLI (https://gitlab.com/gitlab-org/cli) and run `glab auth login`"
    } else {
        "install the GitHub CLI (https://cli.github.com) and run `gh auth login`"
    };
    let Ok(path) = on_path(cli) else {
        return Check::problem(
            "forge",
            format!("land = \"pr\" opens pull requests with `{cli}`, which is not on PATH"),
            install,
        );
    };
    let at = path.display();
    match ask(&path, &["--version"], None, cwd, VERSION_TIMEOUT).await {
        Answer::Version(line) => Check::ok("forge", format!("{line} at {at}")),
        other => Check::problem(
            "forge",
            format!("{at} --version {}", said(&other)),
            format!("run `{at} --version` to see what is wrong, or {install}"),
        ),
    }
}

/// How a program that gave no version answered, after its command line.
pub fn said(answer: &Answer) -> String {
    match answer {
        Answer::Version(line) => format!("printed {line:?}"),
        Answer::Failed { status, line } if line.is_empty() => status.clone(),
        Answer::Failed { status, line } => format!("{status}: {line}"),
        Answer::TimedOut => format!(
            "did not answer within {} s (ended)",
            VERSION_TIMEOUT.as_secs()
        ),
        Answer::NotStarted(e) => format!("could not be run: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::time::Instant;

    #[test]
    fn versions_are_read_from_what_tools_print() {
        assert_eq!(version_of("tmux 3.3a"), Some((3, 3)));
        assert_eq!(version_of("tmux next-3.4"), Some((3, 4)));
        assert_eq!(version_of("tmux 3.2"), Some((3, 2)));
        assert_eq!(version_of("tmux 2.9a"), Some((2, 9)));
        assert_eq!(version_of("tmux 10"), Some((10, 0)));
        assert_eq!(version_of("git version 2.47.3"), Some((2, 47)));
        assert_eq!(version_of("tmux master"), None);
        assert!(version_of("tmux 3.1c") < Some(TMUX_MIN));
        assert!(version_of("tmux 3.10") >= Some(TMUX_MIN));
    }

    #[tokio::test]
    async fn a_program_that_does_not_answer_is_ended_with_its_children_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let script = dir.path().join("hangs");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nsleep 300 &\necho $! > '{}'\nwait\n",
                pid_file.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let started = Instant::now();
        let answer = ask(
            &script,
            &["--version"],
            Some(vec![(
                "PATH".into(),
                std::env::var_os("PATH").unwrap_or_default(),
            )]),
            dir.path(),
            Duration::from_millis(500),
        )
        .await;
        assert_eq!(answer, Answer::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(10), "waited on it");
        let pid: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // SAFETY: signal 0 only checks. The sleep was reparented to init, which reaps it.
        let deadline = Instant::now() + Duration::from_secs(10);
        while unsafe { libc::kill(pid, 0) } == 0 {
            assert!(Instant::now() < deadline, "sleep {pid} outlived the probe");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    #[tokio::test]
    async fn answers_come_back_with_the_first_line_and_the_status() {
        let dir = tempfile::tempdir().unwrap();
        let sh = Path::new("/bin/sh");
        let ok = ask(
            sh,
            &["-c", "echo; echo '  tool 1.2  '; echo more"],
            None,
            dir.path(),
            VERSION_TIMEOUT,
        )
        .await;
        assert_eq!(ok, Answer::Version("tool 1.2".into()));
        let failed = ask(
            sh,
            &["-c", "echo bad option >&2; exit 2"],
            None,
            dir.path(),
            VERSION_TIMEOUT,
        )
        .await;
        assert_eq!(
            failed,
            Answer::Failed {
                status: "exited 2".into(),
                line: "bad option".into()
            }
        );
        // The environment given is the whole of it.
        let env = vec![("ONLY".into(), "this".into())];
        let seen = ask(
            sh,
            &["-c", "echo \"${ONLY}-${HOME:-none}\""],
            Some(env),
            dir.path(),
            VERSION_TIMEOUT,
        )
        .await;
        assert_eq!(seen, Answer::Version("this-none".into()));
    }
}
