//! The dashboard's loop: the engine runs in its own task and keeps deciding; this loop only
//! reads snapshots of its model, draws, and turns keys into operator intents.

use super::input::{Effect, on_key};
use super::keymap::spec_of;
use super::state::{PreviewMode, Screen, UiState};
use super::terminal::Term;
use super::{outside, view};
use crate::adapters::git::{BranchStats, Git};
use crate::adapters::store::Store;
use crate::adapters::tmux::Tmux;
use crate::core::model::{Model, WorkerId, branch_for};
use crate::engine::{Handle, Setup, now_ms};
use ansi_to_tui::IntoText;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use ratatui::text::Text;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// What background reads send back to the loop.
enum Read {
    Screen(WorkerId, Text<'static>),
    Branch(WorkerId, Result<BranchStats, String>),
}

pub struct Sources {
    pub setup: Setup,
    pub tmux: Arc<Tmux>,
    pub git: Option<Arc<Git>>,
    /// A second connection to the state store, for the event log (the engine writes it).
    pub store: Option<Store>,
}

const SCREEN_EVERY: Duration = Duration::from_millis(400);
const BRANCH_EVERY: Duration = Duration::from_secs(2);
const EVENTS_EVERY: Duration = Duration::from_secs(1);
/// The soonest the event log is read again after the model changed.
const EVENTS_SOON: Duration = Duration::from_millis(250);

pub async fn run(
    term: &mut Term,
    handle: &mut Handle,
    ui: &mut UiState,
    src: &Sources,
) -> anyhow::Result<()> {
    let mut keys = EventStream::new();
    let (tx, mut rx) = mpsc::unbounded_channel::<Read>();
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut reading = false;
    let mut last_read = Instant::now() - BRANCH_EVERY;
    let mut last_events = Instant::now() - EVENTS_EVERY;
    let mut engine_alive = true;
    loop {
        let model = handle.model();
        ui.clamp(&model);
        ui.now = now_ms();
        if last_events.elapsed() >= EVENTS_EVERY {
            last_events = Instant::now();
            if let Some(store) = &src.store {
                match store.events(40) {
                    Ok(ev) => ui.events = ev,
                    Err(e) => tracing::debug!("reading events: {e}"),
                }
            }
        }
        let every = match ui.preview {
            PreviewMode::Screen => SCREEN_EVERY,
            PreviewMode::Branch => BRANCH_EVERY,
        };
        if !reading && last_read.elapsed() >= every {
            reading = read_preview(&model, ui, src, &tx);
            last_read = Instant::now();
        }
        term.draw(|f| view::render(f, &model, ui))?;

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
                            Effect::Attach(w) => {
                                // The key reader must not compete with tmux for the terminal.
                                drop(keys);
                                let session = model.session_name(w);
                                ui.flash = outside::attach(term, &src.setup.socket, &session).await?;
                                keys = EventStream::new();
                            }
                            Effect::EditTask => {
                                drop(keys);
                                let p = &src.setup.paths;
                                let agents: Vec<&str> = src.setup.profiles.keys().map(String::as_str).collect();
                                ui.flash = outside::edit_task(term, &p.tasks_dir, &p.state_dir, &agents).await;
                                keys = EventStream::new();
                            }
                            Effect::WriteTask(new) => {
                                let agents: Vec<&str> = src.setup.profiles.keys().map(String::as_str).collect();
                                ui.flash = outside::write_task(&src.setup.paths.tasks_dir, &new, &agents);
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
                } else if last_events.elapsed() >= EVENTS_SOON {
                    // The model moved: its events are in the store now.
                    last_events = Instant::now() - EVENTS_EVERY;
                }
            }
            Some(read) = rx.recv() => {
                reading = false;
                match read {
                    Read::Screen(w, text) => ui.screen = Some(Screen { worker: w, text }),
                    Read::Branch(w, stats) => ui.branch = Some((w, stats)),
                }
            }
            _ = tick.tick() => {}
        }
    }
}

/// Starts reading the selected worker's screen or branch in the background; false when there
/// is nothing to read.
fn read_preview(
    model: &Model,
    ui: &UiState,
    src: &Sources,
    tx: &mpsc::UnboundedSender<Read>,
) -> bool {
    let Some(w) = ui.selected_worker(model) else {
        return false;
    };
    let tx = tx.clone();
    match ui.preview {
        PreviewMode::Screen => {
            if let Some(gone) = model.workers.get(&w).filter(|x| !x.live) {
                let text = Text::from(format!("(no session: {})", gone.reason));
                let _ = tx.send(Read::Screen(w, text));
                return true;
            }
            let tmux = Arc::clone(&src.tmux);
            let session = model.session_name(w);
            let ansi = ui.color;
            tokio::spawn(async move {
                let text = match tmux.capture(&session, ansi).await {
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
            let task = super::rows::branch_task(model, w);
            let (Some(task), Some(git)) = (task, src.git.clone()) else {
                return false;
            };
            let base = model.base.clone();
            tokio::task::spawn_blocking(move || {
                let stats = git
                    .branch_stats(&base, &branch_for(&task))
                    .map_err(|e| e.to_string());
                let _ = tx.send(Read::Branch(w, stats));
            });
        }
    }
    true
}
