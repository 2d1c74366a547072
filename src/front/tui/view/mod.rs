//! Pure views: `render(frame, model, ui)` draws one frame from a model snapshot and the UI
//! state, and reads nothing else (no clock, no tmux, no disk), so TestBackend can check it.

mod bars;
mod diff;
pub mod hosts;
mod land_detail;
mod landing;
mod log;
mod overlay;
mod preview;
mod side;
pub mod timeline;
mod workers;

use super::state::{Panel, UiState};
use crate::core::model::{AgentState, Model, Worker};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, BorderType, Borders};

pub fn render(frame: &mut Frame, model: &Model, ui: &UiState) {
    let area = frame.area();
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    bars::header(frame, header, model, ui);
    bars::footer(frame, footer, model, ui);

    let shown = super::rows::visible_workers(model, &ui.filter).len() as u16;
    let max_table = (body.height * 45 / 100).max(5);
    let table_h = (shown + 3).clamp(5, max_table);
    // The hosts line only with `[hosts]`: a single machine keeps its layout.
    let hosts_h = u16::from(!ui.hosts.is_empty());
    let [table, hosts_line, lower] = Layout::vertical([
        Constraint::Length(table_h),
        Constraint::Length(hosts_h),
        Constraint::Min(0),
    ])
    .areas(body);
    workers::render(frame, table, model, ui);
    if hosts_h > 0 {
        hosts::render(frame, hosts_line, ui);
    }

    let preview_pct = if lower.width >= 160 { 62 } else { 56 };
    let [left, right] = Layout::horizontal([
        Constraint::Percentage(preview_pct),
        Constraint::Percentage(100 - preview_pct),
    ])
    .areas(lower);
    let landing_focused = ui.panel == crate::front::tui::state::Panel::Landing;
    if landing_focused && model.policy.land.mode.is_on() {
        land_detail::render(frame, left, model, ui);
    } else {
        preview::render(frame, left, model, ui);
    }
    // The activity sparkline where there is room for it beside the rows' timeline strips.
    let right = if timeline::strip_width(area.width) > 0 && right.height >= 14 {
        let [spark, rest] =
            Layout::vertical([Constraint::Length(4), Constraint::Min(0)]).areas(right);
        timeline::activity(frame, spark, model, ui);
        rest
    } else {
        right
    };
    if model.policy.land.mode.is_on() {
        let [queue, land, alerts] = Layout::vertical([
            Constraint::Percentage(35),
            Constraint::Percentage(30),
            Constraint::Percentage(35),
        ])
        .areas(right);
        side::queue(frame, queue, model, ui);
        landing::render(frame, land, model, ui);
        side::alerts(frame, alerts, model, ui);
    } else {
        let [queue, alerts] =
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(right);
        side::queue(frame, queue, model, ui);
        side::alerts(frame, alerts, model, ui);
    }

    overlay::render(frame, area, model, ui);
    scrub(frame.buffer_mut());
}

/// ratatui drops control characters from what it draws, but not zero-width format characters:
/// a bidi override in an agent's screen or a title would reach the terminal inside a cell and
/// reorder what follows it. The views escape user text visibly; this catches whatever else (the
/// agent's own screen in the preview) still carries one.
fn scrub(buf: &mut ratatui::buffer::Buffer) {
    for cell in buf.content.iter_mut() {
        let symbol = cell.symbol();
        if symbol.chars().any(crate::visible::is_unsafe) {
            let kept: String = symbol
                .chars()
                .filter(|c| !crate::visible::is_unsafe(*c))
                .collect();
            cell.set_symbol(if kept.is_empty() { " " } else { &kept });
        }
    }
}

/// A style that is plain when colours are off (`NO_COLOR`).
pub(crate) fn paint(ui: &UiState, style: Style) -> Style {
    if ui.color {
        style
    } else {
        // Keep emphasis that is not colour: bold and reverse still read in a mono terminal.
        let keep = style.add_modifier & (Modifier::BOLD | Modifier::REVERSED);
        Style::default().add_modifier(keep)
    }
}

pub(crate) fn fg(ui: &UiState, c: Color) -> Style {
    paint(ui, Style::default().fg(c))
}

/// A panel frame; the focused panel's border stands out.
pub(crate) fn panel<'a>(ui: &UiState, title: String, which: Option<Panel>) -> Block<'a> {
    let focused = which == Some(ui.panel);
    let border = if focused {
        paint(
            ui,
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
        )
    } else {
        fg(ui, Color::DarkGray)
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(border)
        .title(title)
}

/// The symbol and colour of a worker's state.
pub(crate) fn state_look(w: &Worker) -> (&'static str, Color) {
    if super::rows::state_name(w) == "stopped" {
        return ("■", Color::DarkGray);
    }
    match w.agent {
        AgentState::Starting => ("◌", Color::Yellow),
        AgentState::Busy => ("●", Color::Green),
        AgentState::Idle => ("○", Color::Blue),
        AgentState::Waiting => ("?", Color::Magenta),
        AgentState::Stuck => ("‖", Color::Red),
        AgentState::RateLimited => ("~", Color::Yellow),
        AgentState::Error => ("!", Color::Red),
        AgentState::Crashed => ("✗", Color::Red),
        AgentState::Done => ("✓", Color::Green),
    }
}

/// Centered box for dialogs.
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// `name` in `width` cells; a name too long loses its middle, not its end, so two names that
/// differ only at the end (`port-module-a`, `port-module-b`) stay told apart.
pub fn fit(name: &str, width: usize) -> String {
    let n = name.chars().count();
    if n <= width {
        return name.to_string();
    }
    if width < 5 {
        return name.chars().take(width).collect();
    }
    let tail = (width - 1) / 2;
    let head = width - 1 - tail;
    let start: String = name.chars().take(head).collect();
    let end: String = name.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::buffer::Buffer;
    use ratatui::widgets::{Cell, Row, Table, Widget};

    #[test]
    fn a_bidi_override_ratatui_lets_through_is_scrubbed() {
        // A table cell appends a zero-width character to the cell before it, raw.
        let area = Rect::new(0, 0, 12, 1);
        let mut buf = Buffer::empty(area);
        let row = Row::new([Cell::from("ab\u{202e}cd\u{2066}")]);
        Table::new([row], [Constraint::Length(12)]).render(area, &mut buf);
        let drawn = |b: &Buffer| b.content.iter().map(|c| c.symbol()).collect::<String>();
        assert!(
            drawn(&buf).contains('\u{202e}'),
            "ratatui changed: {:?}",
            drawn(&buf)
        );
        scrub(&mut buf);
        assert_eq!(drawn(&buf).trim_end(), "abcd");
    }
}
