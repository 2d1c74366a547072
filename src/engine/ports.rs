//! The engine reaches the world only through these: the agents' panes, the repository, the
//! state store, the processes it runs, and the clock. Each is opened once, in `Engine::open`.
//! The real ones (`real`) drive tmux, libgit2, SQLite and child processes; the engine's own
//! tests drive the same loop through in-memory ones, and a remote host will be one more
//! implementation.

use crate::adapters::claims::Claim;
use crate::adapters::git::{BranchStats, GitError, MergeStyle, Merged, Moved, SwitchOutcome};
use crate::adapters::output_watch::Outputs;
use crate::adapters::store::{EventRow, Saved, Step, StoreError};
use crate::adapters::tmux::{PaneInfo, PaneScreen, SessionSpec, SubmitKey, TmuxCounts, TmuxError};
use crate::core::model::WorkerId;
use crate::core::observation::Signal;
use futures::future::BoxFuture;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Something that runs until it is dropped (a watcher, a listener).
pub type Guard = Box<dyn Send>;
/// What a watcher calls when what it watches changed.
pub type OnChange = Box<dyn Fn() + Send + Sync>;

/// The agents' panes: sessions, their screens, and the keys and text that go into them.
pub trait Panes: Send + Sync {
    /// Starts a detached session running `spec.command`; a dead pane stays with its status.
    fn start(&self, spec: SessionSpec) -> BoxFuture<'_, Result<(), TmuxError>>;
    /// Kills the session; one already gone is fine.
    fn kill(&self, session: String) -> BoxFuture<'_, Result<(), TmuxError>>;
    fn exists(&self, session: String) -> BoxFuture<'_, Result<bool, TmuxError>>;
    /// Every pane there is, from one listing.
    fn list(&self) -> BoxFuture<'_, Result<Vec<PaneInfo>, TmuxError>>;
    /// The screens (with titles) of `targets`, in their order.
    fn read(&self, targets: Vec<String>) -> BoxFuture<'_, Vec<Result<PaneScreen, TmuxError>>>;
    /// One screen for the operator to look at; with `ansi`, its colours as escape codes.
    fn capture(&self, target: String, ansi: bool) -> BoxFuture<'_, Result<String, TmuxError>>;
    /// `text` byte for byte as one bracketed paste, not submitted.
    fn paste(&self, target: String, text: Vec<u8>) -> BoxFuture<'_, Result<(), TmuxError>>;
    fn submit(&self, target: String, key: SubmitKey) -> BoxFuture<'_, Result<(), TmuxError>>;
    /// One named key (`Escape`, `C-c`).
    fn key(&self, target: String, key: String) -> BoxFuture<'_, Result<(), TmuxError>>;
    /// Text typed as it is, never read as key names.
    fn literal(&self, target: String, text: String) -> BoxFuture<'_, Result<(), TmuxError>>;
    /// Client runs and commands so far, for `monitor.json`.
    fn counts(&self) -> TmuxCounts;
    /// Marks in `outputs` each pane that prints, as it prints; `None` when that cannot be
    /// watched (panes are then read when a listing shows them active).
    fn watch_outputs(&self, outputs: Arc<Outputs>) -> Option<Guard>;
}

