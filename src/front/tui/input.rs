//! Keys → UI changes and effects. Pure: it changes the UiState and returns what the app must do
//! (an operator intent for the engine, an attach, a task to write), so tests drive it directly.

use super::keymap::Action;
use super::rows;
use super::state::{Dialog, Panel, PreviewMode, TaskForm, UiState};
use crate::config::{Key, KeySpec};
use crate::core::model::TaskDef;
use crate::core::model::{AgentState, Model, WorkerId};
use crate::core::observation::Intent;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Goes to the engine, which records it as an operator intervention.
    Send(Intent),
    Attach(WorkerId),
    /// Open `$EDITOR` on a new task file.
    EditTask,
    WriteTask(TaskDef),
    /// Open `$EDITOR` on this task's file.
    EditTaskFile(String),
    /// Set the task's priority in its file, then send the intent.
    Priority {
        task: String,
        priority: i64,
    },
    /// Read the preview again now (the selection or the mode changed).
    Refresh,
    /// Open a pull request's page in the operator's browser.
    OpenUrl(String),
    Quit,
}

pub fn on_key(ui: &mut UiState, model: &Model, key: KeySpec) -> Vec<Effect> {
    if ui.dialog != Dialog::None {
        return on_dialog_key(ui, model, key);
    }
    let Some(action) = ui.keys.action(&key) else {
        return Vec::new();
    };
    ui.flash.clear();
    let worker = ui.selected_worker(model);
    let need_worker = |ui: &mut UiState| {
        ui.flash = "no worker selected".into();
        Vec::new()
    };
    match action {
        Action::Quit => vec![Effect::Quit],
        Action::Help => {
            ui.dialog = Dialog::Help;
            Vec::new()
        }
        Action::Up | Action::Down => {
            move_selection(ui, model, action == Action::Up);
            vec![Effect::Refresh]
        }
        Action::NextPanel => {
            ui.panel = ui.panel.next_in(model.policy.land.mode.is_on());
            Vec::new()
        }
        Action::Reject | Action::OpenPr => {
            let rows = rows::landing(model);
            let Some(t) = rows
                .get(ui.landing_sel)
                .filter(|_| ui.panel == Panel::Landing)
            else {
                ui.flash = "select a task in the Landing panel first (Tab)".into();
                return Vec::new();
            };
            let url = match t.land.as_ref().map(|l| &l.state) {
                Some(crate::core::model::Landing::PrOpen { url, .. }) => Some(url.clone()),
                _ => None,
            };
            match (action, url) {
                (Action::Reject, _) => {
                    ui.dialog = Dialog::Reject {
                        task: t.def.id.clone(),
                        text: String::new(),
                    };
                    Vec::new()
                }
                (_, Some(url)) => vec![Effect::OpenUrl(url)],
                (_, None) => {
                    ui.flash = format!("{} has no open pull request", t.def.id);
                    Vec::new()
                }
            }
        }
        Action::LandNow => {
            let rows = rows::landing(model);
            match rows.get(ui.landing_sel) {
                Some(t) if ui.panel == Panel::Landing => {
                    ui.flash = format!("asked to land {} now", t.def.id);
                    vec![Effect::Send(Intent::LandNow {
                        task: t.def.id.clone(),
                    })]
                }
                _ => {
                    ui.flash = "select a task in the Landing panel first (Tab)".into();
                    Vec::new()
                }
            }
        }
        Action::BranchView => {
            ui.preview = match ui.preview {
                PreviewMode::Screen => PreviewMode::Branch,
                PreviewMode::Branch => PreviewMode::Screen,
            };
            vec![Effect::Refresh]
        }
        Action::Filter => {
            ui.dialog = Dialog::Filter;
            Vec::new()
        }
        Action::Pause => {
            let on = !model.policy.auto_assign;
            ui.flash = format!("auto-assign {}", if on { "on" } else { "off" });
            vec![Effect::Send(Intent::SetAutoAssign(on))]
        }
        Action::NewWorker => {
            ui.flash = "starting a new worker".into();
            vec![Effect::Send(Intent::AddWorker)]
        }
        Action::AddTask => {
            if std::env::var_os("EDITOR").is_some_and(|e| !e.is_empty()) {
                vec![Effect::EditTask]
            } else {
                ui.dialog = Dialog::AddTask(TaskForm {
                    priority: "0".into(),
                    ..TaskForm::default()
                });
                Vec::new()
            }
        }
        Action::TaskCancel
        | Action::TaskHold
        | Action::TaskRetry
        | Action::TaskEdit
        | Action::PriorityUp
        | Action::PriorityDown => super::queue_keys::on_task_key(ui, model, action),
        Action::Attach | Action::Type if worker.is_some_and(|w| !is_live(model, w)) => {
            ui.flash = format!("worker {} has no session", worker.unwrap_or_default());
            Vec::new()
        }
        Action::Attach => match worker {
            Some(w) => vec![Effect::Attach(w)],
            None => need_worker(ui),
        },
        Action::Type => match worker {
            Some(w) => {
                ui.dialog = Dialog::Type {
                    worker: w,
                    text: String::new(),
                };
                Vec::new()
            }
            None => need_worker(ui),
        },
        Action::AnswerYes | Action::AnswerNo => match worker {
            Some(w)
                if model
                    .workers
                    .get(&w)
                    .is_some_and(|x| x.agent == AgentState::Waiting) =>
            {
                let yes = action == Action::AnswerYes;
                ui.flash = format!("answered {} to worker {w}", if yes { "yes" } else { "no" });
                vec![Effect::Send(Intent::Answer { worker: w, yes })]
            }
            Some(w) => {
                ui.flash = format!("worker {w} is not waiting for an answer");
                Vec::new()
            }
            None => need_worker(ui),
        },
        Action::Kill => match worker {
            Some(w) => {
                ui.dialog = Dialog::ConfirmKill(w);
                Vec::new()
            }
            None => need_worker(ui),
        },
        Action::Reassign => match worker {
            Some(w) => {
                let tasks = rows::ready_tasks(model);
                if tasks.is_empty() {
                    ui.flash = "no task is ready to be given".into();
                } else {
                    ui.dialog = Dialog::Reassign {
                        worker: w,
                        tasks,
                        selected: 0,
                    };
                }
                Vec::new()
            }
            None => need_worker(ui),
        },
    }
}

