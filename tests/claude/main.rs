//! Tests against the real Claude Code client, run offline against a loopback stand-in for
//! its API. They skip loudly where the client is not installed (`.ci/install-claude`).

mod accounts;
mod accounts_dir;
mod budget;
mod capture;
mod capture_limits;
mod capture_turns;
mod client;
mod compact;
mod fake_api;
mod fleet;
mod kill;
mod plan;
mod real;
#[path = "../support/mod.rs"]
mod support;
mod unattended;