/// The repository: worktrees, branches and what is on them. Blocking: called off the loop.
pub trait Repo: Send + Sync {
    fn ensure_worktree(&self, path: &Path, name: &str, base: &str) -> Result<(), GitError>;
    /// Saves uncommitted work as a WIP commit; its id, if there was any.
    fn commit_wip(&self, path: &Path, reason: &str) -> Result<Option<String>, GitError>;
    fn switch_worktree(
        &self,
        path: &Path,
        branch: &str,
        base: &str,
    ) -> Result<SwitchOutcome, GitError>;
    /// Another worktree lets go of its branch (its leftovers saved first).
    fn release_worktree(&self, path: &Path, reason: &str) -> Result<Option<String>, GitError>;
    /// The branch checked out in a worktree; `None` when detached or unreadable.
    fn branch_at(&self, worktree: &Path) -> Option<String>;
    fn branch_stats(&self, base: &str, branch: &str) -> Result<BranchStats, GitError>;
    fn branch_tip(&self, branch: &str) -> Option<String>;
    /// What `to` changed since its fork from `from`, as patch text (for the operator to read).
    fn diff_text(&self, from: &str, to: &str) -> Result<String, GitError>;
    fn commit_of(&self, rev: &str) -> Result<String, GitError>;
    fn commits_since(&self, from: &str, to: &str) -> Option<usize>;
    fn put_branch(&self, branch: &str, at: &str, keep: Option<&str>) -> Result<(), GitError>;
    fn uncommitted_paths(&self, worktree: &Path) -> Result<Vec<String>, GitError>;
    fn predict_conflicts(&self, a: &str, b: &str) -> Result<Vec<String>, GitError>;
    /// Calls `on_move` when refs move; `None` when that cannot be watched.
    fn watch(&self, on_move: OnChange) -> Option<Guard>;
    /// Merges `branch` onto `into`'s tip in the integration worktree at `wt` (made if missing),
    /// leaving the result checked out there; never moves a ref.
    fn land_merge(
        &self,
        wt: &Path,
        into: &str,
        branch: &str,
        style: MergeStyle,
        message: &str,
    ) -> Result<Merged, GitError>;
    /// Of `landed` (task, target before, landing commit), those not in `branch` whose landing
    /// touched `files`.
    fn landed_touching(
        &self,
        branch: &str,
        files: &[String],
        landed: &[(String, String, String)],
    ) -> Vec<String>;
    /// Moves `into` from `from` to `to` only (compare-and-swap), bringing a clean checkout of
    /// it along; refuses a dirty one.
    fn move_target(&self, into: &str, from: &str, to: &str) -> Result<Moved, GitError>;
    /// Deletes a branch unless it is checked out somewhere; whether it went.
    fn delete_branch(&self, branch: &str) -> Result<bool, GitError>;
}

/// The state store: the model as last stored, each step's changes, and the workers' inbox.
pub trait State: Send {
    fn load(&self) -> Result<Saved, StoreError>;
    fn commit_step(&mut self, step: &Step<'_>) -> Result<(), StoreError>;
    /// Deletes these workers' records: the operator removed their dead rows.
    fn forget_workers(&mut self, ids: &[crate::core::model::WorkerId]) -> Result<(), StoreError>;
    /// Signals not yet taken, oldest first, with their sequence numbers.
    fn pending_signals(&self) -> Result<Vec<(i64, WorkerId, Signal)>, StoreError>;
    fn claims(&self) -> Result<Vec<Claim>, StoreError>;
    /// The latest `limit` events, oldest first.
    fn events(&self, limit: usize) -> Result<Vec<EventRow>, StoreError>;
    /// Calls `on_signal` when a worker signals; `None` when that cannot be heard (the engine
    /// then takes signals at each poll).
    fn listen(&self, on_signal: OnChange) -> Option<Guard>;
}

/// Pull requests: the task branch pushed, the request opened and followed through the forge's
/// CLI. Blocking: called off the loop.
pub trait PullRequests: Send + Sync {
    /// Pushes the branch and opens its pull request (or finds the open one): its URL.
    fn open(&self, branch: &str, into: &str, title: &str, body: &str) -> Result<String, String>;
    fn view(&self, url: &str) -> crate::core::observation::PrStatus;
}

/// A command's outcome: whether it passed, and what it printed.
pub type Ran = (bool, String);

/// The commands the czar runs itself (a task's verify).
pub trait Processes: Send + Sync {
    /// `command` through `sh -c` in `cwd`, its whole process group ended after `timeout`.
    fn run(&self, command: String, cwd: PathBuf, timeout: Duration) -> BoxFuture<'_, Ran>;
    /// The program `argv[0]` with its arguments (no shell), `env` added to its environment and
    /// `input` on its stdin; its whole process group ended after `timeout`.
    fn notify(&self, call: NotifyCall) -> BoxFuture<'_, Ran>;
}

/// One run of the `[notify]` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyCall {
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    pub input: Vec<u8>,
    pub timeout: Duration,
}

/// The time, in milliseconds since the Unix epoch: the core is handed it with every step.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> u64;
}

/// All of them, opened once.
pub struct Ports {
    pub panes: Arc<dyn Panes>,
    pub repo: Arc<dyn Repo>,
    pub state: Box<dyn State>,
    pub processes: Arc<dyn Processes>,
    pub clock: Arc<dyn Clock>,
    pub prs: Arc<dyn PullRequests>,
}
