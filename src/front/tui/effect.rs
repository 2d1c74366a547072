//! What a key press asks of the dashboard's loop besides a new UI state: data, so the key
//! handlers (`input`, `dialog_keys`, `queue_keys`) stay pure and share it without importing
//! each other.

use crate::core::model::{TaskDef, WorkerId};
use crate::core::observation::Intent;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Goes to the engine, which records it as an operator intervention.
    Send(Intent),
    Attach(WorkerId),
    /// Open `$EDITOR` on a new task file.
    EditTask,
    WriteTask(TaskDef),
    /// Open `$EDITOR` on this task's file.
    EditTaskFile(String),
    /// Set the task's priority in its file, then send the intent.
    Priority {
        task: String,
        priority: i64,
    },
    /// Read the preview again now (the selection or the mode changed).
    Refresh,
    /// Open a pull request's page in the operator's browser.
    OpenUrl(String),
    /// Show a finished task's diff: in `$PAGER` or the configured tool, else in the dashboard.
    ShowDiff(String),
    Quit,
}
