//! The dashboard's loop: the engine runs in its own task and keeps deciding; this loop only
//! reads snapshots of its model, draws, and turns keys into operator intents.

use super::input::{Effect, on_key};
use super::keymap::spec_of;
use super::state::Dialog;
use super::state::{PreviewMode, Screen, UiState};
use super::terminal::Term;
use super::{landing_keys, outside, pager, view};
use crate::adapters::git::BranchStats;
use crate::core::model::{Model, WorkerId};
use crate::engine::{Handle, Setup, now_ms};
use ansi_to_tui::IntoText;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use ratatui::text::Text;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// What background reads send back to the loop.
enum Read {
    Screen(WorkerId, Text<'static>),
    Branch(WorkerId, Result<BranchStats, String>),
    History(Result<Vec<crate::adapters::store::EventRow>, String>),
}

/// Events the event log reads from the store when it opens.
const HISTORY_SHOWN: usize = 10_000;

const SCREEN_EVERY: Duration = Duration::from_millis(400);
const BRANCH_EVERY: Duration = Duration::from_secs(2);
/// How long the attach key waits to learn how to reach a worker on a host (a dead connection is
/// made again first).
const ATTACH_WAIT: Duration = Duration::from_secs(15);
/// Events the alerts panel and the event log keep (the engine publishes its latest 200).
const EVENTS_SHOWN: usize = 200;

pub async fn run(
    term: &mut Term,
    handle: &mut Handle,
    ui: &mut UiState,
    setup: &Setup,
    diff_tool: Option<&str>,
) -> anyhow::Result<()> {
    let mut keys = EventStream::new();
    let (tx, mut rx) = mpsc::unbounded_channel::<Read>();
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut reading = false;
    let mut last_read = Instant::now() - BRANCH_EVERY;
    let mut engine_alive = true;
    let mut bell = super::ring::Ring::new(setup.notify.terminal, &handle.events());
    // The open event log's history was asked for.
    let mut history = false;
    loop {
        let model = handle.model();
        ui.clamp(&model);
        ui.now = now_ms();
        let events = handle.events();
        ui.events = events[events.len().saturating_sub(EVENTS_SHOWN)..].to_vec();
        ui.hosts = handle.hosts();
        let every = match ui.preview {
            PreviewMode::Screen => SCREEN_EVERY,
            PreviewMode::Branch => BRANCH_EVERY,
        };
        if !reading && last_read.elapsed() >= every {
            reading = read_preview(&model, ui, handle, &tx);
            last_read = Instant::now();
        }
        history = read_history(ui, handle, &tx, history);
        term.draw(|f| view::render(f, &model, ui))?;
        bell.ring(term.backend_mut(), &events);

        tokio::select! {
            ev = keys.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    let Some(spec) = spec_of(&k) else { continue };
                    for effect in on_key(ui, &model, spec) {
                        match effect {
                            Effect::Quit => return Ok(()),
                            Effect::Send(intent) => {
                                if !handle.send(intent) {
                                    ui.flash = "the engine has stopped".into();
                                }
                            }
                            Effect::Refresh => {
                                last_read = Instant::now() - BRANCH_EVERY;
                            }
                            Effect::OpenUrl(url) => ui.flash = outside::open_url(&url),
                            Effect::ShowDiff(task) => {
                                let text = match handle.diff(&task).await {
                                    Ok(t) => t,
                                    Err(e) => {
                                        ui.flash = format!("no diff for {task}: {e}");
                                        continue;
                                    }
                                };
                                let pager = std::env::var("PAGER").ok();
                                match pager::chosen(pager.as_deref(), diff_tool) {
                                    Some(program) => {
                                        // As for an attach: the key reader must not compete with it.
                                        drop(keys);
                                        ui.flash = pager::show(term, &program, text).await?;
                                        keys = EventStream::new();
                                    }
                                    None => {
                                        ui.flash.clear();
                                        ui.dialog = Dialog::Diff(landing_keys::diff_view(&task, &text));
                                    }
                                }
                            }
                            Effect::Attach(w) => {
                                // A worker on a host is shown by `ssh -t … tmux attach`.
                                // Bounded: a host being connected to again must not freeze the keys.
                                let asked = tokio::time::timeout(ATTACH_WAIT, handle.attach_argv(w)).await;
                                let remote = match asked.unwrap_or_else(|_| Err("its host did not answer in time".into())) {
                                    Ok(argv) => argv,
                                    Err(e) => {
                                        ui.flash = format!("cannot attach to worker {w}: {e}");
                                        continue;
                                    }
                                };
                                // The key reader must not compete with tmux for the terminal.
                                drop(keys);
                                let session = model.session_name(w);
                                ui.flash = match remote {
                                    Some(argv) => outside::attach_remote(term, &argv, &session).await?,
                                    None => outside::attach(term, &setup.socket, &session).await?,
                                };
                                keys = EventStream::new();
                            }
                            Effect::EditTask => {
                                drop(keys);
                                let p = &setup.paths;
                                let names = crate::tasks::known_names(&setup.profiles, &setup.hosts); let agents: Vec<&str> = names.iter().map(String::as_str).collect();
                                ui.flash = outside::edit_task(term, &p.tasks_dir, &p.state_dir, &agents).await;
                                keys = EventStream::new();
                            }
                            Effect::EditTaskFile(task) => {
                                drop(keys);
                                let p = &setup.paths;
                                let names = crate::tasks::known_names(&setup.profiles, &setup.hosts); let agents: Vec<&str> = names.iter().map(String::as_str).collect();
                                ui.flash = outside::edit_existing(term, &p.tasks_dir, &p.state_dir, &agents, &task).await;
                                keys = EventStream::new();
                            }
                            Effect::Priority { task, priority } => {
                                // The file too: a reload of the task files gives a pending task
                                // the priority its file says.
                                if let Err(e) = outside::set_priority(&setup.paths.tasks_dir, &setup.profiles, &setup.hosts, &task, priority) {
                                    ui.flash = e;
                                }
                                let action = crate::core::observation::TaskAction::Priority(priority);
                                if !handle.send(crate::core::observation::Intent::Task { task, action }) {
                                    ui.flash = "the engine has stopped".into();
                                }
                            }
                            Effect::WriteTask(new) => {
                                let names = crate::tasks::known_names(&setup.profiles, &setup.hosts); let agents: Vec<&str> = names.iter().map(String::as_str).collect();
                                ui.flash = outside::write_task(&setup.paths.tasks_dir, &new, &agents);
                            }
                        }
                    }
                }
                Some(Ok(_)) => {} // resize and the rest: the next draw fits the new size
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            changed = handle.changed(), if engine_alive => {
                if changed.is_err() {
                    engine_alive = false;
                    ui.flash = "the engine has stopped; see the log".into();
                }
            }
            Some(read) = rx.recv() => {
                // The preview's reads go one at a time; the log's history is apart.
                reading &= matches!(read, Read::History(_));
                match read {
                    Read::Screen(w, text) => ui.read.screen = Some(Screen { worker: w, text }),
                    Read::Branch(w, stats) => ui.read.branch = Some((w, stats)),
                    Read::History(Ok(rows)) => {
                        if let super::state::Dialog::EventLog(view) = &mut ui.dialog {
                            view.history = Some(std::sync::Arc::new(rows));
                        }
                    }
                    Read::History(Err(e)) => ui.flash = format!("reading the event log: {e}"),
                }
            }
            _ = tick.tick() => {}
        }
    }
}

