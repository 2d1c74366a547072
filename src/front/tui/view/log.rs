//! The event log over the whole dashboard: every recent event in plain words, newest first,
//! filterable, the selected one expanded to all its lines on Enter.

use super::{fg, paint};
use crate::front::tui::log_filter::log_events;
use crate::front::tui::rows::{clock, kind_words, log_rows};
use crate::front::tui::state::{LogView, UiState};
use crate::visible::one_line;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

pub fn render(frame: &mut Frame, area: Rect, ui: &UiState, view: &LogView) {
    let rows = log_rows(log_events(&ui.events, view), &view.filter);
    let selected = view.selected.min(rows.len().saturating_sub(1));
    let mut lines: Vec<Line> = Vec::new();
    let mut at = 0;
    for (i, e) in rows.iter().enumerate() {
        let who = e.worker.map_or("  ".to_string(), |w| format!("w{w}"));
        let task = e.task.as_deref().unwrap_or("-");
        let first = e.detail.lines().next().unwrap_or("");
        let color = match e.kind.as_str() {
            "worker_crashed" | "failed" | "verify_failed" | "delivery_failed" | "stuck"
            | "early_exit" | "repair" => Color::Red,
            "done" | "delivered" => Color::Green,
            "operator" | "held" | "attached" => Color::Magenta,
            "auto_answer" => Color::Cyan,
            _ => Color::Gray,
        };
        let mut line = Line::from(vec![
            Span::styled(format!("{} ", clock(e.at)), fg(ui, Color::DarkGray)),
            Span::raw(format!("{who:<4}")),
            Span::styled(format!("{:<18} ", one_line(task)), fg(ui, Color::Yellow)),
            Span::styled(format!("{:<20} ", kind_words(&e.kind)), fg(ui, color)),
            Span::raw(one_line(first).into_owned()),
        ]);
        if i == selected {
            at = lines.len();
            line = line.patch_style(paint(ui, Style::default().add_modifier(Modifier::REVERSED)));
        }
        lines.push(line);
        if i == selected && view.expanded {
            let more: Vec<&str> = e.detail.lines().skip(1).collect();
            if more.is_empty() {
                lines.push(Line::styled("    (nothing more)", fg(ui, Color::DarkGray)));
            }
            for l in more {
                lines.push(Line::raw(format!("    │ {}", one_line(l))));
            }
        }
    }
    if rows.is_empty() {
        lines.push(Line::styled(
            if view.filter.is_empty() {
                "no events yet"
            } else {
                "no event matches the filter"
            },
            fg(ui, Color::DarkGray),
        ));
    }
    let inner = area.height.saturating_sub(2) as usize;
    // The selected event, and as much of its expansion as fits, stay in view.
    let end = if view.expanded {
        lines.len().min(at + inner)
    } else {
        at + 1
    };
    let scroll = end.saturating_sub(inner);
    let filter = if view.typing {
        format!("filter: {}▏ ", view.filter)
    } else if view.filter.is_empty() {
        String::new()
    } else {
        format!("filter \"{}\" ", view.filter)
    };
    let title = format!(
        " Event log {}/{} {filter}· ↑↓ · Enter expand · / filter (w:2 t:id k:kind) · Esc close ",
        if rows.is_empty() { 0 } else { selected + 1 },
        rows.len()
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(fg(ui, Color::Cyan));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll as u16, 0)),
        area,
    );
}
