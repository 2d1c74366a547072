//! The fleet as plain data. The engine owns one `Model`; the store mirrors it.

mod delivery;
mod health;
pub mod history;
mod host;
mod land;
mod notice;
mod policy;
mod route;
mod survey;
mod usage;
mod worker;

pub use delivery::{Delivery, Step};
pub use health::{ProfileHealth, Unavailable};
pub use history::{History, Mark};
pub use host::{HostHealth, HostState};
pub use land::{LandFigures, LandMode, LandPolicy, LandRecord, Landing, ReviewRecord, Waited};
pub use notice::{ALL_NOTICES, Notice, NoticeKind, Notified};
pub use policy::{
    AgentDelivery, Attached, Budget, DeliveryPolicy, HostPlace, LimitPolicy, Meter, Nudge,
    OnWaiting, Policy, Prices, SpawnPolicy,
};
pub use route::{Plan, RouteNote};
pub use survey::{Conflict, Overlap, Survey};
pub use usage::{AccountLimit, Usage};
pub use worker::{HeldInput, HookSaid, Input, Said, Screen, Tokens, Vitals, Worker};

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
    /// Agent profiles that may run it, in the order they are tried (`agent = "codex"` or
    /// `agent = ["codex", "claude"]`); empty: any. Stored as a list; a stored single name (or
    /// none) from before still reads.
    #[serde(default, deserialize_with = "route::one_or_many")]
    pub agent: Vec<String>,
    /// Tags each profile that runs it must declare (`tags = ["rust"]`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Labels each host whose workers run it must declare (`labels = ["gpu"]`); this machine
    /// declares none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// The plan it belongs to (`czar plan`): added by that plan's planner, or by hand with
    /// `--plan`.
    #[serde(default)]
    pub plan: Option<String>,
    /// A planner's task (`kind = "plan"`): it splits its plan's goal into tasks.
    #[serde(default)]
    pub planner: bool,
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
    /// Its landing on the target branch, once it is done and landing is on.
    #[serde(default)]
    pub land: Option<LandRecord>,
    /// Held by the operator, with their note: it stays pending and goes to no worker until
    /// released.
    #[serde(default)]
    pub hold: Option<String>,
    /// Tokens its agents reported using on it, over all its attempts.
    #[serde(default)]
    pub usage: Usage,
    /// How routing went for it: the profiles passed over, or why it waits (see `route`).
    /// Flattened: a store written before keeps its `skipped` key where it was.
    #[serde(default, flatten)]
    pub route: RouteNote,
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
    /// What the operator asked to type into a worker someone is attached to, kept until they
    /// detach (not stored: a restart forgets it, as it forgets a key half pressed).
    pub held_input: BTreeMap<WorkerId, Vec<HeldInput>>,
    /// Accounts under a rate limit their agents' clients gave up on (see `limits`; not stored:
    /// a restarted czar reads the screens again).
    pub limits: BTreeMap<String, AccountLimit>,
    /// Budgets already announced as reached: "" for the run's, else the task's id (not stored).
    pub budget_alerted: std::collections::BTreeSet<String>,
    /// The last minutes of each worker's states and of the fleet's activity, for the
    /// dashboard's pictures (not stored: see `history`).
    pub history: History,
    /// What was announced to the operator already (see `notify`; not stored).
    pub notified: Notified,
    /// Each host's health as last observed (see `core::hosts`; not stored: a restarted czar
    /// connects again and learns it anew).
    pub hosts: BTreeMap<String, HostHealth>,
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

    /// Nothing may be typed into this worker's pane now: someone is attached to it and the
    /// policy says to wait until they detach.
    pub fn hands_off(&self, id: WorkerId) -> bool {
        self.policy.attached == Attached::Wait
            && self.workers.get(&id).is_some_and(|w| w.vitals.attached)
    }

    /// Every task is done or failed, no worker holds one, and every done task has landed (or
    /// landing is off).
    pub fn drained(&self) -> bool {
        self.tasks.values().all(|t| t.state.is_final())
            && self.workers.values().all(|w| w.task.is_none())
            && self.tasks.values().all(|t| !self.awaits_landing(t))
    }

    /// A done task whose landing is not over yet.
    pub fn awaits_landing(&self, t: &Task) -> bool {
        self.policy.land.mode.is_on()
            && t.state == TaskState::Done
            && !matches!(
                t.land.as_ref().map(|l| &l.state),
                Some(Landing::Landed { .. })
            )
    }

    /// The task is on the target: landed, or (landing off) done.
    pub fn landed(&self, id: &str) -> bool {
        self.tasks.get(id).is_some_and(|t| {
            t.state == TaskState::Done
                && (!self.policy.land.mode.is_on()
                    || matches!(
                        t.land.as_ref().map(|l| &l.state),
                        Some(Landing::Landed { .. })
                    ))
        })
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
