//! The git adapter against real repositories in temporary folders.

mod common;
mod stats_watch;
mod switch;
mod worktrees;
