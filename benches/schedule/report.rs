//! The figures, one column per binary; handoffs pooled over the rounds, the makespan as the
//! median of the rounds with their spread.

use super::handoff::{Handoff, STAGES, WorkerTime};
use super::shared::percentile;
use super::{Measured, Subject};

/// The goals: a handoff's p50, and the makespan against its bound.
const GOAL_HANDOFF_P50_MS: u64 = 300;
const GOAL_MAKESPAN_RATIO: f64 = 1.15;

/// How a figure over the rounds reads.
#[derive(Clone, Copy)]
enum Unit {
    /// Milliseconds shown as seconds.
    Secs,
    Ratio,
}

impl Unit {
    fn bare(self, x: f64) -> String {
        match self {
            Unit::Secs => format!("{:.1}", x / 1000.0),
            Unit::Ratio => format!("{x:.2}"),
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Unit::Secs => " s",
            Unit::Ratio => "",
        }
    }
}

fn secs(ms: u64) -> String {
    format!("{}{}", Unit::Secs.bare(ms as f64), Unit::Secs.suffix())
}

fn ms3(v: &[u64]) -> String {
    let p = |q| percentile(v, q).map_or("-".into(), |x| x.to_string());
    format!("{} / {} / {} ms", p(50.0), p(95.0), p(100.0))
}

fn ms2(v: &[u64]) -> String {
    let p = |q| percentile(v, q).map_or("-".into(), |x| x.to_string());
    format!("{} / {} ms", p(50.0), p(95.0))
}

/// The median of the rounds with their spread when they differ: "21.8 s (21.4-22.3)".
fn median_spread(v: &[f64], unit: Unit) -> String {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let (Some(lo), Some(hi)) = (s.first(), s.last()) else {
        return "-".into();
    };
    let median = format!("{}{}", unit.bare(s[s.len() / 2]), unit.suffix());
    let (lo, hi) = (unit.bare(*lo), unit.bare(*hi));
    if lo == hi {
        return median;
    }
    format!("{median} ({lo}-{hi})")
}

fn over_rounds(s: &Subject, f: impl Fn(&Measured) -> f64, unit: Unit) -> String {
    let v: Vec<f64> = s.rounds.iter().map(f).collect();
    median_spread(&v, unit)
}

fn counted(m: &Measured) -> impl Iterator<Item = &Handoff> {
    m.analysis.handoffs.iter().filter(|h| h.counted)
}

/// The counted handoffs of every round, as `f` reads each.
fn pooled(s: &Subject, f: impl Fn(&Handoff) -> Option<u64>) -> Vec<u64> {
    s.rounds.iter().flat_map(counted).filter_map(f).collect()
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

fn row(subjects: &[Subject], label: &str, cell: impl Fn(&Subject) -> String) {
    print!("{label:<48}");
    for s in subjects {
        print!(" {:>26}", cell(s));
    }
    println!();
}

pub fn print(subjects: &[Subject], workers: usize) {
    let row = |label: &str, cell: &dyn Fn(&Subject) -> String| row(subjects, label, cell);
    println!();
    row("", &|s| s.label.to_string());
    row("handoffs counted (of all)", &|s| {
        let all: usize = s.rounds.iter().map(|m| m.analysis.handoffs.len()).sum();
        let n: usize = s.rounds.iter().map(|m| counted(m).count()).sum();
        format!("{n} ({all})")
    });
    row("task ended -> delivered: p50 / p95 / max", &|s| {
        ms3(&pooled(s, |h| h.to_delivered))
    });
    row("task ended -> agent busy: p50 / p95 / max", &|s| {
        ms3(&pooled(s, |h| Some(h.to_busy)))
    });
    row("  p50 in each round", &|s| {
        let p: Vec<String> = s
            .rounds
            .iter()
            .map(|m| {
                let v: Vec<u64> = counted(m).map(|h| h.to_busy).collect();
                percentile(&v, 50.0).map_or("-".into(), |x| x.to_string())
            })
            .collect();
        format!("{} ms", p.join(", "))
    });
    println!("the handoff's steps, p50 / p95");
    for (i, stage) in STAGES.iter().enumerate() {
        row(&format!("  {stage}"), &|s| ms2(&pooled(s, |h| h.stages[i])));
    }
    println!("makespan: median of the rounds (min-max)");
    let makespan = |m: &Measured| m.analysis.makespan_ms as f64;
    row("  first assignment -> last done", &|s| {
        over_rounds(s, makespan, Unit::Secs)
    });
    row(
        &format!("  ideal (planned durations / {workers} workers)"),
        &|s| over_rounds(s, |m| m.ideal_ms as f64, Unit::Secs),
    );
    row("  critical path (longest chain through needs)", &|s| {
        over_rounds(s, |m| m.critical_ms as f64, Unit::Secs)
    });
    row("  makespan / ideal", &|s| {
        over_rounds(s, |m| ratio(m, m.ideal_ms), Unit::Ratio)
    });
    row("  makespan / critical path", &|s| {
        over_rounds(s, |m| ratio(m, m.critical_ms), Unit::Ratio)
    });
    row("  makespan / max(ideal, critical path)", &|s| {
        over_rounds(s, |m| ratio(m, bound(m)), Unit::Ratio)
    });
    row("  the same order, no time between tasks", &|s| {
        over_rounds(s, |m| m.analysis.order_only_ms as f64, Unit::Secs)
    });
    println!("the workers' time in the makespan, seconds per worker (median of the rounds)");
    let share = |f: fn(&WorkerTime) -> u64| {
        move |s: &Subject| {
            over_rounds(
                s,
                |m| f(&m.analysis.time) as f64 / workers as f64,
                Unit::Secs,
            )
        }
    };
    row("  working", &share(|t| t.working));
    row("  in counted handoffs", &share(|t| t.handoffs));
    row("  waiting, no task ready", &share(|t| t.nothing_ready));
    row("  before its first task", &share(|t| t.before_first));
    row("  after its last task", &share(|t| t.after_last));
    row("  per task beyond its planned duration", &|s| {
        let v: Vec<u64> = s
            .rounds
            .iter()
            .flat_map(|m| m.analysis.overrun.iter().copied())
            .collect();
        ms2(&v)
    });
    println!("goals");
    let met = |ok: bool| if ok { "met" } else { "missed" }.to_string();
    row(
        &format!("  task ended -> agent busy p50 <= {GOAL_HANDOFF_P50_MS} ms"),
        &|s| {
            let p = percentile(&pooled(s, |h| Some(h.to_busy)), 50.0);
            met(p.is_some_and(|p| p <= GOAL_HANDOFF_P50_MS))
        },
    );
    row(
        &format!("  makespan <= {GOAL_MAKESPAN_RATIO} x max(ideal, critical path)"),
        &|s| {
            let mut r: Vec<f64> = s.rounds.iter().map(|m| ratio(m, bound(m))).collect();
            r.sort_by(f64::total_cmp);
            met(r
                .get(r.len() / 2)
                .is_some_and(|x| *x <= GOAL_MAKESPAN_RATIO))
        },
    );
}
