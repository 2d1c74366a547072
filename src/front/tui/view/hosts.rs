//! The hosts line under the worker table (only with `[hosts]`): each host's health and the
//! workers placed there, as the engine published them; and the HOST column's words.

use super::fg;
use crate::core::model::WorkerId;
use crate::engine::fleet_view::{HostHealth, HostRow};
use crate::front::tui::rows::{ago, clock};
use crate::front::tui::state::UiState;
use crate::visible::one_line;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The host worker `worker` runs on, from the published rows; `None`: this machine. The one
/// place the view learns a worker's host, so it can read it from the model once the core
/// carries it.
pub fn host_of(hosts: &[HostRow], worker: WorkerId) -> Option<&HostRow> {
    hosts.iter().find(|h| h.workers.contains(&worker))
}

/// `up`, `reconnecting 12s`, `down since 12:03:04` (UTC, as the event log's times); `short`:
/// `up`, `retry 12s`, `down 12:03`.
/// Unreachable for less than its grace, a host is reconnecting (the core keeps its tasks there);
/// past it, down (they went back to the queue).
pub fn health_words(h: &HostRow, now: u64, short: bool) -> String {
    match (h.health, short) {
        (HostHealth::Up, _) => "up".into(),
        (HostHealth::Down { since, .. }, _) if now.saturating_sub(since) < h.grace_ms => {
            let word = if short { "retry" } else { "reconnecting" };
            format!("{word} {}", ago(now.saturating_sub(since)))
        }
        (HostHealth::Down { since, .. }, false) => format!("down since {}", clock(since)),
        (HostHealth::Down { since, .. }, true) => format!("down {}", &clock(since)[..5]),
    }
}

/// The colour of a host's health: green up, yellow reconnecting, red down.
pub fn health_color(h: &HostRow, now: u64) -> Color {
    match h.health {
        HostHealth::Up => Color::Green,
        HostHealth::Down { since, .. } if now.saturating_sub(since) < h.grace_ms => Color::Yellow,
        HostHealth::Down { .. } => Color::Red,
    }
}

/// `w3`, `w3-6`, `w3,5` (a host's workers are consecutive today; any set reads right).
fn workers_words(ids: &[WorkerId]) -> String {
    match ids {
        [] => "no workers".into(),
        [one] => format!("w{one}"),
        [first, .., last] if (last - first) as usize + 1 == ids.len() => {
            format!("w{first}-{last}")
        }
        _ => format!(
            "w{}",
            ids.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
        ),
    }
}

/// How much a hosts line says: all of it, then without the workers, then in short words with
/// names cut to 8 cells, the first that fits the width.
#[derive(Clone, Copy)]
enum Detail {
    Full,
    NoWorkers,
    Short,
}

fn spans<'a>(ui: &UiState, detail: Detail) -> Vec<Span<'a>> {
    let mut spans = vec![Span::styled(" hosts ", fg(ui, Color::Gray))];
    for (i, h) in ui.hosts.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" │", fg(ui, Color::DarkGray)));
        }
        let name = one_line(&h.name);
        let name = match detail {
            Detail::Short => super::fit(&name, 8),
            _ => name.into_owned(),
        };
        spans.push(Span::raw(format!(" {name} ")));
        spans.push(Span::styled(
            health_words(h, ui.now, matches!(detail, Detail::Short)),
            fg(ui, health_color(h, ui.now)),
        ));
        if matches!(detail, Detail::Full) {
            spans.push(Span::styled(
                format!(" {}", workers_words(&h.workers)),
                fg(ui, Color::Gray),
            ));
        }
    }
    spans
}

/// One line: `hosts  gpu-box up w3-4 │ mac reconnecting 12s w5 │ old down since 12:03:04 w6`,
/// shorter when the terminal is narrow.
pub fn render(frame: &mut Frame, area: Rect, ui: &UiState) {
    let line = [Detail::Full, Detail::NoWorkers, Detail::Short]
        .into_iter()
        .map(|d| Line::from(spans(ui, d)))
        .find(|l| l.width() <= usize::from(area.width))
        .unwrap_or_else(|| Line::from(spans(ui, Detail::Short)));
    frame.render_widget(Paragraph::new(line), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_reads_up_then_reconnecting_then_down_since() {
        let now = 10 * 3_600_000;
        let row = |health| HostRow {
            name: "a".into(),
            health,
            workers: vec![2],
            grace_ms: 60_000,
        };
        assert_eq!(health_words(&row(HostHealth::Up), now, false), "up");
        let recent = row(HostHealth::Down {
            since: now - 12_000,
            attempts: 3,
        });
        assert_eq!(health_words(&recent, now, false), "reconnecting 12s");
        assert_eq!(health_words(&recent, now, true), "retry 12s");
        assert_eq!(health_color(&recent, now), Color::Yellow);
        let long = row(HostHealth::Down {
            since: now - 60_000,
            attempts: 9,
        });
        assert_eq!(health_words(&long, now, false), "down since 09:59:00");
        assert_eq!(health_words(&long, now, true), "down 09:59");
        assert_eq!(health_color(&long, now), Color::Red);
    }

    #[test]
    fn workers_read_as_a_range_or_a_list() {
        assert_eq!(workers_words(&[]), "no workers");
        assert_eq!(workers_words(&[3]), "w3");
        assert_eq!(workers_words(&[3, 4, 5]), "w3-5");
        assert_eq!(workers_words(&[3, 5]), "w3,5");
    }

    #[test]
    fn a_worker_s_host_is_the_row_that_lists_it() {
        let rows = vec![HostRow {
            name: "a".into(),
            health: HostHealth::Up,
            workers: vec![2, 3],
            grace_ms: 120_000,
        }];
        assert_eq!(host_of(&rows, 3).map(|h| h.name.as_str()), Some("a"));
        assert!(host_of(&rows, 1).is_none());
    }
}
