//! The built-in diff view, over the dashboard: a finished task's patch, coloured the way git
//! colours it (added green, removed red, hunk headers cyan, file headers bold).

use super::{fg, paint, panel};
use crate::front::tui::state::{DiffView, UiState};
use crate::visible::one_line;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

pub fn render(frame: &mut Frame, area: Rect, ui: &UiState, view: &DiffView) {
    let inner = area.height.saturating_sub(2) as usize;
    let shown = view.lines.len().min(view.scroll + inner);
    let title = format!(
        " diff of {}: lines {}-{} of {}  ↑↓ PgUp PgDn Home End  q close ",
        one_line(&view.task),
        (view.scroll + 1).min(view.lines.len()),
        shown,
        view.lines.len()
    );
    let lines: Vec<Line> = view
        .lines
        .iter()
        .skip(view.scroll)
        .take(inner)
        .map(|l| Line::styled(one_line(l).into_owned(), look(ui, l)))
        .collect();
    frame.render_widget(Clear, area);
    let p = Paragraph::new(lines).block(panel(ui, title, None));
    frame.render_widget(p, area);
}

fn look(ui: &UiState, line: &str) -> Style {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    if line.starts_with("diff ") || line.starts_with("+++ ") || line.starts_with("--- ") {
        paint(ui, bold)
    } else if line.starts_with("@@") {
        fg(ui, Color::Cyan)
    } else if line.starts_with('+') {
        fg(ui, Color::Green)
    } else if line.starts_with('-') {
        fg(ui, Color::Red)
    } else {
        Style::default()
    }
}
