//! A repository run by the czar with the claude profile pointed at the real client and a
//! loopback stand-in API: a private HOME (onboarding done, nothing trusted, no key approved:
//! the first-run dialogs are the czar's to answer), settings that allow the git commands the
//! stand-in scripts, and a private tmux server killed when the fleet is dropped.

use crate::client::{API_KEY, prepare_home};
use crate::support::{CZAR, TempRepo, TmuxServer, czar_repo};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Fleet {
    // First: the server (and the clients in it) goes before the folder they work in.
    tmux: TmuxServer,
    _repo: TempRepo,
    pub root: PathBuf,
}

/// What a test changes about the fleet: Claude's permission mode (None: the client's own
/// default), its user settings, extra environment, and extra czar.toml text.
pub struct Opts {
    pub mode: Option<&'static str>,
    pub settings: serde_json::Value,
    pub env: Vec<(&'static str, String)>,
    /// Top-level czar.toml keys.
    pub top: String,
    /// `[timing]` keys.
    pub timing: String,
    /// Tables after `[agents.claude]` (e.g. `[[agents.claude.auto_answer]]`).
    pub tail: String,
}

impl Default for Opts {
    fn default() -> Self {
        let allow = ["mkdir", "echo", "git add", "git commit"].map(|c| format!("Bash({c}:*)"));
        Opts {
            mode: Some("acceptEdits"),
            settings: serde_json::json!({ "permissions": { "allow": allow } }),
            env: Vec::new(),
            top: String::new(),
            timing: String::new(),
            tail: String::new(),
        }
    }
}

impl Fleet {
    /// `tasks`: (id, extra front matter) pairs; each task asks for `out/<id>.txt`, committed.
    pub fn new(bin: &Path, api_url: &str, workers: u32, tasks: &[(&str, &str)]) -> Fleet {
        Fleet::with(bin, api_url, workers, tasks, Opts::default())
    }

    pub fn with(
        bin: &Path,
        api_url: &str,
        workers: u32,
        tasks: &[(&str, &str)],
        opts: Opts,
    ) -> Fleet {
        let repo = czar_repo();
        let root = repo.root.clone();
        let home = repo.base.join("home");

        prepare_home(&home, &[], false);
        std::fs::create_dir_all(home.join(".claude")).unwrap();
        std::fs::write(
            home.join(".claude/settings.json"),
            opts.settings.to_string(),
        )
        .unwrap();

        let tmux = TmuxServer::new("czar-claude-fleet");
        let socket = tmux.socket();
        let mode = opts.mode.map_or(String::new(), |m| {
            format!(", \"--permission-mode\", \"{m}\"")
        });
        let extra_env: String = opts
            .env
            .iter()
            .map(|(k, v)| format!(", {k} = {v:?}"))
            .collect();
        let config = format!(
            "project = \"real\"\nworkers = {workers}\nagent = \"claude\"\nworktrees_dir = \"../wt\"\n\
             tmux_socket = \"{socket}\"\n{top}\n[timing]\npoll_ms = 200\nsettle_ms = 300\nready_timeout_secs = 60\n{timing}\n\
             [agents.claude]\ncommand = [{bin:?}, \"--settings\", \"{{czar_hooks}}\"{mode}]\n\
             env = {{ HOME = {home:?}, ANTHROPIC_API_KEY = {API_KEY:?}, ANTHROPIC_BASE_URL = {api_url:?}, \
             DISABLE_AUTOUPDATER = \"1\", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = \"1\", \
             GIT_AUTHOR_NAME = \"t\", GIT_AUTHOR_EMAIL = \"t@t\", GIT_COMMITTER_NAME = \"t\", \
             GIT_COMMITTER_EMAIL = \"t@t\"{extra_env} }}\n{tail}",
            bin = bin.display().to_string(),
            home = home.display().to_string(),
            top = opts.top,
            timing = opts.timing,
            tail = opts.tail,
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
        let out = self
            .tmux
            .command()
            .args(["capture-pane", "-p", "-t"])
            .arg(format!("=real-worker-{w}:"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Worker `w`'s pane title.
    pub fn title(&self, w: u32) -> String {
        let out = self
            .tmux
            .command()
            .args(["display-message", "-p", "-t"])
            .arg(format!("=real-worker-{w}:"))
            .arg("#{pane_title}")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    }

    /// The czar's event log so far.
    pub fn events(&self) -> Vec<czar::adapters::store::EventRow> {
        // Read-only: a czar may be running on it.
        match czar::adapters::store::Store::open_read_only(&self.root.join(".czar")) {
            Ok(Some(s)) => s.events(100_000).unwrap_or_default(),
            _ => Vec::new(),
        }
    }
}
