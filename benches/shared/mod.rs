//! What the benches that drive a fleet share (included by each with `#[path]`): a scratch
//! folder with a private tmux server that both go at the end, even when a bench fails, the
//! simulated agents' timeline, and percentiles. The server guard and the repository are the
//! tests' own (tests/support), so that a bench cleans up exactly as a test does.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[path = "../../tests/support/mod.rs"]
pub mod support;
use support::TmuxServer;

/// CPU seconds of process `pid` from /proc: utime + stime (+ cutime + cstime when `children`:
/// the children it has waited for). The kernel scales these to the scheduler's exact count,
/// threads that ended included, so they are right to a tick (Linux reports them in USER_HZ,
/// 100 on every architecture it runs on). 0 when the process is gone.
#[allow(dead_code)]
pub fn proc_cpu(pid: u32, children: bool) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let n = if children { 4 } else { 2 };
    let ticks: u64 = rest
        .split_whitespace()
        .skip(11)
        .take(n)
        .map(|w| w.parse::<u64>().unwrap_or(0))
        .sum();
    ticks as f64 / 100.0
}

/// Exits loudly (status 2) when tmux is missing: nothing can be measured without it.
pub fn require_tmux(bench: &str) {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("{bench} bench: tmux is not installed; nothing measured");
        std::process::exit(2);
    }
}

/// A temporary folder and a tmux socket name of its own. Dropped (a panic included), it kills
/// the tmux server on that socket and removes its socket file, then deletes the folder, unless
/// `CZAR_BENCH_KEEP=1`, which keeps it (czar's state folder: its log and events) and prints
/// where.
pub struct Scratch {
    // First: the server (and the fleet in it) goes before the folder it works in.
    tmux: TmuxServer,
    dir: Option<tempfile::TempDir>,
}

impl Scratch {
    /// `name` tells this bench's sockets from others' (and from another run's).
    pub fn new(name: &str) -> Scratch {
        let dir = tempfile::Builder::new()
            .prefix(&format!("czar-bench-{name}-"))
            .tempdir()
            .expect("temp dir");
        Scratch {
            tmux: TmuxServer::new(&format!("czar-bench-{name}")),
            dir: Some(dir),
        }
    }

    /// The tmux server's name, for czar.toml or `czar demo --socket`.
    pub fn socket(&self) -> &str {
        self.tmux.socket()
    }

    pub fn path(&self) -> &Path {
        self.dir
            .as_ref()
            .expect("the scratch folder, until dropped")
            .path()
    }

    /// A tmux client on this scratch's server.
    #[allow(dead_code)] // the schedule bench reaches tmux only through czar
    pub fn tmux(&self) -> Command {
        let mut c = self.tmux.command();
        c.arg("-u").stdin(Stdio::null());
        c
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Only the keeping is the bench's own: the fields then go in order, server first.
        if std::env::var_os("CZAR_BENCH_KEEP").is_some_and(|v| v == "1")
            && let Some(dir) = self.dir.take()
        {
            println!("kept: {}", dir.keep().display());
        }
    }
}

/// A simulated agent's note that its screen changed (`czar sim-agent --timeline`): at (unix
/// ms), which worker, and `busy` (it took a task) or `idle` (it ended one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub at: u64,
    pub worker: u32,
    pub state: String,
}

/// Every mark in the timeline, oldest first; lines that do not read as one are left out (a
/// sim outside a czar worker notes `-` for the worker).
pub fn read_timeline(path: &Path) -> Vec<Mark> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut marks: Vec<Mark> = text
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some(Mark {
                at: w.next()?.parse().ok()?,
                worker: w.next()?.parse().ok()?,
                state: w.next()?.to_string(),
            })
        })
        .collect();
    marks.sort_by_key(|m| m.at);
    marks
}

/// The timeline file a bench's sims write, in its scratch folder.
pub fn timeline_path(scratch: &Scratch) -> PathBuf {
    scratch.path().join("timeline.log")
}

/// The sample at percentile `p` (0 to 100), nearest rank; `None` without samples.
pub fn percentile(samples: &[u64], p: f64) -> Option<u64> {
    if samples.is_empty() {
        return None;
    }
    let mut s = samples.to_vec();
    s.sort_unstable();
    let i = ((p / 100.0) * (s.len() - 1) as f64).round() as usize;
    Some(s[i.min(s.len() - 1)])
}
