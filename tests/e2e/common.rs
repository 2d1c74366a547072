//! A real project for the czar binary: a git repository in a temp folder, a czar.toml on a
//! private tmux socket with the simulated agent, and a guard that kills that tmux server.
#![allow(dead_code)]

use crate::support::{CZAR, TempRepo, TmuxServer, czar_repo, run_within};
use czar::adapters::store::{EventRow, Store};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

pub struct Project {
    // First: the server (and the agents in it) goes before the folder it works in.
    tmux: TmuxServer,
    _repo: TempRepo,
    pub root: PathBuf,
}

impl Project {
    /// `extra` is appended to czar.toml (e.g. an `[agents.sim]` override).
    pub fn new(workers: u32, extra: &str) -> Project {
        let repo = czar_repo();
        let root = repo.root.clone();
        let tmux = TmuxServer::new("czar-e2e");
        let socket = tmux.socket();
        let config = format!(
            "project = \"e2e\"\nworkers = {workers}\nagent = \"sim\"\nworktrees_dir = \"../wt\"\n\
             tmux_socket = \"{socket}\"\n\n[timing]\npoll_ms = 200\nsettle_ms = 150\n{extra}"
        );
        std::fs::write(root.join("czar.toml"), config).unwrap();
        Project {
            tmux,
            _repo: repo,
            root,
        }
    }

    /// The private tmux server's name, as czar.toml gives it.
    pub fn socket(&self) -> &str {
        self.tmux.socket()
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
        run_within(&mut self.czar(&["--auto"]), limit)
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
        self.tmux.run(args)
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
