//! `cargo bench --bench monitor -- logs` (about two minutes): what keeping every pane's output
//! log costs, and why czar keeps them with `czar pane-log` rather than tmux `pipe-pane`.
//!
//! 100 sims streaming the monitor bench's task on one private tmux server, nobody watching, in
//! three ways: bare panes (no log), bare panes piped by tmux `pipe-pane` into a `cat` each
//! (windows in turn with the bare ones, on the same fleet), and each sim under `czar pane-log`
//! (a fleet of its own, started right after). Two rounds, so the fleets take turns.

use super::Bench;
use super::measure::{Phase, Sampler};
use super::report::pct;
use std::time::Duration;

const WINDOW: Duration = Duration::from_secs(8);
const ROUNDS: usize = 2;

#[derive(Clone, Copy)]
enum Fleet {
    Bare,
    PaneLog,
}

fn start(b: &Bench, fleet: Fleet) -> Vec<String> {
    let czar = super::CZAR;
    let mut names = Vec::new();
    for i in 0..b.workers {
        let name = format!("logs-{i}");
        let log = b.repo.join(format!("bench-log-{i}.log"));
        let log = log.to_str().expect("a UTF-8 temp path");
        let mut cmd = b.tmux();
        cmd.args(["-f", "/dev/null", "new-session", "-d", "-s", &name])
            .args(["-x", "160", "-y", "48", "--"]);
        let sim = [czar, "sim-agent", "--no-done"].map(str::to_string);
        match fleet {
            Fleet::Bare => cmd.args(sim),
            Fleet::PaneLog => cmd.args(czar::pane_log::wrap(czar, log, &sim)),
        };
        let ok = cmd.status().is_ok_and(|s| s.success());
        assert!(ok, "starting {name}");
        names.push(name);
    }
    std::thread::sleep(Duration::from_secs(2));
    for name in &names {
        let target = format!("={name}:");
        let _ = b
            .tmux()
            .args(["send-keys", "-t", &target, "-l", &b.task_text(false)])
            .output();
        let _ = b
            .tmux()
            .args(["send-keys", "-t", &target, "Enter"])
            .output();
    }
    std::thread::sleep(Duration::from_secs(3));
    names
}

fn pipe(b: &Bench, names: &[String], on: bool) {
    for (i, name) in names.iter().enumerate() {
        let target = format!("={name}:");
        let mut cmd = b.tmux();
        cmd.args(["pipe-pane", "-t", &target]);
        if on {
            let log = b.repo.join(format!("bench-pipe-{i}.log"));
            cmd.args(["-O", &format!("exec cat >> '{}'", log.display())]);
        }
        let _ = cmd.output();
    }
    std::thread::sleep(Duration::from_millis(500));
}

fn stop(b: &Bench) {
    let _ = b.tmux().arg("kill-server").output();
    std::thread::sleep(Duration::from_secs(1));
}

pub fn run(b: &Bench) {
    println!(
        "logs bench: {} sims streaming, {}s windows, tmux -L {}",
        b.workers,
        WINDOW.as_secs(),
        b.scratch.socket()
    );
    let (mut bare, mut piped, mut pane_log) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=ROUNDS {
        println!("round {round}: bare panes, then piped by tmux, in turn");
        let names = start(b, Fleet::Bare);
        let sampler = Sampler::this_process(b);
        for _ in 0..2 {
            bare.push(sampler.window(WINDOW, || (0, 0)));
            pipe(b, &names, true);
            piped.push(sampler.window(WINDOW, || (0, 0)));
            pipe(b, &names, false);
        }
        stop(b);
        println!("round {round}: every sim under czar pane-log");
        start(b, Fleet::PaneLog);
        let sampler = Sampler::this_process(b);
        for _ in 0..2 {
            pane_log.push(sampler.window(WINDOW, || (0, 0)));
        }
        stop(b);
    }
    let (bare, piped, pane_log) = (
        Phase::merge(&bare),
        Phase::merge(&piped),
        Phase::merge(&pane_log),
    );
    println!();
    println!(
        "{} panes streaming, CPU as % of one core (mean of {} windows each)",
        b.workers,
        2 * ROUNDS
    );
    println!(
        "{:<40} {:>12} {:>12} {:>12} {:>12}",
        "", "tmux server", "log keepers", "in all", "for the logs"
    );
    let line = |label: &str, p: &Phase, for_logs: String| {
        println!(
            "{label:<40} {:>12} {:>12} {:>12} {for_logs:>12}",
            pct(p.server),
            pct(p.logs),
            pct(p.total()),
        );
    };
    // Nobody watches here, so a window's total is the server's and the log keepers' work.
    let for_logs = |p: &Phase| pct(p.total() - bare.total());
    line("bare panes, no log", &bare, "-".into());
    line("tmux pipe-pane + cat", &piped, for_logs(&piped));
    line("czar pane-log", &pane_log, for_logs(&pane_log));
}
