//! Keys while a dialog is open (confirmations, typing to a worker, the filter, the add-task
//! form): they go to the dialog, not to the panels. Apart from `input` (the panels' keys) as
//! `queue_keys` and `log_keys` are, and like them it only borrows `input::Effect`.

use super::effect::Effect;
use super::state::{Dialog, TaskForm, UiState};
use crate::config::{Key, KeySpec};
use crate::core::model::{Model, TaskDef};
use crate::core::observation::Intent;

fn typed(key: &KeySpec) -> Option<char> {
    match key.key {
        Key::Char(c) if !key.ctrl && !key.alt => Some(c),
        _ => None,
    }
}

fn edit(text: &mut String, key: &KeySpec) {
    if let Some(c) = typed(key) {
        text.push(c);
    } else if key.key == Key::Backspace {
        text.pop();
    }
}

pub(super) fn on_dialog_key(ui: &mut UiState, model: &Model, key: KeySpec) -> Vec<Effect> {
    let is_ctrl_c = key.ctrl && key.key == Key::Char('c');
    if let Dialog::EventLog(view) = &mut ui.dialog {
        if super::log_keys::on_log_key(view, &ui.events, &key) {
            ui.dialog = Dialog::None;
        }
        return Vec::new();
    }
    if let Dialog::Diff(view) = &mut ui.dialog {
        if super::landing_keys::on_diff_key(view, &key) {
            ui.dialog = Dialog::None;
        }
        return Vec::new();
    }
    if key.key == Key::Esc || is_ctrl_c {
        if ui.dialog == Dialog::Filter {
            ui.filter.clear();
        }
        ui.dialog = Dialog::None;
        return Vec::new();
    }
    let mut out = Vec::new();
    let dialog = std::mem::take(&mut ui.dialog);
    ui.dialog = match dialog {
        Dialog::None => Dialog::None,
        Dialog::Help => Dialog::None,
        Dialog::ConfirmKill(w) => {
            if typed(&key) == Some('y') {
                ui.flash = format!("killed worker {w}; its task goes back to the queue");
                out.push(Effect::Send(Intent::Kill { worker: w }));
            } else {
                ui.flash = "kill cancelled".into();
            }
            Dialog::None
        }
        Dialog::ConfirmCancel(task) => {
            if typed(&key) == Some('y') {
                ui.flash = format!("cancelled {task}");
                out.push(Effect::Send(Intent::Task {
                    task,
                    action: crate::core::observation::TaskAction::Cancel,
                }));
            } else {
                ui.flash = "cancel: nothing done".into();
            }
            Dialog::None
        }
        Dialog::Reassign {
            worker,
            tasks,
            selected,
        } => match key.key {
            Key::Up => Dialog::Reassign {
                worker,
                tasks,
                selected: selected.saturating_sub(1),
            },
            Key::Down => Dialog::Reassign {
                selected: (selected + 1).min(tasks.len().saturating_sub(1)),
                worker,
                tasks,
            },
            Key::Enter => {
                if let Some(task) = tasks.get(selected).cloned() {
                    ui.flash = format!("gave {task} to worker {worker}");
                    out.push(Effect::Send(Intent::Reassign { worker, task }));
                    // The branch view shows the new task's branch, read afresh.
                    ui.read.branch = None;
                    out.push(Effect::Refresh);
                }
                Dialog::None
            }
            _ => Dialog::Reassign {
                worker,
                tasks,
                selected,
            },
        },
        Dialog::Type { worker, mut text } => {
            if key.key == Key::Enter {
                if !text.is_empty() {
                    ui.flash = format!("typed a line into worker {worker}");
                    out.push(Effect::Send(Intent::Type { worker, text }));
                }
                Dialog::None
            } else {
                edit(&mut text, &key);
                Dialog::Type { worker, text }
            }
        }
        Dialog::Reject { task, mut text } => {
            if key.key == Key::Enter {
                if !text.is_empty() {
                    ui.flash = format!("sent {task} back to its agent");
                    out.push(Effect::Send(Intent::Reject { task, note: text }));
                }
                Dialog::None
            } else {
                edit(&mut text, &key);
                Dialog::Reject { task, text }
            }
        }
        Dialog::Filter => {
            if key.key == Key::Enter {
                Dialog::None
            } else {
                edit(&mut ui.filter, &key);
                ui.clamp(model);
                out.push(Effect::Refresh);
                Dialog::Filter
            }
        }
        Dialog::AddTask(form) => add_task_key(ui, form, &key, &mut out),
        // Handled above.
        Dialog::EventLog(view) => Dialog::EventLog(view),
        Dialog::Diff(view) => Dialog::Diff(view),
    };
    out
}

fn add_task_key(
    ui: &mut UiState,
    mut form: TaskForm,
    key: &KeySpec,
    out: &mut Vec<Effect>,
) -> Dialog {
    let n = TaskForm::FIELDS;
    let save = key.ctrl && key.key == Key::Char('s');
    match key.key {
        _ if save => return save_form(ui, form, out),
        Key::Tab | Key::Down => form.field = (form.field + 1) % n,
        Key::BackTab | Key::Up => form.field = (form.field + n - 1) % n,
        // The text takes several lines; C-s saves from any field.
        Key::Enter if form.field == TaskForm::TEXT => form.text.push('\n'),
        Key::Enter => form.field += 1,
        _ => {
            let field = match form.field {
                0 => &mut form.title,
                1 => &mut form.priority,
                2 => &mut form.needs,
                3 => &mut form.verify,
                4 => &mut form.agents,
                _ => &mut form.text,
            };
            edit(field, key);
        }
    }
    Dialog::AddTask(form)
}

/// The form as a task, or the form back with what is wrong said in it (the flash shows there).
fn save_form(ui: &mut UiState, mut form: TaskForm, out: &mut Vec<Effect>) -> Dialog {
    let Ok(priority) = form.priority.trim().parse::<i64>() else {
        ui.flash = format!("priority {:?} is not a whole number", form.priority);
        form.field = 1;
        return Dialog::AddTask(form);
    };
    if form.title.trim().is_empty() {
        ui.flash = "a task needs a title".into();
        form.field = 0;
        return Dialog::AddTask(form);
    }
    let body = if form.text.trim().is_empty() {
        form.title.clone()
    } else {
        form.text.trim_end().to_string()
    };
    let words = |s: &str| -> Vec<String> {
        s.split([',', ' '])
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect()
    };
    let needs = words(&form.needs);
    let agent = words(&form.agents);
    let verify = Some(form.verify.trim().to_string()).filter(|v| !v.is_empty());
    out.push(Effect::WriteTask(TaskDef {
        title: form.title.trim().to_string(),
        priority,
        needs,
        agent,
        verify,
        body: format!("{body}\n"),
        ..TaskDef::default()
    }));
    Dialog::None
}
