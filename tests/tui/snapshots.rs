//! Every view and overlay at 80x24 and 160x48, drawn with TestBackend from a model built here.

use crate::fixture::{self, draw};
use czar::core::model::Model;
use czar::core::model::TaskState;
use czar::front::tui::state::{Dialog, Panel, PreviewMode, TaskForm, UiState};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];
/// New and changed views are drawn at the largest size too.
const ALL_SIZES: [(u16, u16); 3] = [(80, 24), (160, 48), (250, 70)];

fn snap(name: &str, model: &Model, ui: &UiState) {
    snap_at(&SIZES, name, model, ui);
}

fn snap_at(sizes: &[(u16, u16)], name: &str, model: &Model, ui: &UiState) {
    for &(w, h) in sizes {
        let term = draw(model, ui, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), term.backend());
    }
}

#[test]
fn dashboard_with_screen_preview() {
    snap("dashboard", &fixture::model(), &fixture::ui(true));
}

#[test]
fn branch_view() {
    let mut ui = fixture::ui(true);
    ui.preview = PreviewMode::Branch;
    ui.read.branch = Some((1, Ok(fixture::branch_stats())));
    snap("branch_view", &fixture::model(), &ui);
}

#[test]
fn help_overlay() {
    let mut ui = fixture::ui(true);
    ui.dialog = Dialog::Help;
    snap("help", &fixture::model(), &ui);
}

#[test]
fn kill_confirmation() {
    let mut ui = fixture::ui(true);
    ui.dialog = Dialog::ConfirmKill(1);
    snap("confirm_kill", &fixture::model(), &ui);
}

#[test]
fn reassign_picker() {
    let mut ui = fixture::ui(true);
    ui.dialog = Dialog::Reassign {
        worker: 1,
        tasks: vec!["docs".into(), "json-flag".into()],
        selected: 1,
    };
    snap("reassign", &fixture::model(), &ui);
}

#[test]
fn type_a_line() {
    let mut ui = fixture::ui(true);
    ui.dialog = Dialog::Type {
        worker: 2,
        text: "use the v2 endpoint".into(),
    };
    ui.selected = 1;
    snap("type", &fixture::model(), &ui);
}

#[test]
fn filter_in_progress() {
    let mut ui = fixture::ui(true);
    ui.dialog = Dialog::Filter;
    ui.filter = "api".into();
    snap("filter", &fixture::model(), &ui);
}

#[test]
fn add_task_form() {
    let mut ui = fixture::ui(true);
    ui.dialog = Dialog::AddTask(TaskForm {
        title: "Fix the login redirect".into(),
        priority: "-l7x".into(),
        needs: "login-form".into(),
        verify: "cargo test login".into(),
        agents: "codex, claude".into(),
        text: "Send the user back where they were.\nKeep the query string.".into(),
        field: 5,
    });
    ui.flash = "priority \"-l7x\" is not a whole number".into();
    snap("add_task", &fixture::model(), &ui);
}

#[test]
fn queue_focused_and_waiting_worker_selected_with_a_note() {
    let mut ui = fixture::ui(true);
    ui.panel = Panel::Queue;
    ui.selected = 1;
    ui.flash = "answered yes to worker 2".into();
    let mut model = fixture::model();
    model.policy.auto_assign = false;
    snap("queue_focus_paused", &model, &ui);
}

#[test]
fn empty_fleet() {
    let model = Model::new("demo", "main", Default::default());
    let mut ui = UiState::new(czar::front::tui::keymap::Keymap::defaults(), true);
    ui.now = fixture::NOW;
    snap("empty", &model, &ui);
}

#[test]
fn a_large_terminal_shows_everything_in_full() {
    let term = draw(&fixture::model(), &fixture::ui(true), 250, 70);
    let s = term.backend().to_string();
    assert!(
        s.contains("queue 2 ready 1 blocked 2 active 2 done 1 failed │ alerts 2"),
        "{s}"
    );
    assert!(s.contains("/ filter  q quit"), "{s}");
    assert!(
        s.contains("czar/login-form"),
        "the branch column shows when wide: {s}"
    );
    assert!(
        s.contains("perf verify failed 3 times: cargo bench exited 101"),
        "{s}"
    );
}

