//! The naive alternative, as the peers do it: every remote pane's screen fetched every 500 ms
//! with its own `ssh <host> tmux capture-pane -p`, a new ssh connection each time. Concurrency
//! is capped per host below sshd's `MaxStartups` (10 connections being set up at once), past
//! which sshd starts dropping connections.

use super::probe::{Probes, Target};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub const PERIOD: Duration = Duration::from_millis(500);
/// How long the markers typed into every quiet pane at once are waited for: several rounds
/// of a poller that falls far behind its 500 ms.
pub const ALL_LIMIT: Duration = Duration::from_secs(90);
/// ssh connections at once per host.
pub const PER_HOST: usize = 4;

/// One host as the poller reaches it.
#[derive(Clone)]
pub struct HostPanes {
    pub ssh_config: PathBuf,
    pub alias: String,
    pub targets: Vec<Target>,
}

pub struct Poller {
    stop: Arc<AtomicBool>,
    pub polls: Arc<AtomicU64>,
    pub failed: Arc<AtomicU64>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Poller {
    pub fn start(hosts: &[HostPanes], probes: Arc<Probes>) -> Poller {
        let stop = Arc::new(AtomicBool::new(false));
        let polls = Arc::new(AtomicU64::new(0));
        let failed = Arc::new(AtomicU64::new(0));
        let mut threads = Vec::new();
        for host in hosts {
            for k in 0..PER_HOST {
                let mine: Vec<Target> = host
                    .targets
                    .iter()
                    .skip(k)
                    .step_by(PER_HOST)
                    .cloned()
                    .collect();
                let (host, probes) = (host.clone(), Arc::clone(&probes));
                let (stop, polls, failed) =
                    (Arc::clone(&stop), Arc::clone(&polls), Arc::clone(&failed));
                threads.push(std::thread::spawn(move || {
                    poll(&host, &mine, &probes, &stop, &polls, &failed)
                }));
            }
        }
        Poller {
            stop,
            polls,
            failed,
            threads,
        }
    }

    pub fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads {
            let _ = t.join();
        }
    }
}

/// Each pane of `mine` due every `PERIOD`; when the polls fall behind, the most overdue goes
/// next (so a poller that cannot keep up polls as fast as it can).
fn poll(
    host: &HostPanes,
    mine: &[Target],
    probes: &Probes,
    stop: &AtomicBool,
    polls: &AtomicU64,
    failed: &AtomicU64,
) {
    let start = Instant::now();
    let mut due: Vec<Instant> = (0..mine.len())
        .map(|i| start + PERIOD * i as u32 / mine.len().max(1) as u32)
        .collect();
    while !stop.load(Ordering::SeqCst) {
        let Some((i, at)) = due.iter().copied().enumerate().min_by_key(|(_, d)| *d) else {
            return;
        };
        let now = Instant::now();
        if at > now {
            std::thread::sleep((at - now).min(Duration::from_millis(50)));
            continue;
        }
        let t = &mine[i];
        let remote = format!(
            "tmux -S '{}' capture-pane -p -t '{}'",
            t.socket.display(),
            t.pane
        );
        let out = Command::new("ssh")
            .arg("-F")
            .arg(&host.ssh_config)
            .args(["-T", &host.alias, &remote])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output();
        polls.fetch_add(1, Ordering::Relaxed);
        match out {
            Ok(o) if o.status.success() => {
                probes.screen(t.worker, &String::from_utf8_lossy(&o.stdout))
            }
            _ => {
                failed.fetch_add(1, Ordering::Relaxed);
            }
        }
        due[i] = (at + PERIOD).max(now);
    }
}

pub struct NaiveRun {
    pub wall: f64,
    /// CPU seconds of the poller: this process with the ssh clients it ran.
    pub cpu: f64,
    pub polls: u64,
    pub failed: u64,
    pub probes: Arc<Probes>,
    pub missed: usize,
}

/// Polls every pane of `hosts` over a window, then types a marker into each quiet pane at once
/// (one at a time, as for the czar, would take a round of polling each).
pub fn measure(hosts: &[HostPanes], win: Duration) -> NaiveRun {
    let probes = Arc::new(Probes::default());
    let poller = Poller::start(hosts, Arc::clone(&probes));
    // A first round of connections under way before the window opens.
    std::thread::sleep(Duration::from_secs(2));
    let (c0, p0, f0) = (
        super::cpu::own_cpu(),
        poller.polls.load(Ordering::Relaxed),
        poller.failed.load(Ordering::Relaxed),
    );
    let t0 = Instant::now();
    std::thread::sleep(win);
    let wall = t0.elapsed().as_secs_f64();
    let (c1, p1, f1) = (
        super::cpu::own_cpu(),
        poller.polls.load(Ordering::Relaxed),
        poller.failed.load(Ordering::Relaxed),
    );
    let quiet: Vec<Target> = {
        let skip = super::STREAMERS as usize;
        let a = hosts[0].targets.iter().skip(skip);
        let b = hosts[1].targets.iter().skip(skip);
        a.zip(b).flat_map(|(x, y)| [x.clone(), y.clone()]).collect()
    };
    let missed = probes.run_all(&quiet, ALL_LIMIT);
    poller.stop();
    NaiveRun {
        wall,
        cpu: c1 - c0,
        polls: p1 - p0,
        failed: f1 - f0,
        probes,
        missed,
    }
}
