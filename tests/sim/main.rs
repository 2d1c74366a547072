//! The simulated agent in real tmux panes.

mod common;
#[path = "../support/mod.rs"]
mod support;
mod tmux;
