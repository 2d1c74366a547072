//! Dialogs drawn over the dashboard: help, kill confirmation, reassign picker, type a line,
//! add a task.

use super::{centered, fg, paint};
use crate::core::model::{Model, branch_for};
use crate::front::tui::keymap::Action;
use crate::front::tui::state::{Dialog, TaskForm, UiState};
use crate::visible::one_line;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

pub fn render(frame: &mut Frame, area: Rect, model: &Model, ui: &UiState) {
    match &ui.dialog {
        Dialog::None | Dialog::Filter => {}
        Dialog::Help => help(frame, area, ui),
        // Everything but the header: the log is read at full height.
        Dialog::EventLog(view) => {
            let body = Rect {
                y: area.y + 1,
                height: area.height.saturating_sub(1),
                ..area
            };
            super::log::render(frame, body, ui, view)
        }
        // Like the log: everything but the header, for reading.
        Dialog::Diff(view) => {
            let body = Rect {
                y: area.y + 1,
                height: area.height.saturating_sub(1),
                ..area
            };
            super::diff::render(frame, body, ui, view)
        }
        Dialog::ConfirmKill(w) => {
            let task = model.workers.get(w).and_then(|x| x.task.clone());
            let what = match &task {
                Some(t) => format!(
                    "Its task {t} goes back to the queue; its work stays on {}.",
                    branch_for(t)
                ),
                None => "It holds no task.".to_string(),
            };
            let lines = vec![
                Line::styled(
                    format!("Kill worker {w}?"),
                    Style::default().add_modifier(Modifier::BOLD),
                ),
                Line::raw(what),
                Line::raw(""),
                Line::raw("y: kill it    any other key: keep it"),
            ];
            boxed(frame, area, ui, " Kill ", lines, 60, 8, Color::Red);
        }
        Dialog::ConfirmCancel(task) => {
            let needed: Vec<&str> = model
                .tasks
                .values()
                .filter(|t| t.def.needs.contains(task) && !t.state.is_final())
                .map(|t| t.def.id.as_str())
                .collect();
            let what = if needed.is_empty() {
                "It fails, the operator its reason; `R` retries it.".to_string()
            } else {
                format!(
                    "It fails, and so do the tasks that need it: {}.",
                    one_line(&needed.join(", "))
                )
            };
            let lines = vec![
                Line::styled(
                    format!("Cancel task {}?", one_line(task)),
                    Style::default().add_modifier(Modifier::BOLD),
                ),
                Line::raw(what),
                Line::raw(""),
                Line::raw("y: cancel it    any other key: keep it"),
            ];
            boxed(frame, area, ui, " Cancel ", lines, 64, 8, Color::Red);
        }
        Dialog::Reassign {
            worker,
            tasks,
            selected,
        } => {
            let mut lines = vec![Line::raw(format!(
                "Give worker {worker} one of the ready tasks; its current task goes back to the queue."
            ))];
            for (i, id) in tasks.iter().enumerate() {
                let title = model.tasks.get(id).map_or("", |t| t.def.title.as_str());
                let mark = if i == *selected { "▶" } else { " " };
                let line = format!("{mark} {}  {}", one_line(id), one_line(title));
                lines.push(if i == *selected {
                    Line::styled(
                        line,
                        paint(ui, Style::default().add_modifier(Modifier::REVERSED)),
                    )
                } else {
                    Line::raw(line)
                });
            }
            let h = (tasks.len() as u16).saturating_add(5).min(20);
            boxed(frame, area, ui, " Reassign ", lines, 64, h, Color::Cyan);
        }
        Dialog::Type { worker, text } => {
            let lines = vec![
                Line::raw(format!(
                    "Type a line into worker {worker} (Enter sends it):"
                )),
                Line::styled(format!("> {text}▏"), fg(ui, Color::Yellow)),
            ];
            boxed(frame, area, ui, " Type ", lines, 64, 6, Color::Cyan);
        }
        Dialog::AddTask(form) => add_task(frame, area, ui, form),
        Dialog::Reject { task, text } => {
            let lines = vec![
                Line::raw(format!(
                    "Send {} back to its agent with a note (Enter sends it):",
                    crate::visible::one_line(task)
                )),
                Line::styled(format!("> {text}▏"), fg(ui, Color::Yellow)),
            ];
            boxed(frame, area, ui, " Reject ", lines, 72, 6, Color::Red);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn boxed(
    frame: &mut Frame,
    area: Rect,
    ui: &UiState,
    title: &str,
    lines: Vec<Line>,
    w: u16,
    h: u16,
    color: Color,
) {
    let r = centered(area, w, h);
    frame.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title.to_string())
        .border_style(paint(
            ui,
            Style::default().fg(color).add_modifier(Modifier::BOLD),
        ));
    let p = Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false });
    frame.render_widget(p, r);
}

