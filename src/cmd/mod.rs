//! The subcommands, one module each; `main` only parses the command line and dispatches here.
//! The two front ends that run the engine (`czar`, `czar --auto`) live in `front`.

pub mod classify;
pub mod demo;
pub mod doctor;
pub mod explain;
pub mod land;
pub mod land_stats;
pub mod project;
pub mod sim;
pub mod stats;
pub mod task_edit;
pub mod tasks;
pub mod worker;
