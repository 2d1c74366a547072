//! The figures, side by side.

use super::Bench;
use super::measure::{Latency, Phase};

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

fn ratio(base: f64, czar: f64) -> String {
    if czar <= 0.0 {
        return "-".into();
    }
    format!("{:.0}x", base / czar)
}

fn ms(l: &Latency, p: f64) -> String {
    l.percentile(p).map_or("-".into(), |v| format!("{v} ms"))
}

pub fn print(
    b: &Bench,
    czar: [&Phase; 2],
    base: [&Phase; 2],
    unwatched: &Phase,
    latency: [&Latency; 2],
) {
    println!();
    println!(
        "{} simulated workers; CPU as % of one core; ratio = baseline / czar",
        b.workers
    );
    println!(
        "{:<44} {:>10} {:>10} {:>7}",
        "", "czar", "baseline", "ratio"
    );
    for (name, c, s) in [("idle", czar[0], base[0]), ("streaming", czar[1], base[1])] {
        let rows = [
            (
                "CPU, all (watcher + tmux server + log pipes)",
                c.total(),
                s.total(),
            ),
            (
                "  watcher, with the tmux clients it starts",
                c.watcher,
                s.watcher,
            ),
            ("  tmux server", c.server, s.server),
            ("  log pipes (cat)", c.pipes, s.pipes),
        ];
        println!("{name} ({:.0}s window)", c.secs);
        for (label, x, y) in rows {
            println!(
                "{label:<44} {:>10} {:>10} {:>7}",
                pct(x),
                pct(y),
                ratio(y, x)
            );
        }
        println!(
            "{:<44} {:>10.2} {:>10.2} {:>7}",
            "  tmux commands per second",
            c.commands_per_sec,
            s.commands_per_sec,
            ratio(s.commands_per_sec, c.commands_per_sec)
        );
        println!(
            "{:<44} {:>10.2} {:>10.2} {:>7}",
            "  tmux client runs per second",
            c.runs_per_sec,
            s.runs_per_sec,
            ratio(s.runs_per_sec, c.runs_per_sec)
        );
    }
    let floor = unwatched.server;
    println!(
        "streaming, nobody watching: tmux server {} (its own work on the panes' output)",
        pct(floor)
    );
    let (c, s) = (czar[1], base[1]);
    let (cw, sw) = (
        c.watcher + c.pipes + (c.server - floor).max(0.0),
        s.watcher + s.pipes + (s.server - floor).max(0.0),
    );
    println!(
        "{:<44} {:>10} {:>10} {:>7}",
        "streaming CPU above that floor",
        pct(cw),
        pct(sw),
        ratio(sw, cw)
    );
    println!("pane change -> state change");
    let [c, s] = latency;
    println!("{:<44} {:>10} {:>10}", "  p50", ms(c, 50.0), ms(s, 50.0));
    println!("{:<44} {:>10} {:>10}", "  p95", ms(c, 95.0), ms(s, 95.0));
    let missed = |l: &Latency| l.missed.values().sum::<usize>();
    println!(
        "{:<44} {:>10} {:>10}",
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
