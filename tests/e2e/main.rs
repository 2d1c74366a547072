//! The czar binary end to end: real tmux on private sockets, real git, simulated agents.

mod attached;
mod auto;
mod background;
mod broken_midrun;
mod chaos;
mod common;
mod crash;
mod demo;
mod doctor;
mod doctor_versions;
mod errors;
mod explain;
mod hostile;
mod init;
mod kills;
mod landing;
mod landing_batch;
mod lock;
mod notify;
mod orphans;
mod plan;
mod pr;
mod pr_glab;
mod private;
mod refused;
mod repair;
mod review;
mod routing;
mod secrets;
mod stats_html;
mod storms;
#[path = "../support/mod.rs"]
mod support;
mod task_control;
mod task_input;
mod unlanded;
