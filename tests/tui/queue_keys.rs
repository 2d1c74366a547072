//! The Queue panel's keys through the pure reducer: the selection moves through the tasks as
//! they are listed, and each key sends the task intent the core decides on.

use crate::fixture;
use czar::config::{KeySpec, parse_key};
use czar::core::observation::{Intent, TaskAction};
use czar::front::tui::input::{Effect, on_key};
use czar::front::tui::state::{Dialog, Panel};

fn k(name: &str) -> KeySpec {
    parse_key(name).unwrap()
}

fn task(id: &str, action: TaskAction) -> Vec<Effect> {
    vec![Effect::Send(Intent::Task {
        task: id.into(),
        action,
    })]
}

#[test]
fn task_keys_act_on_the_selected_task_of_the_queue_panel() {
    let mut model = fixture::model();
    let mut ui = fixture::ui(true);
    // Outside the Queue panel they only say where to go.
    assert!(on_key(&mut ui, &model, k("h")).is_empty());
    assert!(ui.flash.contains("Queue panel"), "{}", ui.flash);
    ui.panel = Panel::Queue;
    // Listed: ready docs (p1), json-flag (p0); blocked e2e; active...; failed perf; done.
    assert_eq!(
        on_key(&mut ui, &model, k("h")),
        task(
            "docs",
            TaskAction::Hold {
                note: "held from the dashboard".into()
            }
        )
    );
    on_key(&mut ui, &model, k("j"));
    assert_eq!(
        on_key(&mut ui, &model, k("+")),
        vec![Effect::Priority {
            task: "json-flag".into(),
            priority: 1
        }]
    );
    assert_eq!(
        on_key(&mut ui, &model, k("-")),
        vec![Effect::Priority {
            task: "json-flag".into(),
            priority: -1
        }]
    );
    assert_eq!(
        on_key(&mut ui, &model, k("e")),
        vec![Effect::EditTaskFile("json-flag".into())]
    );
    // Retry only what failed.
    assert!(on_key(&mut ui, &model, k("R")).is_empty());
    assert!(ui.flash.contains("did not fail"), "{}", ui.flash);
    // Cancel asks first; only y says yes.
    assert!(on_key(&mut ui, &model, k("x")).is_empty());
    assert_eq!(ui.dialog, Dialog::ConfirmCancel("json-flag".into()));
    assert!(on_key(&mut ui, &model, k("Enter")).is_empty());
    assert_eq!(ui.dialog, Dialog::None);
    on_key(&mut ui, &model, k("x"));
    assert_eq!(
        on_key(&mut ui, &model, k("y")),
        task("json-flag", TaskAction::Cancel)
    );
    // A held task: h releases it.
    model.tasks.get_mut("json-flag").unwrap().hold = Some("later".into());
    ui.queue.row = 1;
    assert_eq!(
        on_key(&mut ui, &model, k("h")),
        task("json-flag", TaskAction::Release)
    );
    // The failed task, further down the list.
    let order = czar::front::tui::rows::queue(&model, "").in_order();
    let perf = order.iter().position(|t| t.def.id == "perf").unwrap();
    for _ in 0..perf - 1 {
        on_key(&mut ui, &model, k("Down"));
    }
    assert_eq!(ui.queue.row, perf);
    assert_eq!(
        on_key(&mut ui, &model, k("R")),
        task("perf", TaskAction::Retry)
    );
}
