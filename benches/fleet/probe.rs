//! Latency probes: a marker typed into an idle remote pane (on the host's own tmux server, as an
//! agent printing would change it), and the moment the watcher sees it. Shared by the czar's
//! side (the node's output event, then the screen read over the link) and the naive poller
//! (the marker in a `capture-pane` it ran over ssh).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A pane the probes may type into.
#[derive(Clone, Debug)]
pub struct Target {
    pub worker: u32,
    pub socket: PathBuf,
    pub pane: String,
}

/// Markers on their way, and what the watchers measured.
#[derive(Default)]
pub struct Probes {
    /// worker → (marker, when it was typed).
    pending: Mutex<HashMap<u32, (String, Instant)>>,
    /// From the marker typed to the first output event for its pane (czar only), ms.
    pub to_event: Mutex<Vec<u64>>,
    /// From the marker typed to a screen that shows it, ms.
    pub to_screen: Mutex<Vec<u64>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Probes {
    /// The marker waited for on `worker`'s pane, if any.
    pub fn marker(&self, worker: u32) -> Option<(String, Instant)> {
        lock(&self.pending).get(&worker).cloned()
    }

    /// An output event for `worker` arrived at `at`: its latency, once per marker.
    pub fn event(&self, worker: u32, at: Instant) {
        if let Some((m, t0)) = lock(&self.pending).get_mut(&worker)
            && !m.ends_with('!')
        {
            lock(&self.to_event).push(at.saturating_duration_since(*t0).as_millis() as u64);
            // Flagged so that later events for the same marker are not counted again.
            m.push('!');
        }
    }

    /// A screen of `worker`'s pane was read: done when it shows the marker.
    pub fn screen(&self, worker: u32, text: &str) {
        let mut pending = lock(&self.pending);
        let Some((m, t0)) = pending.get(&worker) else {
            return;
        };
        if text.contains(m.trim_end_matches('!')) {
            let ms = t0.elapsed().as_millis() as u64;
            pending.remove(&worker);
            lock(&self.to_screen).push(ms);
        }
    }

    /// Types a marker into every one of `targets` at once (a poller that cannot keep up finds
    /// them over its rounds), then waits at most `limit`: how many were never seen.
    pub fn run_all(&self, targets: &[Target], limit: Duration) -> usize {
        for (i, t) in targets.iter().enumerate() {
            let marker = format!("all{i}x{}q", t.worker);
            lock(&self.pending).insert(t.worker, (marker.clone(), Instant::now()));
            type_marker(t, &marker);
        }
        let deadline = Instant::now() + limit;
        while !lock(&self.pending).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut pending = lock(&self.pending);
        let missed = pending.len();
        pending.clear();
        missed
    }

    /// Types `count` markers in turn, into `targets` round robin, each waited for (at most
    /// `limit`) before the next; how many were never seen.
    pub fn run(&self, targets: &[Target], count: usize, limit: Duration) -> usize {
        let mut missed = 0;
        for i in 0..count {
            let t = &targets[i % targets.len()];
            let marker = format!("mk{i}x{}q", t.worker);
            lock(&self.pending).insert(t.worker, (marker.clone(), Instant::now()));
            type_marker(t, &marker);
            let deadline = Instant::now() + limit;
            while lock(&self.pending).contains_key(&t.worker) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if lock(&self.pending).remove(&t.worker).is_some() {
                missed += 1;
            }
            // Past the node's 50 ms coalescing, so each marker starts from a quiet pane.
            std::thread::sleep(Duration::from_millis(150));
        }
        missed
    }
}

/// `echo <marker>` typed into the pane's shell, on the host's own tmux server.
fn type_marker(t: &Target, marker: &str) {
    let typed = Command::new("tmux")
        .arg("-S")
        .arg(&t.socket)
        .args([
            "send-keys",
            "-t",
            &t.pane,
            &format!("echo {marker}"),
            "Enter",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(typed, "typing into {} on {}", t.pane, t.socket.display());
}
