//! A worker as the czar knows it: its session, what its agent is doing and why, its task, and
//! the vital signs the healing rules watch.

use super::{AgentState, BranchInfo, Delivery, TaskId, WorkerId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Worker {
    pub id: WorkerId,
    pub session: String,
    pub profile: String,
    /// The tmux session exists.
    pub live: bool,
    pub agent: AgentState,
    /// Since when `agent` holds (ms).
    pub since: u64,
    /// Which signal or rule gave `agent`.
    pub reason: String,
    pub task: Option<TaskId>,
    pub branch: Option<BranchInfo>,
    pub last_line: String,
    /// A start was asked for and has not been answered yet.
    pub starting: bool,
    /// Sessions started for it after the first; past the limit it is retired.
    pub restarts: u32,
    /// Given up on: it kept failing. It gets no work and is not restarted.
    pub retired: bool,
    #[serde(default)]
    pub vitals: Vitals,
    /// The text being handed to its agent, step by step (see `delivery`); stored with each step
    /// so a restarted czar knows what may already be in the pane.
    #[serde(default)]
    pub delivery: Option<Delivery>,
}

impl Worker {
    /// Its agent is `state` now, for `reason`; `since` moves only when the state changes.
    pub fn set_agent(&mut self, state: AgentState, reason: &str, now: u64) {
        if self.agent != state {
            self.since = now;
        }
        self.agent = state;
        self.reason = reason.to_string();
    }

    /// It stops holding its task: whatever was being handed to its agent is over too.
    pub fn let_go(&mut self) -> Option<TaskId> {
        self.delivery = None;
        self.task.take()
    }
}

/// What the czar watches to heal a worker. Times in ms.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Vitals {
    /// Last output seen in its pane (tmux's activity stamp).
    pub activity_at: u64,
    /// Nudges given for the current task while stuck, and when the last one was.
    pub nudges: u32,
    pub nudged_at: Option<u64>,
    /// When the czar last answered a dialog for it, so one dialog gets one answer.
    pub answered_at: Option<u64>,
    /// The agent's own hook: what it said and when. Stronger than the screen while fresh.
    #[serde(default)]
    pub hook: Option<HookSaid>,
    /// A dialog on its latest screen that its profile lets the czar answer. Not stored: a
    /// restarted czar reads the screen again.
    #[serde(skip)]
    pub dialog: Option<crate::core::answer::Answer>,
    /// A dialog its profile knows is on its latest screen: the keys that say yes to it (the
    /// operator's answer; Escape says no). Not stored either.
    #[serde(skip)]
    pub dialog_keys: Option<Vec<String>>,
    /// The latest screen reading, when a fresh hook outranked it: (state, reason). The screen
    /// is read only when it prints, so this reading counts once the hook has gone stale.
    #[serde(skip)]
    pub outranked: Option<(AgentState, String)>,
    /// The latest reading of its screen itself (hooks aside): what a delivery goes by. Not
    /// stored: a restarted czar reads the screen again.
    #[serde(skip)]
    pub screen: Option<Screen>,
    /// Deliveries begun on this worker; numbers each one, so a late outcome of an earlier one
    /// is told apart.
    #[serde(default)]
    pub deliveries: u64,
    /// Its worktree could not be put on a task's branch this many times in a row...
    #[serde(default)]
    pub prepare_failures: u32,
    /// ...so it takes no task before this time (ms).
    #[serde(default)]
    pub rest_until: Option<u64>,
    /// When its session started, until its agent came up (showed a screen its profile knows,
    /// or stayed up `spawn.early_exit_ms`): an agent gone before then failed to start.
    #[serde(default)]
    pub launched_at: Option<u64>,
    /// When its agent came up (the end of `launched_at`): a task waits until the agent has
    /// stayed at its prompt a moment, since some draw their prompt before a first-run dialog.
    #[serde(default)]
    pub up_at: Option<u64>,
}

/// What an agent's input box holds, as a screen showed it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// The profile cannot read its box.
    #[default]
    Unknown,
    /// The profile reads its box, but none showed (a dialog or a redraw covers it).
    Hidden,
    Empty,
    /// Text sits typed or pasted in it, not submitted (shown as the screen shows it).
    Holds(String),
}

/// One reading of a worker's screen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Screen {
    pub state: Option<AgentState>,
    pub input: Input,
    /// When the capture was taken (ms): a reading taken before a step began says nothing
    /// about what the step did.
    pub at: u64,
    /// A digest of the screen's text, to see a box the profile cannot read change.
    pub hash: u64,
}

/// The last thing an agent's own hook told the czar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookSaid {
    pub state: AgentState,
    /// The hook event's name, so a reason can say which hook outranked the screen.
    #[serde(default)]
    pub event: String,
    pub at: u64,
}
