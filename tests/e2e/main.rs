//! The czar binary end to end: real tmux on private sockets, real git, simulated agents.

mod auto;
mod background;
mod chaos;
mod common;
mod crash;
mod demo;
mod errors;
mod explain;
mod lock;
mod orphans;
mod private;
mod secrets;
