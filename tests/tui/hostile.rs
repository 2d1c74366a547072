//! User text with terminal commands in it (a task title, an agent's last line, a report, the
//! agent's own screen) is drawn escaped: no control or bidi character reaches the terminal.

use crate::fixture::{self, draw};
use czar::adapters::store::EventRow;
use czar::front::tui::state::Screen;

/// Sets the window title, rings the bell, clears the screen; then a C1 CSI and a bidi override.
const HOSTILE: &str = "\x1b]0;pwned\x07\x1b[2J\u{9b}31mred\u{202e}gpj.exe";

fn cells(term: &ratatui::Terminal<ratatui::backend::TestBackend>) -> String {
    let buf = term.backend().buffer();
    buf.content.iter().map(|c| c.symbol()).collect()
}

#[test]
fn hostile_text_is_drawn_escaped_everywhere() {
    let mut model = fixture::model();
    let task = model.tasks.values_mut().next().unwrap();
    task.def.title = format!("T {HOSTILE}");
    let w = model.workers.get_mut(&1).unwrap();
    w.last_line = format!("L {HOSTILE}");
    let mut ui = fixture::ui(true);
    ui.events.push(EventRow {
        seq: 7,
        at: fixture::NOW,
        worker: Some(1),
        task: Some("login-form".into()),
        kind: "report".into(),
        detail: format!("R {HOSTILE}"),
    });
    // The agent's own screen: its colours are parsed, a bidi override in its text is not.
    {
        use ansi_to_tui::IntoText;
        let screen = "\x1b[32mok\x1b[0m \u{202e}evil\u{2066}\n";
        ui.read.screen = Some(Screen {
            worker: 1,
            text: screen.as_bytes().into_text().unwrap(),
        });
    }
    for (wd, ht) in [(80, 24), (160, 48), (250, 70)] {
        let drawn = cells(&draw(&model, &ui, wd, ht));
        let raw: Vec<char> = drawn
            .chars()
            .filter(|c| czar::visible::is_unsafe(*c))
            .collect();
        assert!(raw.is_empty(), "{wd}x{ht}: raw {raw:?} in\n{drawn}");
    }
    let wide = cells(&draw(&model, &ui, 250, 70));
    assert!(wide.contains("\\u{1b}]0;pwned\\u{7}"), "{wide}");
    assert!(wide.contains("\\u{9b}31mred\\u{202e}gpj"), "{wide}");
}
