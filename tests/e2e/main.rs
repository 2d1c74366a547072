//! The czar binary end to end: real tmux on private sockets, real git, simulated agents.

mod auto;
mod broken_midrun;
mod chaos;
mod common;
mod crash;
mod demo;
mod errors;
mod explain;
mod kills;
mod storms;
mod hostile;
mod init;
mod refused;
mod task_input;
