//! What watching a fleet on other hosts costs: `cargo bench --bench fleet` (about three
//! minutes). Issue 16's acceptance.
//!
//! Two real OpenSSH servers on 127.0.0.1 (tests/support/sshd.rs), each a host with its own HOME
//! and node folder; on each, `czar node` reached over one `ssh` and 50 panes (`sh`) started
//! through its spawn, so they are node-owned panes under `czar pane-log`. Measured in one run:
//!
//! 1. **czar**: this process holds the two links as the czar does (`node::link::Link`, events
//!    to a callback). Its CPU with its two `ssh` children, each `czar node`'s CPU with the tmux
//!    and git it runs, and the protocol lines received, while idle and while 10 panes per host
//!    print ten lines a second. Latency: a marker typed into an idle pane (on the host's tmux)
//!    to the node's output event reaching the callback, and to the czar's read of that screen
//!    over the link showing it.
//! 2. **naive**: links closed (the panes stay), this process polls every one of the 100 panes
//!    every 500 ms with its own `ssh <host> tmux capture-pane -p` (4 at once per host, under
//!    sshd's MaxStartups): its CPU with the ssh clients, polls per second, and the latency of
//!    markers typed into every quiet pane at once.
//!
//! `CZAR_BENCH_WINDOW_SECS` (default 15) sets each measuring window.

#[path = "../shared/mod.rs"]
#[allow(dead_code)] // the timeline and scratch tmux server are the other benches'
mod shared;

mod cpu;
mod czar_side;
mod naive;
mod probe;
mod report;

use shared::support::sshd;
use std::time::Duration;

pub const PER_HOST: u32 = 50;
/// Panes per host that print continuously in the streaming window.
pub const STREAMERS: u32 = 10;
pub const PROBES: usize = 40;
pub const PROBE_LIMIT: Duration = Duration::from_secs(5);

fn window() -> Duration {
    let secs = std::env::var("CZAR_BENCH_WINDOW_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    Duration::from_secs(secs)
}

fn main() {
    shared::require_tmux("fleet");
    let (Some(a), Some(b)) = (
        sshd::start_or_skip("fleet bench", "czar-bench-h1"),
        sshd::start_or_skip("fleet bench", "czar-bench-h2"),
    ) else {
        println!(
            "fleet bench: SKIPPED, no sshd ({}); nothing measured",
            sshd::SSHD
        );
        return;
    };
    let hosts = [a, b];
    let scratch = tempfile::tempdir().expect("temp dir");
    let repo = scratch.path().join("repo");
    shared::support::init_repo(&repo, &[("README.md", "bench\n")]);
    println!(
        "fleet bench: {} panes over 2 hosts (sshd on 127.0.0.1:{} and :{}), {}s windows",
        2 * PER_HOST,
        hosts[0].port,
        hosts[1].port,
        window().as_secs()
    );
    let czar = czar_side::run(&hosts, &repo, window());
    println!("naive: polling every pane over ssh");
    let polled: Vec<naive::HostPanes> = (0..2)
        .map(|h| naive::HostPanes {
            ssh_config: hosts[h].ssh_config.clone(),
            alias: hosts[h].alias.clone(),
            targets: czar.panes[h].clone(),
        })
        .collect();
    let naive = naive::measure(&polled, window());
    report::print(&czar, &naive);
}
