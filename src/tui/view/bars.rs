//! The header (project, base, counts, auto-assign, queue, alerts) and the one-line footer.

use super::{fg, paint};
use crate::core::model::{ALL_AGENT_STATES, Model};
use crate::tui::keymap::Action;
use crate::tui::rows;
use crate::tui::state::{Dialog, UiState};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn header(frame: &mut Frame, area: Rect, model: &Model, ui: &UiState) {
    let mut spans = vec![
        Span::styled(
            format!(" czar {} ", model.project),
            paint(ui, Style::default().fg(Color::Black).bg(Color::Cyan))
                .add_modifier(Modifier::BOLD),
        ),
        Span::raw(format!(" on {} │ ", model.base)),
    ];
    let live: Vec<_> = model.workers.values().collect();
    let mut counts = Vec::new();
    for st in ALL_AGENT_STATES {
        let n = live
            .iter()
            .filter(|w| rows::state_name(w) == st.as_str())
            .count();
        if n > 0 {
            counts.push(format!("{n} {}", st.as_str().replace('_', "-")));
        }
    }
    let stopped = live
        .iter()
        .filter(|w| rows::state_name(w) == "stopped")
        .count();
    if stopped > 0 {
        counts.push(format!("{stopped} stopped"));
    }
    spans.push(Span::raw(format!(
        "{} workers{}{} │ ",
        live.len(),
        if counts.is_empty() { "" } else { ": " },
        counts.join(" ")
    )));
    let (word, color) = if model.policy.auto_assign {
        ("auto ON", Color::Green)
    } else {
        ("auto OFF", Color::Yellow)
    };
    spans.push(Span::styled(
        word,
        paint(ui, Style::default().fg(color).add_modifier(Modifier::BOLD)),
    ));
    let q = rows::queue(model, "");
    spans.push(Span::raw(format!(
        " │ queue {} ready {} blocked {} active {} done {} failed │ ",
        q.pending.len(),
        q.blocked.len(),
        q.active.len(),
        q.done.len(),
        q.failed.len()
    )));
    let alerts = rows::alert_count(model);
    let style = if alerts > 0 {
        paint(
            ui,
            Style::default()
                .fg(Color::Magenta)
                .add_modifier(Modifier::BOLD),
        )
    } else {
        Style::default()
    };
    spans.push(Span::styled(format!("{alerts} alerts"), style));
    if model.stopping {
        spans.push(Span::styled(" │ stopping", fg(ui, Color::Red)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn footer(frame: &mut Frame, area: Rect, ui: &UiState) {
    let keys = &ui.keys;
    let line = match &ui.dialog {
        Dialog::None | Dialog::Help => {
            let items = [
                (Action::Help, "help"),
                (Action::Down, "select"),
                (Action::Attach, "attach"),
                (Action::Type, "type"),
                (Action::AnswerYes, "yes"),
                (Action::AnswerNo, "no"),
                (Action::Reassign, "reassign"),
                (Action::Kill, "kill"),
                (Action::NewWorker, "new"),
                (Action::AddTask, "task"),
                (Action::Pause, "pause"),
                (Action::BranchView, "branch"),
                (Action::Filter, "filter"),
                (Action::Quit, "quit"),
            ];
            let mut spans = Vec::new();
            if !ui.flash.is_empty() {
                spans.push(Span::styled(
                    format!(" {} ", ui.flash),
                    paint(ui, Style::default().fg(Color::Black).bg(Color::Yellow)),
                ));
                spans.push(Span::raw(" "));
            }
            for (action, word) in items {
                let key = if action == Action::Down {
                    format!("{}{}", keys.first(Action::Up), keys.first(Action::Down))
                } else {
                    keys.first(action)
                };
                spans.push(Span::styled(
                    key,
                    paint(
                        ui,
                        Style::default()
                            .fg(Color::Cyan)
                            .add_modifier(Modifier::BOLD),
                    ),
                ));
                spans.push(Span::raw(format!(" {word}  ")));
            }
            Line::from(spans)
        }
        Dialog::Filter => Line::from(format!(" filter: {}▏  Enter keep · Esc clear", ui.filter)),
        _ => Line::from(" Enter confirm · Esc cancel"),
    };
    frame.render_widget(Paragraph::new(line), area);
}
