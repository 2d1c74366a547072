//! The event log: every recent event in plain words, filtered by worker, task or kind, and an
//! event expanded to all its lines (the screen an auto-answer replied to).

use crate::fixture::{self, draw};
use czar::adapters::store::EventRow;
use czar::config::parse_key;
use czar::front::tui::input::on_key;
use czar::front::tui::state::{Dialog, LogView, UiState};

fn with_answer() -> UiState {
    let mut ui = fixture::ui(true);
    let mut events = fixture::events();
    events.push(EventRow {
        seq: 7,
        at: fixture::NOW - 500,
        worker: Some(1),
        task: Some("login-form".into()),
        kind: "auto_answer".into(),
        detail: "Do you want to proceed? (pressed y)\n● Bash(cargo test)\nDo you want to proceed?\n❯ 1. Yes\n  2. No".into(),
    });
    ui.events = events;
    ui
}

fn open(ui: &mut UiState, keys: &[&str]) {
    let model = fixture::model();
    for k in keys {
        on_key(ui, &model, parse_key(k).unwrap());
    }
}

#[test]
fn l_opens_the_log_enter_expands_slash_filters_esc_closes() {
    let mut ui = with_answer();
    open(&mut ui, &["L"]);
    assert_eq!(ui.dialog, Dialog::EventLog(LogView::default()));
    let s = draw(&fixture::model(), &ui, 120, 30).backend().to_string();
    assert!(s.contains("Event log 1/7"), "{s}");
    // Newest first, in plain words, not cut at 58 columns.
    assert!(
        s.contains("answered by the czar Do you want to proceed? (pressed y)"),
        "{s}"
    );
    assert!(!s.contains("● Bash(cargo test)"), "not expanded yet: {s}");
    open(&mut ui, &["Enter"]);
    let s = draw(&fixture::model(), &ui, 120, 30).backend().to_string();
    assert!(
        s.contains("│ ● Bash(cargo test)") && s.contains("│ ❯ 1. Yes"),
        "{s}"
    );
    // Filter: the crashed worker's events only.
    open(&mut ui, &["/", "w", "4", "Enter"]);
    let s = draw(&fixture::model(), &ui, 120, 30).backend().to_string();
    assert!(s.contains("Event log 1/1") && s.contains("crashed"), "{s}");
    open(
        &mut ui,
        &[
            "/",
            "Backspace",
            "Backspace",
            "c",
            "r",
            "a",
            "s",
            "h",
            "Enter",
        ],
    );
    let s = draw(&fixture::model(), &ui, 120, 30).backend().to_string();
    assert!(s.contains("Event log 1/1"), "by kind too: {s}");
    open(&mut ui, &["Esc"]);
    assert_eq!(ui.dialog, Dialog::None);
}

#[test]
fn event_log_expanded_snapshots() {
    let mut ui = with_answer();
    open(&mut ui, &["L", "Enter"]);
    for (w, h) in [(80, 24), (160, 48), (250, 70)] {
        let term = draw(&fixture::model(), &ui, w, h);
        insta::assert_snapshot!(format!("event_log_{w}x{h}"), term.backend());
    }
}

#[test]
fn the_filter_takes_worker_task_and_kind_words_and_the_log_reads_the_whole_store() {
    let mut ui = with_answer();
    open(&mut ui, &["L", "/"]);
    for c in "w:3 t:schema k:done".chars() {
        let key = if c == ' ' {
            "Space".to_string()
        } else {
            c.to_string()
        };
        open(&mut ui, &[&key]);
    }
    open(&mut ui, &["Enter"]);
    let s = draw(&fixture::model(), &ui, 120, 30).backend().to_string();
    assert!(s.contains("Event log 1/1") && s.contains("schema"), "{s}");
    // The history from the store arrives: 300 older events, then the engine's latest after it.
    let Dialog::EventLog(view) = &mut ui.dialog else {
        panic!("the log closed");
    };
    view.filter.clear();
    let older: Vec<EventRow> = (1..=300)
        .map(|i| EventRow {
            seq: i - 300,
            at: fixture::NOW - 900_000,
            worker: Some(1),
            task: None,
            kind: "report".into(),
            detail: format!("old report {i}"),
        })
        .collect();
    view.history = Some(std::sync::Arc::new(older));
    let s = draw(&fixture::model(), &ui, 120, 30).backend().to_string();
    assert!(s.contains("Event log 1/307"), "{s}");
    open(&mut ui, &["End"]);
    let s = draw(&fixture::model(), &ui, 120, 30).backend().to_string();
    assert!(
        s.contains("Event log 307/307") && s.contains("old report 1"),
        "scrolls to the oldest: {s}"
    );
}
