//! Keys through the pure reducer: what each does to the UI state and which operator intent it
//! sends to the engine; and that its effect is in the very next frame.

use crate::fixture::{self, draw};
use czar::config::{Key, KeySpec, parse_key};
use czar::core::observation::Intent;
use czar::front::tui::input::{Effect, on_key};
use czar::front::tui::state::{Dialog, Panel, PreviewMode};
use ratatui::style::Color;

fn k(name: &str) -> KeySpec {
    parse_key(name).unwrap()
}

#[test]
fn kill_asks_first_and_sends_the_intent_only_on_yes() {
    let model = fixture::model();
    let mut ui = fixture::ui(true);
    assert!(on_key(&mut ui, &model, k("k")).is_empty());
    assert_eq!(ui.dialog, Dialog::ConfirmKill(1));
    assert!(
        on_key(&mut ui, &model, k("n")).is_empty(),
        "any other key keeps it"
    );
    assert_eq!(ui.dialog, Dialog::None);
    on_key(&mut ui, &model, k("k"));
    let out = on_key(&mut ui, &model, k("y"));
    assert_eq!(out, vec![Effect::Send(Intent::Kill { worker: 1 })]);
    assert_eq!(ui.dialog, Dialog::None);
}

#[test]
fn d_removes_a_dead_row_and_refuses_a_running_worker() {
    let model = fixture::model();
    let mut ui = fixture::ui(true);
    // Worker 1 runs: nothing is sent, and the note says how.
    assert!(on_key(&mut ui, &model, k("D")).is_empty());
    assert!(ui.flash.contains("kill it first"), "{}", ui.flash);
    // Worker 4 crashed and holds no task: its row goes.
    ui.selected = 3;
    let out = on_key(&mut ui, &model, k("D"));
    assert_eq!(out, vec![Effect::Send(Intent::Forget { worker: 4 })]);
}

#[test]
fn reassign_offers_only_ready_tasks_and_sends_the_pick() {
    let model = fixture::model();
    let mut ui = fixture::ui(true);
    on_key(&mut ui, &model, k("r"));
    let Dialog::Reassign { tasks, .. } = &ui.dialog else {
        panic!("no picker: {:?}", ui.dialog);
    };
    // `e2e` is blocked, done and failed tasks are not offered.
    let mut sorted = tasks.clone();
    sorted.sort();
    assert_eq!(sorted, ["docs", "json-flag"]);
    let second = tasks[1].clone();
    on_key(&mut ui, &model, k("Down"));
    let out = on_key(&mut ui, &model, k("Enter"));
    assert_eq!(
        out,
        vec![
            Effect::Send(Intent::Reassign {
                worker: 1,
                task: second
            }),
            Effect::Refresh
        ]
    );
    assert!(
        ui.read.branch.is_none(),
        "the old branch's figures are dropped"
    );
}

#[test]
fn pause_toggles_auto_assign_from_the_model() {
    let mut model = fixture::model();
    let mut ui = fixture::ui(true);
    assert_eq!(
        on_key(&mut ui, &model, k("p")),
        vec![Effect::Send(Intent::SetAutoAssign(false))]
    );
    model.policy.auto_assign = false;
    assert_eq!(
        on_key(&mut ui, &model, k("p")),
        vec![Effect::Send(Intent::SetAutoAssign(true))]
    );
}

#[test]
fn answers_go_only_to_a_waiting_agent() {
    let model = fixture::model();
    let mut ui = fixture::ui(true);
    // Worker 1 is busy: nothing is sent, the footer says why.
    assert!(on_key(&mut ui, &model, k("y")).is_empty());
    assert!(ui.flash.contains("not waiting"), "{}", ui.flash);
    on_key(&mut ui, &model, k("j"));
    assert_eq!(
        on_key(&mut ui, &model, k("y")),
        vec![Effect::Send(Intent::Answer {
            worker: 2,
            yes: true
        })]
    );
    assert_eq!(
        on_key(&mut ui, &model, k("N")),
        vec![Effect::Send(Intent::Answer {
            worker: 2,
            yes: false
        })]
    );
}

#[test]
fn typing_a_line_sends_it_whole_on_enter() {
    let model = fixture::model();
    let mut ui = fixture::ui(true);
    on_key(&mut ui, &model, k("i"));
    // Keys that are actions elsewhere are text inside the dialog.
    for c in "kq y".chars() {
        assert!(on_key(&mut ui, &model, KeySpec::plain(Key::Char(c))).is_empty());
    }
    on_key(&mut ui, &model, k("Backspace"));
    let out = on_key(&mut ui, &model, k("Enter"));
    assert_eq!(
        out,
        vec![Effect::Send(Intent::Type {
            worker: 1,
            text: "kq ".into()
        })]
    );
}

