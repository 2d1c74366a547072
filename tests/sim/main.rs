//! The simulated agent in real tmux panes.

mod common;
mod tmux;
