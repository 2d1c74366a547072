//! The tmux adapter against real tmux servers on private sockets.

mod batch;
mod common;
mod delivery;
mod guard;
mod pane_log;
mod sessions;
#[path = "../support/mod.rs"]
mod support;
