//! Processes as /proc shows them, for tests that play faults: what a process runs, the
//! processes below one, and killing what a stopped machine would take with it.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// A process's arguments (empty when it is gone).
pub fn cmdline(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            b.split(|c| *c == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Every process below `root`, from /proc (each process's parent is the fourth field of its
/// stat, after the parenthesised name).
pub fn descendants(root: u32) -> Vec<u32> {
    let mut parent = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let ppid = stat
            .rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parent.push((pid, ppid));
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(parent.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    found.remove(0);
    found
}

/// Kills every process that names `dir` (a host's node folder): its nodes first, so none
/// reports its sessions gone, then the rest (its tmux server, the agents' pane logs).
pub fn stop_everything_of(dir: &Path) {
    let dir = dir.display().to_string();
    let me = std::process::id();
    let of_host = || -> Vec<(u32, Vec<String>)> {
        let pids = std::fs::read_dir("/proc").into_iter().flatten().flatten();
        pids.filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| *pid != me)
            .map(|pid| (pid, cmdline(pid)))
            .filter(|(_, args)| args.iter().any(|a| a.contains(&dir)))
            .collect()
    };
    for (pid, args) in of_host() {
        if args.iter().any(|a| a == "node") {
            kill(pid);
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    for (pid, _) in of_host() {
        kill(pid);
    }
    let _ = Command::new("tmux")
        .arg("-S")
        .arg(format!("{dir}/tmux.sock"))
        .arg("kill-server")
        .stderr(Stdio::null())
        .status();
}

/// SIGKILL to `pid`.
pub fn kill(pid: u32) {
    // SAFETY: a plain signal to a process the test picked (one the czar under test started,
    // or one of a host the test stops); no memory is involved.
    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
}
