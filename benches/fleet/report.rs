//! The figures, as the table README "## Benchmarks" shows.

use super::czar_side::CzarRun;
use super::naive::NaiveRun;
use super::probe::Probes;
use crate::shared::percentile;

fn p(probes: &Probes, screen: bool, pct: f64) -> Option<u64> {
    let v = if screen {
        &probes.to_screen
    } else {
        &probes.to_event
    };
    percentile(&v.lock().unwrap_or_else(|e| e.into_inner()), pct)
}

fn ms(v: Option<u64>) -> String {
    v.map_or("-".into(), |v| format!("{v}"))
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.0}x", a / b)
    } else {
        "-".into()
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

pub fn print(c: &CzarRun, n: &NaiveRun) {
    let (i, s) = (&c.idle, &c.streaming);
    let naive_pct = 100.0 * n.cpu / n.wall;
    let czar_idle = i.pct(i.watcher);
    let idle_msgs = [0, 1].map(|h| i.per_sec(i.lines[h]));
    let czar_p95 = p(&c.idle_probes, true, 95.0);
    let naive_p95 = p(&n.probes, true, 95.0);
    println!();
    println!("| 100 panes over 2 hosts | czar | naive (ssh capture-pane / 500 ms) | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| idle: watcher CPU (incl. ssh clients) | {:.2}% | {:.1}% | {} |",
        czar_idle,
        naive_pct,
        ratio(naive_pct, czar_idle)
    );
    println!(
        "| streaming (10 panes per host, 10 lines/s): watcher CPU | {:.2}% | | |",
        s.pct(s.watcher)
    );
    for h in 0..2 {
        println!(
            "| host {}: `czar node` CPU (with its tmux, git), idle / streaming | {:.2}% / {:.2}% | | |",
            h + 1,
            i.pct(i.nodes[h]),
            s.pct(s.nodes[h])
        );
    }
    println!(
        "| protocol lines per second per host, idle | {:.2} / {:.2} | | |",
        idle_msgs[0], idle_msgs[1]
    );
    println!(
        "| protocol lines per second per host, streaming | {:.1} / {:.1} | | |",
        s.per_sec(s.lines[0]),
        s.per_sec(s.lines[1])
    );
    println!(
        "| ssh connections per second | 0 (2 kept open) | {:.1} ({} failed) | |",
        n.polls as f64 / n.wall,
        n.failed
    );
    println!(
        "| pane change → event at the czar, p50 / p95 (idle) | {} / {} ms | | |",
        ms(p(&c.idle_probes, false, 50.0)),
        ms(p(&c.idle_probes, false, 95.0))
    );
    println!(
        "| pane change → screen seen, p50 / p95 (idle) | {} / {} ms | {} / {} ms | {} |",
        ms(p(&c.idle_probes, true, 50.0)),
        ms(czar_p95),
        ms(p(&n.probes, true, 50.0)),
        ms(naive_p95),
        match (naive_p95, czar_p95) {
            (Some(a), Some(b)) => ratio(a as f64, b as f64),
            _ => "-".into(),
        }
    );
    println!(
        "| pane change → screen seen, p50 / p95 (streaming) | {} / {} ms | | |",
        ms(p(&c.stream_probes, true, 50.0)),
        ms(p(&c.stream_probes, true, 95.0))
    );
    println!(
        "| markers never seen | {} + {} of {} | {} of {} within {} s | |",
        c.idle_missed,
        c.stream_missed,
        2 * super::PROBES,
        n.missed,
        2 * (super::PER_HOST - super::STREAMERS),
        super::naive::ALL_LIMIT.as_secs()
    );
    println!();
    println!(
        "targets: czar <= 1% of a core idle: {} ({czar_idle:.2}%); <= 1 message/s per idle host: {} \
         ({:.2}, {:.2}); latency p95 <= 400 ms: {} ({} ms)",
        verdict(czar_idle <= 1.0),
        verdict(idle_msgs.iter().all(|m| *m <= 1.0)),
        idle_msgs[0],
        idle_msgs[1],
        verdict(czar_p95.is_some_and(|v| v <= 400)),
        ms(czar_p95)
    );
}
