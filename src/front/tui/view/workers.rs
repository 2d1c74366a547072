//! The worker table: one row per worker, the selected one highlighted.

use super::fit;
use super::{fg, paint, panel, state_look};
use crate::core::model::{AgentState, BranchInfo, Model, Worker};
use crate::front::tui::rows::{self, ago};
use crate::front::tui::state::{Panel, UiState};
use crate::visible::one_line;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, HighlightSpacing, Row, Table, TableState};

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
    let strip_w = super::timeline::strip_width(area.width);
    let host_w = host_width(ui, wide);
    let mut head = vec!["id"];
    if host_w > 0 {
        head.push("host");
    }
    head.extend(["agent", "state"]);
    if strip_w > 0 {
        head.push("last 5 min");
    }
    head.push("task");
    if wide {
        head.push("branch");
    }
    head.extend(["ahd", "files ±", "act"]);
    // Tokens, cost and context only once an agent reported some: a fleet whose agents report
    // none keeps the room for its output.
    let metered = model
        .workers
        .values()
        .any(|w| w.vitals.tokens.usage.total() > 0 || w.vitals.tokens.context.is_some());
    if metered {
        head.push("tok $ ctx");
    }
    head.push("last output");
    let header = Row::new(head.into_iter().map(Cell::from))
        .style(paint(ui, Style::default().add_modifier(Modifier::BOLD)).fg_opt(ui, Color::Gray));
    let shown_rows: Vec<Shown> = shown.iter().map(|w| Shown::of(w)).collect();
    let spend_room = if metered { SPEND_W + 1 } else { 0 };
    let strip_room = if strip_w > 0 { strip_w + 1 } else { 0 };
    let host_room = if host_w > 0 { host_w + 1 } else { 0 };
    let spare = area
        .width
        .saturating_sub(spend_room + strip_room + host_room);
    let (task_w, branch_w) = name_widths(spare, wide, &shown_rows);
    // Strips only for the rows that can be on screen: the table scrolls just enough to show the
    // selected row, so no row further than a table's height from it is drawn.
    let rows_h = usize::from(area.height.saturating_sub(3)).max(1);
    let sel = ui.selected.min(shown.len().saturating_sub(1));
    let near = sel.saturating_sub(rows_h)..=sel + rows_h;
    let body: Vec<Row> = shown
        .iter()
        .zip(&shown_rows)
        .enumerate()
        .map(|(i, (w, s))| {
            let mut r = row(w, s, ui, (task_w, branch_w), attached_mark(model, w));
            if metered {
                r.insert(r.len() - 1, Cell::from(spend(model, w)));
            }
            // The strip goes after id, (host,) agent and state.
            let at = if host_w > 0 { 4 } else { 3 };
            if strip_w > 0 && near.contains(&i) {
                r.insert(
                    at,
                    Cell::from(super::timeline::strip(model, w.id, ui, strip_w)),
                );
            } else if strip_w > 0 {
                r.insert(at, Cell::from(""));
            }
            if host_w > 0 {
                r.insert(1, host_cell(ui, w.id, host_w));
            }
            Row::new(r)
        })
        .collect();
    let files_w = if wide { 14 } else { 9 };
    let mut widths = vec![Constraint::Length(3)];
    if host_w > 0 {
        widths.push(Constraint::Length(host_w));
    }
    widths.extend([Constraint::Length(6), Constraint::Length(14)]);
    if strip_w > 0 {
        widths.push(Constraint::Length(strip_w));
    }
    widths.push(Constraint::Length(task_w));
    if wide {
        widths.push(Constraint::Length(branch_w));
    }
    widths.extend([
        Constraint::Length(3),
        Constraint::Length(files_w),
        Constraint::Length(4),
    ]);
    if metered {
        widths.push(Constraint::Length(SPEND_W));
    }
    widths.push(Constraint::Min(8));
    let table = Table::new(body, widths)
        .header(header)
        .block(panel(ui, title, Some(Panel::Workers)))
        .column_spacing(1)
        .row_highlight_style(paint(ui, Style::default().add_modifier(Modifier::REVERSED)))
        // The symbol's column stays when no row is shown, so the headers do not move.
        .highlight_spacing(HighlightSpacing::Always)
        .highlight_symbol("▶");
    let mut state = TableState::default();
    if !shown.is_empty() {
        state.select(Some(ui.selected.min(shown.len() - 1)));
    }
    frame.render_stateful_widget(table, area, &mut state);
}

/// The HOST column's width: none without `[hosts]` (the single-machine table is unchanged); as
/// wide as the longest host name (or `local`), at most 12, and 6 on a narrow terminal where a
/// longer name loses its middle (see `fit`).
fn host_width(ui: &UiState, wide: bool) -> u16 {
    if ui.hosts.is_empty() {
        return 0;
    }
    let longest = ui
        .hosts
        .iter()
        .map(|h| one_line(&h.name).chars().count())
        .max()
        .unwrap_or(0)
        .max(LOCAL.len()) as u16;
    longest.min(if wide { 12 } else { 6 })
}

/// What the HOST column says of a worker on this machine.
const LOCAL: &str = "local";

/// The worker's host, coloured by its health; `local` for this machine.
fn host_cell<'a>(ui: &UiState, worker: crate::core::model::WorkerId, width: u16) -> Cell<'a> {
    match super::hosts::host_of(&ui.hosts, worker) {
        Some(h) => Cell::from(Span::styled(
            fit(&one_line(&h.name), width as usize),
            fg(ui, super::hosts::health_color(h, ui.now)),
        )),
        None => Cell::from(Span::styled(LOCAL, fg(ui, Color::DarkGray))),
    }
}

