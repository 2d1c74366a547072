//! The tmux adapter against real tmux servers on private sockets.

mod common;
mod delivery;
mod sessions;
