//! The header (project, base, counts, auto-assign, queue, alerts) and the one-line footer.

use super::{fg, paint};
use crate::core::model::{ALL_AGENT_STATES, Model};
use crate::front::tui::keymap::Action;
use crate::front::tui::rows;
use crate::front::tui::state::{Dialog, UiState};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn header(frame: &mut Frame, area: Rect, model: &Model, ui: &UiState) {
    let full = header_line(model, ui, false);
    let line = if full.width() > area.width as usize {
        header_line(model, ui, true)
    } else {
        full
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The header; `short` for narrow terminals (abbreviated words, no state names for zero counts).
fn header_line(model: &Model, ui: &UiState, short: bool) -> Line<'static> {
    let mut spans = vec![
        Span::styled(
            if short {
                format!(" {} ", model.project)
            } else {
                format!(" czar {} ", model.project)
            },
            paint(ui, Style::default().fg(Color::Black).bg(Color::Cyan))
                .add_modifier(Modifier::BOLD),
        ),
        Span::raw(format!(
            " {}{} │ ",
            if short { "@" } else { "on " },
            model.base
        )),
    ];
    let all: Vec<_> = model.workers.values().collect();
    // Workers waiting on a question need the operator: their count stands out, apart from the
    // others.
    let waiting = all
        .iter()
        .filter(|w| rows::state_name(w) == "waiting")
        .count();
    let mut counts = Vec::new();
    let names = ALL_AGENT_STATES
        .iter()
        .map(|s| s.as_str())
        .chain(["stopped"]);
    for name in names.filter(|n| *n != "waiting") {
        let of_state: Vec<_> = all.iter().filter(|w| rows::state_name(w) == name).collect();
        if let Some(first) = of_state.first() {
            let n = of_state.len();
            counts.push(if short {
                format!("{n}{}", super::state_look(first).0)
            } else {
                format!("{n} {}", name.replace('_', "-"))
            });
        }
    }
    spans.push(Span::raw(format!(
        "{} {}{}{} │ ",
        all.len(),
        if short { "w" } else { "workers" },
        match (counts.is_empty(), short) {
            (true, _) => "",
            (false, true) => " ",
            (false, false) => ": ",
        },
        counts.join(" ")
    )));
    if waiting > 0 {
        let n = spans.len() - 1;
        // Back inside the workers' part, before its closing bar.
        if let Some(text) = spans[n].content.strip_suffix(" │ ").map(str::to_string) {
            spans[n] = Span::raw(format!("{text} "));
            spans.push(Span::styled(
                if short {
                    format!("{waiting}?")
                } else {
                    format!("{waiting} waiting")
                },
                paint(
                    ui,
                    Style::default()
                        .fg(Color::Black)
                        .bg(Color::Magenta)
                        .add_modifier(Modifier::BOLD),
                ),
            ));
            spans.push(Span::raw(" │ "));
        }
    }
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
    let groups = [
        (q.pending.len(), "ready"),
        (q.blocked.len(), "blocked"),
        (q.active.len(), "active"),
        (q.done.len(), "done"),
        (q.failed.len(), "failed"),
    ];
    let queue = if short {
        let n: Vec<String> = groups.iter().map(|(n, _)| n.to_string()).collect();
        format!("q {}", n.join("/"))
    } else {
        let parts: Vec<String> = groups.iter().map(|(n, w)| format!("{n} {w}")).collect();
        format!("queue {}", parts.join(" "))
    };
    spans.push(Span::raw(format!(" │ {queue} │ ")));
    spans.extend(plans(model, short));
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
    let alerts = if short {
        format!("▲{alerts}")
    } else {
        format!("alerts {alerts}")
    };
    spans.push(Span::styled(alerts, style));
    if !short {
        spans.extend(gauge(model, ui));
    }
    if model.stopping {
        spans.push(Span::styled(" │ stopping", fg(ui, Color::Red)));
    }
    Line::from(spans)
}

/// Each plan still under way (`czar plan`): its id, then of the tasks its planner added, how
/// many are done and landed, or that it is still planning.
fn plans(model: &Model, short: bool) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    for p in crate::core::plan::progress(model)
        .iter()
        .filter(|p| !p.over())
    {
        let planning = p.planner != Some(crate::core::model::TaskState::Done.as_str());
        let text = match (short, planning) {
            (true, _) => format!("{} {}/{}", p.id, p.done, p.added),
            (false, true) => format!("plan {}: planning, {} added", p.id, p.added),
            (false, false) => format!(
                "plan {}: {}/{} done, {} landed",
                p.id, p.done, p.added, p.landed
            ),
        };
        out.push(Span::raw(format!("{} │ ", crate::visible::one_line(&text))));
    }
    out
}

