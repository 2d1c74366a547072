//! What watching a fleet costs: `cargo bench --bench monitor` (about six minutes).
//!
//! One run, one private tmux server, 100 simulated agents (`czar sim-agent`), measured twice:
//!
//! 1. **czar**: `czar --auto --watch` starts the workers and watches them. Measured while all
//!    are idle, then while all work on a task that streams ten lines a second besides the
//!    spinner, and across the moments each agent starts and finishes its task.
//! 2. **baseline**: czar stopped (the sessions stay, each agent still under the `czar pane-log`
//!    that keeps its output log), this program does what most managers do: `capture-pane` every
//!    pane every 500 ms, each classified with the same rules. Measured on the same panes, idle
//!    and then streaming the same tasks; then with nobody watching, to tell the tmux server's
//!    own work from the watching, and with the panes also piped into logs by tmux `pipe-pane`,
//!    the other way to keep the logs.
//!
//! Figures: CPU time per wall second of the watcher (the czar process with the tmux clients it
//! starts, or this process with its clients), of the tmux server, and of the processes that
//! keep the output logs (czar's `pane-log`s, and `pipe-pane`'s `cat`s where measured); tmux
//! commands started per second; and the latency from a pane's change (the sim notes when it
//! drew its busy or idle screen) to the watcher's state change, p50 and p95. Ratios compare the two halves of the same run.
//!
//! `cargo bench --bench monitor -- logs` compares ways of keeping the logs instead (see logs.rs).
//!
//! `CZAR_BENCH_WORKERS` (default 100) and `CZAR_BENCH_WINDOW_SECS` (default 20) shorten it;
//! `CZAR_BENCH_KEEP=1` keeps the repository with czar's state folder (its log, events and the
//! workers' output logs) and prints where, to see where time went.

#[path = "../shared/mod.rs"]
mod shared;

mod baseline;
mod logs;
mod measure;
mod report;

use measure::{Phase, Sampler};
use serde_json::Value;
use shared::support::CZAR;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long each task works: long enough for a measuring window in the middle.
const TASK_SECS: u64 = 70;
const STREAM_LINES_PER_SEC: u32 = 10;
/// czar's streaming window: longer than its slowest re-reading round, inside the tasks' time.
const STREAMING_WINDOW: Duration = Duration::from_secs(27);
const PAIRS: usize = 5;
const PAIR_WINDOW: Duration = Duration::from_secs(3);

pub struct Bench {
    pub workers: usize,
    pub window: Duration,
    pub repo: PathBuf,
    pub timeline: PathBuf,
    /// The temp folder and the tmux server, both gone when the bench ends.
    pub scratch: shared::Scratch,
}

impl Bench {
    pub fn tmux(&self) -> Command {
        self.scratch.tmux()
    }

    pub fn tmux_out(&self, args: &[&str]) -> String {
        let out = self.tmux().args(args).output().expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The task each agent gets, from czar or typed by the baseline: one line, since the
    /// baseline types it and a newline would submit early.
    pub fn task_text(&self, done: bool) -> String {
        format!(
            "sim: duration={TASK_SECS} stream={STREAM_LINES_PER_SEC} done={}",
            if done { "yes" } else { "no" }
        )
    }
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn setup() -> Bench {
    shared::require_tmux("monitor");
    let scratch = shared::Scratch::new("monitor");
    let repo = scratch.path().join("repo");
    shared::support::init_repo(&repo, &[(".gitignore", ".czar/\n")]);
    std::fs::create_dir_all(repo.join("tasks")).expect("repo dir");
    let workers = env_num("CZAR_BENCH_WORKERS", 100) as usize;
    let socket = scratch.socket();
    let timeline = shared::timeline_path(&scratch);
    let config = format!(
        "project = \"bench\"\nworkers = {workers}\nagent = \"sim\"\nworktrees_dir = \"../wt\"\n\
         tmux_socket = \"{socket}\"\n\n[agents.sim]\n\
         command = [\"{{czar}}\", \"sim-agent\", \"--timeline\", \"{}\"]\n",
        timeline.display()
    );
    std::fs::write(repo.join("czar.toml"), config).expect("write czar.toml");
    Bench {
        workers,
        window: Duration::from_secs(env_num("CZAR_BENCH_WINDOW_SECS", 20)),
        repo,
        timeline,
        scratch,
    }
}

/// The workers in the engine's status file, by state.
fn states(b: &Bench) -> Vec<(String, String)> {
    let path = b.repo.join(".czar/status.json");
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let mut out = Vec::new();
    for w in v["workers"].as_array().into_iter().flatten() {
        out.push((
            w["state"].as_str().unwrap_or("").to_string(),
            w["task"].as_str().unwrap_or("").to_string(),
        ));
    }
    for t in v["tasks"].as_array().into_iter().flatten() {
        out.push((
            format!("task:{}", t["state"].as_str().unwrap_or("")),
            String::new(),
        ));
    }
    out
}

fn wait_until(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < limit, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(500));
    }
    println!("  {what} after {:.0}s", start.elapsed().as_secs_f64());
}

