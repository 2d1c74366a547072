//! How fast work changes hands: `cargo bench --bench schedule` (about a minute; two with a
//! second binary).
//!
//! Runs `czar demo --auto --workers 6 --tasks 40` (no chaos) a few times, each in a scratch
//! folder on a private tmux socket, with every simulated agent noting when it took and ended a
//! task (`CZAR_SIM_TIMELINE`). From the sims' notes and the czar's events it measures:
//!
//! - the handoff on a worker: its task ended → the next task delivered (the czar's event) →
//!   the agent busy with it (the sim's note), p50, p95 and max, and each step of it by events;
//!   only handoffs where a ready task was waiting count (see handoff.rs);
//! - the makespan (first assignment to last done) against the ideal (the planned durations'
//!   sum over the workers) and the critical path (the longest chain of planned durations
//!   through `needs`), and where the workers' time went.
//!
//! `CZAR_BENCH_BIN` drives another czar binary instead of this build's; `CZAR_BENCH_BEFORE`
//! names a second binary measured in turn with it, round by round, so both see the same
//! machine at the same time (its sim must read `CZAR_SIM_TIMELINE`). `CZAR_BENCH_ROUNDS`
//! (default 3), `CZAR_BENCH_WORKERS` (6) and `CZAR_BENCH_TASKS` (40) change the runs;
//! `CZAR_BENCH_KEEP=1` keeps each round's folder (the czar's log and events, the timeline)
//! and prints where; `CZAR_LOG=debug` makes the czar log its tmux commands there.

#[path = "../shared/mod.rs"]
mod shared;

mod handoff;
mod plan;
mod report;
mod run;

use std::path::PathBuf;

/// A binary measured, and what its column is called.
pub struct Subject {
    pub label: &'static str,
    pub bin: PathBuf,
    pub rounds: Vec<Measured>,
}

/// One round's figures.
pub struct Measured {
    pub analysis: handoff::Analysis,
    pub ideal_ms: u64,
    pub critical_ms: u64,
}

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

fn subjects() -> Vec<Subject> {
    let this = std::env::var_os("CZAR_BENCH_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_czar")), PathBuf::from);
    let subject = |label, bin| Subject {
        label,
        bin,
        rounds: Vec::new(),
    };
    match std::env::var_os("CZAR_BENCH_BEFORE") {
        Some(before) => vec![
            subject("before", PathBuf::from(before)),
            subject("after", this),
        ],
        None => vec![subject("czar", this)],
    }
}

fn main() {
    shared::require_tmux("schedule");
    let rounds = env_num("CZAR_BENCH_ROUNDS", 3);
    let workers = env_num("CZAR_BENCH_WORKERS", 6);
    let tasks = env_num("CZAR_BENCH_TASKS", 40);
    let mut subjects = subjects();
    println!(
        "schedule bench: czar demo --auto --workers {workers} --tasks {tasks}, {rounds} rounds"
    );
    for s in &subjects {
        println!("  {}: {}", s.label, s.bin.display());
    }
    for round in 1..=rounds {
        for s in &mut subjects {
            let r = run::run(&s.bin, workers, tasks);
            let analysis = handoff::analyse(&r.marks, &r.events, &r.plan, workers);
            assert_eq!(
                analysis.tasks_done, tasks,
                "round {round} of {}: not every task was done ({})",
                s.label, r.summary
            );
            let m = Measured {
                analysis,
                ideal_ms: r.plan.ideal_ms(workers),
                critical_ms: r.plan.critical_path_ms(),
            };
            report::round_line(round, s.label, &m, &r.summary);
            drop(r);
            s.rounds.push(m);
        }
    }
    report::print(&subjects, workers);
}
