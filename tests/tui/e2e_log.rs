//! The event log on the real binary in tmux: an auto-answer recorded by the czar, found with
//! the log's filter and expanded to the screen it replied to.

use crate::e2e::{Room, header};
use std::time::Duration;

#[test]
fn an_auto_answer_expands_to_the_screen_it_replied_to() {
    let room = Room::open(160, 48);
    let long = Duration::from_secs(60);
    room.wait_screen("both demo tasks done", long, |s| {
        header(s).contains("0 active 2 done")
    });
    // The sim profile lets the czar say yes to "Do you want to proceed?" by itself.
    let ask = "+++\ntitle = \"Asks to proceed\"\n+++\nAsk first.\n\nsim: duration=1 ask=proceed\n";
    std::fs::write(room.repo().join("tasks/asks.md"), ask).unwrap();
    room.wait_screen("the task done after the czar's answer", long, |s| {
        header(s).contains("0 active 3 done")
    });
    room.keys(&["L"]);
    room.wait_screen("the event log", long, |s| s.contains("Event log 1/"));
    room.keys(&["/"]);
    room.type_text("answered");
    room.keys(&["Enter"]);
    room.wait_screen("the answer found", long, |s| {
        s.contains("filter \"answered\"") && s.contains("answered by the czar")
    });
    room.keys(&["Enter"]);
    let s = room.wait_screen("the answered screen under the event", long, |s| {
        s.lines()
            .any(|l| l.contains("│ ") && l.contains("Do you want to proceed?"))
    });
    assert!(s.contains("(pressed y)"), "{s}");
    room.keys(&["Escape"]);
    room.wait_screen("the dashboard again", long, |s| s.contains("Workers (2)"));
}

/// A worker the operator killed raises no crash alert, and D removes its dead row: its slot gets
/// a fresh worker, and the log says what the operator did.
#[test]
fn a_killed_workers_row_is_removed_with_d() {
    let room = Room::open(160, 48);
    let long = Duration::from_secs(60);
    room.wait_screen("both demo tasks done", long, |s| {
        header(s).contains("0 active 2 done")
    });
    room.keys(&["j", "k", "y"]);
    room.wait_screen("worker 2 stopped", long, |s| {
        s.lines()
            .any(|l| l.contains(" 2 ") && l.contains("stopped"))
    });
    room.keys(&["D"]);
    room.wait_screen("its row gone, a fresh worker 2 in its slot", long, |s| {
        s.lines()
            .any(|l| l.contains(" 2 ") && (l.contains("idle") || l.contains("starting")))
            && !s.contains("stopped")
    });
    room.keys(&["L", "/"]);
    room.type_text("w:2 k:operator");
    room.keys(&["Enter"]);
    let s = room.wait_screen("the removal in the log", long, |s| {
        s.contains("remove worker 2's row")
    });
    assert!(!s.contains("crashed"), "no crash for a killed worker: {s}");
}
