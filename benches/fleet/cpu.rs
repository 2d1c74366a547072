//! CPU time from /proc: a process's own, with its waited-for children, and the `czar node`
//! processes found by their command line.

use std::path::Path;

/// Linux reports /proc times in USER_HZ, 100 on every architecture it runs on.
const TICKS: f64 = 100.0;

/// utime + stime (+ cutime + cstime when `children`: the children it has waited for), seconds.
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
    ticks as f64 / TICKS
}

/// This process with the children it has waited for.
pub fn own_cpu() -> f64 {
    proc_cpu(std::process::id(), true)
}

/// The `czar node --dir <dir>` process serving `dir`, if one runs.
pub fn node_pid(dir: &Path) -> Option<u32> {
    let want = dir.to_string_lossy().into_owned();
    for e in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
        let is_node = args
            .windows(3)
            .any(|w| w[0] == b"node" && w[1] == b"--dir" && w[2] == want.as_bytes());
        if is_node {
            return Some(pid);
        }
    }
    None
}

/// CPU seconds of a set of processes, each with its waited-for children, read together.
pub fn sum(pids: &[u32], children: bool) -> f64 {
    pids.iter().map(|p| proc_cpu(*p, children)).sum()
}
