//! One agent in one pane of a private tmux server, for the tests that drive real clients
//! (tests/claude, tests/clients): start it with its argv and environment, read its screen and
//! title, type into it, wait for words. The server goes (with its socket file) on drop.

use super::TmuxServer;
use std::ffi::OsStr;
use std::path::Path;
use std::time::{Duration, Instant};

/// A private tmux server with one pane; killed (with its socket file) on drop.
pub struct Pane {
    server: TmuxServer,
    pub target: String,
}

impl Pane {
    pub fn start(prefix: &str, cwd: &Path, argv: &[String], env: &[(String, String)]) -> Pane {
        let pane = Pane {
            server: TmuxServer::new(prefix),
            target: "agent".into(),
        };
        let mut args: Vec<String> = ["-f", "/dev/null", "new-session", "-d", "-s", "agent"]
            .map(String::from)
            .to_vec();
        args.extend(["-x", "120", "-y", "40", "-c"].map(String::from));
        args.push(cwd.display().to_string());
        for (k, v) in env {
            args.push("-e".into());
            args.push(format!("{k}={v}"));
        }
        args.extend(argv.iter().cloned());
        assert!(pane.tmux(&args).is_some(), "tmux new-session failed");
        // Keep the pane when the client exits, to read its last words and exit status.
        pane.tmux(&["set-option", "-t", "agent", "remain-on-exit", "on"]);
        pane
    }

    pub fn tmux<S: AsRef<OsStr>>(&self, args: &[S]) -> Option<String> {
        self.server.run(args)
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", &self.target])
            .unwrap_or_default()
    }

    pub fn title(&self) -> String {
        self.tmux(&["display-message", "-p", "-t", &self.target, "#{pane_title}"])
            .unwrap_or_default()
            .trim_end_matches('\n')
            .to_string()
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", &self.target, k]);
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// Types `text` literally, then presses Enter on its own.
    pub fn type_line(&self, text: &str) {
        self.tmux(&["send-keys", "-t", &self.target, "-l", text]);
        std::thread::sleep(Duration::from_millis(500));
        self.tmux(&["send-keys", "-t", &self.target, "Enter"]);
    }

    /// Waits until `needle` shows more often than `before` times (a new turn's marker, when
    /// older turns left the same words above).
    pub fn wait_for_more(&self, needle: &str, before: usize, limit: Duration) -> Option<String> {
        let start = Instant::now();
        while start.elapsed() < limit {
            let s = self.screen();
            if s.matches(needle).count() > before {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        None
    }

    /// Waits until the screen contains `needle`; returns the screen, or None on timeout.
    pub fn wait_for(&self, needle: &str, limit: Duration) -> Option<String> {
        let start = Instant::now();
        while start.elapsed() < limit {
            let s = self.screen();
            if s.contains(needle) {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        None
    }
}
