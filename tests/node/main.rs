//! `czar node` for real: the binary as a child over plain pipes (no ssh), with real tmux on the
//! node's own socket and real git in temporary folders.

#[path = "../support/mod.rs"]
mod support;

mod attach;
mod dashboard_attach;
mod demo_host;
mod faults;
mod fleet;
mod install;
mod pipes;
mod reconnect;
mod remote_panes;
mod ssh;
