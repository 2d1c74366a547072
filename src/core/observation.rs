//! Everything that can happen, as data. Adapters and front ends produce these; `update` consumes them.

use super::answer::Answer;
use super::model::{AgentState, BranchInfo, Input, TaskDef, TaskId, WorkerId};

#[derive(Debug, Clone, PartialEq)]
pub enum Observation {
    /// The task files as they are now (first load or a reload).
    TasksLoaded(Vec<TaskDef>),
    /// Every task file that does not load now, with why (file → the error as the operator
    /// reads it). Sent when that set changes; empty when all are fixed.
    TaskFileErrors(std::collections::BTreeMap<String, String>),
    /// Every worker session tmux knows of, from one listing.
    Sessions(Vec<SessionSeen>),
    /// A worker's agent state, read from its screen and title.
    AgentSeen {
        worker: WorkerId,
        seen: Seen,
    },
    /// A worker's session and worktree were started (or could not be).
    WorkerStarted {
        worker: WorkerId,
        result: Result<(), String>,
    },
    /// The worker's worktree is on the task's branch, or could not be put there.
    BranchPrepared {
        worker: WorkerId,
        task: TaskId,
        result: Result<Prepared, String>,
    },
    /// A delivery's text was pasted into the agent (not submitted), or refused.
    Pasted {
        worker: WorkerId,
        delivery: u64,
        result: Result<(), PasteRefused>,
    },
    /// A delivery's submit key was pressed, or could not be.
    Submitted {
        worker: WorkerId,
        delivery: u64,
        result: Result<(), String>,
    },
    /// What a worker's agent reported using, read from its session's file (`session`).
    Metered {
        worker: WorkerId,
        session: String,
        report: super::reports::Report,
        /// When the file was read (at the latest): a worker that finished a task waits for a
        /// reading from after that (see `compact::await_meter`).
        read_at: u64,
    },
    /// The worker's worktree folder is gone (removed under the czar).
    WorktreeMissing {
        worker: WorkerId,
    },
    BranchSeen {
        worker: WorkerId,
        info: BranchInfo,
    },
    Verified {
        worker: WorkerId,
        task: TaskId,
        passed: bool,
        output: String,
    },
    /// Sent by a worker from inside its worktree (`czar done`, `czar report`).
    Signal {
        worker: WorkerId,
        signal: Signal,
    },
    Intent(Intent),
    /// Overlapping work and predicted conflicts, as git sees them now.
    Surveyed(super::model::Survey),
    /// A task's branch was merged onto the target in the integration worktree (and verified).
    LandMerged {
        task: TaskId,
        outcome: MergeOutcome,
    },
    /// The target was moved (or not) for a task's landing.
    TargetMoved {
        task: TaskId,
        outcome: MoveOutcome,
    },
    /// A task's branch was pushed and its pull request opened (its URL), or not (why).
    PrOpened {
        task: TaskId,
        result: Result<String, String>,
    },
    /// What the forge says of a task's pull request.
    PrSeen {
        task: TaskId,
        status: PrStatus,
    },
    /// The diff a reviewer is to read (or why it could not be read).
    ReviewDiff {
        worker: WorkerId,
        task: TaskId,
        diff: Result<String, String>,
    },
    /// Time passed; lets timeouts fire.
    Tick,
    /// A host's link, as its connection last went: `up`, or unreachable since `since` (ms,
    /// its first failed try). Sent every round and with every listing; repeats change nothing.
    HostSeen {
        host: String,
        up: bool,
        since: u64,
    },
    /// A screen no rule could read (no state): whatever showed before is gone, so nothing is
    /// typed on the strength of an older reading.
    ScreenUnread {
        worker: WorkerId,
        taken_at: u64,
        hash: u64,
    },
    /// The czar restarted with this model from the store: whatever was in flight is lost.
    Resumed,
}

/// What one reading of a worker's screen (and pane title) showed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Seen {
    pub state: AgentState,
    pub reason: String,
    pub last_line: String,
    /// Waiting on a dialog its profile lets the czar answer: how, and the screen it answers.
    pub answerable: Option<Answer>,
    /// Waiting on a dialog its profile knows (allowed or not): the keys that say yes to it,
    /// for the operator's answer.
    pub dialog_keys: Option<Vec<String>>,
    /// What its input box holds.
    pub input: Input,
    /// When the capture was taken (ms) and a digest of its text.
    pub taken_at: u64,
    pub hash: u64,
    /// The question, retry time or error message behind the state.
    pub detail: Option<String>,
    /// Its client stopped retrying and waits for a new message.
    pub gave_up: bool,
}

/// A task's branch, checked out in its worker's worktree.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Prepared {
    /// Commits it is ahead of base already.
    pub ahead: usize,
    /// Its tip commit.
    pub tip: String,
}

