//! Everything the engine may do, as data. `update` returns these; the engine carries them out
//! and reports back with observations.

use super::model::{TaskId, WorkerId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Make the worker's worktree and start its agent session with this profile.
    StartWorker { worker: WorkerId, profile: String },
    /// Kill the worker's session (its worktree and branch stay).
    KillWorker { worker: WorkerId },
    /// Save uncommitted work, then put the worktree on `branch` (created from base if new).
    PrepareBranch {
        worker: WorkerId,
        task: TaskId,
        branch: String,
    },
    /// Paste the task (or a follow-up note about it) into the agent and confirm the submit.
    Deliver {
        worker: WorkerId,
        task: TaskId,
        what: Delivery,
    },
    /// Run the task's verify command in the worker's worktree.
    RunVerify {
        worker: WorkerId,
        task: TaskId,
        command: String,
    },
    /// Type text into the worker's agent as literal keys (never read as key names), then submit.
    TypeText { worker: WorkerId, text: String },
    /// Press named keys in the worker's pane (e.g. `Escape`), from the operator or a profile.
    PressKeys { worker: WorkerId, keys: Vec<String> },
    /// The operator's yes or no to what the worker's agent asks (see `answer::operator_keys`).
    OperatorAnswer { worker: WorkerId, yes: bool },
    /// Answer the dialog the worker's agent shows, as its profile's rule says.
    AutoAnswer { worker: WorkerId, keys: Vec<String> },
    /// Read the worker's branch statistics again.
    RefreshBranch { worker: WorkerId },
    /// Keep a record of something that happened, with the reason.
    Record(Event),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The preamble and the whole task text.
    Task,
    /// A short note about the same task, e.g. a failed verify's output.
    FollowUp(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub worker: Option<WorkerId>,
    pub task: Option<TaskId>,
    pub kind: EventKind,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    TaskAdded,
    Assigned,
    Delivered,
    DeliveryFailed,
    Finished,
    VerifyFailed,
    Done,
    Failed,
    Requeued,
    WorkerStarted,
    WorkerFailed,
    WorkerCrashed,
    WorkerRetired,
    AgentState,
    Report,
    Operator,
    AutoAnswer,
    Stuck,
    Overlap,
    Conflict,
    Duplication,
    Held,
    /// A task file does not load (recorded once per distinct error).
    TaskFileError,
    /// A task file that did not load has no error any more (fixed or removed).
    TaskFileFixed,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::TaskAdded => "task_added",
            EventKind::Assigned => "assigned",
            EventKind::Delivered => "delivered",
            EventKind::DeliveryFailed => "delivery_failed",
            EventKind::Finished => "finished",
            EventKind::VerifyFailed => "verify_failed",
            EventKind::Done => "done",
            EventKind::Failed => "failed",
            EventKind::Requeued => "requeued",
            EventKind::WorkerStarted => "worker_started",
            EventKind::WorkerFailed => "worker_failed",
            EventKind::WorkerCrashed => "worker_crashed",
            EventKind::WorkerRetired => "worker_retired",
            EventKind::AgentState => "agent_state",
            EventKind::Report => "report",
            EventKind::Operator => "operator",
            EventKind::AutoAnswer => "auto_answer",
            EventKind::Stuck => "stuck",
            EventKind::Overlap => "overlap",
            EventKind::Conflict => "conflict",
            EventKind::Duplication => "duplication",
            EventKind::Held => "held",
            EventKind::TaskFileError => "task_file_error",
            EventKind::TaskFileFixed => "task_file_fixed",
        }
    }
}

impl Command {
    pub fn record(
        worker: Option<WorkerId>,
        task: Option<&str>,
        kind: EventKind,
        detail: impl Into<String>,
    ) -> Command {
        Command::Record(Event {
            worker,
            task: task.map(str::to_string),
            kind,
            detail: detail.into(),
        })
    }
}
