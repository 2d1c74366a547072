//! A repository run by the czar with the claude profile pointed at the real client and a
//! loopback stand-in API: a private HOME (onboarding done, nothing trusted, no key approved:
//! the first-run dialogs are the czar's to answer), settings that allow the git commands the
//! stand-in scripts, and a private tmux server killed when the fleet is dropped.

use crate::client::{API_KEY, prepare_home};
use crate::common::{CZAR, git};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub struct Fleet {
    _tmp: tempfile::TempDir,
    pub root: PathBuf,
    pub socket: String,
    _tmux: KillServer,
}

impl Fleet {
    /// `tasks`: (id, extra front matter) pairs; each task asks for `out/<id>.txt`, committed.
    pub fn new(bin: &Path, api_url: &str, workers: u32, tasks: &[(&str, &str)]) -> Fleet {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().canonicalize().unwrap();
        let root = base.join("repo");
        let home = base.join("home");
        std::fs::create_dir_all(root.join("tasks")).unwrap();
        std::fs::write(root.join("README.md"), "test\n").unwrap();
        std::fs::write(root.join(".gitignore"), ".czar/\n").unwrap();
        git(&root, &["init", "-q", "-b", "main"]);
        git(&root, &["add", "-A"]);
        git(&root, &["commit", "-q", "-m", "initial"]);

        prepare_home(&home, &[], false);
        std::fs::create_dir_all(home.join(".claude")).unwrap();
        let allow = ["mkdir", "echo", "git add", "git commit"].map(|c| format!("Bash({c}:*)"));
        let settings = serde_json::json!({ "permissions": { "allow": allow } });
        std::fs::write(home.join(".claude/settings.json"), settings.to_string()).unwrap();

        let socket = format!(
            "czar-claude-fleet-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let config = format!(
            "project = \"real\"\nworkers = {workers}\nagent = \"claude\"\nworktrees_dir = \"../wt\"\n\
             tmux_socket = \"{socket}\"\n\n[timing]\npoll_ms = 200\nsettle_ms = 300\nready_timeout_secs = 60\n\n\
             [agents.claude]\ncommand = [{bin:?}, \"--settings\", \"{{czar_hooks}}\", \"--permission-mode\", \"acceptEdits\"]\n\
             env = {{ HOME = {home:?}, ANTHROPIC_API_KEY = {API_KEY:?}, ANTHROPIC_BASE_URL = {api_url:?}, \
             DISABLE_AUTOUPDATER = \"1\", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = \"1\", \
             GIT_AUTHOR_NAME = \"t\", GIT_AUTHOR_EMAIL = \"t@t\", GIT_COMMITTER_NAME = \"t\", \
             GIT_COMMITTER_EMAIL = \"t@t\" }}\n",
            bin = bin.display().to_string(),
            home = home.display().to_string(),
        );
        std::fs::write(root.join("czar.toml"), config).unwrap();
        for (id, front) in tasks {
            let text = format!(
                "+++\ntitle = \"Task {id}\"\n{front}\n+++\nWrite out/{id}.txt and commit it.\n"
            );
            std::fs::write(root.join("tasks").join(format!("{id}.md")), text).unwrap();
        }
        Fleet {
            _tmp: tmp,
            root,
            _tmux: KillServer(socket.clone()),
            socket,
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
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t"])
            .arg(format!("=real-worker-{w}:"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

struct KillServer(String);

impl Drop for KillServer {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.0, "kill-server"])
            .stderr(Stdio::null())
            .status();
        let uid = unsafe { libc::getuid() };
        let dir =
            std::env::var_os("TMUX_TMPDIR").map_or_else(|| "/tmp".into(), std::path::PathBuf::from);
        let _ = std::fs::remove_file(dir.join(format!("tmux-{uid}")).join(&self.0));
    }
}
