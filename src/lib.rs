//! czar: a control room for a fleet of AI coding agents, each in its own tmux session and git
//! worktree. The pure `core` decides; `adapters` touch tmux, git and the disk; the `engine`
//! connects them for both front ends.

pub mod adapters;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod core;
pub mod engine;
pub mod front;
pub mod node;
pub mod pane_log;
pub mod project;
pub mod shown;
pub mod sim_agent;
pub mod tasks;
pub mod usage;
pub mod visible;
