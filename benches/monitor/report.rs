//! The figures, side by side.
//!
//! The tmux server works on the panes' output whoever watches, and this machine is shared, so
//! the server's extra work for a watcher is taken against a window measured right next to it on
//! the same panes: czar stopped (its logs still kept) in turns with czar running, or the
//! baseline paused.

use super::baseline::Baseline;
use super::measure::{Latency, Phase, percentile};
use super::{Bench, CzarRun};

pub fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

fn ratio(base: f64, czar: f64) -> String {
    if czar <= 0.0 {
        return "-".into();
    }
    format!("{:.0}x", base / czar)
}

fn row(label: &str, c: f64, s: f64) {
    println!("{label:<52} {:>9} {:>9} {:>6}", pct(c), pct(s), ratio(s, c));
}

/// A figure the baseline has no counterpart for.
fn czar_row(label: &str, c: f64) {
    println!("{label:<52} {:>9} {:>9} {:>6}", pct(c), "-", "");
}

fn count_row(label: &str, c: f64, s: f64) {
    println!("{label:<52} {c:>9.2} {s:>9.2} {:>6}", ratio(s, c));
}

/// The server's and the log keepers' extra work while `watched`, against `unwatched`.
pub fn extra(watched: &Phase, unwatched: &Phase) -> f64 {
    (watched.server - unwatched.server).max(0.0) + (watched.logs - unwatched.logs).max(0.0)
}

pub fn print(b: &Bench, czar: &CzarRun, base: &Baseline, latency: [&Latency; 2]) {
    println!();
    println!(
        "{} simulated workers; CPU as % of one core; ratio = baseline / czar",
        b.workers
    );
    println!("{:<52} {:>9} {:>9} {:>6}", "", "czar", "baseline", "ratio");
    let (c, s) = (&czar.idle, &base.idle);
    println!("idle ({:.0}s windows)", c.secs);
    row(
        "  CPU, all (watcher + tmux server + log keepers)",
        c.total(),
        s.total(),
    );
    row(
        "    watcher, with the tmux clients it starts",
        c.watcher,
        s.watcher,
    );
    row("    tmux server", c.server, s.server);
    count_row(
        "  tmux commands per second",
        c.commands_per_sec,
        s.commands_per_sec,
    );

    let (c, s) = (&czar.streaming, &base.streaming);
    println!("streaming ({:.0}s and {:.0}s windows)", c.secs, s.secs);
    let (c_extra, s_extra) = (czar.server_extra, extra(s, &base.unwatched));
    row(
        "  watcher, with the tmux clients it starts",
        c.watcher,
        s.watcher,
    );
    row(
        "  tmux server's extra work for the watcher",
        c_extra,
        s_extra,
    );
    let (c_watch, s_watch) = (c.watcher + c_extra, s.watcher + s_extra);
    row("  watching in all", c_watch, s_watch);
    // Each pane's own process keeps its log, watched or not: measured while czar streams.
    czar_row("  keeping every pane's output log (czar pane-log)", c.logs);
    row("  czar in all: watching + logs", c_watch + c.logs, s_watch);
    // Measured in the baseline half: the same panes unwatched, without and with pipe-pane.
    let piped = extra(&base.piped, &base.unwatched);
    czar_row("  (the same logs by tmux pipe-pane + cat instead)", piped);
    count_row(
        "  tmux commands per second",
        c.commands_per_sec,
        s.commands_per_sec,
    );
    count_row(
        "  tmux client runs per second",
        c.runs_per_sec,
        s.runs_per_sec,
    );
    println!(
        "  (tmux server: {} with czar watching, {} with czar stopped; baseline {}, paused {}, \
         paused with pipe-pane {})",
        pct(czar.paired.0.server),
        pct(czar.paired.1.server),
        pct(s.server),
        pct(base.unwatched.server),
        pct(base.piped.server)
    );
    let pairs: Vec<String> = czar.server_extras.iter().map(|x| pct(*x)).collect();
    println!(
        "  (tmux server's extra work for czar in each pair of windows: {})",
        pairs.join(", ")
    );

    println!("pane change -> state change");
    let [c, s] = latency;
    let ms = |v: &[u64], p| percentile(v, p).map_or("-".into(), |x| format!("{x} ms"));
    let line = |label: &str, cv: &[u64], sv: &[u64]| {
        println!(
            "{label:<52} {:>9} {:>9}",
            format!("{} / {}", ms(cv, 50.0), ms(cv, 95.0)),
            format!("{} / {}", ms(sv, 50.0), ms(sv, 95.0))
        );
    };
    line("  all changes: p50 / p95", &c.samples, &s.samples);
    for (state, c_ms) in &c.by_state {
        let s_ms = s.by_state.get(state).map(Vec::as_slice).unwrap_or_default();
        line(&format!("  to {state}: p50 / p95"), c_ms, s_ms);
    }
    let missed = |l: &Latency| l.missed.values().sum::<usize>();
    println!(
        "{:<52} {:>9} {:>9}",
        "  changes measured (missed)",
        format!("{} ({})", c.samples.len(), missed(c)),
        format!("{} ({})", s.samples.len(), missed(s))
    );
    for (who, l) in [("czar", c), ("baseline", s)] {
        if !l.missed.is_empty() {
            println!(
                "  {who} missed, by state the screen went to: {:?}",
                l.missed
            );
        }
    }
}
