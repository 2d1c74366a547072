//! Project configuration and task files: loading, layering and every error a user can cause.

mod answers;
mod config;
mod folders;
mod hosts;
mod meter;
mod profiles;
mod review;
mod routing;
mod task_text;
mod tasks;