/// Asks the engine for the stored event log once the log opens (again each time it opens);
/// returns whether it was asked for the log open now.
fn read_history(
    ui: &UiState,
    handle: &Handle,
    tx: &mpsc::UnboundedSender<Read>,
    asked: bool,
) -> bool {
    let super::state::Dialog::EventLog(view) = &ui.dialog else {
        return false;
    };
    if asked || view.history.is_some() {
        return true;
    }
    let (tx, handle) = (tx.clone(), handle.clone());
    tokio::spawn(async move {
        let _ = tx.send(Read::History(handle.history(HISTORY_SHOWN).await));
    });
    true
}

/// Asks the engine for the selected worker's screen or branch, in the background; false when
/// there is nothing to ask for.
fn read_preview(
    model: &Model,
    ui: &UiState,
    handle: &Handle,
    tx: &mpsc::UnboundedSender<Read>,
) -> bool {
    let Some(w) = ui.selected_worker(model) else {
        return false;
    };
    let (tx, handle) = (tx.clone(), handle.clone());
    match ui.preview {
        PreviewMode::Screen => {
            if let Some(gone) = model.workers.get(&w).filter(|x| !x.live) {
                let text = Text::from(format!("(no session: {})", gone.reason));
                let _ = tx.send(Read::Screen(w, text));
                return true;
            }
            let ansi = ui.color;
            tokio::spawn(async move {
                let text = match handle.screen(w, ansi).await {
                    Ok(raw) => raw
                        .as_bytes()
                        .into_text()
                        .unwrap_or_else(|_| Text::from(raw.clone())),
                    Err(e) => Text::from(format!("(no screen: {e})")),
                };
                let _ = tx.send(Read::Screen(w, text));
            });
        }
        PreviewMode::Branch => {
            let Some(task) = super::rows::branch_task(model, w) else {
                return false;
            };
            tokio::spawn(async move {
                let stats = handle.branch(&task).await;
                let _ = tx.send(Read::Branch(w, stats));
            });
        }
    }
    true
}
