//! The fleet as plain data. The engine owns one `Model`; the store mirrors it.

mod delivery;
mod health;
mod policy;
mod survey;

pub use delivery::{Delivery, Step};
pub use health::{ProfileHealth, Unavailable};
pub use policy::{AgentDelivery, DeliveryPolicy, Nudge, Policy, SpawnPolicy};
pub use survey::{Conflict, Overlap, Survey};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub type TaskId = String;
pub type WorkerId = u32;

/// What an agent in a pane is doing, as far as the czar can tell. The names are the ones
/// `--json` output uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AgentState {
    #[default]
    Starting,
    Busy,
    Idle,
    Waiting,
    Stuck,
    RateLimited,
    Error,
    Crashed,
    Done,
}

impl AgentState {
    pub fn as_str(self) -> &'static str {
        match self {
            AgentState::Starting => "starting",
            AgentState::Busy => "busy",
            AgentState::Idle => "idle",
            AgentState::Waiting => "waiting",
            AgentState::Stuck => "stuck",
            AgentState::RateLimited => "rate_limited",
            AgentState::Error => "error",
            AgentState::Crashed => "crashed",
            AgentState::Done => "done",
        }
    }

    /// What a worker in state `was` is now when something reads `self`: a worker that finished
    /// its task stays `done` at its prompt until it gets the next one.
    pub fn after(self, was: AgentState, has_task: bool) -> AgentState {
        if self == AgentState::Idle && was == AgentState::Done && !has_task {
            AgentState::Done
        } else {
            self
        }
    }

    /// At its prompt, ready for a task.
    pub fn is_ready(self) -> bool {
        matches!(self, AgentState::Idle | AgentState::Done)
    }

    pub fn parse(s: &str) -> Option<AgentState> {
        ALL_AGENT_STATES.iter().copied().find(|st| st.as_str() == s)
    }
}

pub const ALL_AGENT_STATES: [AgentState; 9] = [
    AgentState::Starting,
    AgentState::Busy,
    AgentState::Idle,
    AgentState::Waiting,
    AgentState::Stuck,
    AgentState::RateLimited,
    AgentState::Error,
    AgentState::Crashed,
    AgentState::Done,
];

/// Where a task is in its life. Only `Pending` tasks may be given to a worker, and a task leaves
/// `Done` never: that is what keeps work from being done twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    #[default]
    Pending,
    /// Given to a worker; its branch is being prepared.
    Assigned,
    /// Its text is being pasted and submitted.
    Delivering,
    /// The agent accepted it and is working.
    Working,
    /// Finished by the agent; the `verify` command is running.
    Verifying,
    Done,
    Failed,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Pending => "pending",
            TaskState::Assigned => "assigned",
            TaskState::Delivering => "delivering",
            TaskState::Working => "working",
            TaskState::Verifying => "verifying",
            TaskState::Done => "done",
            TaskState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<TaskState> {
        [
            TaskState::Pending,
            TaskState::Assigned,
            TaskState::Delivering,
            TaskState::Working,
            TaskState::Verifying,
            TaskState::Done,
            TaskState::Failed,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// Held by a worker right now.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            TaskState::Assigned | TaskState::Delivering | TaskState::Working | TaskState::Verifying
        )
    }

    pub fn is_final(self) -> bool {
        matches!(self, TaskState::Done | TaskState::Failed)
    }
}

/// A task as its author wrote it: a task file, `czar task add`, the dashboard's form.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TaskDef {
    /// Also names the branch `czar/<id>`. Empty only in a new task whose file name is still to
    /// be made from its title (`tasks::write_task`).
    pub id: TaskId,
    pub title: String,
    /// Higher runs first.
    pub priority: i64,
    /// Ids of tasks that must be done first.
    pub needs: Vec<TaskId>,
    /// Agent profile name; `None` means the project's default.
    pub agent: Option<String>,
    /// Command that must succeed in the worktree for the task to count as done.
    pub verify: Option<String>,
    /// The task legitimately changes nothing (front matter `no_changes = true`): it may be done
    /// without commits of its own.
    #[serde(default)]
    pub no_changes: bool,
    /// Everything after the front matter, byte for byte: what the agent is given.
    pub body: String,
}

