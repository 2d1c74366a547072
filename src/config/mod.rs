//! czar's configuration: shipped defaults and agent profiles (embedded from config/),
//! layered under the user's `czar.toml`.
//!
//! Every error names the file, the key path and the line, and nothing falls back silently.

mod accounts;
mod answer;
mod error;
pub mod hooks;
pub mod hosts;
mod init;
mod keys;
mod land;
mod layer;
pub mod meter;
mod notify;
mod paths;
mod patterns;
mod profile;
mod reader;
mod resolve;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use accounts::{Account, ValueRef};
pub use error::{ConfigError, ConfigErrorKind, Location};
pub use init::{ignore_state_dir, init};
pub use keys::{ACTIONS, Key, KeySpec, key_label, parse_key, resolve_keys};
pub use notify::{Notify, TerminalNotice};
pub use patterns::{DEFAULT_REGION_LINES, Hit, Pattern, PatternKind, PatternList, Patterns};
pub use profile::{AgentProfile, CZAR_PLACEHOLDER};
pub(crate) use reader::kind_of as toml_kind_of;

use layer::ProjectLayer;
use profile::ProfileLayer;
use reader::{Source, root};

macro_rules! shipped {
    ($path:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/config/", $path))
    };
}

/// The shipped defaults for every project setting.
pub const DEFAULTS_TOML: &str = shipped!("defaults.toml");
/// The commented starter czar.toml that `czar init` writes.
pub const INIT_TOML: &str = shipped!("czar.init.toml");
/// The example task that `czar init` writes to tasks/example.md.
pub const EXAMPLE_TASK: &str = shipped!("example-task.md");
/// Shipped agent profiles: (name, TOML text).
pub const SHIPPED_PROFILES: &[(&str, &str)] = &[
    ("aider", shipped!("agents/aider.toml")),
    ("claude", shipped!("agents/claude.toml")),
    ("codex", shipped!("agents/codex.toml")),
    ("gemini", shipped!("agents/gemini.toml")),
    ("opencode", shipped!("agents/opencode.toml")),
    ("shell", shipped!("agents/shell.toml")),
    ("sim", shipped!("agents/sim.toml")),
];

/// The user's file, at the repository root.
pub const CONFIG_FILE_NAME: &str = "czar.toml";

/// The fully resolved configuration of one repository.
#[derive(Debug, Clone)]
pub struct ProjectConfig {
    /// Prefix of tmux session names: `<project>-worker-<id>`.
    pub project: String,
    /// Branch that task branches start from.
    pub base: String,
    /// Where `base` was set; `None` when it is the branch checked out. Whether it names a
    /// branch is for git to say (see `project::load`), and its error must point here.
    pub base_at: Option<Location>,
    pub workers: usize,
    /// Name of the default agent profile; always a key of `profiles`.
    pub agent: String,
    pub paths: Paths,
    pub tmux: crate::adapters::tmux::Socket,
    /// When two workers change the same files: hold the later one until the earlier finishes
    /// (`overlap = "hold"`), or only raise an alert (`"alert"`).
    pub hold_overlaps: bool,
    /// Nothing is typed into a worker whose session has a client attached until it detaches
    /// (`attached = "wait"`), or attached clients are ignored (`"ignore"`).
    pub wait_while_attached: bool,
    /// Steps tried, in order, on a stuck agent before it is restarted.
    pub stuck_nudges: Vec<crate::core::model::Nudge>,
    /// How finished work lands on the target branch (`land`, `into`, `land_verify`,
    /// `keep_branches`).
    pub land: Land,
    /// What is done about a question nobody answered within `timing.waiting_limit`.
    pub on_waiting: crate::core::model::OnWaiting,
    pub timing: Timing,
    /// Token budgets of the run and of each task (0: none).
    pub budget: crate::core::model::Budget,
    pub profiles: BTreeMap<String, AgentProfile>,
    /// Dashboard action name → its keys: the defaults with `[keys]` applied.
    pub keys: BTreeMap<String, Vec<KeySpec>>,
    /// What the operator is told of outside the dashboard, and how (`[notify]`).
    pub notify: Notify,
    /// `[hosts.<name>]`: machines whose workers run over SSH (see `hosts`).
    pub hosts: Vec<hosts::Host>,
}

impl ProjectConfig {
    pub fn profile(&self, name: &str) -> Option<&AgentProfile> {
        self.profiles.get(name)
    }

    /// Each profile's prices, window and compaction, for the core.
    pub fn meters(&self) -> BTreeMap<String, crate::core::model::Meter> {
        let each = self.profiles.iter();
        each.map(|(n, p)| (n.clone(), p.meter.meter.clone()))
            .collect()
    }

    /// The profile named by `agent` (always present in a config returned by [`load`]).
    pub fn default_profile(&self) -> Option<&AgentProfile> {
        self.profiles.get(&self.agent)
    }

