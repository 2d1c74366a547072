//! The git adapter against real repositories in temporary folders.

mod common;
mod land;
mod land_kills;
mod patch;
mod stats_watch;
#[path = "../support/mod.rs"]
mod support;
mod switch;
mod worktrees;
