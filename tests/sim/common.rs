//! Real tmux on a private socket + real git repos with a linked worktree.
#![allow(dead_code)] // each test file uses a different subset

use crate::support::{TmuxServer, git};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const SIM: &str = crate::support::CZAR;
pub const FOOTER: &str = "? for shortcuts · sim-agent";
const WAIT: Duration = Duration::from_secs(10);

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// A private tmux server, killed on drop even when the test panics.
pub struct Tmux {
    server: TmuxServer,
}

impl Tmux {
    pub fn new() -> Self {
        Self {
            server: TmuxServer::new("czar-sim-test"),
        }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.server
            .command()
            .args(["-f", "/dev/null"])
            .args(args)
            .output()
            .unwrap()
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts the sim with its arguments as separate argv words (no shell).
    pub fn start_sim(&self, session: &str, cwd: &Path, size: (u16, u16), sim_args: &[&str]) {
        self.start_sim_env(session, cwd, size, &[], sim_args);
    }

    /// Like `start_sim`, with `VAR=value` pairs for the pane (`new-session -e`).
    pub fn start_sim_env(
        &self,
        session: &str,
        cwd: &Path,
        size: (u16, u16),
        env: &[&str],
        sim_args: &[&str],
    ) {
        let (x, y) = (size.0.to_string(), size.1.to_string());
        let cwd = cwd.to_str().unwrap();
        let mut args = vec![
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            &x,
            "-y",
            &y,
            "-c",
            cwd,
        ];
        for pair in env {
            args.extend_from_slice(&["-e", pair]);
        }
        args.push(SIM);
        args.push("sim-agent");
        // The sim's default after a task is `czar done`; these tests choose their own.
        if !sim_args.contains(&"--") {
            args.push("--no-done");
        }
        args.extend_from_slice(sim_args);
        self.ok(&args);
        // Keep dead panes around so tests can read the exit status.
        self.ok(&["set-option", "-w", "-t", session, "remain-on-exit", "on"]);
    }

    pub fn capture(&self, session: &str) -> String {
        self.ok(&["capture-pane", "-p", "-t", session])
    }

    pub fn title(&self, session: &str) -> String {
        self.ok(&["display-message", "-p", "-t", session, "#{pane_title}"])
            .trim_end()
            .to_string()
    }

    /// `"<dead> <status>"`, e.g. `"1 3"` once the sim exited with 3.
    pub fn pane_state(&self, session: &str) -> String {
        let read = || {
            let format = "#{pane_dead} #{pane_dead_status}";
            self.ok(&["list-panes", "-t", session, "-F", format])
                .trim()
                .to_string()
        };
        let state = read();
        if state != "1" {
            return state;
        }
        // Dead without a status: tmux built with libutempter can lose the
        // SIGCHLD of a pane whose pty EOF and exit race (utempter swaps the
        // SIGCHLD handler while it removes the utmp record; tmux issue #311).
        // A fresh SIGCHLD makes the server reap the zombie and record the
        // real status; the exit code itself is untouched.
        let pid = self.ok(&["display-message", "-p", "#{pid}"]);
        let pid: libc::pid_t = pid.trim().parse().unwrap();
        // SAFETY: kill only sends a signal, to our own private tmux server.
        unsafe { libc::kill(pid, libc::SIGCHLD) };
        std::thread::sleep(Duration::from_millis(50));
        read()
    }

    pub fn wait_until(&self, session: &str, what: &str, pred: impl Fn(&Tmux) -> bool) {
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if pred(self) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "timed out waiting for {what}; screen:\n{}\npane: {}",
            self.capture(session),
            self.pane_state(session)
        );
    }

    pub fn wait_screen(&self, session: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
        self.wait_until(session, what, |t| pred(&t.capture(session)));
        self.capture(session)
    }

    pub fn wait_ready(&self, session: &str) -> String {
        self.wait_screen(session, "the ready prompt", is_ready)
    }

    pub fn wait_busy(&self, session: &str) -> String {
        self.wait_screen(session, "the busy line", is_busy)
    }

    /// Delivers a task the way czar does: unique buffer from stdin, bracketed
    /// paste, then Enter as a separate step once the paste settled.
    pub fn deliver(&self, session: &str, text: &[u8]) {
        let buffer = format!("czar-sim-buf-{}", unique());
        let mut child = self
            .server
            .command()
            .args(["-f", "/dev/null", "load-buffer", "-b", &buffer, "-"])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(text).unwrap();
        assert!(child.wait().unwrap().success(), "load-buffer failed");
        self.ok(&[
            "paste-buffer",
            "-p",
            "-r",
            "-d",
            "-b",
            &buffer,
            "-t",
            session,
        ]);
        std::thread::sleep(Duration::from_millis(300));
        self.ok(&["send-keys", "-t", session, "Enter"]);
    }
}

/// Ready = an empty `❯` input line and the footer (capture trims trailing spaces).
pub fn is_ready(screen: &str) -> bool {
    screen.lines().any(|l| l == "❯") && screen.lines().any(|l| l.starts_with(FOOTER))
}

pub fn is_busy(screen: &str) -> bool {
    screen
        .lines()
        .any(|l| l.contains("Working… (") && l.ends_with("esc to interrupt)"))
}

pub fn is_braille(title: &str) -> bool {
    title
        .chars()
        .next()
        .is_some_and(|c| ('\u{2800}'..='\u{28ff}').contains(&c))
}

/// A temp repo (branch `main`, one commit) and a linked worktree on `branch`.
pub struct Repo {
    _dir: tempfile::TempDir,
    pub main: PathBuf,
    pub worktree: PathBuf,
    pub records: PathBuf,
}

pub fn repo_with_worktree(branch: &str) -> Repo {
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("main");
    let worktree = dir.path().join("wt");
    git(dir.path(), &["init", "-q", "-b", "main", "main"]);
    // `git` brings an identity for the tests' own commits; the sim in the pane has none of
    // it and must cope without one.
    git(&main, &["commit", "-q", "--allow-empty", "-m", "init"]);
    git(
        &main,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            branch,
            worktree.to_str().unwrap(),
        ],
    );
    Repo {
        records: dir.path().join("records"),
        _dir: dir,
        main,
        worktree,
    }
}

/// Subjects of the commits the branch has on top of `main`, newest first.
pub fn branch_commits(repo: &Repo) -> Vec<String> {
    git(&repo.worktree, &["log", "--format=%s", "main..HEAD"])
        .lines()
        .map(str::to_string)
        .collect()
}
