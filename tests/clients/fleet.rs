//! A repository run by `czar --auto` with one of the clients' profiles pointed at the real
//! client and the stand-in: a private HOME (nothing trusted, so the first-run dialogs are the
//! czar's to answer) and a private tmux server killed when the fleet is dropped.

use crate::client::Client;
use crate::support::{CZAR, TempRepo, TmuxServer, czar_repo};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Fleet {
    // First: the server (and the clients in it) goes before the folder they work in.
    tmux: TmuxServer,
    _repo: TempRepo,
    pub root: PathBuf,
    /// The clients' private HOME.
    pub home: PathBuf,
}

impl Fleet {
    /// `tasks`: (id, extra front matter) pairs; each task asks for `out/<id>.txt`, committed.
    /// `allow`: shell command prefixes the client runs without asking (its user's settings).
    pub fn new(
        client: Client,
        bin: &Path,
        api_url: &str,
        tasks: &[(&str, &str)],
        allow: &[&str],
    ) -> Fleet {
        let repo = czar_repo();
        let root = repo.root.clone();
        let home = repo.base.join("home");
        let env = client.prepare(&home, api_url, allow);
        let tmux = TmuxServer::new(&format!("czar-{}-fleet", client.name()));
        let socket = tmux.socket();
        let mut command = vec![bin.display().to_string()];
        command.extend(client.args());
        let env: Vec<String> = env
            .iter()
            .filter(|(k, _)| k != "TERM")
            .map(|(k, v)| format!("{k} = {v:?}"))
            .collect();
        let name = client.name();
        // Aider prices its own answers (and that is what counts for it).
        let prices = match client {
            Client::Aider => "",
            _ => "prices = { input = 1.0, output = 10.0 }\n",
        };
        let config = format!(
            "project = \"real\"\nworkers = 1\nagent = \"{name}\"\nworktrees_dir = \"../wt\"\n\
             tmux_socket = \"{socket}\"\n\n[timing]\npoll_ms = 200\nsettle_ms = 300\nready_timeout_secs = 90\n\n\
             [agents.{name}]\ncommand = {command:?}\nenv = {{ {} }}\n{prices}",
            env.join(", ")
        );
        std::fs::write(root.join("czar.toml"), config).unwrap();
        for (id, front) in tasks {
            let text = format!(
                "+++\ntitle = \"Task {id}\"\n{front}\n+++\nWrite out/{id}.txt and commit it.\n"
            );
            std::fs::write(root.join("tasks").join(format!("{id}.md")), text).unwrap();
        }
        Fleet {
            tmux,
            _repo: repo,
            root,
            home,
        }
    }

    /// `czar --auto` in the repository, outside any tmux the tests run in.
    pub fn czar(&self) -> Command {
        let mut c = Command::new(CZAR);
        c.arg("--auto")
            .current_dir(&self.root)
            .env_remove("TMUX")
            .env_remove("TMUX_PANE")
            .env_remove("CZAR_FAULT")
            .stdin(Stdio::null());
        c
    }

    /// What worker `w`'s pane shows now.
    pub fn screen(&self, w: u32) -> String {
        self.tmux
            .run(&["capture-pane", "-p", "-t", &format!("=real-worker-{w}:")])
            .unwrap_or_default()
    }
}
