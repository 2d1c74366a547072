//! Keys → UI changes and effects. Pure: it changes the UiState and returns what the app must do
//! (an operator intent for the engine, an attach, a task to write), so tests drive it directly.

use super::dialog_keys::on_dialog_key;
use super::keymap::Action;
use super::rows;
use super::state::{Dialog, Panel, PreviewMode, TaskForm, UiState};
use crate::config::KeySpec;
use crate::core::model::{AgentState, Model, WorkerId};
use crate::core::observation::Intent;

pub use super::effect::Effect;

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
        Action::EventLog => {
            ui.dialog = Dialog::EventLog(Default::default());
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
        Action::Reject | Action::OpenPr | Action::LandNow | Action::Diff => {
            super::landing_keys::on_landing_key(ui, model, action)
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
        Action::Forget => match worker.and_then(|w| model.workers.get(&w)) {
            Some(w) if !w.live && !w.starting && w.task.is_none() => {
                ui.flash = format!("removed worker {}'s row", w.id);
                vec![Effect::Send(Intent::Forget { worker: w.id })]
            }
            Some(w) => {
                ui.flash = format!("worker {} is not dead: kill it first (k)", w.id);
                Vec::new()
            }
            None => need_worker(ui),
        },
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
            ui.queue.row = step(ui.queue.row, order.len().saturating_sub(1));
            ui.queue.task = order.get(ui.queue.row).map(|t| t.def.id.clone());
        }
        Panel::Landing => {
            let n = rows::landing(model).len();
            ui.places.landing = step(ui.places.landing, n.saturating_sub(1));
        }
        Panel::Alerts => ui.places.alerts = step(ui.places.alerts, usize::MAX / 2),
    }
}
