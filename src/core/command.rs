//! Everything the engine may do, as data. `update` returns these; the engine carries them out
//! and reports back with observations.

use super::model::{LandMode, TaskId, WorkerId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Make the worker's worktree and start its agent session with this profile.
    StartWorker { worker: WorkerId, profile: String },
    /// Kill the worker's session (its worktree and branch stay).
    KillWorker { worker: WorkerId },
    /// Save uncommitted work, then put the worktree on `branch` (created at `from` if new).
    PrepareBranch {
        worker: WorkerId,
        task: TaskId,
        branch: String,
        from: String,
    },
    /// Check that the worktree is on `branch` (a review, about another worker's branch, names
    /// none), then paste `text` into the agent as one bracketed paste (not submitted). Reports
    /// `Pasted`.
    Paste {
        worker: WorkerId,
        delivery: u64,
        branch: Option<String>,
        text: String,
    },
    /// Press the profile's submit key in the worker's pane. Reports `Submitted`.
    Submit { worker: WorkerId, delivery: u64 },
    /// Press these keys to empty the agent's input box.
    ClearInput { worker: WorkerId, keys: Vec<String> },
    /// Read the worker's screen soon, whether or not it printed.
    ReadScreen { worker: WorkerId },
    /// Put the task's branch back where its work is: made again at `at` when it was deleted, or,
    /// when its history was lost, the lost tip kept under `keep` and the branch reset to `at`.
    RepairBranch {
        worker: WorkerId,
        branch: String,
        at: String,
        keep: Option<String>,
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
    /// Answer the dialog the worker's agent shows, as its profile's rule says.
    AutoAnswer { worker: WorkerId, keys: Vec<String> },
    /// Read the worker's branch statistics again.
    RefreshBranch { worker: WorkerId },
    /// Merge the task's branch onto `into` in the integration worktree, run `verify` (the
    /// task's, then the project's) on the result there. Reports `LandMerged`. `landed` (task,
    /// the target before it, its landing commit) lets a conflict name the tasks that landed
    /// first and touched its files.
    Land {
        task: TaskId,
        branch: String,
        into: String,
        mode: LandMode,
        verify: Vec<String>,
        message: String,
        landed: Vec<(TaskId, String, String)>,
        /// A batch: these branches (with their merge messages) merged on top, in order, before
        /// the one verify.
        also: Vec<(String, String)>,
    },
    /// Move `into` from `from` to `to` (compare-and-swap). Reports `TargetMoved`.
    MoveTarget {
        task: TaskId,
        into: String,
        from: String,
        to: String,
    },
    /// Push the task's branch and open its pull request (or find the one open). Reports
    /// `PrOpened`.
    OpenPr {
        task: TaskId,
        branch: String,
        into: String,
        title: String,
        body: String,
    },
    /// Ask the forge for the pull request's state and checks. Reports `PrSeen`.
    CheckPr { task: TaskId, url: String },
    /// Delete these landed branches (those checked out somewhere stay, for `czar gc`).
    DeleteBranches { branches: Vec<String> },
    /// Read the diff of `branch` against `into` for the worker reviewing `task`. Reports
    /// `ReviewDiff`.
    AskReview {
        worker: WorkerId,
        task: TaskId,
        branch: String,
        into: String,
    },
    /// Keep a record of something that happened, with the reason.
    Record(Event),
    /// Tell the operator outside the dashboard: run the `[notify]` command.
    Notify(super::model::Notice),
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
    /// A delivery cleared the agent's input box or pressed Enter again.
    DeliveryStep,
    /// Something outside the czar broke what it relies on (a worktree removed, a branch
    /// deleted, a delivery interrupted by a restart), and what was done about it.
    Repair,
    /// A worker was added beyond `workers` for tasks that need its profile.
    WorkerAdded,
    /// An agent gone before it came up: a failed start of its profile.
    EarlyExit,
    /// A profile's breaker opened: its agents failed to start too often in a row.
    ProfileUnavailable,
    /// An unavailable profile's agent came up again.
    ProfileAvailable,
    /// The cap on starts per profile per minute held a start back.
    Throttled,
    /// A task file does not load (recorded once per distinct error).
    TaskFileError,
    /// A task file that did not load has no error any more (fixed or removed).
    TaskFileFixed,
    /// A task's landing began (its branch is being merged onto the target).
    Landing,
    /// A task landed on the target.
    Landed,
    /// A landing conflicted; the task went back to an agent.
    LandConflict,
    /// Verify failed on the merged result; the task went back to an agent.
    LandVerifyFailed,
    /// A landing cannot go on now (the operator's checkout of the target is dirty, say).
    LandWaiting,
    /// An agent waits on a question no rule answers (and, past the limit, what was done).
    Waiting,
    /// An account came under a rate limit its client gave up on, or out of it.
    RateLimit,
    /// A client attached to a worker's session or detached from it: while one is attached
    /// nothing is typed into its pane (with `attached = "wait"`).
    Attached,
    /// A token budget was reached.
    Budget,
    /// An agent was told to compact its near-full context.
    Compact,
    /// A task went to a profile after others it accepts were passed over (each with why).
    Routed,
    /// A plan was made (`czar plan`), or one's tasks are all done.
    Plan,
    /// The operator was notified (`[notify]`; the dashboard rings the terminal too).
    Notified,
    /// The review gate: handed to a reviewer, approved or rejected.
    Review,
    /// A host stopped answering; past its grace, its tasks went back to the queue.
    HostDown,
    /// A host answers again.
    HostUp,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::TaskAdded => "task_added",
            EventKind::Review => "review",
            EventKind::HostDown => "host_down",
            EventKind::HostUp => "host_up",
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
            EventKind::Repair => "repair",
            EventKind::DeliveryStep => "delivery_step",
            EventKind::WorkerAdded => "worker_added",
            EventKind::EarlyExit => "early_exit",
            EventKind::ProfileUnavailable => "profile_unavailable",
            EventKind::ProfileAvailable => "profile_available",
            EventKind::Throttled => "start_throttled",
            EventKind::TaskFileError => "task_file_error",
            EventKind::TaskFileFixed => "task_file_fixed",
            EventKind::Landing => "landing",
            EventKind::Landed => "landed",
            EventKind::LandConflict => "land_conflict",
            EventKind::LandVerifyFailed => "land_verify_failed",
            EventKind::LandWaiting => "land_waiting",
            EventKind::Waiting => "waiting",
            EventKind::RateLimit => "rate_limit",
            EventKind::Attached => "attached",
            EventKind::Budget => "budget",
            EventKind::Compact => "compact",
            EventKind::Routed => "routed",
            EventKind::Plan => "plan",
            EventKind::Notified => "notified",
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
