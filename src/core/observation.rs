//! Everything that can happen, as data. Adapters and front ends produce these; `update` consumes them.

use super::answer::Answer;
use super::model::{AgentState, BranchInfo, TaskDef, TaskId, WorkerId};

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
        state: AgentState,
        reason: String,
        last_line: String,
        /// Waiting on a dialog its profile lets the czar answer: how, and the screen it answers.
        answerable: Option<Answer>,
    },
    /// A worker's session and worktree were started (or could not be).
    WorkerStarted {
        worker: WorkerId,
        result: Result<(), String>,
    },
    /// The worker's worktree is on the task's branch; `Ok` carries the commits it already has.
    BranchPrepared {
        worker: WorkerId,
        task: TaskId,
        result: Result<usize, String>,
    },
    /// The text was pasted and the submit confirmed, or not.
    Delivered {
        worker: WorkerId,
        task: TaskId,
        result: Result<(), String>,
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
    Surveyed(super::survey::Survey),
    /// Time passed; lets timeouts fire.
    Tick,
    /// The czar restarted with this model from the store: whatever was in flight is lost.
    Resumed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSeen {
    pub worker: WorkerId,
    pub dead: bool,
    pub exit_status: Option<i32>,
    /// Last output in the pane, seconds since the epoch (tmux's activity stamp).
    pub activity: i64,
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
    /// Answer the question the worker's agent waits on.
    Answer {
        worker: WorkerId,
        yes: bool,
    },
}
