//! `czar stats --html FILE`: the run on one self-contained page (inline CSS and SVG, nothing
//! fetched): a timeline with one lane per worker and each task it held as a bar coloured by how
//! that attempt ended, the tasks finished over time, and the autonomy and landing figures.

use super::stats::RunStats;
use crate::adapters::store::EventRow;
use std::collections::BTreeMap;
use std::fmt::Write;

/// How one attempt on a task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Failed,
    /// Given back to the queue (a crash, a kill, a reassignment, a hold).
    Requeued,
    /// Still held when the record ends.
    Running,
}

impl Outcome {
    fn color(self) -> &'static str {
        match self {
            Outcome::Done => "#2e9e4f",
            Outcome::Failed => "#d64545",
            Outcome::Requeued => "#e0a030",
            Outcome::Running => "#3b7dd8",
        }
    }

    fn word(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Failed => "failed",
            Outcome::Requeued => "given back",
            Outcome::Running => "running",
        }
    }
}

/// One task on one worker, from its assignment to its end (ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub worker: u32,
    pub task: String,
    pub from: u64,
    pub to: u64,
    pub outcome: Outcome,
}

/// The bars, from the event log: an `assigned` opens one on its worker; `done`, `failed` or
/// `requeued` of its task closes it, as does the worker's next assignment.
pub fn bars(events: &[EventRow]) -> Vec<Bar> {
    let mut open: BTreeMap<u32, (String, u64)> = BTreeMap::new();
    let mut out = Vec::new();
    let close = |open: &mut BTreeMap<u32, (String, u64)>, w: u32, at: u64, o: Outcome| {
        open.remove(&w).map(|(task, from)| Bar {
            worker: w,
            task,
            from,
            to: at.max(from),
            outcome: o,
        })
    };
    for e in events {
        let task = e.task.as_deref().unwrap_or("");
        let outcome = match e.kind.as_str() {
            "assigned" => {
                if let Some(w) = e.worker {
                    out.extend(close(&mut open, w, e.at, Outcome::Requeued));
                    open.insert(w, (task.to_string(), e.at));
                }
                continue;
            }
            "done" => Outcome::Done,
            "failed" => Outcome::Failed,
            "requeued" => Outcome::Requeued,
            _ => continue,
        };
        let holder = open.iter().find(|(_, (t, _))| t == task).map(|(w, _)| *w);
        if let Some(w) = holder {
            out.extend(close(&mut open, w, e.at, outcome));
        }
    }
    let end = events.last().map_or(0, |e| e.at);
    let left: Vec<u32> = open.keys().copied().collect();
    for w in left {
        out.extend(close(&mut open, w, end, Outcome::Running));
    }
    out.sort_by_key(|b| (b.worker, b.from));
    out
}

/// Text for HTML and SVG: the five characters that mean something there, escaped.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() || crate::visible::is_unsafe(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

const WIDTH: f64 = 1000.0;
const LEFT: f64 = 60.0;
const LANE: f64 = 26.0;

fn minutes(ms: u64) -> String {
    let s = ms / 1000;
    if s < 120 {
        format!("{s}s")
    } else {
        format!("{}m", s / 60)
    }
}

/// The whole page.
pub fn page(project: &str, s: &RunStats, events: &[EventRow]) -> String {
    let bars = bars(events);
    let t0 = events.first().map_or(0, |e| e.at);
    let t1 = events.last().map_or(t0, |e| e.at).max(t0 + 1);
    let span = (t1 - t0) as f64;
    let x = |t: u64| LEFT + (t.saturating_sub(t0) as f64 / span) * (WIDTH - LEFT - 10.0);
    let mut html = String::new();
    let pct = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{:.0}%", v * 100.0));
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>czar run: {p}</title><style>{CSS}</style></head><body>\
         <h1>czar run: {p}</h1><p class=\"sub\">{from}, {len}</p>",
        p = esc(project),
        from = crate::adapters::lock::utc(
            std::time::UNIX_EPOCH + std::time::Duration::from_millis(t0)
        ),
        len = minutes(t1 - t0),
    );
    html.push_str("<div class=\"figures\">");
    let mut figure = |name: &str, value: String| {
        let _ = write!(
            html,
            "<div class=\"fig\"><div class=\"v\">{}</div><div class=\"n\">{}</div></div>",
            esc(&value),
            esc(name)
        );
    };
    figure("tasks", s.tasks.to_string());
    figure("done", s.done.to_string());
    figure("failed", s.failed.to_string());
    figure("autonomy", pct(s.autonomy));
    figure("operator interventions", s.interventions.to_string());
    figure("auto-answers", s.auto_answers.to_string());
    figure("attempts", s.attempts.to_string());
    figure("restarts", s.restarts.to_string());
    match &s.landing {
        Some(l) => {
            figure("landed", l.landed.to_string());
            figure("landed share", pct(l.share));
            figure(
                "conflicts (resolved)",
                format!("{} ({})", l.conflicts, l.conflicts_resolved),
            );
        }
        None => figure("landing", "off".into()),
    }
    html.push_str("</div>");
    timeline(&mut html, &bars, t0, t1, &x);
    throughput(&mut html, events, t0, &x);
    html.push_str("</body></html>\n");
    html
}

