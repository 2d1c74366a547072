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
    let order = q.in_order();
    let selected = order
        .get(ui.queue.row.min(order.len().saturating_sub(1)))
        .map(|t| t.def.id.clone());
    let focused = ui.panel == Panel::Queue;
    let mut lines: Vec<Line> = Vec::new();
    // The line of the selected task, to keep it in view.
    let mut at: Option<usize> = None;
    let mut item = |lines: &mut Vec<Line<'static>>, id: &str, line: Line<'static>| {
        if focused && selected.as_deref() == Some(id) {
            at = Some(lines.len());
            let style = paint(ui, Style::default().add_modifier(Modifier::REVERSED));
            lines.push(line.patch_style(style));
        } else {
            lines.push(line);
        }
    };
    let head = |ui: &UiState, name: &str, n: usize, c: Color| {
        Line::from(Span::styled(
            format!("{name} ({n})"),
            paint(ui, Style::default().fg(c).add_modifier(Modifier::BOLD)),
        ))
    };
    lines.push(head(ui, "ready", q.pending.len(), Color::White));
    for t in &q.pending {
        let text = format!(
            "  {} p{} {}",
            one_line(&t.def.id),
            t.def.priority,
            one_line(&t.def.title)
        );
        item(&mut lines, &t.def.id, Line::raw(text));
    }
    if !q.held.is_empty() {
        lines.push(head(ui, "held", q.held.len(), Color::Magenta));
        for t in &q.held {
            let note = t.hold.as_deref().unwrap_or("");
            let text = format!(
                "  {} p{} ⏸ {}",
                one_line(&t.def.id),
                t.def.priority,
                one_line(note)
            );
            item(&mut lines, &t.def.id, Line::raw(text));
        }
    }
    lines.push(head(ui, "blocked", q.blocked.len(), Color::Yellow));
    for (t, by) in &q.blocked {
        let text = format!("  {} ← {}", one_line(&t.def.id), one_line(&by.join(", ")));
        item(&mut lines, &t.def.id, Line::raw(text));
    }
    lines.push(head(ui, "active", q.active.len(), Color::Green));
    for t in &q.active {
        let w = t.worker.map_or("-".to_string(), |w| format!("w{w}"));
        // While the agent works, what the worker does says more than the task's state (a
        // question it waits on, a rate limit).
        let doing = t
            .worker
            .and_then(|w| model.workers.get(&w))
            .filter(|_| t.state == crate::core::model::TaskState::Working)
            .map_or(t.state.as_str(), |w| w.agent.as_str());
        let text = format!(
            "  {} → {w} {}",
            one_line(&t.def.id),
            doing.replace('_', "-")
        );
        item(&mut lines, &t.def.id, Line::raw(text));
    }
    lines.push(head(ui, "failed", q.failed.len(), Color::Red));
    for t in &q.failed {
        let why = t
            .reason
            .as_deref()
            .and_then(|r| r.lines().next())
            .unwrap_or("");
        let line = Line::from(vec![
            Span::raw(format!("  {} ", one_line(&t.def.id))),
            Span::styled(one_line(why).into_owned(), fg(ui, Color::Red)),
        ]);
        item(&mut lines, &t.def.id, line);
    }
    lines.push(head(ui, "done, latest first", q.done.len(), Color::Blue));
    for t in &q.done {
        let text = format!("  {} {}", one_line(&t.def.id), one_line(&t.def.title));
        item(&mut lines, &t.def.id, Line::raw(text));
    }
    let inner = area.height.saturating_sub(2) as usize;
    // The selection stays in view, with the header above it when it is the first of a group.
    let scroll = match at {
        Some(line) if line + 1 > inner => line + 1 - inner,
        _ => 0,
    }
    .min(lines.len().saturating_sub(inner));
    let title = if focused && !order.is_empty() {
        format!(
            " Queue {}/{} ",
            ui.queue.row.min(order.len() - 1) + 1,
            order.len()
        )
    } else {
        " Queue ".to_string()
    };
    let block = panel(ui, title, Some(Panel::Queue));
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
    let scroll = ui.places.alerts.min(lines.len().saturating_sub(inner));
    let block = panel(ui, " Alerts & events ".into(), Some(Panel::Alerts));
    let p = Paragraph::new(lines)
        .block(block)
        .scroll((scroll as u16, 0));
    frame.render_widget(p, area);
}