/// Times are milliseconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TaskTimes {
    pub queued: u64,
    pub started: Option<u64>,
    pub finished: Option<u64>,
    /// When the agent accepted the latest delivery; the stuck timer counts from here.
    #[serde(default)]
    pub delivered: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Task {
    pub def: TaskDef,
    pub state: TaskState,
    pub worker: Option<WorkerId>,
    /// How many times it was handed to a worker.
    pub attempts: u32,
    pub verify_failures: u32,
    /// Why it failed, or the last thing that went wrong.
    pub reason: Option<String>,
    pub times: TaskTimes,
    /// The worker said `czar done` for it (kept across restarts).
    pub done_signal: bool,
    /// Commits ahead of base when the work began, so "new commits" means commits of this attempt.
    pub ahead_at_start: usize,
    /// Operator actions on it or on the worker holding it.
    #[serde(default)]
    pub interventions: u32,
    /// Dialogs the czar answered by itself while it was being worked on.
    #[serde(default)]
    pub auto_answers: u32,
    /// Stopped because another task changes the same files; goes on when that one is over.
    #[serde(default)]
    pub held_by: Option<TaskId>,
    /// The commit its branch stood at when the task first got it: its own work is what the
    /// branch gained since, and a branch whose tip no longer descends from it lost its history.
    #[serde(default)]
    pub start: Option<String>,
    /// No agent can run it (its profile is unavailable, or every worker that could take it was
    /// retired): why. Parked while pending; a failure for this reason is tried again by the
    /// next czar, which checks the agents before it starts.
    #[serde(default)]
    pub unrunnable: Option<String>,
}

impl Task {
    pub fn new(def: TaskDef, now: u64) -> Task {
        Task {
            def,
            times: TaskTimes {
                queued: now,
                ..TaskTimes::default()
            },
            ..Task::default()
        }
    }

    pub fn branch(&self) -> String {
        branch_for(&self.def.id)
    }
}

pub fn branch_for(task: &str) -> String {
    format!("czar/{task}")
}

/// What the czar knows about a worker's branch (from git).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BranchInfo {
    pub branch: String,
    pub ahead: usize,
    pub files: usize,
    pub added: usize,
    pub removed: usize,
    pub last_commit_time: Option<i64>,
    pub last_subject: Option<String>,
    /// The branch's tip commit.
    #[serde(default)]
    pub tip: String,
    /// Commits since the task's start commit; `None` when the tip does not descend from it (the
    /// branch was deleted and made again, or rewritten): its history is lost.
    #[serde(default)]
    pub own: Option<usize>,
}

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
    /// When its session started, until its agent came up (showed a screen its profile knows,
    /// or stayed up `spawn.early_exit_ms`): an agent gone before then failed to start.
    #[serde(default)]
    pub launched_at: Option<u64>,
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

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Model {
    pub project: String,
    pub base: String,
    pub policy: Policy,
    pub workers: BTreeMap<WorkerId, Worker>,
    pub tasks: BTreeMap<TaskId, Task>,
    /// Asked to stop: assign nothing more.
    pub stopping: bool,
    /// The latest look at overlapping work (not stored: it is taken again after a restart).
    pub survey: Survey,
    /// How starting each agent profile has gone (not stored either: see `spawn`).
    pub profiles: BTreeMap<String, ProfileHealth>,
    /// Task files that do not load, file → why (not stored: the files are read again).
    pub task_file_errors: BTreeMap<String, String>,
}

impl Model {
    pub fn new(project: &str, base: &str, policy: Policy) -> Model {
        Model {
            project: project.to_string(),
            base: base.to_string(),
            policy,
            ..Model::default()
        }
    }

    pub fn session_name(&self, id: WorkerId) -> String {
        session_name(&self.project, id)
    }

    /// Every task is done or failed, and no worker holds one.
    pub fn drained(&self) -> bool {
        self.tasks.values().all(|t| t.state.is_final())
            && self.workers.values().all(|w| w.task.is_none())
    }
}

/// tmux forbids `.` and `:` in session names; keep names to a safe alphabet.
pub fn session_name(project: &str, id: WorkerId) -> String {
    let clean: String = project
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let clean = clean.trim_matches('-');
    let clean = if clean.is_empty() { "czar" } else { clean };
    format!("{clean}-worker-{id}")
}