fn timeline(html: &mut String, bars: &[Bar], t0: u64, t1: u64, x: &impl Fn(u64) -> f64) {
    let workers: Vec<u32> = {
        let mut w: Vec<u32> = bars.iter().map(|b| b.worker).collect();
        w.dedup();
        w
    };
    let height = 30.0 + LANE * workers.len().max(1) as f64;
    let _ = write!(
        html,
        "<h2>Timeline</h2><svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"{WIDTH}\" height=\"{height}\" role=\"img\" aria-label=\"tasks per worker over time\">"
    );
    for (lane, w) in workers.iter().enumerate() {
        let y = 10.0 + lane as f64 * LANE;
        let _ = write!(
            html,
            "<text x=\"4\" y=\"{ty}\" class=\"lane\">w{w}</text>\
             <line x1=\"{LEFT}\" x2=\"{WIDTH}\" y1=\"{ly}\" y2=\"{ly}\" class=\"grid\"/>",
            ty = y + 15.0,
            ly = y + LANE - 2.0,
        );
        for b in bars.iter().filter(|b| b.worker == *w) {
            let (bx, bw) = (x(b.from), (x(b.to) - x(b.from)).max(2.0));
            let _ = write!(
                html,
                "<g><title>{t}: {o}, {d}</title><rect x=\"{bx:.1}\" y=\"{y:.1}\" width=\"{bw:.1}\" \
                 height=\"{h}\" rx=\"3\" fill=\"{c}\"/>",
                t = esc(&b.task),
                o = b.outcome.word(),
                d = minutes(b.to - b.from),
                h = LANE - 6.0,
                c = b.outcome.color(),
            );
            if bw > 50.0 {
                let chars = ((bw - 8.0) / 7.0) as usize;
                let label: String = b.task.chars().take(chars).collect();
                let _ = write!(
                    html,
                    "<text x=\"{tx:.1}\" y=\"{ty:.1}\" class=\"bar\">{l}</text>",
                    tx = bx + 4.0,
                    ty = y + 14.0,
                    l = esc(&label)
                );
            }
            html.push_str("</g>");
        }
    }
    let _ = write!(
        html,
        "<text x=\"{LEFT}\" y=\"{ay}\" class=\"axis\">0</text>\
         <text x=\"{WIDTH}\" y=\"{ay}\" class=\"axis\" text-anchor=\"end\">{end}</text></svg>",
        ay = height - 4.0,
        end = minutes(t1 - t0),
    );
    html.push_str("<p class=\"legend\">");
    for o in [
        Outcome::Done,
        Outcome::Failed,
        Outcome::Requeued,
        Outcome::Running,
    ] {
        let _ = write!(
            html,
            "<span><i style=\"background:{}\"></i>{}</span>",
            o.color(),
            o.word()
        );
    }
    html.push_str("</p>");
}