/// A queue with a held task, a selection in it, and done tasks in the order they finished.
fn queue_model() -> Model {
    let mut m = fixture::model();
    if let Some(t) = m.tasks.get_mut("json-flag") {
        t.hold = Some("the operator said no to: Delete the build folder?".into());
    }
    if let Some(t) = m.tasks.get_mut("setup") {
        t.times.finished = Some(fixture::NOW - 60_000);
    }
    if let Some(t) = m.tasks.get_mut("schema") {
        t.times.finished = Some(fixture::NOW - 5_000);
        t.state = TaskState::Done;
    }
    m
}

#[test]
fn queue_with_a_selection_and_a_held_task() {
    let mut ui = fixture::ui(true);
    ui.panel = Panel::Queue;
    ui.queue.row = 1;
    snap_at(&ALL_SIZES, "queue_selected", &queue_model(), &ui);
}

#[test]
fn cancel_confirmation() {
    let mut ui = fixture::ui(true);
    ui.panel = Panel::Queue;
    ui.dialog = Dialog::ConfirmCancel("login-form".into());
    snap_at(&ALL_SIZES, "confirm_cancel", &queue_model(), &ui);
}

#[test]
fn a_worker_with_a_client_attached_is_marked() {
    let mut m = fixture::model();
    if let Some(w) = m.workers.get_mut(&1) {
        w.vitals.attached = true;
    }
    snap_at(&ALL_SIZES, "attached", &m, &fixture::ui(true));
}

#[test]
fn a_waiting_worker_selected_keeps_y_and_n_in_the_footer() {
    let mut ui = fixture::ui(true);
    ui.selected = 1;
    let term = draw(&fixture::model(), &ui, 80, 24);
    let footer = term.backend().buffer().content()[80 * 23..]
        .iter()
        .map(|c| c.symbol())
        .collect::<String>();
    assert!(
        footer.contains("y yes") && footer.contains("N no"),
        "{footer}"
    );
    snap_at(&ALL_SIZES, "waiting_selected", &fixture::model(), &ui);
}

/// A done worker keeps its last task's figures; two long names that differ at the end stay
/// told apart when cut; spare width goes to the task and branch columns.
#[test]
fn rows_that_tell_the_truth() {
    use czar::core::model::{AgentState, BranchInfo};
    let mut m = fixture::model();
    for (id, task) in [
        (1, "port-module-to-the-new-api-a"),
        (2, "port-module-to-the-new-api-b"),
    ] {
        let old = m.workers[&id].task.clone().unwrap();
        let mut t = m.tasks.remove(&old).unwrap();
        t.def.id = task.into();
        m.tasks.insert(task.into(), t);
        let w = m.workers.get_mut(&id).unwrap();
        w.task = Some(task.into());
        if let Some(b) = w.branch.as_mut() {
            b.branch = format!("czar/{task}");
        }
    }
    let w3 = m.workers.get_mut(&3).unwrap();
    w3.agent = AgentState::Done;
    w3.last_line = "● Done: 1 commit on czar/schema".into();
    w3.vitals.activity_at = fixture::NOW - 8_000;
    w3.branch = Some(BranchInfo {
        branch: "czar/schema".into(),
        ahead: 1,
        files: 1,
        added: 40,
        removed: 2,
        ..BranchInfo::default()
    });
    let term = draw(&m, &fixture::ui(true), 80, 24);
    let s = term.backend().to_string();
    assert!(
        s.contains("port-mod…ew-api-a") && s.contains("port-mod…ew-api-b"),
        "{s}"
    );
    assert!(s.contains("schema"), "the done row keeps its task: {s}");
    let term = draw(&m, &fixture::ui(true), 250, 70);
    let s = term.backend().to_string();
    assert!(
        s.contains("czar/port-module-to-the-new-api-a"),
        "in full when wide: {s}"
    );
    snap_at(&ALL_SIZES, "rows_truth", &m, &fixture::ui(true));
}

#[test]
fn the_header_gauge_counts_done_and_failed_and_estimates_the_rest() {
    let mut m = fixture::model();
    for t in m.tasks.values_mut() {
        t.times.started = Some(fixture::NOW - 600_000);
    }
    // 2 of 8 done in 10 minutes: 5 minutes a task, 5 left (1 failed).
    let term = draw(&m, &fixture::ui(true), 250, 70);
    let s = term.backend().to_string();
    assert!(s.contains("│ ██") && s.contains(" 2/8 ETA 25m"), "{s}");
}
