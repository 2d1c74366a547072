//! Everything the engine needs to know about the project, resolved once at start.

use crate::adapters::tmux::{Socket, SubmitKey};
pub use crate::config::{Paths, Timing};
use crate::core::classify::ScreenRules;
use crate::core::model::{Policy, WorkerId};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

#[derive(Clone)]
pub struct Profile {
    pub name: String,
    /// argv, already expanded (`{czar}` replaced by the czar's own path).
    pub command: Vec<String>,
    /// May hold keys: passed to the agent through a private file, never printed.
    pub env: Vec<(String, String)>,
    pub submit: SubmitKey,
    pub settle: Duration,
    pub rules: ScreenRules,
}

/// The env's names only (a `Setup` printed for debugging must not carry keys).
impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let env: Vec<&str> = self.env.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Profile")
            .field("name", &self.name)
            .field("command", &self.command)
            .field("env", &env)
            .field("submit", &self.submit)
            .field("settle", &self.settle)
            .field("rules", &self.rules)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct Setup {
    pub project: String,
    pub base: String,
    pub paths: Paths,
    pub socket: Socket,
    pub profiles: BTreeMap<String, Profile>,
    pub timing: Timing,
    pub policy: Policy,
    /// Pane size for new worker sessions.
    pub pane_size: (u16, u16),
    /// This czar's executable (when its path is UTF-8, as tmux needs): each agent runs under its
    /// `pane-log`, which keeps the output log.
    pub czar_exe: Option<String>,
}

impl Setup {
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }

    pub fn session_prefix(&self) -> String {
        let name = crate::core::model::session_name(&self.project, 0);
        name.trim_end_matches('0').to_string()
    }

    /// The worker a session belongs to, if it is one of this project's.
    pub fn worker_of_session(&self, session: &str) -> Option<WorkerId> {
        session.strip_prefix(&self.session_prefix())?.parse().ok()
    }

    pub fn state_dir(&self) -> &Path {
        &self.paths.state_dir
    }
}
