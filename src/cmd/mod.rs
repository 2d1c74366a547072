//! The subcommands, one module each; `main` only parses the command line and dispatches here.
//! The two front ends that run the engine (`czar`, `czar --auto`) live in `front`.

pub mod classify;
pub mod demo;
pub mod doctor;
pub mod explain;
pub mod explain_task;
pub mod land;
pub mod land_stats;
pub mod plan;
pub mod project;
pub mod sim;
pub mod spend;
pub mod stats;
pub mod stats_html;
pub mod task_edit;
pub mod tasks;
pub mod worker;

use crate::cli::TaskCmd;
use crate::core::observation::TaskAction;
use std::path::Path;

/// `czar task ...`: each verb to its module (`tasks` reads and steers the queue, `task_edit`
/// edits a task's file through a draft and uses `tasks`' reading of the queue).
pub fn task(dir: &Path, cmd: TaskCmd) -> anyhow::Result<i32> {
    match cmd {
        TaskCmd::Add(args) => project::task_add(dir, &args).map(|()| 0),
        TaskCmd::Ls { json } => tasks::ls(dir, json),
        TaskCmd::Show { id, json } => tasks::show(dir, &id, json),
        TaskCmd::Rm { id } => tasks::control(dir, &id, TaskAction::Cancel),
        TaskCmd::Hold { id, note } => tasks::control(dir, &id, TaskAction::Hold { note }),
        TaskCmd::Release { id } => tasks::control(dir, &id, TaskAction::Release),
        TaskCmd::Retry { id } => tasks::control(dir, &id, TaskAction::Retry),
        TaskCmd::Priority { id, priority } => {
            tasks::control(dir, &id, TaskAction::Priority(priority))
        }
        TaskCmd::Edit { id } => task_edit::edit(dir, &id),
    }
}
