//! Pictures of the last minutes: each worker's timeline strip (one cell per slice of time,
//! coloured and shaped by its state then) and the fleet's activity sparkline. Both only read
//! the model's `history` and the frame's clock.

use super::{fg, panel};
use crate::core::model::{AgentState, Mark, Model, WorkerId, history};
use crate::front::tui::state::UiState;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::Sparkline;

/// The strip covers this much time...
pub const WINDOW_MS: u64 = 5 * 60_000;
/// ...and is shown from this terminal width (the rows stay readable below it).
pub const MIN_WIDTH: u16 = 120;

/// The strip's width at a terminal `width` wide (0: not shown).
pub fn strip_width(width: u16) -> u16 {
    match width {
        w if w >= 200 => 30,
        w if w >= MIN_WIDTH => 20,
        _ => 0,
    }
}

/// A cell's glyph and colour for a state: the glyph alone tells states apart without colour.
pub fn look(mark: Option<Mark>) -> (char, Color) {
    let Some(m) = mark else {
        return (' ', Color::Reset);
    };
    if !m.live && m.state != AgentState::Crashed {
        return ('_', Color::DarkGray);
    }
    match m.state {
        AgentState::Starting => ('▒', Color::Yellow),
        AgentState::Busy => ('█', Color::Green),
        AgentState::Idle => ('·', Color::Blue),
        AgentState::Done => ('·', Color::Green),
        AgentState::Waiting => ('?', Color::Magenta),
        AgentState::Stuck => ('‖', Color::Red),
        AgentState::RateLimited => ('~', Color::Yellow),
        AgentState::Error => ('!', Color::Red),
        AgentState::Crashed => ('✗', Color::Red),
    }
}

/// Worker `id`'s last [`WINDOW_MS`] in `width` cells, oldest on the left; each cell shows the
/// state at the end of its slice. Runs of one look are one span.
pub fn strip(model: &Model, id: WorkerId, ui: &UiState, width: u16) -> Line<'static> {
    let n = u64::from(width.max(1));
    let step = WINDOW_MS / n;
    let start = ui.now.saturating_sub(WINDOW_MS);
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut run = String::new();
    let mut run_color = Color::Reset;
    // One pass over the marks (oldest first) as the cells' times grow: a frame draws a strip
    // for every row.
    let marks = model.history.states.get(&id);
    let mut marks = marks.into_iter().flatten().peekable();
    let mut current = None;
    for i in 1..=n {
        let t = start + i * step;
        while let Some(m) = marks.next_if(|m| m.at <= t) {
            current = Some(*m);
        }
        let (c, color) = look(current);
        if color != run_color && !run.is_empty() {
            spans.push(Span::styled(std::mem::take(&mut run), fg(ui, run_color)));
        }
        run_color = color;
        run.push(c);
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, fg(ui, run_color)));
    }
    Line::from(spans)
}

/// The fleet's activity: busy workers per 10 s over the last minutes, newest on the right.
pub fn activity(frame: &mut Frame, area: Rect, model: &Model, ui: &UiState) {
    let slices = area.width.saturating_sub(2) as usize;
    let data = model.history.busy_slices(ui.now, slices);
    let now_busy = data.last().copied().unwrap_or(0);
    let minutes = (slices as u64 * history::SLICE_MS) / 60_000;
    let title = format!(" Activity: {now_busy} busy, last {minutes}m ");
    let max = (model.workers.len() as u64).max(1);
    let spark = Sparkline::default()
        .block(panel(ui, title, None))
        .data(&data)
        .max(max)
        .style(fg(ui, Color::Green));
    frame.render_widget(spark, area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{Policy, Worker};
    use crate::front::tui::keymap::Keymap;

    fn model_with(marks: &[(u64, AgentState)]) -> Model {
        let mut m = Model::new("p", "main", Policy::default());
        let mut ws = std::collections::BTreeMap::new();
        for &(at, state) in marks {
            let w = Worker {
                id: 1,
                live: true,
                agent: state,
                since: at,
                ..Worker::default()
            };
            ws.insert(1, w);
            m.history.note(&ws, at);
        }
        m.workers = ws;
        m
    }

    fn text(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn the_strip_shows_each_slice_by_its_state_with_and_without_colour() {
        let now = 10 * 60_000;
        let m = model_with(&[
            (now - 4 * 60_000, AgentState::Busy),
            (now - 2 * 60_000, AgentState::Waiting),
            (now - 60_000, AgentState::Busy),
        ]);
        let mut ui = UiState::new(Keymap::new(&Default::default()), true);
        ui.now = now;
        let line = strip(&m, 1, &ui, 10);
        // 30 s a cell: before the first mark is blank, then busy, waiting, busy again.
        assert_eq!(text(&line), " ████??███");
        let waiting = line.spans.iter().find(|s| s.content.contains('?')).unwrap();
        assert_eq!(waiting.style.fg, Some(Color::Magenta));
        ui.color = false;
        let plain = strip(&m, 1, &ui, 10);
        assert_eq!(
            text(&plain),
            " ████??███",
            "glyphs tell states apart without colour"
        );
        assert!(plain.spans.iter().all(|s| s.style.fg.is_none()));
    }

    #[test]
    fn the_strip_is_shown_only_where_the_rows_stay_readable() {
        assert_eq!(strip_width(80), 0);
        assert_eq!(strip_width(119), 0);
        assert_eq!(strip_width(160), 20);
        assert_eq!(strip_width(250), 30);
    }
}
