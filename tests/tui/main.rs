//! The dashboard: views drawn with TestBackend (insta snapshots), keys driven through the pure
//! reducer, and the real binary in tmux.

mod e2e;
mod e2e_land;
mod e2e_log;
mod e2e_queue;
mod event_log;
mod fixture;
mod hostile;
mod hosts;
mod keys;
mod landing;
mod pictures;
mod plans;
mod queue_keys;
mod snapshots;
mod spend;
#[path = "../support/mod.rs"]
mod support;
