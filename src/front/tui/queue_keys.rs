//! The Queue panel's keys: cancel (asks first), hold / release, retry, edit, priority ±. Each
//! becomes an operator intent the core decides on (`core::task_control`); the panel only picks
//! the task.

use super::effect::Effect;
use super::keymap::Action;
use super::rows;
use super::state::{Dialog, Panel, UiState};
use crate::core::model::{Model, TaskState};
use crate::core::observation::{Intent, TaskAction};

pub fn on_task_key(ui: &mut UiState, model: &Model, action: Action) -> Vec<Effect> {
    if ui.panel != Panel::Queue {
        ui.flash = "select a task in the Queue panel first (Tab)".into();
        return Vec::new();
    }
    let Some(t) = rows::selected_task(model, &ui.filter, ui.queue.row) else {
        ui.flash = "no task to act on".into();
        return Vec::new();
    };
    let task = t.def.id.clone();
    ui.queue.task = Some(task.clone());
    let send = |action: TaskAction| {
        vec![Effect::Send(Intent::Task {
            task: task.clone(),
            action,
        })]
    };
    match action {
        Action::TaskCancel if t.state.is_final() => {
            ui.flash = format!("{task} is {} already", t.state.as_str());
            Vec::new()
        }
        Action::TaskCancel => {
            ui.dialog = Dialog::ConfirmCancel(task);
            Vec::new()
        }
        Action::TaskHold if t.hold.is_some() => {
            ui.flash = format!("released {task}");
            send(TaskAction::Release)
        }
        Action::TaskHold if t.state.is_final() => {
            ui.flash = format!("{task} is {}: nothing to hold", t.state.as_str());
            Vec::new()
        }
        Action::TaskHold => {
            ui.flash = format!("held {task}; h again releases it");
            send(TaskAction::Hold {
                note: "held from the dashboard".into(),
            })
        }
        Action::TaskRetry if t.state != TaskState::Failed => {
            ui.flash = format!("{task} did not fail: nothing to retry");
            Vec::new()
        }
        Action::TaskRetry => {
            ui.flash = format!("{task} goes back to the queue");
            send(TaskAction::Retry)
        }
        Action::TaskEdit => vec![Effect::EditTaskFile(task)],
        Action::PriorityUp | Action::PriorityDown => {
            let step = if action == Action::PriorityUp { 1 } else { -1 };
            let priority = t.def.priority.saturating_add(step);
            ui.flash = format!("{task}: priority {priority}");
            vec![Effect::Priority { task, priority }]
        }
        _ => Vec::new(),
    }
}
