//! The tmux adapter against real tmux servers on private sockets.

mod batch;
mod common;
mod delivery;
mod pane_log;
mod sessions;
#[path = "../support/mod.rs"]
mod support;