/// Tasks done (and failed) so far, over time: a step line each.
fn throughput(html: &mut String, events: &[EventRow], t0: u64, x: &impl Fn(u64) -> f64) {
    let height = 160.0;
    let finals: Vec<&EventRow> = events
        .iter()
        .filter(|e| e.kind == "done" || e.kind == "failed")
        .collect();
    let total = finals.len().max(1) as f64;
    let y = |n: usize| height - 20.0 - (n as f64 / total) * (height - 40.0);
    let _ = write!(
        html,
        "<h2>Throughput</h2><svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" \
         height=\"{height}\" role=\"img\" aria-label=\"tasks finished over time\">\
         <line x1=\"{LEFT}\" x2=\"{WIDTH}\" y1=\"{b}\" y2=\"{b}\" class=\"grid\"/>",
        b = y(0)
    );
    for (kind, color) in [
        ("done", Outcome::Done.color()),
        ("failed", Outcome::Failed.color()),
    ] {
        let mut n = 0;
        let mut points = format!("{LEFT:.1},{:.1}", y(0));
        for e in finals.iter().filter(|e| e.kind == kind) {
            let _ = write!(points, " {:.1},{:.1}", x(e.at), y(n));
            n += 1;
            let _ = write!(points, " {:.1},{:.1}", x(e.at), y(n));
        }
        let _ = write!(points, " {:.1},{:.1}", WIDTH - 10.0, y(n));
        let _ = write!(
            html,
            "<polyline points=\"{points}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"3\"/>\
             <text x=\"{tx}\" y=\"{ty:.1}\" class=\"axis\" text-anchor=\"end\">{n} {kind}</text>",
            tx = WIDTH - 12.0,
            ty = y(n) - 6.0,
        );
    }
    let _ = t0;
    html.push_str("</svg>");
}

const CSS: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}\
h1{font-size:22px;margin:0}h2{font-size:16px;margin:24px 0 8px}.sub{color:#666;margin:4px 0 16px}\
.figures{display:flex;flex-wrap:wrap;gap:10px}.fig{background:#f2f4f8;border-radius:6px;\
padding:8px 14px;min-width:90px}.fig .v{font-size:22px;font-weight:600;color:#1d3f72}\
.fig .n{color:#555;font-size:12px}.chart{background:#fafbfd;border:1px solid #dde2ea;\
border-radius:6px;max-width:100%;height:auto}.lane{font:12px monospace;fill:#333}\
.bar{font:11px monospace;fill:#fff}.axis{font:11px sans-serif;fill:#666}\
.grid{stroke:#e3e7ee}.legend span{margin-right:14px}.legend i{display:inline-block;\
width:12px;height:12px;border-radius:2px;margin-right:4px;vertical-align:-1px}";

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(at: u64, worker: Option<u32>, task: &str, kind: &str) -> EventRow {
        EventRow {
            seq: at as i64,
            at,
            worker,
            task: Some(task.into()),
            kind: kind.into(),
            detail: String::new(),
        }
    }

    #[test]
    fn bars_follow_each_attempt_to_its_end() {
        let events = vec![
            ev(0, Some(1), "a", "assigned"),
            ev(10, Some(2), "b", "assigned"),
            ev(50, Some(1), "a", "done"),
            ev(60, Some(2), "b", "requeued"),
            ev(70, Some(1), "b", "assigned"),
            ev(80, None, "b", "failed"),
            ev(90, Some(2), "c", "assigned"),
            ev(100, Some(2), "c", "report"),
        ];
        let all = bars(&events);
        let got: Vec<(u32, &str, u64, u64, Outcome)> = all
            .iter()
            .map(|b| (b.worker, b.task.as_str(), b.from, b.to, b.outcome))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "a", 0, 50, Outcome::Done),
                (1, "b", 70, 80, Outcome::Failed),
                (2, "b", 10, 60, Outcome::Requeued),
                (2, "c", 90, 100, Outcome::Running),
            ]
        );
    }

    #[test]
    fn the_page_is_self_contained_and_escapes_names() {
        let events = vec![
            ev(0, Some(1), "<script>x</script>", "assigned"),
            ev(60_000, Some(1), "<script>x</script>", "done"),
        ];
        let s = super::super::stats::compute(&Default::default(), &Default::default(), &events);
        let html = page("p&q", &s, &events);
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;") && html.contains("p&amp;q"));
        for remote in ["http://", "https://", "src=", "@import", "url("] {
            assert!(!html.contains(remote), "fetches nothing: {remote}");
        }
        assert!(html.contains("<svg") && html.contains("Timeline") && html.contains("Throughput"));
    }
}