    /// Paste-to-Enter delay for `profile`: its own settle_ms, else `timing.settle`.
    pub fn settle_for(&self, profile: &AgentProfile) -> Duration {
        profile
            .settle_ms
            .map_or(self.timing.settle, Duration::from_millis)
    }
}

/// The landing settings as written; `into` is the base unless set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Land {
    pub mode: crate::core::model::LandMode,
    pub into: String,
    pub verify: Option<String>,
    pub keep_branches: bool,
    /// With `land = "pr"`: the remote task branches are pushed to, and the forge's CLI (`gh`,
    /// `glab`).
    pub remote: String,
    pub forge: String,
    /// The program the Landing panel pipes a diff into when `$PAGER` is not set (`diff_tool`,
    /// e.g. "delta"); none: the dashboard's own view.
    pub diff_tool: Option<String>,
    /// Ready tasks merged together and verified once (`land_batch`, default 1).
    pub batch: usize,
    /// The agent profile whose workers review a verified task before it lands (`review`).
    pub review: Option<String>,
    /// Rejections before the task fails (`max_review_rounds`, default 2).
    pub max_review_rounds: u32,
}

/// Absolute, lexically normalised paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub repo_root: PathBuf,
    /// The user's czar.toml, when one was read.
    pub config_file: Option<PathBuf>,
    pub tasks_dir: PathBuf,
    pub worktrees_dir: PathBuf,
    pub state_dir: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    pub poll: Duration,
    /// Default paste-to-Enter delay.
    pub settle: Duration,
    pub ready_timeout: Duration,
    pub submit_confirm: Duration,
    pub submit_retries: u32,
    pub verify_timeout: Duration,
    pub max_verify_attempts: u32,
    pub branch_rescan: Duration,
    /// An agent back at its prompt without commits or `czar done` this long gives the task back.
    pub idle_grace: Duration,
    /// Busy with no screen change this long is stuck.
    pub stuck: Duration,
    /// Working on one task longer than this is stuck too (zero: no limit).
    pub max_task: Duration,
    /// Times a task is handed out before it fails.
    pub max_attempts: u32,
    /// Restarts of a worker before it is retired.
    pub max_restarts: u32,
    /// Follow-ups (conflict, verify after the merge) before a task that cannot land fails.
    pub max_land_attempts: u32,
    /// A question nobody answers this long gets `on_waiting` (zero: no limit).
    pub waiting_limit: Duration,
    /// The first wait out of a rate limit the client gave up on, when no reset time shows.
    pub rate_limit_backoff: Duration,
    /// With `land = "pr"`: how often each open pull request's state is asked for.
    pub pr_poll: Duration,
}

/// Loads `<repo_root>/czar.toml` over the shipped defaults. A missing file is an error
/// that says to run `czar init`.
pub fn load(repo_root: &Path, current_branch: Option<&str>) -> Result<ProjectConfig, ConfigError> {
    let path = repo_root.join(CONFIG_FILE_NAME);
    let text = std::fs::read_to_string(&path).map_err(|err| match err.kind() {
        ErrorKind::NotFound => {
            let at = Location {
                file: path.display().to_string(),
                key: String::new(),
                line: None,
            };
            ConfigError::new(at, ConfigErrorKind::NoConfigFile(path.clone()))
        }
        _ => ConfigError::io(&path, "read it", err),
    })?;
    load_with(repo_root, Some(&text), current_branch)
}

/// Like [`load`], with the user's czar.toml text given (`None`: shipped defaults only).
/// Errors in `user_text` are reported under `<repo_root>/czar.toml`.
pub fn load_with(
    repo_root: &Path,
    user_text: Option<&str>,
    current_branch: Option<&str>,
) -> Result<ProjectConfig, ConfigError> {
    let defaults = Source {
        name: "<built-in config/defaults.toml>".into(),
        text: DEFAULTS_TOML,
    };
    let mut layer = ProjectLayer::read(&defaults)?;
    for &(name, text) in SHIPPED_PROFILES {
        let src = Source {
            name: format!("<built-in config/agents/{name}.toml>"),
            text,
        };
        let doc = src.parse()?;
        layer
            .agents
            .insert(name.to_string(), ProfileLayer::read(&root(&src, &doc))?);
    }
    let user_file = repo_root.join(CONFIG_FILE_NAME);
    if let Some(text) = user_text {
        let src = Source {
            name: user_file.display().to_string(),
            text,
        };
        layer = layer.merge(ProjectLayer::read(&src)?);
    }
    let ctx = resolve::Context {
        repo_root,
        config_file: user_text.map(|_| user_file),
        current_branch,
        defaults_name: &defaults.name,
        home: std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| resolve::normalize(Path::new(&h))),
    };
    resolve::resolve(layer, &ctx)
}
