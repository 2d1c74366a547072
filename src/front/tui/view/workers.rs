//! The worker table: one row per worker, the selected one highlighted.

use super::{fg, paint, panel, state_look};
use crate::core::model::{Model, Worker};
use crate::front::tui::rows::{self, ago};
use crate::front::tui::state::{Panel, UiState};
use crate::visible::one_line;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, TableState};

pub fn render(frame: &mut Frame, area: Rect, model: &Model, ui: &UiState) {
    let shown = rows::visible_workers(model, &ui.filter);
    let title = if ui.filter.is_empty() {
        format!(" Workers ({}) ", shown.len())
    } else {
        format!(
            " Workers ({} of {}, filter \"{}\") ",
            shown.len(),
            model.workers.len(),
            ui.filter
        )
    };
    let wide = area.width >= 120;
    let mut head = vec!["id", "agent", "state", "task"];
    if wide {
        head.push("branch");
    }
    head.extend(["ahd", "files ±", "act", "last output"]);
    let header = Row::new(head.into_iter().map(Cell::from))
        .style(paint(ui, Style::default().add_modifier(Modifier::BOLD)).fg_opt(ui, Color::Gray));
    let body: Vec<Row> = shown
        .iter()
        .map(|w| row(w, ui, wide, attached_mark(model, w)))
        .collect();
    let mut widths = vec![
        Constraint::Length(3),
        Constraint::Length(6),
        Constraint::Length(14),
        Constraint::Length(if wide { 16 } else { 10 }),
    ];
    if wide {
        widths.push(Constraint::Length(18));
    }
    widths.extend([
        Constraint::Length(3),
        Constraint::Length(if wide { 14 } else { 9 }),
        Constraint::Length(4),
        Constraint::Min(8),
    ]);
    let table = Table::new(body, widths)
        .header(header)
        .block(panel(ui, title, Some(Panel::Workers)))
        .column_spacing(1)
        .row_highlight_style(paint(ui, Style::default().add_modifier(Modifier::REVERSED)))
        .highlight_symbol("▶");
    let mut state = TableState::default();
    if !shown.is_empty() {
        state.select(Some(ui.selected.min(shown.len() - 1)));
    }
    frame.render_stateful_widget(table, area, &mut state);
}

trait FgOpt {
    fn fg_opt(self, ui: &UiState, c: Color) -> Self;
}

impl FgOpt for Style {
    fn fg_opt(self, ui: &UiState, c: Color) -> Style {
        if ui.color { self.fg(c) } else { self }
    }
}

/// What the row says about a client attached to the worker's session: the czar types nothing
/// there while it waits for the client to go (⏸), and says so when something is held.
fn attached_mark(model: &Model, w: &Worker) -> Option<&'static str> {
    if !w.vitals.attached || !w.live {
        return None;
    }
    if !model.hands_off(w.id) {
        return Some("attached ");
    }
    let holding = w.delivery.is_some() || model.held_input.contains_key(&w.id);
    Some(if holding {
        "⏸ attached, holding input "
    } else {
        "⏸ attached "
    })
}

fn row<'a>(w: &Worker, ui: &UiState, wide: bool, mark: Option<&'static str>) -> Row<'a> {
    let (symbol, color) = state_look(w);
    let since = ago(ui.now.saturating_sub(w.since));
    let state = Line::from(vec![Span::styled(
        format!("{symbol} {} {since}", rows::state_name(w).replace('_', "-")),
        fg(ui, color),
    )]);
    // Branch figures belong to the task it holds; an idle worker's are of its last task.
    let b = if w.task.is_some() {
        w.branch.clone().unwrap_or_default()
    } else {
        Default::default()
    };
    let task = one_line(w.task.as_deref().unwrap_or("-")).into_owned();
    let mut cells = vec![
        Cell::from(w.id.to_string()),
        Cell::from(one_line(&w.profile).into_owned()),
        Cell::from(state),
        Cell::from(task),
    ];
    if wide {
        let branch = w
            .task
            .as_deref()
            .map_or("-".to_string(), crate::core::model::branch_for);
        cells.push(Cell::from(one_line(&branch).into_owned()));
    }
    let files = if b.files == 0 && b.added == 0 && b.removed == 0 {
        "-".to_string()
    } else if wide {
        format!("{} +{} −{}", b.files, b.added, b.removed)
    } else {
        format!("{}+{}−{}", b.files, b.added, b.removed)
    };
    // Last activity: the newer of the last state change and the last commit.
    let commit_ms = b.last_commit_time.map_or(0, |s| (s.max(0) as u64) * 1000);
    let active = ago(ui.now.saturating_sub(w.since.max(commit_ms)));
    cells.extend([
        Cell::from(if b.ahead == 0 {
            "-".to_string()
        } else {
            b.ahead.to_string()
        }),
        Cell::from(Line::from(vec![Span::styled(files, fg(ui, Color::Green))])),
        Cell::from(active),
        Cell::from(Line::from(vec![
            Span::styled(
                mark.unwrap_or(""),
                paint(ui, Style::default().add_modifier(Modifier::BOLD)).fg_opt(ui, Color::Yellow),
            ),
            Span::styled(one_line(&w.last_line).into_owned(), fg(ui, Color::Gray)),
        ])),
    ]);
    Row::new(cells)
}
