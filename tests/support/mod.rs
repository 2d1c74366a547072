//! The scaffolding every test crate (and the fleet benches) would otherwise write again: a
//! private tmux server that goes when the test ends, failing or not; git with a fixed identity;
//! temporary repositories with a first commit on `main`; and children waited for with a limit.
//! Each crate includes it with `#[path = "../support/mod.rs"] mod support;`.
#![allow(dead_code)] // every crate uses a different part

pub mod events;
pub mod http;
pub mod node;
pub mod pane;
pub mod procs;
pub mod sshd;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const CZAR: &str = env!("CARGO_BIN_EXE_czar");

/// A private tmux server, `tmux -L <prefix>-<pid>-<n>`: unique across the test binaries that run
/// at once and the tests within one. Whoever uses the name starts the server (the test, or a
/// czar given the socket); dropping the guard kills it and removes the socket file tmux leaves
/// behind, also when the test panics.
pub struct TmuxServer {
    socket: String,
}

impl TmuxServer {
    pub fn new(prefix: &str) -> TmuxServer {
        static SERVERS: AtomicUsize = AtomicUsize::new(0);
        let n = SERVERS.fetch_add(1, Ordering::SeqCst);
        TmuxServer {
            socket: format!("{prefix}-{}-{n}", std::process::id()),
        }
    }

    /// The name for `tmux -L`, czar's `tmux_socket` or `czar demo --socket`.
    pub fn socket(&self) -> &str {
        &self.socket
    }

    /// `tmux -L <socket>`, for the caller's arguments.
    pub fn command(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    /// A tmux command on this server, outside any tmux the tests run in: its standard output,
    /// or `None` when it fails (no server, no such session, ...).
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Option<String> {
        let out = self
            .command()
            .args(args)
            .env_remove("TMUX")
            .stdin(Stdio::null())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// How `target`'s pane ended: its exit status once dead, `None` while it runs. tmux builds
    /// linked with libutempter can miss a pane's SIGCHLD on a loaded machine (tmux issue #311):
    /// dead, no status, its process an unreaped zombie. As czar's own listing does, a job's
    /// exit (`run-shell true`) makes the server reap it.
    pub fn exit_status(&self, target: &str) -> Option<i32> {
        let read = || {
            let format = "#{pane_dead} #{pane_dead_status}";
            self.run(&["list-panes", "-t", target, "-F", format])
                .unwrap_or_default()
                .trim()
                .to_string()
        };
        let mut state = read();
        if state == "1" {
            self.run(&["run-shell", "true"]);
            state = read();
        }
        state.strip_prefix("1 ")?.parse().ok()
    }

    /// The names of the server's sessions, a line each; empty when no server runs.
    pub fn sessions(&self) -> String {
        self.run(&["list-sessions", "-F", "#{session_name}"])
            .unwrap_or_default()
    }

    /// Where tmux puts the socket: `$TMUX_TMPDIR` (or /tmp) `/tmux-<uid>/<socket>`.
    pub fn socket_path(&self) -> PathBuf {
        let base = std::env::var_os("TMUX_TMPDIR")
            .filter(|d| !d.is_empty())
            .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
        let uid = rustix::process::getuid().as_raw();
        base.join(format!("tmux-{uid}")).join(&self.socket)
    }
}

impl Drop for TmuxServer {
    fn drop(&mut self) {
        // Nothing here may panic: a panic while unwinding from a failed test aborts the run.
        let _ = self
            .command()
            .arg("kill-server")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        // tmux 3.3a leaves its socket file behind after kill-server, and the `.lock` file a
        // client makes while it starts the server when that start was cut short.
        let path = self.socket_path();
        let _ = std::fs::remove_file(&path);
        let mut lock = path.into_os_string();
        lock.push(".lock");
        let _ = std::fs::remove_file(lock);
    }
}

/// git in `dir` with a fixed identity, no commit signing and no system config.
pub fn git_output(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@t"])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Like `git_output`, failing the test with git's stderr unless git succeeds; its stdout as is.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = git_output(dir, args);
    assert!(
        out.status.success(),
        "git {args:?} in {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A git repository at `<base>/<name>` in a temporary folder (deleted on drop), on `main`.
pub struct TempRepo {
    _dir: tempfile::TempDir,
    /// The temporary folder, canonical: room for siblings (worktrees, a HOME).
    pub base: PathBuf,
    pub root: PathBuf,
}

impl TempRepo {
    /// `files` (path, text) as the first commit, "initial".
    pub fn new(name: &str, files: &[(&str, &str)]) -> TempRepo {
        let repo = TempRepo::unborn(name);
        first_commit(&repo.root, files);
        repo
    }

    /// `git init` only: no commit yet.
    pub fn unborn(name: &str) -> TempRepo {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        let root = base.join(name);
        std::fs::create_dir_all(&root).unwrap();
        git(&root, &["init", "-q", "-b", "main"]);
        TempRepo {
            _dir: dir,
            base,
            root,
        }
    }
}

/// A repository for a czar to run in, at `<base>/repo`: a README, czar's state folder
/// ignored, and an empty `tasks/` folder.
pub fn czar_repo() -> TempRepo {
    let repo = TempRepo::new(
        "repo",
        &[("README.md", "test\n"), (".gitignore", ".czar/\n")],
    );
    std::fs::create_dir_all(repo.root.join("tasks")).unwrap();
    repo
}

/// A repository in `root` (made if missing) with `files` as its first commit on `main`.
pub fn init_repo(root: &Path, files: &[(&str, &str)]) {
    std::fs::create_dir_all(root).unwrap();
    git(root, &["init", "-q", "-b", "main"]);
    first_commit(root, files);
}

fn first_commit(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = root.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "--allow-empty", "-m", "initial"]);
}

/// Standard output, then standard error: what a failed assertion shows.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Waits for `child` to exit, at most `limit`; `None` if it still runs (it is left running).
pub fn wait_exit(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if start.elapsed() > limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for `child` to exit and collects its output; past `limit` it is killed and the test
/// fails with what it printed.
pub fn wait_output(mut child: Child, limit: Duration) -> Output {
    if wait_exit(&mut child, limit).is_some() {
        return child.wait_with_output().unwrap();
    }
    let pid = child.id();
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    panic!(
        "process {pid} did not finish within {limit:?}\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `cmd` to its end with its output collected, as `wait_output` (killed past `limit`).
pub fn run_within(cmd: &mut Command, limit: Duration) -> Output {
    wait_output(spawn_collecting(cmd), limit)
}

/// Like `run_within`, with `input` written to its standard input (then closed).
pub fn run_with_input(cmd: &mut Command, input: &[u8], limit: Duration) -> Output {
    use std::io::Write;
    let mut child = spawn_collecting(cmd.stdin(Stdio::piped()));
    child.stdin.take().unwrap().write_all(input).unwrap();
    wait_output(child, limit)
}

pub fn spawn_collecting(cmd: &mut Command) -> Child {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Whether process `pid` is gone (a zombie nobody reaped yet runs nothing, so it counts).
pub fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => true,
    }
}
