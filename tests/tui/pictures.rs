//! The pictures: each worker's timeline strip of the last minutes, the activity sparkline and
//! the header's gauge, at every size, with and without colour.

use crate::fixture::{self, draw};
use ratatui::style::Color;

const ALL_SIZES: [(u16, u16); 3] = [(80, 24), (160, 48), (250, 70)];

fn model() -> czar::core::model::Model {
    let mut m = fixture::model();
    for t in m.tasks.values_mut() {
        t.times.started = Some(fixture::NOW - 600_000);
    }
    m
}

#[test]
fn gauge_and_timelines_at_every_size() {
    let m = model();
    for (w, h) in ALL_SIZES {
        let term = draw(&m, &fixture::ui(true), w, h);
        insta::assert_snapshot!(format!("gauge_timelines_{w}x{h}"), term.backend());
    }
}

#[test]
fn the_strip_and_sparkline_show_from_120_columns_and_keep_80_readable() {
    let m = model();
    let narrow = draw(&m, &fixture::ui(true), 80, 24).backend().to_string();
    assert!(
        !narrow.contains("last 5 min") && !narrow.contains("Activity"),
        "{narrow}"
    );
    assert!(
        narrow.contains("login-form"),
        "the rows keep their task: {narrow}"
    );
    let wide = draw(&m, &fixture::ui(true), 160, 48).backend().to_string();
    assert!(
        wide.contains("last 5 min") && wide.contains("Activity: 1 busy"),
        "{wide}"
    );
    // Worker 2 went busy, stuck, busy, then waiting: all four show on its strip.
    let row2 = wide
        .lines()
        .find(|l| l.contains("api-client") && l.contains(" 2 "))
        .unwrap();
    assert!(
        row2.contains('█') && row2.contains('‖') && row2.contains('?'),
        "{row2}"
    );
}

#[test]
fn strip_cells_are_coloured_by_state_and_plain_without_colour() {
    let m = model();
    for color in [true, false] {
        let term = draw(&m, &fixture::ui(color), 160, 48);
        let buf = term.backend().buffer();
        let cells: Vec<_> = buf.content.iter().filter(|c| c.symbol() == "‖").collect();
        assert!(!cells.is_empty());
        for c in cells {
            if color {
                assert_eq!(c.fg, Color::Red, "stuck reads red");
            } else {
                assert_eq!(c.fg, Color::Reset, "no colour with NO_COLOR");
            }
        }
    }
}

/// Strips are drawn only near the selection (the rows that can be on screen): with the table
/// scrolled to its last row, every row shown still has its strip.
#[test]
fn every_row_on_screen_has_its_strip_when_the_table_scrolls() {
    use czar::core::model::{AgentState, Mark, Worker};
    let mut m = model();
    for id in 5..=60u32 {
        m.workers.insert(
            id,
            Worker {
                id,
                live: true,
                agent: AgentState::Busy,
                since: fixture::NOW - 200_000,
                ..Worker::default()
            },
        );
        let mark = Mark {
            at: fixture::NOW - 200_000,
            state: AgentState::Busy,
            live: true,
        };
        m.history.states.insert(id, [mark].into_iter().collect());
    }
    let mut ui = fixture::ui(true);
    ui.selected = 59;
    let s = draw(&m, &ui, 160, 48).backend().to_string();
    let rows: Vec<&str> = s.lines().filter(|l| l.contains("● busy")).collect();
    assert!(rows.len() > 10, "{s}");
    assert!(rows.iter().all(|l| l.contains("███")), "{s}");
    assert!(s.contains("▶60"), "the selected row is on screen: {s}");
}