fn is_live(model: &Model, w: WorkerId) -> bool {
    model.workers.get(&w).is_some_and(|x| x.live)
}

fn move_selection(ui: &mut UiState, model: &Model, up: bool) {
    let step = |v: usize, max: usize| {
        if up {
            v.saturating_sub(1)
        } else {
            (v + 1).min(max)
        }
    };
    match ui.panel {
        Panel::Workers => {
            let n = rows::visible_workers(model, &ui.filter).len();
            ui.selected = step(ui.selected, n.saturating_sub(1));
        }
        Panel::Queue => {
            let order = rows::queue(model, &ui.filter).in_order();
            ui.queue_selected = step(ui.queue_selected, order.len().saturating_sub(1));
            ui.queue_task = order.get(ui.queue_selected).map(|t| t.def.id.clone());
        }
        Panel::Landing => {
            let n = rows::landing(model).len();
            ui.landing_sel = step(ui.landing_sel, n.saturating_sub(1));
        }
        Panel::Alerts => ui.alert_scroll = step(ui.alert_scroll, usize::MAX / 2),
    }
}

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

fn on_dialog_key(ui: &mut UiState, model: &Model, key: KeySpec) -> Vec<Effect> {
    let is_ctrl_c = key.ctrl && key.key == Key::Char('c');
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
    };
    out
}

fn add_task_key(
    ui: &mut UiState,
    mut form: TaskForm,
    key: &KeySpec,
    out: &mut Vec<Effect>,
) -> Dialog {
    match key.key {
        Key::Tab | Key::Down => form.field = (form.field + 1) % 3,
        Key::BackTab | Key::Up => form.field = (form.field + 2) % 3,
        Key::Enter if form.field < 2 => form.field += 1,
        Key::Enter => {
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
                form.text.clone()
            };
            out.push(Effect::WriteTask(TaskDef {
                title: form.title.trim().to_string(),
                priority,
                body: format!("{body}\n"),
                ..TaskDef::default()
            }));
            return Dialog::None;
        }
        _ => {
            let field = match form.field {
                0 => &mut form.title,
                1 => &mut form.priority,
                _ => &mut form.text,
            };
            edit(field, key);
        }
    }
    Dialog::AddTask(form)
}
