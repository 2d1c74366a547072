//! The queue (pending, blocked with what blocks them, active, done, failed with the reason) and
//! the alerts and events.

use super::{fg, paint, panel};
use crate::core::model::Model;
use crate::front::tui::rows::{self, Level};
use crate::front::tui::state::{Panel, UiState};
use crate::visible::one_line;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn queue(frame: &mut Frame, area: Rect, model: &Model, ui: &UiState) {
    let q = rows::queue(model, &ui.filter);
    let mut lines: Vec<Line> = Vec::new();
    let head = |ui: &UiState, name: &str, n: usize, c: Color| {
        Line::from(Span::styled(
            format!("{name} ({n})"),
            paint(ui, Style::default().fg(c).add_modifier(Modifier::BOLD)),
        ))
    };
    lines.push(head(ui, "pending", q.pending.len(), Color::White));
    for t in &q.pending {
        lines.push(Line::raw(format!(
            "  {} p{} {}",
            one_line(&t.def.id),
            t.def.priority,
            one_line(&t.def.title)
        )));
    }
    lines.push(head(ui, "blocked", q.blocked.len(), Color::Yellow));
    for (t, by) in &q.blocked {
        lines.push(Line::raw(format!(
            "  {} ← {}",
            one_line(&t.def.id),
            one_line(&by.join(", "))
        )));
    }
    lines.push(head(ui, "active", q.active.len(), Color::Green));
    for t in &q.active {
        let w = t.worker.map_or("-".to_string(), |w| format!("w{w}"));
        lines.push(Line::raw(format!(
            "  {} → {w} {}",
            one_line(&t.def.id),
            t.state.as_str()
        )));
    }
    lines.push(head(ui, "failed", q.failed.len(), Color::Red));
    for t in &q.failed {
        let why = t
            .reason
            .as_deref()
            .and_then(|r| r.lines().next())
            .unwrap_or("");
        lines.push(Line::from(vec![
            Span::raw(format!("  {} ", one_line(&t.def.id))),
            Span::styled(one_line(why).into_owned(), fg(ui, Color::Red)),
        ]));
    }
    lines.push(head(ui, "done", q.done.len(), Color::Blue));
    for t in &q.done {
        lines.push(Line::raw(format!(
            "  {} {}",
            one_line(&t.def.id),
            one_line(&t.def.title)
        )));
    }
    let inner = area.height.saturating_sub(2) as usize;
    let scroll = ui.queue_scroll.min(lines.len().saturating_sub(inner));
    let block = panel(ui, " Queue ".into(), Some(Panel::Queue));
    let p = Paragraph::new(lines)
        .block(block)
        .scroll((scroll as u16, 0));
    frame.render_widget(p, area);
}

pub fn alerts(frame: &mut Frame, area: Rect, model: &Model, ui: &UiState) {
    let all = rows::alerts(model, &ui.events);
    let lines: Vec<Line> = if all.is_empty() {
        vec![Line::styled("all quiet", fg(ui, Color::DarkGray))]
    } else {
        all.iter()
            .map(|a| {
                let (mark, style) = match a.level {
                    Level::Act => (
                        "▲ ",
                        paint(
                            ui,
                            Style::default()
                                .fg(Color::Magenta)
                                .add_modifier(Modifier::BOLD),
                        ),
                    ),
                    Level::Warn => ("! ", fg(ui, Color::Red)),
                    Level::Info => ("· ", fg(ui, Color::Gray)),
                };
                Line::from(vec![
                    Span::styled(mark, style),
                    Span::styled(a.text.clone(), style),
                ])
            })
            .collect()
    };
    let inner = area.height.saturating_sub(2) as usize;
    let scroll = ui.alert_scroll.min(lines.len().saturating_sub(inner));
    let block = panel(ui, " Alerts & events ".into(), Some(Panel::Alerts));
    let p = Paragraph::new(lines)
        .block(block)
        .scroll((scroll as u16, 0));
    frame.render_widget(p, area);
}
