//! czar: a control room for a fleet of AI coding agents, each in its own tmux session and git
//! worktree. The pure `core` decides; `adapters` touch tmux, git and the disk; the `engine`
//! connects them for both front ends.

pub mod adapters;
pub mod classify_cmd;
pub mod cli;
pub mod commands;
pub mod config;
pub mod core;
pub mod demo;
pub mod doctor;
pub mod engine;
pub mod explain_cmd;
mod fdio;
pub mod headless;
pub mod hook_settings;
pub mod logging;
pub mod pane_log;
pub mod preflight;
pub mod project;
pub mod sim_agent;
pub mod sim_cmd;
pub mod stats;
pub mod tasks;
pub mod tui;
pub mod visible;