pub fn footer(frame: &mut Frame, area: Rect, model: &Model, ui: &UiState) {
    let keys = &ui.keys;
    let waiting = ui
        .selected_worker(model)
        .and_then(|w| model.workers.get(&w))
        .is_some_and(|w| w.agent == crate::core::model::AgentState::Waiting);
    let queue = ui.panel == crate::front::tui::state::Panel::Queue;
    let landing = ui.panel == crate::front::tui::state::Panel::Landing;
    let line = match &ui.dialog {
        Dialog::None | Dialog::Help => {
            let worker_items = [
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
            let queue_items = [
                (Action::Help, "help"),
                (Action::Down, "select"),
                (Action::TaskCancel, "cancel"),
                (Action::TaskHold, "hold/release"),
                (Action::TaskRetry, "retry"),
                (Action::TaskEdit, "edit"),
                (Action::PriorityUp, "priority+"),
                (Action::PriorityDown, "priority-"),
                (Action::AddTask, "task"),
                (Action::Quit, "quit"),
            ];
            let landing_items = [
                (Action::Help, "help"),
                (Action::Down, "select"),
                (Action::Diff, "diff"),
                (Action::LandNow, "land now"),
                (Action::Reject, "reject"),
                (Action::OpenPr, "open PR"),
                (Action::Quit, "quit"),
            ];
            let items: &[(Action, &str)] = if queue {
                &queue_items
            } else if landing {
                &landing_items
            } else {
                &worker_items
            };
            let mut spans = Vec::new();
            if !ui.flash.is_empty() {
                spans.push(Span::styled(
                    format!(" {} ", ui.flash),
                    paint(ui, Style::default().fg(Color::Black).bg(Color::Yellow)),
                ));
                spans.push(Span::raw(" "));
            }
            let mut shown: Vec<(Action, String, &str)> = items
                .iter()
                .map(|(action, word)| {
                    let key = if *action == Action::Down {
                        format!("{}{}", keys.first(Action::Up), keys.first(Action::Down))
                    } else {
                        keys.first(*action)
                    };
                    (*action, key, *word)
                })
                .collect();
            // Too wide: leave some out (the help, which lists them all, always stays).
            let used: usize = spans.iter().map(|s| s.width()).sum();
            let width = |v: &[(Action, String, &str)]| -> usize {
                used + v
                    .iter()
                    .map(|(_, k, w)| k.chars().count() + w.chars().count() + 3)
                    .sum::<usize>()
            };
            // y and N stay while the selected worker waits on a question: they are what it needs.
            let mut drop_order = vec![
                Action::AnswerNo,
                Action::AnswerYes,
                Action::Filter,
                Action::BranchView,
                Action::Type,
                Action::NewWorker,
                Action::AddTask,
                Action::Down,
                Action::Pause,
                Action::Reassign,
                Action::Kill,
                Action::Attach,
                Action::PriorityDown,
                Action::TaskEdit,
                Action::TaskRetry,
                Action::OpenPr,
            ];
            if waiting && !queue {
                drop_order.retain(|a| !matches!(a, Action::AnswerNo | Action::AnswerYes));
                drop_order.extend([Action::AnswerNo, Action::AnswerYes]);
            }
            for gone in drop_order {
                if width(&shown) <= area.width as usize {
                    break;
                }
                shown.retain(|(a, _, _)| *a != gone);
            }
            for (_, key, word) in shown {
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
        // Only y confirms these; Enter, like any other key, keeps things as they are.
        Dialog::ConfirmKill(_) | Dialog::ConfirmCancel(_) => {
            Line::from(" y confirm · any other key cancels")
        }
        Dialog::Diff(_) => Line::from(" ↑↓ scroll · PgUp PgDn page · Home End · q close"),
        _ => Line::from(" Enter confirm · Esc cancel"),
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The run's progress: a bar of done (and failed) tasks out of all, and when the rest should
/// be done at the pace so far (tasks finished per minute since the first one started).
fn gauge(model: &Model, ui: &UiState) -> Vec<Span<'static>> {
    let total = model.tasks.len();
    if total == 0 {
        return Vec::new();
    }
    let done = model
        .tasks
        .values()
        .filter(|t| t.state == crate::core::model::TaskState::Done)
        .count();
    let failed = model
        .tasks
        .values()
        .filter(|t| t.state == crate::core::model::TaskState::Failed)
        .count();
    const CELLS: usize = 10;
    let full = (done * CELLS) / total;
    let bad = ((failed * CELLS) / total).min(CELLS - full);
    let rest = CELLS - full - bad;
    let first = model.tasks.values().filter_map(|t| t.times.started).min();
    let left = total - done - failed;
    let eta = match first {
        Some(start) if done > 0 && left > 0 && ui.now > start => {
            let per_task = (ui.now - start) / done as u64;
            format!(" ETA {}", rows::ago(per_task * left as u64))
        }
        _ => String::new(),
    };
    vec![
        Span::raw(" │ "),
        Span::styled("█".repeat(full), fg(ui, Color::Green)),
        Span::styled("█".repeat(bad), fg(ui, Color::Red)),
        Span::styled("░".repeat(rest), fg(ui, Color::DarkGray)),
        Span::raw(format!(" {done}/{total}{eta}")),
    ]
}
