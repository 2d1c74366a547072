//! A host beyond this machine: `czar node` runs there (started by the czar as
//! `ssh host czar node --dir DIR`), owns that host's tmux server, output logs, clone and
//! worktrees under DIR, and speaks the line protocol of `proto` on its standard input and output.

mod git;
pub mod git_remote;
pub mod host_link;
pub mod install;
pub mod layout;
pub mod link;
pub mod proto;
mod run;
pub mod server;
pub mod wire;