#[test]
fn other_keys_attach_quit_new_worker_and_views() {
    let model = fixture::model();
    let mut ui = fixture::ui(true);
    assert_eq!(on_key(&mut ui, &model, k("Enter")), vec![Effect::Attach(1)]);
    assert_eq!(on_key(&mut ui, &model, k("a")), vec![Effect::Attach(1)]);
    assert_eq!(
        on_key(&mut ui, &model, k("n")),
        vec![Effect::Send(Intent::AddWorker)]
    );
    assert_eq!(on_key(&mut ui, &model, k("q")), vec![Effect::Quit]);
    assert_eq!(on_key(&mut ui, &model, k("C-c")), vec![Effect::Quit]);
    on_key(&mut ui, &model, k("d"));
    assert_eq!(ui.preview, PreviewMode::Branch);
    on_key(&mut ui, &model, k("Tab"));
    assert_eq!(ui.panel, Panel::Queue);
    on_key(&mut ui, &model, k("?"));
    assert_eq!(ui.dialog, Dialog::Help);
    on_key(&mut ui, &model, k("x"));
    assert_eq!(ui.dialog, Dialog::None);
    // Worker 4 crashed: there is no session to attach to or type into.
    ui.selected = 3;
    assert!(on_key(&mut ui, &model, k("a")).is_empty());
    assert_eq!(ui.flash, "worker 4 has no session");
    assert!(on_key(&mut ui, &model, k("i")).is_empty());
    assert_eq!(ui.dialog, Dialog::None);
}

#[test]
fn filter_narrows_the_workers_and_esc_clears_it() {
    let model = fixture::model();
    let mut ui = fixture::ui(true);
    on_key(&mut ui, &model, k("/"));
    for c in "api".chars() {
        on_key(&mut ui, &model, KeySpec::plain(Key::Char(c)));
    }
    assert_eq!(ui.selected_worker(&model), Some(2));
    let screen = draw(&model, &ui, 160, 48).backend().to_string();
    assert!(screen.contains("Workers (1 of 4"), "{screen}");
    on_key(&mut ui, &model, k("Esc"));
    assert!(ui.filter.is_empty());
    assert_eq!(ui.selected_worker(&model), Some(1));
}

#[test]
fn the_inline_form_writes_a_task_and_checks_the_priority() {
    let model = fixture::model();
    let mut ui = fixture::ui(true);
    ui.dialog = Dialog::AddTask(Default::default());
    for c in "Fix it".chars() {
        on_key(&mut ui, &model, KeySpec::plain(Key::Char(c)));
    }
    on_key(&mut ui, &model, k("Tab"));
    on_key(&mut ui, &model, KeySpec::plain(Key::Char('x')));
    assert!(on_key(&mut ui, &model, k("C-s")).is_empty());
    assert!(ui.flash.contains("not a whole number"), "{}", ui.flash);
    let Dialog::AddTask(form) = &ui.dialog else {
        panic!("the form closed on a bad priority");
    };
    assert_eq!(form.field, 1, "back on the priority");
    on_key(&mut ui, &model, k("Backspace"));
    on_key(&mut ui, &model, KeySpec::plain(Key::Char('7')));
    on_key(&mut ui, &model, k("Tab"));
    for c in "docs json-flag".chars() {
        on_key(&mut ui, &model, KeySpec::plain(Key::Char(c)));
    }
    on_key(&mut ui, &model, k("Enter"));
    for c in "cargo test".chars() {
        on_key(&mut ui, &model, KeySpec::plain(Key::Char(c)));
    }
    on_key(&mut ui, &model, k("Enter"));
    for c in "codex, claude".chars() {
        on_key(&mut ui, &model, KeySpec::plain(Key::Char(c)));
    }
    on_key(&mut ui, &model, k("Enter"));
    // The text takes several lines: Enter starts the next one.
    for key in ["a", "Enter", "b"] {
        assert!(on_key(&mut ui, &model, k(key)).is_empty());
    }
    let out = on_key(&mut ui, &model, k("C-s"));
    let [Effect::WriteTask(new)] = out.as_slice() else {
        panic!("{out:?}");
    };
    assert_eq!((new.title.as_str(), new.priority), ("Fix it", 7));
    assert_eq!(new.needs, ["docs", "json-flag"]);
    assert_eq!(new.verify.as_deref(), Some("cargo test"));
    assert_eq!(new.body, "a\nb\n");
}

