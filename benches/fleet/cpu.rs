//! CPU time from /proc: a process's own, with its waited-for children, and the `czar node`
//! processes found by their command line.

use std::path::Path;

pub use crate::shared::proc_cpu;

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
