//! The figures, one column per binary; handoffs pooled over the rounds, the makespan as the
//! median of the rounds with their spread.

use super::handoff::{Handoff, STAGES};
use super::shared::percentile;
use super::{Measured, Subject};

/// The goals: a handoff's p50, and the makespan against its bound.
const GOAL_HANDOFF_P50_MS: u64 = 300;
const GOAL_MAKESPAN_RATIO: f64 = 1.15;

fn secs(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

fn ms3(v: &[u64]) -> String {
    let p = |q| percentile(v, q).map_or("-".into(), |x| x.to_string());
    format!("{} / {} / {} ms", p(50.0), p(95.0), p(100.0))
}

fn ms2(v: &[u64]) -> String {
    let p = |q| percentile(v, q).map_or("-".into(), |x| x.to_string());
    format!("{} / {} ms", p(50.0), p(95.0))
}

fn median_spread(v: &[f64], show: impl Fn(f64) -> String) -> String {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    match (s.first(), s.last()) {
        (Some(lo), Some(hi)) if s.len() > 1 => {
            format!("{} ({}-{})", show(s[s.len() / 2]), show(*lo), show(*hi))
        }
        (Some(x), _) => show(*x),
        _ => "-".into(),
    }
}

fn counted(m: &Measured) -> impl Iterator<Item = &Handoff> {
    m.analysis.handoffs.iter().filter(|h| h.counted)
}

/// max(ideal, critical path): the shortest makespan the plan allows this many workers.
fn bound(m: &Measured) -> u64 {
    m.ideal_ms.max(m.critical_ms)
}

fn ratio(m: &Measured, of: u64) -> f64 {
    m.analysis.makespan_ms as f64 / of.max(1) as f64
}

pub fn round_line(round: usize, label: &str, m: &Measured, summary: &str) {
    let busy: Vec<u64> = counted(m).map(|h| h.to_busy).collect();
    println!(
        "round {round} {label}: makespan {} ({:.2} x max(ideal, critical path)), {} of {} \
         handoffs counted, task ended -> agent busy p50 {} ms; demo: {summary}",
        secs(m.analysis.makespan_ms),
        ratio(m, bound(m)),
        busy.len(),
        m.analysis.handoffs.len(),
        percentile(&busy, 50.0).map_or("-".into(), |x| x.to_string()),
    );
}

fn row(label: &str, cells: Vec<String>) {
    print!("{label:<48}");
    for c in cells {
        print!(" {c:>26}");
    }
    println!();
}

pub fn print(subjects: &[Subject], workers: usize) {
    let pooled = |s: &Subject, f: &dyn Fn(&Handoff) -> Option<u64>| -> Vec<u64> {
        s.rounds
            .iter()
            .flat_map(counted)
            .filter_map(f)
            .collect::<Vec<u64>>()
    };
    let each = |f: &dyn Fn(&Subject) -> String| subjects.iter().map(f).collect::<Vec<_>>();
    let over_rounds = |s: &Subject, f: &dyn Fn(&Measured) -> f64, show: &dyn Fn(f64) -> String| {
        median_spread(&s.rounds.iter().map(f).collect::<Vec<_>>(), show)
    };
    let secs_f = |x: f64| secs(x as u64);
    let x2 = |x: f64| format!("{x:.2}");
    println!();
    row("", each(&|s| s.label.to_string()));
    row(
        "handoffs counted (of all)",
        each(&|s| {
            let all: usize = s.rounds.iter().map(|m| m.analysis.handoffs.len()).sum();
            let n: usize = s.rounds.iter().map(|m| counted(m).count()).sum();
            format!("{n} ({all})")
        }),
    );
    row(
        "task ended -> delivered: p50 / p95 / max",
        each(&|s| ms3(&pooled(s, &|h| h.to_delivered))),
    );
    row(
        "task ended -> agent busy: p50 / p95 / max",
        each(&|s| ms3(&pooled(s, &|h| Some(h.to_busy)))),
    );
    row(
        "  p50 in each round",
        each(&|s| {
            let p: Vec<String> = s
                .rounds
                .iter()
                .map(|m| {
                    let v: Vec<u64> = counted(m).map(|h| h.to_busy).collect();
                    percentile(&v, 50.0).map_or("-".into(), |x| x.to_string())
                })
                .collect();
            format!("{} ms", p.join(", "))
        }),
    );
    println!("the handoff's steps, p50 / p95");
    for (i, stage) in STAGES.iter().enumerate() {
        row(
            &format!("  {stage}"),
            each(&|s| ms2(&pooled(s, &|h| h.stages[i]))),
        );
    }
    println!("makespan: median of the rounds (min-max)");
    row(
        "  first assignment -> last done",
        each(&|s| over_rounds(s, &|m| m.analysis.makespan_ms as f64, &secs_f)),
    );
    row(
        &format!("  ideal (planned durations / {workers} workers)"),
        each(&|s| over_rounds(s, &|m| m.ideal_ms as f64, &secs_f)),
    );
    row(
        "  critical path (longest chain through needs)",
        each(&|s| over_rounds(s, &|m| m.critical_ms as f64, &secs_f)),
    );
    row(
        "  makespan / ideal",
        each(&|s| over_rounds(s, &|m| ratio(m, m.ideal_ms), &x2)),
    );
    row(
        "  makespan / critical path",
        each(&|s| over_rounds(s, &|m| ratio(m, m.critical_ms), &x2)),
    );
    row(
        "  makespan / max(ideal, critical path)",
        each(&|s| over_rounds(s, &|m| ratio(m, bound(m)), &x2)),
    );
    row(
        "  the same order, no time between tasks",
        each(&|s| over_rounds(s, &|m| m.analysis.order_only_ms as f64, &secs_f)),
    );
    println!("the workers' time in the makespan, seconds per worker (median of the rounds)");
    let share = |f: fn(&super::handoff::WorkerTime) -> u64| {
        move |s: &Subject| {
            over_rounds(s, &|m| f(&m.analysis.time) as f64 / workers as f64, &|x| {
                secs(x as u64)
            })
        }
    };
    row("  working", each(&share(|t| t.working)));
    row("  in counted handoffs", each(&share(|t| t.handoffs)));
    row(
        "  waiting, no task ready",
        each(&share(|t| t.nothing_ready)),
    );
    row("  before its first task", each(&share(|t| t.before_first)));
    row("  after its last task", each(&share(|t| t.after_last)));
    row(
        "  per task beyond its planned duration",
        each(&|s| {
            let v: Vec<u64> = s
                .rounds
                .iter()
                .flat_map(|m| m.analysis.overrun.iter().copied())
                .collect();
            ms2(&v)
        }),
    );
    println!("goals");
    let yes = |ok: bool| if ok { "met" } else { "missed" }.to_string();
    row(
        &format!("  handoff p50 <= {GOAL_HANDOFF_P50_MS} ms"),
        each(&|s| {
            let p = percentile(&pooled(s, &|h| Some(h.to_busy)), 50.0);
            yes(p.is_some_and(|p| p <= GOAL_HANDOFF_P50_MS))
        }),
    );
    row(
        &format!("  makespan <= {GOAL_MAKESPAN_RATIO} x max(ideal, cp)"),
        each(&|s| {
            let mut r: Vec<f64> = s.rounds.iter().map(|m| ratio(m, bound(m))).collect();
            r.sort_by(f64::total_cmp);
            yes(r
                .get(r.len() / 2)
                .is_some_and(|x| *x <= GOAL_MAKESPAN_RATIO))
        }),
    );
}