#[test]
fn a_key_shows_its_effect_in_the_next_frame() {
    let model = fixture::model();
    let mut ui = fixture::ui(true);
    let before = draw(&model, &ui, 80, 24).backend().to_string();
    assert!(before.contains("▶1"), "{before}");
    on_key(&mut ui, &model, k("Down"));
    let after = draw(&model, &ui, 80, 24).backend().to_string();
    assert!(after.contains("▶2"), "{after}");
    assert!(
        after.contains("worker 2"),
        "the preview follows the selection: {after}"
    );
}

#[test]
fn no_color_draws_no_colour_at_all() {
    let model = fixture::model();
    for (color, expect_colour) in [(true, true), (false, false)] {
        let ui = fixture::ui(color);
        let term = draw(&model, &ui, 160, 48);
        let buf = term.backend().buffer();
        let coloured = buf
            .content()
            .iter()
            .any(|c| c.fg != Color::Reset || c.bg != Color::Reset);
        assert_eq!(coloured, expect_colour, "color={color}");
    }
}

#[test]
fn land_now_sends_the_task_selected_in_the_landing_panel() {
    let model = crate::landing::landing_model();
    let mut ui = fixture::ui(true);
    // Not in the Landing panel: nothing is sent, and the operator is told where to go.
    assert!(on_key(&mut ui, &model, k("l")).is_empty());
    assert!(ui.flash.contains("Landing panel"), "{}", ui.flash);
    // Tab reaches it (after the queue) since landing is on; Down moves the selection.
    on_key(&mut ui, &model, k("Tab"));
    on_key(&mut ui, &model, k("Tab"));
    assert_eq!(ui.panel, Panel::Landing);
    on_key(&mut ui, &model, k("Down"));
    let rows = czar::front::tui::rows::landing(&model);
    let out = on_key(&mut ui, &model, k("l"));
    assert_eq!(
        out,
        vec![Effect::Send(Intent::LandNow {
            task: rows[1].def.id.clone()
        })]
    );
    // With landing off the cycle skips it.
    let plain = fixture::model();
    let mut ui = fixture::ui(true);
    on_key(&mut ui, &plain, k("Tab"));
    on_key(&mut ui, &plain, k("Tab"));
    assert_eq!(ui.panel, Panel::Alerts);
}

#[test]
fn reject_asks_for_a_note_and_sends_it_and_open_pr_needs_a_pull_request() {
    let model = crate::landing::landing_model();
    let mut ui = fixture::ui(true);
    on_key(&mut ui, &model, k("Tab"));
    on_key(&mut ui, &model, k("Tab"));
    assert_eq!(ui.panel, Panel::Landing);
    let first = czar::front::tui::rows::landing(&model)[0].def.id.clone();
    assert!(on_key(&mut ui, &model, k("o")).is_empty());
    assert!(ui.flash.contains("no open pull request"), "{}", ui.flash);
    on_key(&mut ui, &model, k("b"));
    assert!(matches!(&ui.dialog, Dialog::Reject { task, .. } if *task == first));
    let draw_ui = ui.clone();
    let screen = format!("{:?}", draw(&model, &draw_ui, 120, 40).backend());
    assert!(screen.contains("back to its agent with a note"), "{screen}");
    for c in "use --json".chars() {
        on_key(&mut ui, &model, k(&c.to_string()));
    }
    let out = on_key(&mut ui, &model, k("Enter"));
    assert_eq!(
        out,
        vec![Effect::Send(Intent::Reject {
            task: first,
            note: "use --json".into()
        })]
    );
    assert_eq!(ui.dialog, Dialog::None);
}

#[test]
fn the_diff_key_asks_for_the_selected_tasks_diff_and_its_view_closes() {
    let model = crate::landing::landing_model();
    let mut ui = fixture::ui(true);
    assert!(on_key(&mut ui, &model, k("v")).is_empty());
    assert!(ui.flash.contains("Landing panel"), "{}", ui.flash);
    ui.panel = Panel::Landing;
    ui.places.landing = 1;
    let id = czar::front::tui::rows::landing(&model)[1].def.id.clone();
    assert_eq!(on_key(&mut ui, &model, k("v")), vec![Effect::ShowDiff(id)]);
    // The built-in view takes the keys while open: q closes it, nothing else happens.
    ui.dialog = Dialog::Diff(czar::front::tui::state::DiffView {
        task: "schema".into(),
        lines: vec!["+a".into(), "+b".into()],
        scroll: 0,
    });
    assert!(on_key(&mut ui, &model, k("Down")).is_empty());
    assert!(matches!(&ui.dialog, Dialog::Diff(v) if v.scroll == 1));
    assert!(on_key(&mut ui, &model, k("q")).is_empty());
    assert_eq!(ui.dialog, Dialog::None);
}
