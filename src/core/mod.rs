//! The pure core: plain data and one `update` function. No tokio, no processes, no clock reads:
//! time arrives as `now` (milliseconds since the Unix epoch) with every observation.

pub mod answer;
mod attached;
pub mod budget;
pub mod classify;
pub mod command;
mod compact;
pub mod delivery;
mod detail;
pub mod explain;
mod healing;
mod hosts;
pub mod land;
mod land_batch;
pub use land_batch::half as land_batch_half;
mod land_pr;
mod land_return;
mod land_state;
mod lifecycle;
pub mod limits;
pub mod menu;
pub mod model;
pub mod notify;
pub mod observation;
pub mod operator;
mod outcome;
mod park;
pub mod plan;
pub mod predict;
pub mod prompt;
pub mod queue;
mod repair;
pub mod reports;
pub mod review;
pub mod route;
mod sighting;
pub mod spawn;
pub mod survey;
pub mod task_control;
mod task_files;
pub mod tokens;
pub mod update;
mod workers;

pub use command::Command;
pub use model::{AgentState, Model, Task, TaskState, Worker};
pub use observation::Observation;
pub use update::update;

#[cfg(test)]
mod tests;