/// What a row names: the task it holds, or (done) the last one it finished, with its branch.
struct Shown {
    task: String,
    branch: String,
    figures: BranchInfo,
}

impl Shown {
    fn of(w: &Worker) -> Shown {
        // A worker that finished keeps its last task's figures until it gets the next one.
        let last = w
            .branch
            .as_ref()
            .filter(|_| w.task.is_none() && w.agent == AgentState::Done);
        match (&w.task, last) {
            (Some(t), _) => Shown {
                task: t.clone(),
                branch: crate::core::model::branch_for(t),
                figures: w.branch.clone().unwrap_or_default(),
            },
            (None, Some(b)) => Shown {
                task: b
                    .branch
                    .strip_prefix("czar/")
                    .unwrap_or(&b.branch)
                    .to_string(),
                branch: b.branch.clone(),
                figures: b.clone(),
            },
            (None, None) => Shown {
                task: "-".into(),
                branch: "-".into(),
                figures: BranchInfo::default(),
            },
        }
    }
}

/// Widths of the task and branch columns: as wide as the longest name shown, within what the
/// terminal leaves once the other columns and a useful "last output" have theirs. Spare width
/// goes to them, not to empty space.
fn name_widths(width: u16, wide: bool, rows: &[Shown]) -> (u16, u16) {
    let longest = |f: fn(&Shown) -> &str, min: usize| {
        rows.iter()
            .map(|s| f(s).chars().count())
            .max()
            .unwrap_or(0)
            .max(min) as u16
    };
    let task_nat = longest(|s| &s.task, 4);
    let branch_nat = if wide { longest(|s| &s.branch, 6) } else { 0 };
    // Borders, the highlight symbol, the fixed columns and the spaces between columns.
    let files_w = if wide { 14 } else { 9 };
    let columns: u16 = if wide { 8 } else { 7 };
    let fixed = 2 + 1 + 3 + 6 + 14 + 3 + files_w + 4 + columns;
    let last_min = if wide { 30 } else { 14 };
    let avail = width.saturating_sub(fixed + last_min);
    if !wide {
        return (task_nat.min(avail.max(6)), 0);
    }
    let mut task_w = task_nat.min(16);
    let mut branch_w = branch_nat.min(18);
    if task_w + branch_w > avail {
        task_w = task_w.min(avail / 2).max(6);
        branch_w = avail.saturating_sub(task_w).max(6);
        return (task_w, branch_w);
    }
    let mut extra = avail - task_w - branch_w;
    let more = (task_nat - task_w).min(extra);
    task_w += more;
    extra -= more;
    branch_w += (branch_nat - branch_w).min(extra);
    (task_w, branch_w)
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

/// "12k $0.04 45%": the tokens its agents used, their cost (when priced) and how full its
/// context is (when its profile knows the window); "-" for what is not known.
fn spend(model: &Model, w: &Worker) -> String {
    let t = &w.vitals.tokens;
    let n = t.usage.total();
    let tokens = match n {
        0 => "-".to_string(),
        1..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{}k", n / 1_000),
        _ => format!("{:.1}M", n as f64 / 1e6),
    };
    let cost = crate::core::tokens::dollars(t.usage.cost_micros)
        .map_or("-".to_string(), |d| format!("${d:.2}"));
    let share = crate::core::tokens::context_share(model, w)
        .map_or("-".to_string(), |s| format!("{:.0}%", s * 100.0));
    format!("{tokens} {cost} {share}")
}

/// Room for `spend`: "999k $99.99 100%".
const SPEND_W: u16 = 16;

fn row<'a>(
    w: &Worker,
    shown: &Shown,
    ui: &UiState,
    (task_w, branch_w): (u16, u16),
    mark: Option<&'static str>,
) -> Vec<Cell<'a>> {
    let wide = branch_w > 0;
    let (symbol, color) = state_look(w);
    let since = ago(ui.now.saturating_sub(w.since));
    let state = Line::from(vec![Span::styled(
        format!("{symbol} {} {since}", rows::state_name(w).replace('_', "-")),
        fg(ui, color),
    )]);
    let b = &shown.figures;
    let task = fit(&one_line(&shown.task), task_w as usize);
    let mut cells = vec![
        Cell::from(w.id.to_string()),
        Cell::from(one_line(&w.profile).into_owned()),
        Cell::from(state),
        Cell::from(task),
    ];
    if wide {
        cells.push(Cell::from(fit(&one_line(&shown.branch), branch_w as usize)));
    }
    let files = if b.files == 0 && b.added == 0 && b.removed == 0 {
        "-".to_string()
    } else if wide {
        format!("{} +{} −{}", b.files, b.added, b.removed)
    } else {
        format!("{}+{}−{}", b.files, b.added, b.removed)
    };
    // Last activity: the pane's last output (tmux's stamp), or the last commit if newer; the
    // state's age until the pane has been seen printing.
    let commit_ms = b.last_commit_time.map_or(0, |s| (s.max(0) as u64) * 1000);
    let printed = if w.vitals.activity_at > 0 {
        w.vitals.activity_at
    } else {
        w.since
    };
    let active = ago(ui.now.saturating_sub(printed.max(commit_ms)));
    // A waiting agent's row shows what it asks, not the menu under the question.
    let last = if w.agent == AgentState::Waiting {
        w.question()
    } else {
        w.last_line.clone()
    };
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
            Span::styled(one_line(&last).into_owned(), fg(ui, Color::Gray)),
        ])),
    ]);
    cells
}
