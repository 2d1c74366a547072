//! A real project for the czar binary: a git repository in a temp folder, a czar.toml on a
//! private tmux socket with the simulated agent, and a guard that kills that tmux server.
#![allow(dead_code)]

use czar::adapters::store::{EventRow, Store};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const CZAR: &str = env!("CARGO_BIN_EXE_czar");
static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub struct Project {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub socket: String,
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .stderr(Stdio::null())
            .status();
        if let Some(dir) = std::env::var_os("TMUX_TMPDIR")
            .map(PathBuf::from)
            .or_else(|| Some(PathBuf::from("/tmp")))
        {
            // tmux leaves its socket file behind; ours only.
            let uid = unsafe { libc::getuid() };
            let _ = std::fs::remove_file(dir.join(format!("tmux-{uid}")).join(&self.socket));
        }
    }
}

pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Project {
    /// `extra` is appended to czar.toml (e.g. an `[agents.sim]` override).
    pub fn new(workers: u32, extra: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap().join("repo");
        std::fs::create_dir_all(root.join("tasks")).unwrap();
        let socket = format!(
            "czar-e2e-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        std::fs::write(root.join("README.md"), "test\n").unwrap();
        std::fs::write(root.join(".gitignore"), ".czar/\n").unwrap();
        git(&root, &["init", "-q", "-b", "main"]);
        git(&root, &["add", "-A"]);
        git(&root, &["commit", "-q", "-m", "initial"]);
        let config = format!(
            "project = \"e2e\"\nworkers = {workers}\nagent = \"sim\"\nworktrees_dir = \"../wt\"\n\
             tmux_socket = \"{socket}\"\n\n[timing]\npoll_ms = 200\nsettle_ms = 150\n{extra}"
        );
        std::fs::write(root.join("czar.toml"), config).unwrap();
        Project {
            _dir: dir,
            root,
            socket,
        }
    }

    pub fn task(&self, id: &str, front: &str, body: &str) {
        let text = format!("+++\n{front}\n+++\n{body}");
        std::fs::write(self.root.join("tasks").join(format!("{id}.md")), text).unwrap();
    }

    pub fn czar(&self, args: &[&str]) -> Command {
        let mut c = Command::new(CZAR);
        c.args(args).current_dir(&self.root).stdin(Stdio::null());
        // The workers must not inherit a tmux client of the machine running the tests.
        c.env_remove("TMUX").env_remove("TMUX_PANE");
        c
    }

    /// Runs `czar --auto` to the end, failing the test if it takes longer than `limit`.
    pub fn run_auto(&self, limit: Duration) -> Output {
        let child = self
            .czar(&["--auto"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_output(child, limit)
    }

    /// `czar --auto` in the background, output discarded (tests that kill or query it meanwhile).
    pub fn spawn_auto(&self) -> std::process::Child {
        self.czar(&["--auto"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    pub fn tmux(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    pub fn events(&self) -> Vec<EventRow> {
        Store::open(&self.root.join(".czar"))
            .unwrap()
            .events(100_000)
            .unwrap()
    }

    pub fn status_json(&self) -> serde_json::Value {
        let out = self.czar(&["status", "--json"]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

pub fn wait_output(mut child: std::process::Child, limit: Duration) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "czar did not finish within {limit:?}\nstdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