fn count(b: &Bench, state: &str) -> usize {
    states(b).iter().filter(|(s, _)| s == state).count()
}

pub struct CzarRun {
    pub idle: Phase,
    pub streaming: Phase,
    /// Short windows in turn, czar running and czar stopped (SIGSTOP, its logs still kept):
    /// the server's extra work for czar is small against its own work on the panes, and the
    /// machine is shared, so it is taken from windows side by side, several times over.
    pub paired: (Phase, Phase),
    /// The server's extra work for czar: the median over the pairs, so that one window spoilt
    /// by the shared machine does not decide it.
    pub server_extra: f64,
    /// Each pair's figure, smallest first.
    pub server_extras: Vec<f64>,
    pub changes: Vec<measure::Change>,
    pub started: u64,
}

fn signal(pid: u32, sig: &str) {
    let _ = Command::new("kill").args([sig, &pid.to_string()]).status();
}

fn run_czar(b: &Bench) -> CzarRun {
    println!("czar: starting {} workers", b.workers);
    let mut czar: Child = Command::new(CZAR)
        .args(["--auto", "--watch"])
        .current_dir(&b.repo)
        .env_remove("TMUX")
        .env_remove("TMUX_PANE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("czar starts");
    let limit = Duration::from_secs(300);
    wait_until("every worker idle", limit, || count(b, "idle") == b.workers);
    std::thread::sleep(Duration::from_secs(3));
    let sampler = Sampler::czar(b, czar.id());
    let idle = sampler.window(b.window, || sampler.czar_commands(b));
    let started = measure::now_ms();
    for i in 1..=b.workers {
        let task = format!("+++\ntitle = \"Stream {i}\"\n+++\n{}\n", b.task_text(true));
        std::fs::write(b.repo.join(format!("tasks/stream-{i:03}.md")), task).expect("task file");
    }
    wait_until("every worker busy", limit, || count(b, "busy") == b.workers);
    std::thread::sleep(Duration::from_secs(2));
    // czar re-reads a pane that streams without pause every 5 s, or every 25 s when a hundred
    // do (see engine::schedule): the window spans a whole such round, not a lucky part of one.
    let streaming = sampler.window(STREAMING_WINDOW, || sampler.czar_commands(b));
    let (mut running, mut frozen) = (Vec::new(), Vec::new());
    for _ in 0..PAIRS {
        running.push(sampler.window(PAIR_WINDOW, || (0, 0)));
        signal(czar.id(), "-STOP");
        std::thread::sleep(Duration::from_millis(300));
        frozen.push(sampler.window(PAIR_WINDOW, || (0, 0)));
        signal(czar.id(), "-CONT");
        std::thread::sleep(Duration::from_millis(300));
    }
    let mut extras: Vec<f64> = running
        .iter()
        .zip(&frozen)
        .map(|(r, f)| report::extra(r, f))
        .collect();
    extras.sort_by(f64::total_cmp);
    let server_extra = extras[extras.len() / 2];
    let paired = (Phase::merge(&running), Phase::merge(&frozen));
    wait_until("every task done", limit, || {
        count(b, "task:done") == b.workers
    });
    std::thread::sleep(Duration::from_secs(2));
    signal(czar.id(), "-INT");
    let _ = czar.wait();
    let changes = measure::czar_changes(&b.repo, started);
    CzarRun {
        idle,
        streaming,
        paired,
        server_extra,
        server_extras: extras,
        changes,
        started,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `logs` after `--` runs the log keeping comparison.
    let b = setup();
    if std::env::args().any(|a| a == "logs") {
        logs::run(&b);
        return;
    }
    println!(
        "monitor bench: {} simulated workers, {}s windows, tmux -L {}",
        b.workers,
        b.window.as_secs(),
        b.scratch.socket()
    );
    let czar = run_czar(&b);
    let base = baseline::run(&b);
    let czar_latency = measure::latencies(&b.timeline, &czar.changes, czar.started, base.started);
    let base_latency = measure::latencies(&b.timeline, &base.changes, base.started, u64::MAX);
    report::print(&b, &czar, &base, [&czar_latency, &base_latency]);
}
