//! CPU from /proc, tmux command counts, and latencies from the sims' timeline.

use super::Bench;
pub use super::shared::percentile;
use super::shared::read_timeline;
use std::path::Path;
use std::time::{Duration, Instant};

pub use czar::engine::now_ms;

use crate::shared::proc_cpu;

/// CPU seconds of a process from the scheduler's count in ns, over all its threads: a process
/// that runs for microseconds at a time would read as whole ticks or none in utime/stime.
fn scheduled_cpu(pid: u32) -> f64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0.0;
    };
    let mut ns = 0u64;
    for t in tasks.flatten() {
        let stat = std::fs::read_to_string(t.path().join("schedstat")).unwrap_or_default();
        let n = stat
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<u64>().ok());
        ns += n.unwrap_or(0);
    }
    ns as f64 / 1e9
}

/// The processes keeping the panes' output logs: czar's `pane-log`s (each pane's own process,
/// so a child of the server) and, in the comparison window, the `cat`s tmux `pipe-pane` starts.
fn logs_cpu(server: u32) -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    let mut total = 0.0;
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, r)| r.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid != Some(server) {
            continue;
        }
        let pane_log = || {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            czar::pane_log::is_pane_log(&cmdline)
        };
        if stat.contains(" (cat) ") || pane_log() {
            total += scheduled_cpu(pid);
        }
    }
    total
}

/// One measuring window.
#[derive(Debug, Clone, Default)]
pub struct Phase {
    pub secs: f64,
    /// CPU seconds per wall second: the watcher (with its tmux clients), the server, the
    /// processes keeping the output logs.
    pub watcher: f64,
    pub server: f64,
    pub logs: f64,
    pub commands_per_sec: f64,
    pub runs_per_sec: f64,
}

impl Phase {
    pub fn total(&self) -> f64 {
        self.watcher + self.server + self.logs
    }

    /// Several windows as one, each weighted by its length.
    pub fn merge(windows: &[Phase]) -> Phase {
        let secs: f64 = windows.iter().map(|w| w.secs).sum();
        let avg = |f: fn(&Phase) -> f64| {
            windows.iter().map(|w| f(w) * w.secs).sum::<f64>() / secs.max(f64::EPSILON)
        };
        Phase {
            secs,
            watcher: avg(|w| w.watcher),
            server: avg(|w| w.server),
            logs: avg(|w| w.logs),
            commands_per_sec: avg(|w| w.commands_per_sec),
            runs_per_sec: avg(|w| w.runs_per_sec),
        }
    }
}

pub struct Sampler {
    watcher: u32,
    server: u32,
}

impl Sampler {
    pub fn czar(b: &Bench, czar: u32) -> Sampler {
        Sampler {
            watcher: czar,
            server: server_pid(b),
        }
    }

    pub fn this_process(b: &Bench) -> Sampler {
        Sampler {
            watcher: std::process::id(),
            server: server_pid(b),
        }
    }

    /// (tmux client runs, tmux commands) the czar has started, from its monitor.json.
    pub fn czar_commands(&self, b: &Bench) -> (u64, u64) {
        let text = std::fs::read_to_string(b.repo.join(".czar/monitor.json")).unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        (
            v["runs"].as_u64().unwrap_or(0),
            v["commands"].as_u64().unwrap_or(0),
        )
    }

    /// Measures for `len`; `counts` reads (runs, commands) so far.
    pub fn window(&self, len: Duration, counts: impl Fn() -> (u64, u64)) -> Phase {
        let snap = || {
            (
                proc_cpu(self.watcher, true),
                proc_cpu(self.server, false),
                logs_cpu(self.server),
                counts(),
            )
        };
        let start = Instant::now();
        let a = snap();
        std::thread::sleep(len);
        let z = snap();
        let secs = start.elapsed().as_secs_f64();
        Phase {
            secs,
            watcher: (z.0 - a.0) / secs,
            server: (z.1 - a.1) / secs,
            logs: (z.2 - a.2) / secs,
            runs_per_sec: (z.3.0 - a.3.0) as f64 / secs,
            commands_per_sec: (z.3.1 - a.3.1) as f64 / secs,
        }
    }
}

fn server_pid(b: &Bench) -> u32 {
    b.tmux_out(&["display-message", "-p", "#{pid}"])
        .trim()
        .parse()
        .expect("the tmux server's pid")
}

/// A watcher's state change: when, which worker, to what.
#[derive(Debug, Clone)]
pub struct Change {
    pub at: u64,
    pub worker: u32,
    pub state: String,
}

/// The czar's agent-state events since `from`, from its store.
pub fn czar_changes(repo: &Path, from: u64) -> Vec<Change> {
    let store = czar::adapters::store::Store::open(&repo.join(".czar")).expect("czar's store");
    let events = store.events(10_000_000).expect("czar's events");
    let mut out: Vec<Change> = events
        .into_iter()
        .filter(|e| (e.kind == "agent_state" || e.kind == "delivered") && e.at >= from)
        .filter_map(|e| {
            // A confirmed delivery sets the worker busy (see core::lifecycle); other changes
            // read "idle -> busy (busy pattern ...)".
            let to = if e.kind == "delivered" {
                "busy"
            } else {
                e.detail.split_once(" -> ")?.1.split_whitespace().next()?
            };
            Some(Change {
                at: e.at,
                worker: e.worker?,
                state: to.to_string(),
            })
        })
        .collect();
    out.sort_by_key(|c| c.at);
    out
}

/// Latencies (ms) from each screen change the sims noted in `[from, to)` to the first change of
/// the watcher to that state for that worker, before the worker's next screen change.
pub struct Latency {
    pub samples: Vec<u64>,
    /// The same, by the state the screen went to.
    pub by_state: std::collections::BTreeMap<String, Vec<u64>>,
    /// Screen changes the watcher never followed, by the state the screen went to.
    pub missed: std::collections::BTreeMap<String, usize>,
}

pub fn latencies(timeline: &Path, changes: &[Change], from: u64, to: u64) -> Latency {
    let marks: Vec<(u64, u32, String)> = read_timeline(timeline)
        .into_iter()
        .filter(|m| m.at >= from && m.at < to)
        .map(|m| (m.at, m.worker, m.state))
        .collect();
    let mut lat = Latency {
        samples: Vec::new(),
        by_state: Default::default(),
        missed: Default::default(),
    };
    for (i, (at, worker, state)) in marks.iter().enumerate() {
        let next = marks[i + 1..]
            .iter()
            .find(|m| m.1 == *worker)
            .map_or(u64::MAX, |m| m.0);
        // The sim notes the change right after drawing it; a fast watcher may log first.
        let seen = changes
            .iter()
            .find(|c| c.worker == *worker && c.state == *state && c.at + 50 >= *at && c.at < next);
        match seen {
            Some(c) => {
                let ms = c.at.saturating_sub(*at);
                lat.samples.push(ms);
                lat.by_state.entry(state.clone()).or_default().push(ms);
            }
            None => *lat.missed.entry(state.clone()).or_default() += 1,
        }
    }
    lat
}
