//! What most managers do: `capture-pane` on every pane every 500 ms, one tmux client each, and
//! classify every screen. Same panes, same rules, same tasks as the czar half of the run.

use super::Bench;
use super::measure::{self, Change, Phase, Sampler};
use czar::core::classify::{ScreenRules, classify};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const EVERY: Duration = Duration::from_millis(500);

pub struct Baseline {
    pub idle: Phase,
    pub streaming: Phase,
    /// The same panes with nobody watching: what the tmux server spends on them anyway.
    pub unwatched: Phase,
    /// Nobody watching, and every pane also piped into a log by tmux `pipe-pane`: what keeping
    /// the logs that way would cost, against czar's own `pane-log`.
    pub piped: Phase,
    pub changes: Vec<Change>,
    /// When the baseline took over (ms since the epoch).
    pub started: u64,
}

struct Shared {
    stop: AtomicBool,
    pause: AtomicBool,
    runs: AtomicU64,
    changes: Mutex<Vec<Change>>,
}

fn rules(b: &Bench) -> ScreenRules {
    let cfg = czar::project::load(&b.repo).expect("the bench's czar.toml");
    let setup = czar::engine::Setup::from_config(&cfg).expect("the bench's setup");
    setup.profile("sim").expect("the sim profile").rules.clone()
}

/// The worker panes, as (pane id, worker).
fn panes(b: &Bench) -> Vec<(String, u32)> {
    b.tmux_out(&["list-panes", "-a", "-F", "#{pane_id} #{session_name}"])
        .lines()
        .filter_map(|l| {
            let (id, session) = l.split_once(' ')?;
            let worker = session.strip_prefix("bench-worker-")?.parse().ok()?;
            Some((id.to_string(), worker))
        })
        .collect()
}

fn watch(b: &Bench, panes: &[(String, u32)], rules: &ScreenRules, shared: &Shared) {
    let mut last: Vec<Option<String>> = vec![None; panes.len()];
    while !shared.stop.load(Ordering::Relaxed) {
        let round = Instant::now();
        if shared.pause.load(Ordering::Relaxed) {
            std::thread::sleep(EVERY);
            continue;
        }
        for (i, (id, worker)) in panes.iter().enumerate() {
            let out = b.tmux().args(["capture-pane", "-p", "-t", id]).output();
            shared.runs.fetch_add(1, Ordering::Relaxed);
            let Ok(out) = out else { continue };
            let screen = String::from_utf8_lossy(&out.stdout);
            let Some(state) = classify(rules, &screen, "").state else {
                continue;
            };
            let state = state.as_str().to_string();
            if last[i].as_deref() != Some(state.as_str()) {
                last[i] = Some(state.clone());
                let change = Change {
                    at: measure::now_ms(),
                    worker: *worker,
                    state,
                };
                if let Ok(mut c) = shared.changes.lock() {
                    c.push(change);
                }
            }
        }
        std::thread::sleep(EVERY.saturating_sub(round.elapsed()));
    }
}

/// Pipes every pane into a log with tmux (`pipe-pane -O`, `cat` appending), or stops: what
/// czar's own log keeping is compared with.
fn pipe_all(b: &Bench, panes: &[(String, u32)], on: bool) {
    for (id, worker) in panes {
        let mut cmd = b.tmux();
        cmd.args(["pipe-pane", "-t", id]);
        if on {
            let log = b.repo.join(format!(".czar/bench-log-{worker}.log"));
            cmd.args(["-O", &format!("exec cat >> '{}'", log.display())]);
        }
        let _ = cmd.output();
    }
}

pub fn run(b: &Bench) -> Baseline {
    let panes = panes(b);
    assert_eq!(panes.len(), b.workers, "the czar's sessions outlive it");
    let rules = rules(b);
    let shared = Arc::new(Shared {
        stop: AtomicBool::new(false),
        pause: AtomicBool::new(false),
        runs: AtomicU64::new(0),
        changes: Mutex::new(Vec::new()),
    });
    let started = measure::now_ms();
    println!(
        "baseline: capture-pane on {} panes every 500 ms",
        panes.len()
    );
    let sampler = Sampler::this_process(b);
    let counts = || {
        let n = shared.runs.load(Ordering::Relaxed);
        (n, n)
    };
    let window = b.window.min(Duration::from_secs(super::TASK_SECS / 4));
    let (idle, streaming, unwatched, piped) = std::thread::scope(|s| {
        s.spawn(|| watch(b, &panes, &rules, &shared));
        std::thread::sleep(Duration::from_secs(1));
        // Typing the tasks costs this process too: done before the window opens.
        for (id, _) in &panes {
            let _ = b
                .tmux()
                .args(["send-keys", "-t", id, "-l", &b.task_text(false)])
                .output();
            let _ = b.tmux().args(["send-keys", "-t", id, "Enter"]).output();
        }
        std::thread::sleep(Duration::from_secs(2));
        let streaming = sampler.window(window, counts);
        // The same streaming panes with nobody watching, then the watcher goes on again for
        // the moments the tasks end.
        shared.pause.store(true, Ordering::Relaxed);
        std::thread::sleep(Duration::from_secs(1));
        let unwatched = sampler.window(window, || (0, 0));
        pipe_all(b, &panes, true);
        std::thread::sleep(Duration::from_millis(500));
        let piped = sampler.window(window, || (0, 0));
        pipe_all(b, &panes, false);
        shared.pause.store(false, Ordering::Relaxed);
        let done = |b: &Bench| {
            super::shared::read_timeline(&b.timeline)
                .iter()
                .filter(|m| m.state == "idle" && m.at >= started)
                .count()
        };
        super::wait_until("every baseline task done", Duration::from_secs(300), || {
            done(b) >= b.workers
        });
        std::thread::sleep(Duration::from_secs(3));
        let idle = sampler.window(b.window, counts);
        shared.stop.store(true, Ordering::Relaxed);
        (idle, streaming, unwatched, piped)
    });
    let changes = shared.changes.lock().map(|c| c.clone()).unwrap_or_default();
    Baseline {
        idle,
        streaming,
        unwatched,
        piped,
        changes,
        started,
    }
}