/// Why a paste did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasteRefused {
    /// The worktree is not on the task's branch (the agent switched): nothing was pasted.
    WrongBranch { on: Option<String> },
    /// The worktree folder is gone: nothing was pasted.
    NoWorktree,
    /// tmux failed; whether any text arrived is unknown.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSeen {
    pub worker: WorkerId,
    pub dead: bool,
    pub exit_status: Option<i32>,
    /// Last output in the pane, seconds since the epoch (tmux's activity stamp).
    pub activity: i64,
    /// A dead pane's last lines of output since its agent started (from its output log), for
    /// the operator to read why it exited; empty for a live pane or when nothing is known.
    pub output: Vec<String>,
    /// A tmux client is attached to the session (someone is in the pane).
    pub attached: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// `czar done`, with the branch checked out where it ran (`None` when that is unknown): a
    /// `done` that arrives after its task was finished otherwise would finish the next one.
    Done {
        branch: Option<String>,
    },
    Report(String),
    /// The agent's own hook said what it is doing (`czar hook <event>`).
    Hook {
        state: AgentState,
        event: String,
    },
    /// The operator asks for this task to land now (`czar land <task>`, through the inbox).
    LandNow {
        task: TaskId,
    },
    /// The operator's intent from another process (`czar task hold|release|rm|retry`), through
    /// the same inbox, while this czar runs.
    Operator(Intent),
    /// `czar review approve|reject` from the reviewing worker (`task`: the one it reviews
    /// unless named).
    Review {
        task: Option<TaskId>,
        verdict: Verdict,
    },
    /// The agent's session (its transcript) has used this many tokens so far.
    Usage {
        session: String,
        totals: super::model::Usage,
    },
}

/// What an operator (or a script) asks for. Every one counts as an operator intervention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// Stop handing out work; the czar is shutting down.
    Stop,
    SetAutoAssign(bool),
    /// Kill the worker's session; its task goes back to the queue, its work stays on the branch.
    Kill {
        worker: WorkerId,
    },
    /// Start one more worker.
    AddWorker,
    /// Remove a dead worker's row (killed, retired or crashed, holding no task): the czar
    /// forgets it, in the store too.
    Forget {
        worker: WorkerId,
    },
    /// Give this pending task to the worker; its current task goes back to the queue.
    Reassign {
        worker: WorkerId,
        task: TaskId,
    },
    /// Type a line into the worker's agent and submit it.
    Type {
        worker: WorkerId,
        text: String,
    },
    /// Answer the question the worker's agent waits on. No also holds the worker's task (with
    /// the question as its note): asked again on the next worker, it would get the same answer.
    Answer {
        worker: WorkerId,
        yes: bool,
    },
    /// Land this finished task first (and try a waiting landing again now).
    LandNow {
        task: TaskId,
    },
    /// Send this finished task back to its agent with the operator's note, before it lands.
    Reject {
        task: TaskId,
        note: String,
    },
    /// The operator's hand on a task (the Queue panel, `czar task`).
    Task {
        task: TaskId,
        action: TaskAction,
    },
}

/// What the operator does to a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskAction {
    /// Keep it from every worker until released (a task being worked on is taken back).
    Hold {
        note: String,
    },
    Release,
    /// It will not be done: it fails, with the operator as the reason.
    Cancel,
    /// A failed task goes back to the queue with its attempts counted from zero.
    Retry,
    Priority(i64),
}

impl TaskAction {
    /// The word `czar task` and the inbox use for it.
    pub fn verb(&self) -> &'static str {
        match self {
            TaskAction::Hold { .. } => "hold",
            TaskAction::Release => "release",
            TaskAction::Cancel => "cancel",
            TaskAction::Retry => "retry",
            TaskAction::Priority(_) => "priority",
        }
    }
}

/// What merging a task's branch onto the target, then verifying the result, came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeOutcome {
    /// Merged and verified: `to`, made on the target at `from`.
    Clean { from: String, to: String },
    /// The merge conflicted on these files; `landed_first` are the landed tasks that touched them.
    Conflict {
        files: Vec<String>,
        hunks: String,
        landed_first: Vec<TaskId>,
    },
    /// Merged, but a verify failed on the result (which one, and its output).
    VerifyFailed { command: String, output: String },
    /// Could not be tried (git or the integration worktree failed): why.
    Failed(String),
}

/// What moving the target for a landing came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveOutcome {
    /// The target is at the landed commit.
    Moved,
    /// The target moved away from the verified base meanwhile: merge again.
    Stale,
    /// It cannot move now (the operator's checkout is dirty, say): why.
    Blocked(String),
}

/// A pull request as its forge reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrStatus {
    /// Open, its checks passing or still running.
    Open,
    /// Merged as this commit (when the forge says).
    Merged { commit: Option<String> },
    /// Closed without being merged.
    Closed,
    /// A check failed: its name and its log (cut short).
    Failing { check: String, log: String },
    /// The forge could not be asked: why.
    Unknown(String),
}

/// A reviewer's answer (`czar review approve|reject`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Approve,
    Reject(String),
}