fn help(frame: &mut Frame, area: Rect, ui: &UiState) {
    let key_style = paint(
        ui,
        Style::default()
            .fg(Color::Cyan)
            .add_modifier(Modifier::BOLD),
    );
    let entries: Vec<(String, &str)> = Action::ALL
        .iter()
        .map(|a| (ui.keys.label(*a), a.describe()))
        .collect();
    let footer = "Change them in czar.toml under [keys]. Any key closes this.";
    // One column when it fits the screen's height, else two side by side, each description
    // cut to its column, so that no key is ever hidden below the screen's edge.
    let one_column = entries.len() as u16 + 4 <= area.height;
    let (width, mut lines) = if one_column {
        let lines = entries
            .iter()
            .map(|(key, what)| {
                Line::from(vec![
                    Span::styled(format!("{key:>10}  "), key_style),
                    Span::raw(what.to_string()),
                ])
            })
            .collect::<Vec<_>>();
        (66, lines)
    } else {
        let width = area.width.clamp(40, 160);
        let column = (usize::from(width) - 2) / 2;
        let rows = entries.len().div_ceil(2);
        let cell = |i: usize| -> Vec<Span> {
            let Some((key, what)) = entries.get(i) else {
                return Vec::new();
            };
            let key = format!("{key:>7} ");
            let room = column.saturating_sub(key.chars().count() + 1);
            let what: String = what.chars().take(room).collect();
            let pad = column.saturating_sub(key.chars().count() + what.chars().count());
            vec![
                Span::styled(key, key_style),
                Span::raw(format!("{what}{}", " ".repeat(pad))),
            ]
        };
        let lines = (0..rows)
            .map(|r| {
                let mut spans = cell(r);
                spans.extend(cell(r + rows));
                Line::from(spans)
            })
            .collect::<Vec<_>>();
        (width, lines)
    };
    lines.push(Line::raw(""));
    lines.push(Line::raw(footer));
    let h = lines.len() as u16 + 2;
    boxed(frame, area, ui, " Keys ", lines, width, h, Color::Cyan);
}

fn add_task(frame: &mut Frame, area: Rect, ui: &UiState, form: &TaskForm) {
    let style_of = |i: usize| {
        if form.field == i {
            paint(
                ui,
                Style::default()
                    .fg(Color::Yellow)
                    .add_modifier(Modifier::BOLD),
            )
        } else {
            Style::default()
        }
    };
    let cursor = |i: usize| if form.field == i { "▏" } else { "" };
    let field = |i: usize, name: &str, value: &str| {
        Line::from(vec![
            Span::raw(format!("{name:>9}: ")),
            Span::styled(format!("{}{}", one_line(value), cursor(i)), style_of(i)),
        ])
    };
    let mut priority = field(1, "priority", &form.priority);
    if form.priority.trim().parse::<i64>().is_err() {
        priority
            .spans
            .push(Span::styled("  not a whole number", fg(ui, Color::Red)));
    }
    let mut lines = vec![
        field(0, "title", &form.title),
        priority,
        field(2, "needs", &form.needs),
        field(3, "verify", &form.verify),
        field(4, "agents", &form.agents),
    ];
    // The text, line by line; the last lines when it is longer than the box.
    let text: Vec<&str> = form.text.split('\n').collect();
    let shown = text.len().saturating_sub(6);
    for (i, l) in text.iter().enumerate().skip(shown) {
        let label = if i == shown {
            "     text: "
        } else {
            "           "
        };
        let end = if i + 1 == text.len() {
            cursor(TaskForm::TEXT)
        } else {
            ""
        };
        lines.push(Line::from(vec![
            Span::raw(label),
            Span::styled(format!("{}{end}", one_line(l)), style_of(TaskForm::TEXT)),
        ]));
    }
    lines.push(Line::raw(""));
    if !ui.flash.is_empty() {
        lines.push(Line::styled(ui.flash.clone(), fg(ui, Color::Red)));
    }
    lines.push(Line::raw(
        "Tab next field · Enter: next field, new line in text · C-s saves",
    ));
    lines.push(Line::raw(
        "(set $EDITOR to write the task file in your editor instead)",
    ));
    let h = (lines.len() as u16).saturating_add(2);
    boxed(frame, area, ui, " New task ", lines, 74, h, Color::Cyan);
}
